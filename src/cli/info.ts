// `wasmlp info` and `wasmlp export`: what a model file holds, and the model as ONNX.
import { init } from "../runtime/core.js";
import { decodeAnyModel, decodeInferenceModel, modelFormat, type ModelFileFormat } from "../io/load.js";
import "../io/onnx/export.js"; // registers the encoder model.toONNX() uses
import { encodeQuantizedOnnx } from "../io/onnx/export-quantized.js";
import { parseSafetensors } from "../io/safetensors.js";
import type { Sequential } from "../model/model.js";
import type { ModelOrigin } from "../model/origin.js";
import { QuantizedModel } from "../model/quantized-model.js";
import { checkWritable, filesBeside, readFileBytes, saveFile } from "../node/files.js";
import { formatCount, formatLoss, formatPercent } from "../util/format.js";
import { Options, parse, UsageError } from "./args.js";
import { type Io, sibling } from "./io.js";

/** Usage of `wasmlp info`. */
export const INFO_USAGE = `Usage: wasmlp info <model> [--json]

The model's layers and parameter counts, its input preprocessing, format version,
compile settings and training record (epochs, last epoch's metrics, date saved).
An ONNX file or a TensorFlow.js model.json is read as wasmlp imports it; a model
converted from one says where it came from and which source nodes became which layers.`;

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
  const any = await decodeInferenceModel(bytes, {}, { name: path, sideFiles: filesBeside(path, undefined) });
  if (any instanceof QuantizedModel) return quantizedInfo(path, bytes, any, io);
  const model = any;
  const format = modelFormat(bytes, path);
  try {
    const meta = format === "wasmlp" ? parseSafetensors(bytes).metadata : {};
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
      compile: parse("compile"), training: parse("training"), optimizerState: meta.optimizer !== undefined, origin: model.origin,
    };
    if (io.json) {
      io.result(info);
      return 0;
    }
    const what = format === "wasmlp" ? `wasmlp model, format version ${info.formatVersion}` : `${FORMAT_NAMES[format]}, read as wasmlp imports it`;
    const lines = [`${path}: ${what}, ${formatCount(bytes.length)} bytes`, "", layerTable(info.inputs, layers), ""];
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
      const last = t.last ? Object.entries(t.last).map(([k, v]) => `${k} ${k.toLowerCase().includes("accuracy") ? formatPercent(v as number) : formatLoss(v as number)}`).join(", ") : "";
      lines.push(`trained: ${t.epochs} epoch${t.epochs === 1 ? "" : "s"}${last ? `; last epoch ${last}` : ""}${t.saved ? `; saved ${t.saved}` : ""}`);
    }
    if (info.origin) lines.push("", ...originLines(info.origin));
    io.log(lines.join("\n"));
    return 0;
  } finally {
    model.dispose();
  }
}

/** `wasmlp info` of an int8 model: its layers with their input codes' scale and zero point, and how it was calibrated. */
function quantizedInfo(path: string, bytes: Uint8Array, model: QuantizedModel, io: Io): number {
  try {
    const meta = parseSafetensors(bytes).metadata;
    const state = model.state();
    const layers = state.layers.map((l, i) => ({
      index: i, type: l.type, ...(l.type === "maxout" ? { pieces: l.pieces } : { activation: l.activation }), outputs: l.units,
      parameters: l.weights.length + l.bias.length, inputScale: l.inputScale, inputZeroPoint: l.inputZeroPoint,
    }));
    const p = state.preprocessing;
    const info = {
      command: "info", file: path, bytes: bytes.length, format: meta.format, formatVersion: meta.format_version, quantized: true,
      inputs: model.inputs, outputs: model.outputs, parameters: layers.reduce((a, l) => a + l.parameters, 0), layers,
      preprocessing: p && { method: p.method, columns: p.columns?.map((c) => c.name), target: p.target },
      calibration: state.calibration, evaluation: state.evaluation, origin: state.origin,
    };
    if (io.json) {
      io.result(info);
      return 0;
    }
    const c = state.calibration;
    const lines = [`${path}: wasmlp int8 model, format version ${info.formatVersion}, ${formatCount(bytes.length)} bytes`, "", layerTable(info.inputs, layers), "",
      `int8 weights (symmetric per output unit), 7-bit activation codes; calibrated on ${formatCount(c.rows)} rows (${c.method}${c.percentile === undefined ? "" : ` ${c.percentile}`})`];
    if (p?.columns) lines.push(`input columns: ${p.columns.map((col) => col.name).join(", ")}`);
    if (p?.target) lines.push(`target: ${p.target.name}${p.target.classes ? ` (classes ${p.target.classes.join(", ")})` : ""}`);
    if (state.origin) lines.push("", ...originLines(state.origin));
    io.log(lines.join("\n"));
    return 0;
  } finally {
    model.dispose();
  }
}

