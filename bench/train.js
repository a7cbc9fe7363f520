// Training and inference throughput of 784-256-128-10 (ReLU, softmax
// cross-entropy, Adam 1e-3, batch 128) on Fashion-MNIST: the full set when
// Debian's dataset-fashion-mnist is installed, the committed subset otherwise.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { getCore, mlp } from "../dist/index.js";
import { loadFashionMnist } from "../dist/node/files.js";

const FULL = "/usr/share/datasets/fashion-mnist";
const FIXTURE = fileURLToPath(new URL("../test/fixtures/fashion-mnist", import.meta.url));

/** Median of an array of numbers. */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Which Fashion-MNIST a run uses: the full set when installed (and not --quick), else the committed subset. */
export function dataSource({ quick }) {
  const full = !quick && existsSync(FULL);
  return { full, dir: full ? FULL : FIXTURE, description: full ? "full Fashion-MNIST (60,000 training images)" : "committed Fashion-MNIST subset (6,000 training images)" };
}

let cached;
/** Fashion-MNIST scaled to [0, 1], from dataSource(). */
export async function benchData({ quick, log }) {
  if (cached) return cached;
  const { full, dir, description } = dataSource({ quick });
  const { train, test } = await loadFashionMnist(dir);
  log(`data: ${description}${full ? "" : " (install dataset-fashion-mnist for the full set)"}`);
  const scale = (x) => Float32Array.from(x, (v) => v / 255);
  cached = { full, train: { x: scale(train.x), labels: train.labels, rows: train.rows }, test: { x: scale(test.x), labels: test.labels, rows: test.rows } };
  return cached;
}

/** Rows per epoch and timed epochs (after one warm-up epoch) of the training benchmark, for peers to match. */
export function trainRun({ quick }, trainRows) {
  return { rows: quick ? 2048 : Math.min(trainRows, 12800), epochs: quick ? 3 : 7 };
}

/** Rows of the training benchmark section. */
export async function trainSection({ quick, log, latency = true }) {
  const { train, test } = await benchData({ quick, log });
  const x = train.x;
  const model = await mlp([784, 256, 128, 10], { activation: "relu", seed: 1 });
  log(`training section: the ${getCore().build} SIMD build on ${getCore().threads} thread(s)`);
  model.compile({ optimizer: { type: "adam", learningRate: 1e-3 }, metrics: ["accuracy"] });
  const { rows: rowsPerRun, epochs } = trainRun({ quick }, train.rows);
  const xs = x.subarray(0, rowsPerRun * 784);
  const ys = train.labels.subarray(0, rowsPerRun);
  await model.fit(xs, ys, { epochs: 1, batchSize: 128 }); // warm-up: V8 compiles wasm lazily
  const rates = [];
  for (let i = 0; i < epochs; i++) {
    const t0 = performance.now();
    await model.fit(xs, ys, { epochs: 1, batchSize: 128 });
    rates.push(rowsPerRun / ((performance.now() - t0) / 1000));
  }
  const rows = [
    { name: "train_samples_per_s_1t", value: median(rates), unit: "samples/s" },
    // After the warm-up and timed epochs: what a peer trained as long on the same rows is compared with.
    { name: "train_test_accuracy_1t", value: 100 * model.evaluate(test.x, test.labels).accuracy, unit: "%" },
  ];

  const tx = test.x;
  const batch = new Float32Array(10000 * 784);
  for (let off = 0; off < batch.length; off += tx.length) batch.set(tx.subarray(0, Math.min(tx.length, batch.length - off)), off);
  model.predict(batch);
  const infer = [];
  for (let i = 0; i < (quick ? 3 : 7); i++) {
    const t0 = performance.now();
    model.predict(batch);
    infer.push(10000 / ((performance.now() - t0) / 1000));
  }
  rows.push({ name: "infer_samples_per_s_1t", value: median(infer), unit: "samples/s" });

  if (!latency) {
    model.dispose();
    return rows;
  }
  const one = tx.slice(0, 784);
  for (let i = 0; i < 200; i++) model.predict(one);
  const lat = [];
  for (let r = 0; r < 7; r++) {
    const n = 500;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) model.predict(one);
    lat.push(((performance.now() - t0) * 1000) / n);
  }
  rows.push({ name: "predict_one_us", value: median(lat), unit: "µs" });
  model.dispose();
  return rows;
}
