// Fashion-MNIST from its IDX files through the library API: images stay bytes
// (one per pixel) and are scaled to [0, 1] per batch by the saved preprocessing.
// Uses the full data set when installed (apt-get install dataset-fashion-mnist),
// else the 6,000/1,000-image subset committed under test/fixtures.
// Run: node examples/fashion-mnist.js        (EPOCHS=30 for the full recipe's length)
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { FASHION_MNIST_CLASSES, confusionMatrix, confusionMatrixSvg, mlp, scaling, trainingCurvesSvg } from "../dist/index.js";
import { loadIdxFolder } from "../dist/node/files.js";
import { QUICK, save } from "./_output.js";

const FULL = "/usr/share/datasets/fashion-mnist";
const dir = existsSync(FULL) && !QUICK ? FULL : fileURLToPath(new URL("../test/fixtures/fashion-mnist/", import.meta.url));
const [train, test] = [await loadIdxFolder(dir, "train"), await loadIdxFolder(dir, "test")];
console.log(`${dir}: ${train.rows} training and ${test.rows} test images`);

const epochs = Number(process.env.EPOCHS ?? (QUICK ? 2 : 10));
const model = await mlp([784, 256, 128, 10], { activation: "relu", dropout: 0.2, seed: 1 });
model.compile({ optimizer: { type: "adam", learningRate: 1e-3 }, metrics: ["accuracy"] });
model.setPreprocessing(scaling(1 / 255)); // saved with the model: predict() takes raw pixels
const asBytes = (d) => ({ data: d.x, rows: d.rows, cols: d.cols });
const history = await model.fit(asBytes(train), train.labels, {
  epochs, batchSize: 128, learningRateSchedule: { type: "cosine" }, validationData: [asBytes(test), test.labels],
  callbacks: { onEpochEnd: (e, l) => console.log(`epoch ${e + 1}/${epochs}  loss ${l.loss.toFixed(4)}  test accuracy ${(100 * l.valAccuracy).toFixed(2)}%`) },
});
const predicted = model.predictClasses(asBytes(test));
const { accuracy } = model.evaluate(asBytes(test), test.labels);
console.log(`test accuracy ${(100 * accuracy).toFixed(2)}%`);
save("fashion-training.svg", trainingCurvesSvg(history, { title: "Fashion-MNIST 784-256-128-10 (validation = test set)" }));
save("fashion-confusion.svg", confusionMatrixSvg(confusionMatrix(test.labels, predicted, 10), [...FASHION_MNIST_CLASSES], { title: `Fashion-MNIST test: ${(100 * accuracy).toFixed(2)}% correct` }));
model.dispose();
