// `wasmlp evaluate`: loss, accuracy, per-class precision and recall, and the
// confusion matrix (as a table and as a picture) of a saved model on labelled data.
import { classScores, confusionMatrix, type ClassScores } from "../model/confusion.js";
import { Sequential } from "../model/model.js";
import { checkWritable, saveFile } from "../node/files.js";
import { confusionMatrixSvg } from "../plot/svg.js";
import { formatCount, formatLoss, formatPercent } from "../util/format.js";
import type { Loaded } from "./data.js";
import { type Io, sibling } from "./io.js";
import { openModelAndData, parseModelAndData, type InferenceModel } from "./model-and-data.js";

/** Usage of `wasmlp evaluate`. */
export const EVALUATE_USAGE = `Usage: wasmlp evaluate <model> <data...> [options]

Loss and accuracy of a saved model on labelled data, per-class precision and recall,
and the confusion matrix, printed and drawn as an SVG picture.

  <data>                 a CSV file (read with the model's columns), a folder in the MNIST
                         layout (its t10k files; --split train for the others), or an
                         images IDX file and a labels IDX file
  --split train|test     which files of a folder (default test)
  --missing error|drop   CSV rows with missing cells (default error)
  --delimiter <char>|tab CSV field separator (default: detected from the first lines: , ; tab |)
  --decimal .|,          CSV decimal mark (default: as the model was trained, else . ; a comma when
                         ;-separated numbers look like 1,5)
  --thousands <char>     CSV thousands separator, as in "1,297" (default: as the model was trained)
  --day-first            CSV dates such as 01/02/2024 day first (a model reads dates as it was trained)
  --class-names a,b,...  class names for the report (default: the model's, or the indices)
  --plot <file.svg>      where to draw the confusion matrix (default: <model>.confusion.svg)
  --no-plot              draw nothing
  --json                 print the results as one JSON object`;

/** What evaluating a classifier finds. */
export interface ClassificationReport {
  loss: number;
  accuracy: number;
  classes: (ClassScores & { name: string })[];
  confusionMatrix: number[][];
}

/** Loss, accuracy, confusion matrix and per-class scores of `model` on `data`. */
export function classificationReport(model: InferenceModel, data: Loaded, names: string[]): ClassificationReport {
  const { loss } = model.evaluate(data.x, data.labels!);
  const predicted = model.predictClasses(data.x);
  // One sigmoid output answers yes or no: two classes. Accuracy is read off the matrix, so it needs no compiled metric.
  const matrix = confusionMatrix(data.labels!, predicted, Math.max(model.outputs, 2));
  const correct = matrix.reduce((sum, row, i) => sum + row[i], 0);
  return { loss, accuracy: correct / predicted.length, classes: classScores(matrix).map((s, i) => ({ name: names[i], ...s })), confusionMatrix: matrix };
}

/** What evaluating a regression model finds, in the targets' units: mean squared error (loss), its root, mean absolute error. */
export interface RegressionReport {
  loss: number;
  rmse: number;
  mae: number;
}

/** Mean squared error, root mean squared error and mean absolute error of a regression model. */
export function regressionReport(model: InferenceModel, data: Loaded): RegressionReport {
  const out = model.predict(data.x).data;
  let se = 0;
  let ae = 0;
  for (let i = 0; i < out.length; i++) {
    const d = out[i] - data.targets![i];
    se += d * d;
    ae += Math.abs(d);
  }
  // In the targets' units, from the predictions (evaluate's loss is in the units the model learns them in).
  return { loss: se / out.length, rmse: Math.sqrt(se / out.length), mae: ae / out.length };
}

/** The report as aligned text: totals, a per-class table and the confusion matrix. */
export function formatReport(r: ClassificationReport): string {
  const w = Math.max(5, ...r.classes.map((c) => c.name.length));
  const lines = [`loss ${formatLoss(r.loss)}  accuracy ${formatPercent(r.accuracy)}`, ""];
  lines.push(`${"class".padEnd(w)}  precision  recall     f1  support`);
  for (const c of r.classes) {
    lines.push(`${c.name.padEnd(w)}  ${formatPercent(c.precision, 1).padStart(9)}  ${formatPercent(c.recall, 1).padStart(6)}  ` +
      `${formatPercent(c.f1, 1).padStart(5)}  ${formatCount(c.support).padStart(7)}`);
  }
  const cw = Math.max(4, ...r.confusionMatrix.flat().map((v) => String(v).length)) + 1;
  lines.push("", `confusion matrix (rows: true class, columns: predicted ${r.classes.map((_, i) => i).join(" ")})`);
  r.confusionMatrix.forEach((row, i) => lines.push(`${String(i).padStart(3)} ${r.classes[i].name.padEnd(w)} ${row.map((v) => String(v).padStart(cw)).join("")}`));
  return lines.join("\n");
}

/** Runs `wasmlp evaluate`. */
export async function evaluateCommand(argv: string[], io: Io): Promise<number> {
  const args = parseModelAndData("evaluate", argv, { plot: { type: "string" }, "no-plot": { type: "boolean" } });
  const { o, modelPath } = args;
  const picture = o.flag("no-plot") ? undefined : o.string("plot") ?? sibling(modelPath, ".confusion.svg");
  if (picture) await checkWritable(picture);
  const { model, data, names } = await openModelAndData(args, true);
  try {
    // An imported model was never compiled: its loss is the default for its output, as a Keras user's evaluate would use.
    // An int8 model scores with the loss and metrics of the float model it came from.
    if (model instanceof Sequential && model.learningRate === undefined) model.compile();
    if (data.task === "regression" || !data.labels) {
      const r = regressionReport(model, data);
      if (io.json) io.result({ command: "evaluate", model: modelPath, data: data.description, rows: data.x.rows, ...r });
      else io.log(`${data.description}\nmean squared error ${r.loss.toPrecision(5)}  root mean squared error ${r.rmse.toPrecision(5)}  mean absolute error ${r.mae.toPrecision(5)}`);
      return 0;
    }
    const classes = names();
    const report = classificationReport(model, data, classes);
    if (picture) {
      await saveFile(picture, new TextEncoder().encode(confusionMatrixSvg(report.confusionMatrix, classes,
        { title: `Confusion matrix: ${formatPercent(report.accuracy)} correct` })));
    }
    if (io.json) io.result({ command: "evaluate", model: modelPath, data: data.description, rows: data.x.rows, ...report, picture });
    else io.log(`${data.description}\n${formatReport(report)}${picture ? `\n\nwrote ${picture}` : ""}`);
    return 0;
  } finally {
    model.dispose();
  }
}
