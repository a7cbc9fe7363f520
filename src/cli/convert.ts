// `wasmlp convert`: an ONNX file or a TensorFlow.js model as a wasmlp model file,
// which loads without its side files and remembers where it came from.
import { saveFile, checkWritable } from "../node/files.js";
import { formatCount } from "../util/format.js";
import { parse, UsageError, Options } from "./args.js";
import { openModelFile, originLines } from "./info.js";
import { type Io, sibling } from "./io.js";

/** Usage of `wasmlp convert`. */
export const CONVERT_USAGE = `Usage: wasmlp convert <model> [--out <file.safetensors>] [--json]

Reads an ONNX file (with its .onnx.data side file, if any) or a TensorFlow.js
model.json (with its weight files) and writes it as a wasmlp model file (default:
the model's name with .safetensors). The file keeps the source's format, producer,
opset and which source nodes became which layers; 'wasmlp info' shows them.`;

/** Runs `wasmlp convert`. */
export async function convertCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse("convert", argv, { out: { type: "string", short: "o" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } });
  const path = positionals[0];
  if (!path || positionals.length > 1) throw new UsageError("expected one model file (.onnx or model.json)", "convert");
  const out = new Options(values, "convert").string("out") ?? sibling(path, ".safetensors");
  if (out === path) throw new UsageError(`--out ${out} is the model being converted; choose another file`, "convert");
  await checkWritable(out);
  const { model, format } = await openModelFile(path);
  try {
    const bytes = model.save();
    await saveFile(out, bytes);
    if (io.json) {
      io.result({ command: "convert", model: path, from: format, out, bytes: bytes.length, layers: model.layers.length, origin: model.origin });
    } else {
      io.log([`wrote ${out} (wasmlp model, ${formatCount(bytes.length)} bytes, ${model.layers.length} layer${model.layers.length === 1 ? "" : "s"})`,
        ...(model.origin ? originLines(model.origin) : [`${path} was already a wasmlp model`])].join("\n"));
    }
    return 0;
  } finally {
    model.dispose();
  }
}
