// Int8 inference of the 784-256-128-10 benchmark network trained on
// Fashion-MNIST and quantised with model.quantize(): batch inference of 10,000
// rows on one and two threads, int8 over float32 on each SIMD build (the same
// weights in a core of each build, float and int8 interleaved in one
// measurement, so load elsewhere costs both alike), one sample through the
// public predict(), and the test accuracy the quantisation costs.
import { createCore, getCore, relaxedSimdSupported } from "../dist/runtime/core.js";
import { mlp } from "../dist/index.js";
import { Network } from "../dist/nn/network.js";
import { outputsOf } from "../dist/model/predict.js";
import { QuantizedNet } from "../dist/model/quantized-net.js";
import { checkQuantizedState } from "../dist/model/quantized-state.js";
import { checkTensors, writeTensors } from "../dist/model/weights.js";
import { measureAll } from "./timing.js";
import { benchData } from "./train.js";

const BATCH = 10000;
const CALIBRATION_ROWS = 2000;

/** Rows int8_* of the int8 section. */
export async function int8Section({ quick, log }) {
  const { train, test } = await benchData({ quick, log });
  const model = await mlp([784, 256, 128, 10], { activation: "relu", seed: 1 });
  model.compile({ optimizer: { type: "adam", learningRate: 1e-3 }, metrics: ["accuracy"] });
  const epochs = quick ? 1 : 3;
  await model.fit(train.x, train.labels, { epochs, batchSize: 128 });
  const q = model.quantize({ calibration: { data: train.x.subarray(0, CALIBRATION_ROWS * 784), rows: CALIBRATION_ROWS, cols: 784 } });
  const floatAccuracy = model.evaluate(test.x, test.labels).accuracy;
  const int8Accuracy = q.evaluate(test.x, test.labels).accuracy;
  log(`int8: after ${epochs} epoch(s), test accuracy ${(100 * floatAccuracy).toFixed(2)}% float32, ${(100 * int8Accuracy).toFixed(2)}% int8; ` +
    `weights ${q.weightBytes} bytes packed int8`);

  const batch = repeatRows(test.x, BATCH);
  const rows = { data: batch, rows: BATCH, cols: 784 };
  const builds = relaxedSimdSupported() ? ["plain", "relaxed"] : ["plain"];
  if (builds.length === 1) log("int8: this engine lacks relaxed SIMD (Node 20: run with --experimental-wasm-relaxed-simd), so no int8_speedup_relaxed_1t row");
  const state = checkQuantizedState(q.state());
  const cores = [];
  const cases = [];
  try {
    for (const build of builds) {
      const core = await createCore({ simd: build, threads: 1 });
      cores.push(core);
      cases.push(...pair(core, model, state, rows, build));
    }
    const two = await createCore({ simd: builds[builds.length - 1], threads: 2 });
    cores.push(two);
    cases.push(...pair(two, model, state, rows, "2t"));
    const one = new Float32Array(test.x.subarray(0, 784));
    cases.push({ name: "one", run: () => q.predict(one) });
    const seconds = measureAll(cases.map((c) => c.run), { quick, minMs: quick ? 20 : 100, repetitions: quick ? 5 : 9 });
    const t = Object.fromEntries(cases.map((c, i) => [c.name, seconds[i]]));
    const best = builds[builds.length - 1];
    log(`int8: ${best} build for int8_infer_samples_per_s_*; the default core (${getCore().build}) for int8_predict_one_us`);
    const out = [
      { name: "int8_infer_samples_per_s_1t", value: Math.round(BATCH / t[`int8_${best}`]), unit: "samples/s" },
      { name: "int8_infer_samples_per_s_2t", value: Math.round(BATCH / t["int8_2t"]), unit: "samples/s" },
      ...builds.map((b) => ({ name: `int8_speedup_${b}_1t`, value: round(t[`float_${b}`] / t[`int8_${b}`]), unit: "×" })),
      { name: "int8_speedup_2t", value: round(t["float_2t"] / t["int8_2t"]), unit: "×" },
      { name: "int8_predict_one_us", value: round(t.one * 1e6), unit: "µs" },
      { name: "int8_fashion_accuracy_drop_points", value: round(100 * (floatAccuracy - int8Accuracy)), unit: "points" },
    ];
    return out;
  } finally {
    for (const core of cores) await core.stopPool();
    q.dispose();
    model.dispose();
  }
}

/** Cases float_<tag> and int8_<tag>: the model's float weights and its quantised state, each predicting `rows` in `core`. */
function pair(core, model, state, rows, tag) {
  const float = new Network(core, model.inputs, model.toConfig().layers, 1);
  writeTensors(core, float.params, checkTensors(float, model.getWeights(), "bench"));
  float.weightsChanged();
  const int8 = new QuantizedNet(core, state);
  return [
    { name: `float_${tag}`, run: () => outputsOf(float, rows, undefined) },
    { name: `int8_${tag}`, run: () => outputsOf(int8, rows, undefined) },
  ];
}

/** `n` rows of 784 taken from `x` in turn. */
function repeatRows(x, n) {
  const out = new Float32Array(n * 784);
  for (let off = 0; off < out.length; off += x.length) out.set(x.subarray(0, Math.min(x.length, out.length - off)), off);
  return out;
}

function round(x) {
  return Math.round(x * 1000) / 1000;
}
