// Small networks on small batches, where a step's fixed costs (option handling,
// checks, callbacks, kernel calls) rather than its arithmetic set the pace:
// XOR on 2-8-1 (tanh, sigmoid output, Adam), thousands of epochs of one 4-row
// batch, beside brain.js on the same four samples (bench/peers.js); and a
// 13-64-3 classifier (ReLU, softmax, Adam) on 142 rows of 13 columns (the size
// of the Wine data's training split) in batches of 32. Only the time matters
// here, so the 142 rows are seeded values with a class each.
import { mlp, xor } from "../dist/index.js";
import { median } from "./train.js";

const TINY_EPOCHS = 5000;
const SMALL = { rows: 142, cols: 13, classes: 3, batch: 32 };

/** Median seconds of `run()` over `repetitions` runs, after one untimed run. */
async function medianSeconds(run, repetitions) {
  await run();
  const times = [];
  for (let i = 0; i < repetitions; i++) {
    const t0 = performance.now();
    await run();
    times.push((performance.now() - t0) / 1000);
  }
  return median(times);
}

/** µs per epoch of XOR on 2-8-1: 5,000 epochs of one 4-row batch, each epoch one optimizer step. */
async function tinyUsPerEpoch(repetitions) {
  const data = xor();
  const model = await mlp([2, 8, 1], { activation: "tanh", output: "sigmoid", seed: 1 });
  model.compile({ loss: "binaryCrossentropy", optimizer: { type: "adam", learningRate: 0.01 } });
  const seconds = await medianSeconds(() => model.fit(data.x, data.targets, { epochs: TINY_EPOCHS, batchSize: 4 }), repetitions);
  model.dispose();
  return (1e6 * seconds) / TINY_EPOCHS;
}

/** 142 rows of 13 values in [-1, 1) from a fixed seed, each labelled by the sign pattern of two column sums. */
function smallData() {
  const x = new Float32Array(SMALL.rows * SMALL.cols);
  let s = 12345;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2147483648 - 1;
  }
  const labels = Int32Array.from({ length: SMALL.rows }, (_, r) => {
    const row = x.subarray(r * SMALL.cols, (r + 1) * SMALL.cols);
    return (row[0] + row[1] > 0 ? 1 : 0) + (row[2] - row[3] > 0.5 ? 1 : 0);
  });
  return { x, labels };
}

/** µs per optimizer step of 13-64-3 on 142 rows in batches of 32 (five steps an epoch). */
async function smallUsPerStep(repetitions, epochs) {
  const { x, labels } = smallData();
  const model = await mlp([SMALL.cols, 64, SMALL.classes], { activation: "relu", seed: 1 });
  model.compile({ optimizer: { type: "adam", learningRate: 1e-3 } });
  const seconds = await medianSeconds(() => model.fit(x, labels, { epochs, batchSize: SMALL.batch }), repetitions);
  model.dispose();
  return (1e6 * seconds) / (epochs * Math.ceil(SMALL.rows / SMALL.batch));
}

/** Rows train_tiny_us_per_epoch and train_small_us_per_step. */
export async function smallSection({ quick, log }) {
  const repetitions = quick ? 3 : 7;
  log(`small: XOR 2-8-1 × ${TINY_EPOCHS} epochs of 4 rows; 13-64-3 on ${SMALL.rows} rows, batch ${SMALL.batch}`);
  return [
    { name: "train_tiny_us_per_epoch", value: await tinyUsPerEpoch(repetitions), unit: "µs" },
    { name: "train_small_us_per_step", value: await smallUsPerStep(repetitions, 1000), unit: "µs" },
  ];
}

/** brain.js on the XOR of train_tiny_us_per_epoch (2-8-1, its default sigmoid): µs per epoch, one pass of per-sample updates over the four samples. */
export async function brainTinyUsPerEpoch({ quick }) {
  const brain = (await import("brain.js")).default;
  const data = xor();
  const samples = Array.from({ length: data.rows }, (_, i) => ({ input: [data.x[2 * i], data.x[2 * i + 1]], output: [data.targets[i]] }));
  const net = new brain.NeuralNetwork({ hiddenLayers: [8] });
  // The smallest threshold brain.js accepts: it would otherwise stop once the error is small, running fewer epochs than asked.
  const seconds = await medianSeconds(() => net.train(samples, { iterations: TINY_EPOCHS, errorThresh: Number.MIN_VALUE }), quick ? 3 : 7);
  return (1e6 * seconds) / TINY_EPOCHS;
}
