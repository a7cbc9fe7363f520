// `wasmlp predict`: a saved model's outputs for every row of a data file, as CSV:
// the class and its probabilities (log-probabilities), or the predicted values.
// CSV data is streamed (predict-stream.ts); images are read whole.
import { stat } from "node:fs/promises";
import { checkWritable } from "../node/files.js";
import { formatCount } from "../util/format.js";
import { UsageError } from "./args.js";
import { isIdx } from "./data.js";
import { csvOptions, type Io } from "./io.js";
import { openModel, openModelAndData, parseModelAndData, reportClassNames } from "./model-and-data.js";
import { streamPredict, writeOutput } from "./predict-stream.js";
import { PredictionCsv, predictionLayout, predictionRecords } from "./prediction-csv.js";

/** Usage of `wasmlp predict`. */
export const PREDICT_USAGE = `Usage: wasmlp predict <model> <data...> [-] [options]

Writes the model's predictions for every row as CSV: the predicted class and one
probability column per class (classifiers; log-probabilities for a logSoftmax output),
or the predicted values (regression).

  <data>                 a CSV file (the target column may be absent), - for standard input,
                         a folder in the MNIST layout (its t10k files; --split train for the
                         others), or an images IDX file and a labels IDX file
  --split train|test     which files of a folder (default test)
  --missing error|drop   CSV rows with missing cells (default error)
  --delimiter <char>|tab CSV field separator (default: detected from the first lines: , ; tab |)
  --decimal .|,          CSV decimal mark (default: as the model was trained, else . ; a comma when
                         ;-separated numbers look like 1,5)
  --thousands <char>     CSV thousands separator, as in "1,297" (default: as the model was trained)
  --day-first            CSV dates such as 01/02/2024 day first (a model reads dates as it was trained)
  --out <file.csv>|-     where to write (default, or -: standard output; a - after the data
                         says the same)
  --class-names a,b,...  class names (default: the model's, or the indices)
  --json                 print the predictions as JSON instead of CSV, held in memory until the
                         end (or, with --out, a summary)

CSV rows are read, predicted and written a batch at a time, in constant memory
whatever the size of the data, so '- -' makes predict a filter. An --out file is
written under a temporary name beside it and renamed when every row is written:
after an error (a malformed row, say, named by file, line and column) no partial
file is left. On standard output the rows before the error stay written. Ctrl-C
stops after the batch being predicted, the same way, with exit code 130.`;

/** Runs `wasmlp predict`. */
export async function predictCommand(argv: string[], io: Io): Promise<number> {
  const args = parseModelAndData("predict", argv, { out: { type: "string", short: "o" } });
  const { o, modelPath, dataPaths } = args;
  let out = o.string("out");
  if (dataPaths.length === 2 && dataPaths[1] === "-") {
    // `predict model.safetensors - -`: the second - is standard output.
    if (out !== undefined && out !== "-") throw new UsageError(`a trailing - writes to standard output, but --out names ${out}; give one of them`, "predict");
    dataPaths.pop();
    out = "-";
  }
  if (out !== undefined && out !== "-") await checkWritable(out);
  if (dataPaths.length === 1 && (dataPaths[0] === "-" || await isCsvPath(dataPaths[0]))) {
    const model = await openModel(args);
    try {
      const layout = () => predictionLayout(model, () => reportClassNames(args, model));
      return await streamPredict({ model, modelPath, input: dataPaths[0], out, csv: csvOptions(o, model.preprocessing), layout }, io);
    } finally {
      model.dispose();
    }
  }
  // Images (IDX files) are read whole, as evaluate and train read them.
  const { model, data, names } = await openModelAndData(args, false);
  try {
    const outputs = model.predict(data.x).data;
    const layout = predictionLayout(model, names);
    if (io.json && (out === undefined || out === "-")) {
      io.result({ command: "predict", model: modelPath, data: data.description, rows: data.x.rows, predictions: predictionRecords(layout, outputs, data.x.rows) });
      return 0;
    }
    await writeOutput(out, async (write) => {
      const csv = new PredictionCsv(layout, data.lines ? "line" : "row", write);
      await csv.header();
      await csv.rows(outputs, data.x.rows, data.lines);
      await csv.end();
    });
    if (out === undefined || out === "-") return 0;
    if (io.json) io.result({ command: "predict", model: modelPath, data: data.description, rows: data.x.rows, out });
    else io.log(`wrote ${formatCount(data.x.rows)} predictions to ${out}`);
    return 0;
  } finally {
    model.dispose();
  }
}

/** Whether `path` is read as a CSV file: anything but a folder or an IDX file (a missing file is reported when it is opened). */
async function isCsvPath(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return !info || (!info.isDirectory() && !(await isIdx(path)));
}
