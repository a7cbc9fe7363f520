// Compiled by test/types.test.ts: the public types accept what the library accepts and catch the usual mistakes.
// Each @ts-expect-error line must be an error, or tsc reports the directive as unused.
import {
  mlp, sine, spiral, xor, type ByteMatrix, type Matrix, type Predictor, type QuantizeMethod, type QuantizedModel, type Sequential, type ToyDataset,
} from "../../src/index.js";
import type { WorkerModel } from "../../src/worker/client.js";

export async function tour(model: Sequential, batch: Float32Array | number[][], worker: WorkerModel): Promise<void> {
  // Losses and metrics by their accepted names and aliases.
  model.compile({ loss: "binaryCrossentropy", metrics: ["accuracy"] });
  model.compile({ loss: "binary_crossentropy", metrics: ["acc"] });
  model.compile({ loss: "mse", metrics: ["mae", "mse", "mean_absolute_error", "meanSquaredError"] });
  // @ts-expect-error: a misspelt loss
  model.compile({ loss: "crossentrpy" });
  // @ts-expect-error: a misspelt metric
  model.compile({ metrics: ["accuracyy"] });
  // @ts-expect-error: metrics is a list
  model.compile({ metrics: "accuracy" });

  // predict(): the output follows the input, and a union of inputs gives a union of outputs.
  const flat: Float32Array = model.predict(new Float32Array(4));
  const rows: number[][] = model.predict([[0, 1]]);
  const one: number[] = model.predict([0, 1]);
  const either: Float32Array | Matrix | number[][] = model.predict(batch);
  // @ts-expect-error: a Float32Array in is a Float32Array out, not rows
  const notRows: number[][] = model.predict(new Float32Array(4));
  void [flat, rows, one, either, notRows];

  // Classes and labels.
  const classes: Int32Array = model.predictClasses(batch);
  const labels: Uint8Array = model.predictLabels(batch, { threshold: 0.3 }).data;
  // @ts-expect-error: a misspelt option
  model.predictLabels(batch, { treshold: 0.3 });
  const fromWorker: ByteMatrix = await worker.predictLabels(batch, { threshold: 0.3 });
  void [classes, labels, fromWorker];

  // The int8 model predicts with the same forms, and either model is a Predictor.
  const int8: QuantizedModel = model.quantize({ calibration: batch });
  const methods: QuantizeMethod[] = ["auto", "percentile", "minmax"];
  model.quantize({ calibration: batch, method: methods[0], percentile: 99.9 }).dispose();
  // @ts-expect-error: no such calibration method
  model.quantize({ calibration: batch, method: "kl" });
  const int8Flat: Float32Array = int8.predict(new Float32Array(4));
  const int8One: number[] = int8.predict([0, 1]);
  // @ts-expect-error: a Float32Array in is a Float32Array out, not rows
  const int8Rows: number[][] = int8.predict(new Float32Array(4));
  for await (const c of int8.predictStream([batch], { output: "classes" })) void (c satisfies Int32Array);
  const stream: TransformStream<unknown, Float32Array> = int8.predictTransform();
  const models: Predictor[] = [model, int8];
  const bytes: Uint8Array[] = [int8.save(), int8.toONNX()];
  // @ts-expect-error: an int8 model does not train
  await int8.fit(batch, classes);
  void [int8Flat, int8One, int8Rows, stream, models, bytes];

  // Toy data sets: a classification set has labels, a regression set targets, so fit() takes them as they are.
  const data = spiral({ pointsPerClass: 10 });
  const classifier = await mlp([2, 8, data.classes]);
  await classifier.fit(data.x, data.labels, { epochs: 1 });
  const { accuracy } = classifier.evaluate(data.x, data.labels);
  await classifier.fit(data.x, data.labels, { epochs: 1, validationData: [data.x, data.labels] });
  // @ts-expect-error: validationData is [x, y]
  await classifier.fit(data.x, data.labels, { validationData: [data.x] });
  const wave = sine({ n: 8 });
  await model.fit(wave.x, wave.targets, { epochs: 1 });
  const corners: Float32Array = xor().targets;
  // @ts-expect-error: a regression set has no labels
  void sine().labels;
  // @ts-expect-error: a classification set has no targets
  void spiral().targets;
  // @ts-expect-error: sampled XOR comes with labels only
  void xor({ n: 8 }).targets.length;
  // Code that takes either kind as a ToyDataset still reads its optional fields.
  const sets: ToyDataset[] = [spiral(), sine()];
  const counts = sets.map((d) => d.labels?.length ?? d.targets?.length);
  void [accuracy, corners, counts];
}
