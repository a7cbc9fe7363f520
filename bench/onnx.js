// An imported ONNX model run by wasmlp and by onnxruntime-web (its WebAssembly
// build, one thread, loaded from node_modules) on the same inputs: batch
// throughput, one-sample latency, the .wasm each loads, and how far apart their
// outputs are. The model is the benchmark network (784-256-128-10, ReLU,
// softmax) trained one epoch on Fashion-MNIST and written as ONNX by toONNX(),
// a graph of Gemm, Relu and Softmax nodes as PyTorch's exporters write it.
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { getCore, load, mlp } from "../dist/index.js";
import { benchData, median } from "./train.js";
import { measure } from "./timing.js";

const BATCH = 10_000;

/** Median seconds per call of an async function (onnxruntime's run() is asynchronous). */
async function measureAsync(fn, { quick, minMs = quick ? 20 : 40, repetitions = quick ? 5 : 11 } = {}) {
  let calls = 0;
  const t0 = performance.now();
  do { await fn(); calls++; } while (performance.now() - t0 < 150 || calls < 3);
  const inner = Math.max(1, Math.ceil(minMs / ((performance.now() - t0) / calls)));
  const times = [];
  for (let r = 0; r < repetitions; r++) {
    const t = performance.now();
    for (let j = 0; j < inner; j++) await fn();
    times.push((performance.now() - t) / 1000 / inner);
  }
  return median(times);
}

/** The benchmark network, trained briefly so that its outputs are not uniform, as ONNX bytes. */
async function onnxModel({ quick, log }) {
  const { train } = await benchData({ quick, log });
  const model = await mlp([784, 256, 128, 10], { activation: "relu", seed: 1 });
  model.compile({ optimizer: { type: "adam", learningRate: 1e-3 } });
  const rows = quick ? 2048 : 12_800;
  await model.fit(train.x.subarray(0, rows * 784), train.labels.subarray(0, rows), { epochs: 1, batchSize: 128 });
  const bytes = model.toONNX();
  model.dispose();
  return bytes;
}

/** Rows comparing wasmlp and onnxruntime-web on the imported model (ratio > 1: wasmlp better). */
export async function onnxSection({ quick, log }) {
  const { test } = await benchData({ quick, log });
  const bytes = await onnxModel({ quick, log });
  const batch = new Float32Array(BATCH * 784);
  for (let off = 0; off < batch.length; off += test.x.length) batch.set(test.x.subarray(0, Math.min(test.x.length, batch.length - off)), off);
  const one = batch.subarray(0, 784);

  const model = await load(bytes);
  const ours = model.predict(batch); // flat rows in, flat rows out
  const wasmlpBatch = measure(() => model.predict(batch), { quick, minMs: 0, repetitions: quick ? 5 : 11 });
  const wasmlpOne = measure(() => model.predict(one), { quick });
  model.dispose();
  const build = getCore().build === "relaxed" ? "wasmlp-relaxed.wasm" : "wasmlp.wasm";
  const wasmlpBytes = statSync(fileURLToPath(new URL(`../build/${build}`, import.meta.url))).size;

  const ort = await import("onnxruntime-web");
  ort.env.wasm.wasmPaths = new URL("./", import.meta.resolve("onnxruntime-web")).href;
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(bytes);
  const run = (x, rows) => session.run({ input: new ort.Tensor("float32", x, [rows, 784]) });
  const theirs = (await run(batch, BATCH)).output.data;
  const ortBatch = await measureAsync(() => run(batch, BATCH), { quick, minMs: 0 });
  const ortOne = await measureAsync(() => run(one, 1), { quick });
  await session.release();
  const ortBytes = statSync(fileURLToPath(new URL("./ort-wasm-simd-threaded.wasm", import.meta.resolve("onnxruntime-web")))).size;

  let diff = 0;
  for (let i = 0; i < ours.length; i++) diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
  log(`onnx: ${build} (${wasmlpBytes} bytes) against onnxruntime-web ${ort.env.versions?.web ?? ""} (${ortBytes} bytes), max |Δ| ${diff.toExponential(2)}`);
  const peer = "onnxruntime-web";
  const rate = (s) => BATCH / s;
  return [
    { name: "onnx_infer_samples_per_s_1t", value: rate(wasmlpBatch), unit: "samples/s", peer, peerValue: rate(ortBatch), ratio: ortBatch / wasmlpBatch },
    { name: "onnx_predict_one_us", value: 1e6 * wasmlpOne, unit: "µs", peer, peerValue: 1e6 * ortOne, ratio: ortOne / wasmlpOne },
    { name: "onnx_wasm_bytes", value: wasmlpBytes, unit: "bytes", peer, peerValue: ortBytes, ratio: ortBytes / wasmlpBytes },
    { name: "onnx_max_abs_diff", value: diff, unit: "" },
  ].map((r) => (r.peerValue === undefined ? r : { ...r, peerValue: round(r.peerValue), ratio: round(r.ratio) }));
}

function round(x) {
  return Math.round(x * 100) / 100;
}
