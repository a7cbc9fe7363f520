// `wasmlp predict`: a saved model's outputs for every row of a data file, as CSV:
// the class and its probabilities (log-probabilities), or the predicted values.
import type { Sequential } from "../model/model.js";
import { checkWritable, saveFile } from "../node/files.js";
import { formatCount } from "../util/format.js";
import type { Io } from "./io.js";
import { openModelAndData, parseModelAndData } from "./model-and-data.js";

/** Usage of `wasmlp predict`. */
export const PREDICT_USAGE = `Usage: wasmlp predict <model> <data...> [options]

Writes the model's predictions for every row as CSV: the predicted class and one
probability column per class (classifiers; log-probabilities for a logSoftmax output),
or the predicted values (regression).

  <data>                 a CSV file (the target column may be absent), a folder in the MNIST
                         layout (its t10k files; --split train for the others), or an images
                         IDX file and a labels IDX file
  --split train|test     which files of a folder (default test)
  --missing error|drop   CSV rows with missing cells (default error)
  --delimiter <char>|tab CSV field separator (default: detected from the first lines: , ; tab |)
  --decimal .|,          CSV decimal mark (default: as the model was trained, else . ; a comma when
                         ;-separated numbers look like 1,5)
  --thousands <char>     CSV thousands separator, as in "1,297" (default: as the model was trained)
  --day-first            CSV dates such as 01/02/2024 day first (a model reads dates as it was trained)
  --out <file.csv>       where to write (default: standard output)
  --class-names a,b,...  class names (default: the model's, or the indices)
  --json                 print the predictions as JSON instead of CSV (or, with --out, a summary)`;

/** Runs `wasmlp predict`. */
export async function predictCommand(argv: string[], io: Io): Promise<number> {
  const args = parseModelAndData("predict", argv, { out: { type: "string", short: "o" } });
  const { o, modelPath } = args;
  const out = o.string("out");
  if (out) await checkWritable(out);
  const { model, data, names } = await openModelAndData(args, false);
  try {
    const outputs = model.predict(data.x).data;
    const rows = predictionRows(model, outputs, data.x.rows, names);
    if (out) {
      await saveFile(out, new TextEncoder().encode(toCsv(rows, data.lines)));
      if (io.json) io.result({ command: "predict", model: modelPath, data: data.description, rows: data.x.rows, out });
      else io.log(`wrote ${formatCount(data.x.rows)} predictions to ${out}`);
    } else if (io.json) {
      io.result({ command: "predict", model: modelPath, data: data.description, rows: data.x.rows, predictions: rows.records });
    } else {
      process.stdout.write(toCsv(rows, data.lines));
    }
    return 0;
  } finally {
    model.dispose();
  }
}

interface Rows {
  header: string[];
  records: Record<string, string | number>[];
}

/** One record per row: class and probabilities for a softmax/sigmoid classifier (log-probabilities for logSoftmax), else the output values. */
function predictionRows(model: Sequential, out: Float32Array, rows: number, classNames: () => string[]): Rows {
  const k = model.outputs;
  const last = model.toConfig().layers.at(-1)!;
  const logProbabilities = last.activation === "logSoftmax";
  const classifier = last.activation === "softmax" || logProbabilities || (last.activation === "sigmoid" && k === 1);
  const records: Record<string, string | number>[] = [];
  if (classifier && k > 1) {
    const names = classNames();
    const columns = names.map((n) => (logProbabilities ? `log p(${n})` : `p(${n})`));
    const header = ["class", ...columns];
    for (let r = 0; r < rows; r++) {
      const p = out.subarray(r * k, (r + 1) * k);
      let best = 0;
      for (let j = 1; j < k; j++) if (p[j] > p[best]) best = j;
      const rec: Record<string, string | number> = { class: names[best] };
      columns.forEach((c, j) => { rec[c] = round(p[j]); });
      records.push(rec);
    }
    return { header, records };
  }
  if (classifier) {
    for (let r = 0; r < rows; r++) records.push({ class: out[r] > 0.5 ? 1 : 0, "p(1)": round(out[r]) });
    return { header: ["class", "p(1)"], records };
  }
  const target = model.preprocessing?.target?.name ?? "value";
  const header = k === 1 ? [target] : Array.from({ length: k }, (_, j) => `${target}${j}`);
  for (let r = 0; r < rows; r++) records.push(Object.fromEntries(header.map((h, j) => [h, round(out[r * k + j])])));
  return { header, records };
}

function toCsv(rows: Rows, lines?: Int32Array): string {
  const header = lines ? ["line", ...rows.header] : ["row", ...rows.header];
  const out = [header.map(quote).join(",")];
  rows.records.forEach((rec, i) => out.push([lines ? lines[i] : i, ...rows.header.map((h) => rec[h])].map((v) => quote(String(v))).join(",")));
  return out.join("\n") + "\n";
}

function quote(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function round(v: number): number {
  return Number(v.toPrecision(6));
}
