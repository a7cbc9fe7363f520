// `wasmlp quantize`: a float model file as an int8 one, its activation ranges
// calibrated on rows of the model's own data, with accuracy before and after
// on test data when given.
import { ModelFileError } from "../errors.js";
// Registers the int8 file encoder that q.save() uses.
import "../io/quantized-file.js";
import type { Sequential } from "../model/model.js";
import { QuantizedModel } from "../model/quantized-model.js";
import type { ByteMatrix, Matrix } from "../nn/input.js";
import type { Evaluation } from "../train/trainer.js";
import { checkWritable, saveFile } from "../node/files.js";
import { formatCount, formatLoss, formatPercent } from "../util/format.js";
import { Options, parse, UsageError } from "./args.js";
import type { Loaded } from "./data.js";
import { type Io, sibling } from "./io.js";
import { dataFor, openModel } from "./model-and-data.js";

/** Usage of `wasmlp quantize`. */
export const QUANTIZE_USAGE = `Usage: wasmlp quantize <model> --calibration <data> [--out <file>] [--test <data>] [options]

Writes the model as an int8 model file (format 1.1, about a quarter of the size):
weights symmetric per output unit, each layer's input range calibrated on rows of
--calibration (a CSV file with the model's columns, or IDX images), read as the
model reads them. 'wasmlp predict', 'evaluate' and 'info' read the result.

Options:
  --calibration <data>      rows to calibrate on (a CSV file, an IDX folder's train files,
                            or an images and a labels IDX file joined by a comma)
  --out, -o <file>          output (default: the model's name with .int8.safetensors)
  --test <data>             scored data: prints loss and accuracy of the float and int8 models
                            (an IDX folder gives its t10k files)
  --rows <n>                calibrate on the first n rows (default 2000)
  --method <m>              auto (default: both below, keeping the one closer to the float model
                            on the calibration rows), percentile (rare outliers clipped) or minmax
  --percentile <p>          for percentile and auto, in (50, 100] (default 99.99)
  --delimiter, --decimal, --thousands, --day-first, --missing   how the CSV files are written
  --json                    the result as JSON`;

/** Runs `wasmlp quantize`. */
export async function quantizeCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse("quantize", argv, {
    calibration: { type: "string" }, out: { type: "string", short: "o" }, test: { type: "string" }, rows: { type: "string" },
    method: { type: "string" }, percentile: { type: "string" }, missing: { type: "string" },
    delimiter: { type: "string" }, decimal: { type: "string" }, thousands: { type: "string" }, "day-first": { type: "boolean" },
    json: { type: "boolean" }, help: { type: "boolean", short: "h" },
  });
  const o = new Options(values, "quantize");
  const modelPath = positionals[0];
  if (!modelPath || positionals.length > 1) throw new UsageError("expected one model file", "quantize");
  const calibrationPath = o.string("calibration");
  if (calibrationPath === undefined) throw new UsageError("--calibration is required: a CSV file or IDX images of typical inputs", "quantize");
  const method = o.choice("method", ["auto", "percentile", "minmax"] as const, "auto");
  const percentile = o.number("percentile", undefined, 50, 100);
  if (percentile !== undefined && method === "minmax") throw new UsageError("--percentile goes with --method percentile or auto", "quantize");
  if (percentile === 50) throw new UsageError("--percentile must be above 50", "quantize");
  const rows = o.int("rows", 2000);
  const testPath = o.string("test");
  const out = o.string("out") ?? sibling(modelPath, ".int8.safetensors");
  if (out === modelPath) throw new UsageError(`--out ${out} is the model being quantised; choose another file`, "quantize");
  o.choice("missing", ["error", "drop"] as const);
  await checkWritable(out);

  const model = await openModel({ command: "quantize", o, modelPath, dataPaths: [calibrationPath, ...(testPath ? [testPath] : [])] });
  let q: QuantizedModel | undefined;
  try {
    if (model instanceof QuantizedModel) throw new ModelFileError(`${modelPath} is already an int8 model; quantise the float model it came from`);
    const paths = (p: string) => p.split(",");
    const calibration = await dataFor(model, { o, command: "quantize", paths: paths(calibrationPath), split: "train" }, false);
    const test = testPath === undefined ? undefined : await dataFor(model, { o, command: "quantize", paths: paths(testPath), split: "test" }, true);
    q = model.quantize({ calibration: firstRows(calibration.x, rows), method, ...(percentile === undefined ? {} : { percentile }) });
    const bytes = q.save();
    await saveFile(out, bytes);
    const scores = test && { float: scoreFloat(model, test), int8: score(q, test) };
    const used = Math.min(rows, calibration.x.rows);
    const kept = q.state().calibration;
    if (io.json) {
      io.result({ command: "quantize", model: modelPath, out, bytes: bytes.length, calibration: { data: calibration.description, rows: used, method: kept.method, percentile: kept.percentile },
        ...(scores && { test: test!.description, rows: test!.x.rows, ...scores }) });
      return 0;
    }
    const lines = [`wrote ${out} (int8 model, ${formatCount(bytes.length)} bytes), calibrated on ${formatCount(used)} rows of ${calibration.description} (${methodText(method, kept)})`];
    if (scores) {
      lines.push(`${test!.description}:`, `  float32  ${scoreText(scores.float)}`, `  int8     ${scoreText(scores.int8)}`);
      if (scores.float.accuracy !== undefined && scores.int8.accuracy !== undefined) {
        lines.push(`  accuracy change ${((scores.int8.accuracy - scores.float.accuracy) * 100).toFixed(2)} points`);
      }
    }
    io.log(lines.join("\n"));
    return 0;
  } finally {
    q?.dispose();
    model.dispose();
  }
}

/** The first `n` rows of a batch (views, not copies). */
function firstRows(x: Matrix | ByteMatrix, n: number): Matrix | ByteMatrix {
  const rows = Math.min(n, x.rows);
  return { ...x, rows, data: x.data.subarray(0, rows * x.cols) } as Matrix | ByteMatrix;
}

/** The float model's score; a model never compiled (imported) is scored with its output's default loss, as evaluate does. */
function scoreFloat(model: Sequential, test: Loaded): Evaluation {
  if (model.learningRate === undefined) model.compile({ metrics: test.labels ? ["accuracy"] : [] });
  return score(model, test);
}

function score(model: Sequential | QuantizedModel, test: Loaded): Evaluation {
  return model.evaluate(test.x, (test.labels ?? test.targets)!);
}

function scoreText(e: Evaluation): string {
  return `loss ${formatLoss(e.loss)}${e.accuracy === undefined ? "" : `  accuracy ${formatPercent(e.accuracy)}`}`;
}

/** The calibration used, in words: 'auto' says which method it kept. */
function methodText(asked: string, used: { method: string; percentile?: number }): string {
  const kept = used.percentile === undefined ? used.method : `${used.method} ${used.percentile}`;
  return asked === "auto" ? `auto: ${kept}` : kept;
}
