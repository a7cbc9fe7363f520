// `wasmlp info` and `wasmlp export`: what a model file holds, and the model as ONNX.
import { init } from "../runtime/core.js";
import { decodeModel } from "../io/model-file.js";
import { parseSafetensors } from "../io/safetensors.js";
import { readFileBytes, writeFileAtomic } from "../node/files.js";
import { Options, parse, UsageError } from "./args.js";
import { type Io, sibling } from "./io.js";

/** Usage of `wasmlp info`. */
export const INFO_USAGE = `Usage: wasmlp info <model> [--json]

The model's layers and parameter counts, its input preprocessing, format version,
compile settings and training record (epochs, last epoch's metrics, date saved).`;

/** Usage of `wasmlp export`. */
export const EXPORT_USAGE = `Usage: wasmlp export <model> [--out <file.onnx>] [--json]

Writes the model as ONNX (opset 21), computing what predict() computes, preprocessing
included (default output: the model's name with .onnx).`;

/** Runs `wasmlp info`. */
export async function infoCommand(argv: string[], io: Io): Promise<number> {
  const { positionals } = parse("info", argv, { json: { type: "boolean" }, help: { type: "boolean", short: "h" } });
  const path = positionals[0];
  if (!path || positionals.length > 1) throw new UsageError("expected one model file", "info");
  const bytes = await readFileBytes(path);
  await init({ threads: 1 });
  const model = decodeModel(bytes);
  try {
    const meta = parseSafetensors(bytes).metadata;
    const parse = (key: string) => (meta[key] === undefined ? undefined : JSON.parse(meta[key]));
    const config = model.toConfig();
    const weights = model.getWeights();
    const layers = config.layers.map((l, i) => ({
      index: i, ...l, outputs: outputsOf(config.inputs, config.layers, i),
      parameters: weights.filter((w) => w.name.startsWith(`layers.${i}.`)).reduce((a, w) => a + w.data.length, 0),
    }));
    const p = model.preprocessing;
    const info = {
      command: "info", file: path, bytes: bytes.length, format: meta.format, formatVersion: meta.format_version,
      inputs: model.inputs, outputs: model.outputs, parameters: model.parameterCount, seed: config.seed, layers,
      preprocessing: p && { method: p.method, columns: p.columns?.map((c) => c.name), target: p.target },
      compile: parse("compile"), training: parse("training"), optimizerState: meta.optimizer !== undefined,
    };
    if (io.json) {
      io.result(info);
      return 0;
    }
    const lines = [`${path}: wasmlp model, format version ${info.formatVersion}, ${bytes.length.toLocaleString("en-US")} bytes`, "", model.summary(), ""];
    if (p) {
      lines.push(`preprocessing: ${p.method}${typeof p.scale === "number" ? ` (×${p.scale.toPrecision(4)} ${p.offset === 0 ? "" : `+ ${Number(p.offset).toPrecision(4)}`})`.trimEnd() : " per input"}`);
      if (p.columns) lines.push(`input columns: ${p.columns.map((c) => (c.categories ? `${c.name} (one-hot: ${c.categories.join(", ")})` : c.name)).join(", ")}`);
      if (p.target) lines.push(`target: ${p.target.name}${p.target.classes ? ` (classes ${p.target.classes.join(", ")})` : ""}`);
    }
    if (info.compile) {
      const { type, ...rest } = info.compile.optimizer ?? {};
      lines.push(`compiled: loss ${info.compile.loss}, optimizer ${type} ${JSON.stringify(rest)}${info.compile.l2 ? `, l2 ${info.compile.l2}` : ""}`);
    }
    const t = info.training;
    if (t) {
      const last = t.last ? Object.entries(t.last).map(([k, v]) => `${k} ${k.toLowerCase().includes("accuracy") ? `${(100 * (v as number)).toFixed(2)}%` : (v as number).toFixed(4)}`).join(", ") : "";
      lines.push(`trained: ${t.epochs} epoch${t.epochs === 1 ? "" : "s"}${last ? `; last epoch ${last}` : ""}${t.saved ? `; saved ${t.saved}` : ""}`);
    }
    io.log(lines.join("\n"));
    return 0;
  } finally {
    model.dispose();
  }
}

/** Runs `wasmlp export`. */
export async function exportCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse("export", argv, {
    out: { type: "string", short: "o" }, format: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" },
  });
  const o = new Options(values, "export");
  o.choice("format", ["onnx"] as const, "onnx");
  const path = positionals[0];
  if (!path || positionals.length > 1) throw new UsageError("expected one model file", "export");
  const bytes = await readFileBytes(path);
  await init({ threads: 1 });
  const model = decodeModel(bytes);
  try {
    const out = o.string("out") ?? sibling(path, ".onnx");
    const onnx = model.toONNX();
    await writeFileAtomic(out, onnx);
    if (io.json) io.result({ command: "export", model: path, format: "onnx", out, bytes: onnx.length });
    else io.log(`wrote ${out} (ONNX, ${onnx.length.toLocaleString("en-US")} bytes)`);
    return 0;
  } finally {
    model.dispose();
  }
}

function outputsOf(inputs: number, layers: { type: string; units?: number }[], i: number): number {
  let width = inputs;
  for (let j = 0; j <= i; j++) if (layers[j].type !== "dropout") width = layers[j].units!;
  return width;
}
