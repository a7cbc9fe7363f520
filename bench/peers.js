// The peers, measured in the same run on the same shapes and network:
// TensorFlow.js with its WebAssembly backend (XNNPACK, SIMD, loaded from
// node_modules by path) and brain.js. Each returns figures keyed by our row names.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "./train.js";

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

/** Median seconds per call of fn over `reps` timed batches of `inner` calls, after a warm-up. */
function time(fn, { reps = 7, minMs = 30 } = {}) {
  for (let i = 0; i < 3; i++) fn();
  let inner = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) fn();
    if (performance.now() - t0 >= minMs) break;
    inner *= 2;
  }
  const samples = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) fn();
    samples.push((performance.now() - t0) / 1000 / inner);
  }
  return median(samples);
}

/** TensorFlow.js wasm figures: GEMM GFLOP/s per form and shape, training and inference throughput. */
export async function tfjsFigures({ quick, shapes, train }) {
  const { tf, tfl } = await loadTf();
  const out = {};
  for (const [M, K, N] of shapes) {
    const a = tf.randomNormal([M, K]);
    const at = tf.randomNormal([K, M]);
    const b = tf.randomNormal([K, N]);
    const bt = tf.randomNormal([N, K]);
    const forms = { nn: () => tf.matMul(a, b), nt: () => tf.matMul(a, bt, false, true), tn: () => tf.matMul(at, b, true, false) };
    for (const [form, op] of Object.entries(forms)) {
      const s = time(() => { const c = op(); c.dataSync(); c.dispose(); }, { reps: quick ? 3 : 7 });
      out[`gemm_${form}_${M}x${K}x${N}`] = (2 * M * K * N) / s / 1e9;
    }
    [a, at, b, bt].forEach((t) => t.dispose());
  }
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [784], units: 256, activation: "relu" }),
      tfl.layers.dense({ units: 128, activation: "relu" }),
      tfl.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "sparseCategoricalCrossentropy" });
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
  const batch = tf.tensor2d(train.x.subarray(0, 10000 * 784).length === 10000 * 784 ? train.x.subarray(0, 10000 * 784) : tile(train.x, 10000 * 784), [10000, 784]);
  out.infer_samples_per_s_1t = 10000 / time(() => { const p = model.predict(batch); p.dataSync(); p.dispose(); }, { reps: quick ? 3 : 5 });
  const one = tf.tensor2d(train.x.subarray(0, 784), [1, 784]);
  out.predict_one_us = 1e6 * time(() => { const p = model.predict(one); p.dataSync(); p.dispose(); });
  [xs, ys, batch, one].forEach((t) => t.dispose());
  model.dispose();
  return out;
}

/** brain.js figures for the same network: per-sample training and inference throughput. */
export async function brainFigures({ quick, train }) {
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
  net.train(data, { iterations: 1, errorThresh: 0 });
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