const FORMAT_NAMES: Record<ModelFileFormat, string> = { wasmlp: "wasmlp model", onnx: "ONNX model", "tfjs-layers": "TensorFlow.js Layers model" };

/** Where an imported model came from, and a table of what each source node became. */
export function originLines(origin: ModelOrigin): string[] {
  const source = [origin.format === "onnx" ? "ONNX" : origin.format === "tfjs-layers" ? "TensorFlow.js Layers" : origin.format,
    origin.producer ? `from ${origin.producer}` : "", origin.opset ? `opset ${origin.opset}` : ""].filter(Boolean).join(", ");
  const width = Math.max(4, ...origin.nodes.map((n) => n.name.length));
  const opWidth = Math.max(2, ...origin.nodes.map((n) => n.op.length));
  return [`imported: ${source}`, ...origin.nodes.map((n) => `  ${n.name.padEnd(width)}  ${n.op.padEnd(opWidth)}  → ${n.became}`)];
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
  const out = o.string("out") ?? sibling(path, ".onnx");
  await checkWritable(out);
  const bytes = await readFileBytes(path);
  await init({ threads: 1 });
  const model = await decodeInferenceModel(bytes, {}, { name: path, sideFiles: filesBeside(path, undefined) });
  try {
    const onnx = model instanceof QuantizedModel ? encodeQuantizedOnnx(model.state()) : model.toONNX();
    await saveFile(out, onnx);
    if (io.json) io.result({ command: "export", model: path, format: "onnx", out, bytes: onnx.length });
    else io.log(`wrote ${out} (ONNX, ${formatCount(onnx.length)} bytes)`);
    return 0;
  } finally {
    model.dispose();
  }
}

/** The model file at `path` (named in any error; a wasmlp, ONNX or TensorFlow.js model), its bytes and format; one thread is enough to read a model. */
export async function openModelFile(path: string): Promise<{ bytes: Uint8Array; model: Sequential; format: ModelFileFormat }> {
  const bytes = await readFileBytes(path);
  await init({ threads: 1 });
  return { bytes, model: await decodeAnyModel(bytes, {}, { name: path, sideFiles: filesBeside(path, undefined) }), format: modelFormat(bytes, path) };
}

/** What the layer table shows of a layer. */
interface LayerRow {
  index: number;
  type: string;
  activation?: string;
  pieces?: number;
  rate?: number;
  outputs: number;
  parameters: number;
}

/** The layers as an aligned table: index, type, activation (or maxout pieces, dropout rate), outputs, parameters. */
function layerTable(inputs: number, layers: LayerRow[]): string {
  const rows = [
    ["layer", "type", "activation", "outputs", "parameters"],
    ["input", "", "", formatCount(inputs), ""],
    ...layers.map((l) => [String(l.index), l.type, l.activation ?? (l.pieces ? `×${l.pieces} pieces` : l.rate !== undefined ? `rate ${l.rate}` : ""),
      formatCount(l.outputs), formatCount(l.parameters)]),
    ["total", "", "", "", formatCount(layers.reduce((a, l) => a + l.parameters, 0))],
  ];
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((c, j) => (j >= 3 ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join("  ").trimEnd()).join("\n");
}

function outputsOf(inputs: number, layers: { type: string; units?: number }[], i: number): number {
  let width = inputs;
  for (let j = 0; j <= i; j++) if (layers[j].type !== "dropout") width = layers[j].units!;
  return width;
}
