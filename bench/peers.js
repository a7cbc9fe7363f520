// The peers, measured in the same run on the same shapes and network:
// TensorFlow.js with its WebAssembly backend (XNNPACK, SIMD, loaded from
// node_modules by path) and brain.js. Each returns figures keyed by our row names.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sklearnFigures } from "./sklearn.js";
import { brainTinyUsPerEpoch } from "./small.js";
import { benchData, median } from "./train.js";
import { measure } from "./timing.js";

/** Loads TensorFlow.js on its wasm backend; resolves to the tf namespaces. */
async function loadTf() {
  const tf = await import("@tensorflow/tfjs-core");
  const tfl = await import("@tensorflow/tfjs-layers");
  const { setWasmPaths } = await import("@tensorflow/tfjs-backend-wasm");
  const dir = path.dirname(fileURLToPath(import.meta.resolve("@tensorflow/tfjs-backend-wasm"))) + path.sep;
  setWasmPaths(dir);
  await tf.setBackend("wasm");
  await tf.ready();
  return { tf, tfl };
}

/** The benchmark network in TensorFlow.js: 784-256-128-10, ReLU, softmax cross-entropy, Adam 1e-3. */
function tfjsModel(tf, tfl) {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [784], units: 256, activation: "relu" }),
      tfl.layers.dense({ units: 128, activation: "relu" }),
      tfl.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "sparseCategoricalCrossentropy" });
  return model;
}

/** TensorFlow.js wasm figures: GEMM GFLOP/s per form and shape, training and inference throughput. */
export async function tfjsFigures({ quick, log, shapes }) {
  const { train } = await benchData({ quick, log });
  const { tf, tfl } = await loadTf();
  const out = {};
  for (const [M, K, N] of shapes) {
    const a = tf.randomNormal([M, K]);
    const at = tf.randomNormal([K, M]);
    const b = tf.randomNormal([K, N]);
    const bt = tf.randomNormal([N, K]);
    const forms = { nn: () => tf.matMul(a, b), nt: () => tf.matMul(a, bt, false, true), tn: () => tf.matMul(at, b, true, false) };
    for (const [form, op] of Object.entries(forms)) {
      const s = measure(() => { const c = op(); c.dataSync(); c.dispose(); }, { quick });
      out[`gemm_${form}_${M}x${K}x${N}`] = (2 * M * K * N) / s / 1e9;
    }
    [a, at, b, bt].forEach((t) => t.dispose());
  }
  const model = tfjsModel(tf, tfl);
  const rows = quick ? 1024 : Math.min(train.rows, 6400);
  const xs = tf.tensor2d(train.x.subarray(0, rows * 784), [rows, 784]);
  const ys = tf.tensor1d(train.labels.subarray(0, rows), "float32");
  await model.fit(xs, ys, { epochs: 1, batchSize: 128, verbose: 0 });
  const rates = [];
  for (let i = 0; i < (quick ? 2 : 5); i++) {
    const t0 = performance.now();
    await model.fit(xs, ys, { epochs: 1, batchSize: 128, verbose: 0 });
    rates.push(rows / ((performance.now() - t0) / 1000));
  }
  out.train_samples_per_s_1t = median(rates);
  const batch = tf.tensor2d(tile(train.x, 10000 * 784), [10000, 784]);
  out.infer_samples_per_s_1t = 10000 / measure(() => { const p = model.predict(batch, { batchSize: 10000 }); p.dataSync(); p.dispose(); }, { quick });
  const one = tf.tensor2d(train.x.subarray(0, 784), [1, 784]);
  out.predict_one_us = 1e6 * measure(() => { const p = model.predict(one); p.dataSync(); p.dispose(); }, { quick });
  [xs, ys, batch, one].forEach((t) => t.dispose());
  model.dispose();
  return out;
}

/** Trains the benchmark network one epoch with TensorFlow.js (wasm backend), for peak-memory measurement. */
export async function tfjsTrainOnce(x, labels, rows) {
  const { tf, tfl } = await loadTf();
  const model = tfjsModel(tf, tfl);
  await model.fit(tf.tensor2d(x, [rows, 784]), tf.tensor1d(labels, "float32"), { epochs: 1, batchSize: 128, verbose: 0 });
}

/** brain.js figures for the same network: per-sample training and inference throughput. */
export async function brainFigures({ quick, log }) {
  const { train } = await benchData({ quick, log });
  const brain = (await import("brain.js")).default;
  const net = new brain.NeuralNetwork({ hiddenLayers: [256, 128], activation: "relu", learningRate: 0.01 });
  const n = quick ? 100 : 500;
  const data = Array.from({ length: n }, (_, i) => {
    const output = new Array(10).fill(0);
    output[train.labels[i]] = 1;
    return { input: Array.from(train.x.subarray(i * 784, (i + 1) * 784)), output };
  });
  net.train(data.slice(0, 20), { iterations: 1 });
  const t0 = performance.now();
  net.train(data, { iterations: 1 });
  const trainRate = n / ((performance.now() - t0) / 1000);
  const t1 = performance.now();
  for (const d of data) net.run(d.input);
  const inferRate = n / ((performance.now() - t1) / 1000);
  return { train_samples_per_s_1t: trainRate, infer_samples_per_s_1t: inferRate, predict_one_us: 1e6 / inferRate };
}

function tile(src, length) {
  const out = new Float32Array(length);
  for (let off = 0; off < length; off += src.length) out.set(src.subarray(0, Math.min(src.length, length - off)), off);
  return out;
}

/** Rows comparing each wasmlp figure with the same figure of each peer (ratio > 1: wasmlp is better). */
export async function peerRows(rows, { quick, log }) {
  const shapes = [...new Set(rows.filter((r) => r.name.startsWith("gemm_")).map((r) => r.name.match(/_(\d+x\d+x\d+)(_|$)/)?.[1]).filter(Boolean))]
    .map((s) => s.split("x").map(Number));
  const peers = [];
  try { peers.push(["tfjs-wasm", await tfjsFigures({ quick, log, shapes })]); } catch (e) { log(`TensorFlow.js failed: ${e?.message ?? e}`); }
  try {
    const figures = await brainFigures({ quick, log });
    if (rows.some((r) => r.name === "train_tiny_us_per_epoch")) figures.train_tiny_us_per_epoch = await brainTinyUsPerEpoch({ quick });
    peers.push(["brain.js", figures]);
  } catch (e) { log(`brain.js failed: ${e?.message ?? e}`); }
  // scikit-learn ran as a section of its own (a child process per thread count): its rows become a peer's figures.
  const sklearn = sklearnFigures(rows);
  if (Object.keys(sklearn).length > 0) peers.push(["scikit-learn", sklearn]);
  const out = [];
  for (const r of rows) {
    const matches = peers.filter(([, figures]) => figures[r.name] !== undefined);
    if (matches.length === 0) out.push(r);
    for (const [peer, figures] of matches) {
      const peerValue = round(figures[r.name]);
      const lowerIsBetter = r.unit === "µs" || r.unit === "MiB";
      out.push({ ...r, peer, peerValue, ratio: round(lowerIsBetter ? peerValue / r.value : r.value / peerValue) });
    }
  }
  return out;
}

function round(x) {
  return Math.round(x * 100) / 100;
}
