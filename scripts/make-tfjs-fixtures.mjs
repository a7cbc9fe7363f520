// Writes the TensorFlow.js Layers fixtures in test/fixtures/tfjs/: small Sequential and
// functional models built and briefly trained with TensorFlow.js itself (tfjs-layers on the
// wasm backend, the devDependencies the benchmarks use), saved through tf.io.withSaveHandler
// into model.json plus weight files laid out as TensorFlow.js writes them, and the predictions
// TensorFlow.js gives for each folder's files when it loads them back (expected.json).
//
// Every initializer, dropout mask and data set is seeded, and training does not shuffle, so a
// run writes the same files. TensorFlow.js saves no quantized or sharded weights itself (its
// converter does), so the float16, uint8 and two-shard fixtures encode the saved weights the
// way the converter lays them out; their expected predictions still come from TensorFlow.js
// loading those files.
//
// Usage: node scripts/make-tfjs-fixtures.mjs
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

const OUT = join(dirname(fileURLToPath(import.meta.url)), "..", "test", "fixtures", "tfjs");
const PROBE_ROWS = 6;

setWasmPaths(dirname(fileURLToPath(import.meta.resolve("@tensorflow/tfjs-backend-wasm"))) + sep);
await tf.setBackend("wasm");
await tf.ready();

const init = (seed) => ({ kernelInitializer: tfl.initializers.glorotUniform({ seed }) });
const uniform = (shape, lo, hi, seed) => tf.randomUniform(shape, lo, hi, "float32", seed);
/** Seeded rows whose values are rounded to two decimals, so expected.json holds them exactly. */
const probe = (shape, lo, hi, seed) => tf.tidy(() => tf.div(tf.round(tf.mul(uniform([PROBE_ROWS, ...shape], lo, hi, seed), 100)), 100));

/** Trains on seeded rows: a classification target (one-hot of the argmax of x·w) or a regression one (sum of sines). */
async function train(model, { shape, classes, lo = -1, hi = 1, epochs = 8, seed }) {
  const rows = 64;
  const x = uniform([rows, ...shape], lo, hi, seed);
  const flat = tf.reshape(x, [rows, -1]);
  const y = classes
    ? tf.cast(tf.oneHot(tf.argMax(tf.matMul(flat, uniform([flat.shape[1], classes], -1, 1, seed + 1)), 1), classes), "float32")
    : tf.sum(tf.sin(flat), 1, true);
  model.compile({ optimizer: tf.train.adam(0.02), loss: classes ? "categoricalCrossentropy" : "meanSquaredError" });
  await model.fit(x, y, { epochs, batchSize: 16, shuffle: false, verbose: 0 });
  tf.dispose([x, flat, y]);
}

/** The float16 bits of a float32 value, rounded to nearest even (as numpy's astype(float16)). */
function float16Bits(value) {
  const f = new Float32Array([value]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half++;
  return sign | half;
}

/** Re-encodes float32 weight data as the converter's float16 or uint8 quantization; returns new specs and bytes. */
function quantize(specs, data, kind) {
  const floats = new Float32Array(data);
  const parts = [];
  let at = 0;
  const out = specs.map((spec) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const values = floats.subarray(at, at + n);
    at += n;
    if (kind === "float16") {
      parts.push(new Uint8Array(Uint16Array.from(values, float16Bits).buffer));
      return { ...spec, quantization: { dtype: "float16" } };
    }
    const min = Math.min(...values);
    const max = Math.max(...values);
    const scale = max > min ? (max - min) / 255 : 1;
    parts.push(Uint8Array.from(values, (v) => Math.round((v - min) / scale)));
    return { ...spec, quantization: { dtype: "uint8", scale, min } };
  });
  return { specs: out, data: concat(parts) };
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** The model's artifacts as withSaveHandler hands them over, weight data as one byte array. */
async function artifactsOf(model) {
  let saved;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
  }));
  const data = saved.weightData;
  return { ...saved, weightData: new Uint8Array(tf.io.concatenateArrayBuffers(Array.isArray(data) ? data : [data])) };
}

/**
 * Writes model.json and the weight files: one file named `single` (TensorFlow.js's file:// handler
 * writes weights.bin, its browser download ./model.weights.bin), or the converter's shards of
 * `shardBytes` each (group1-shard1ofN.bin …), which split the bytes regardless of weight boundaries.
 */
async function writeModel(dir, artifacts, { single = "weights.bin", shardBytes } = {}) {
  const data = artifacts.weightData;
  const files = [];
  if (shardBytes) {
    const count = Math.ceil(data.length / shardBytes);
    for (let i = 0; i < count; i++) files.push([`group1-shard${i + 1}of${count}.bin`, data.subarray(i * shardBytes, (i + 1) * shardBytes)]);
  } else {
    files.push([single, data]);
  }
  // The fields and order of tf.io's getModelJSONForModelArtifacts, which the file:// handler writes.
  const modelJson = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: files.map(([name]) => name), weights: artifacts.weightSpecs }],
  };
  if (artifacts.trainingConfig != null) modelJson.trainingConfig = artifacts.trainingConfig;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "model.json"), JSON.stringify(modelJson, null, 1) + "\n");
  for (const [name, bytes] of files) await writeFile(join(dir, name.replace(/^\.\//, "")), bytes);
  return modelJson;
}

/** Loads the folder's model.json and weights back into TensorFlow.js, as tf.loadLayersModel reads them. */
async function loadBack(dir, modelJson) {
  const weights = await Promise.all(modelJson.weightsManifest[0].paths.map((p) => readFile(join(dir, p))));
  const bytes = concat(weights);
  return tfl.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest[0].weights,
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  }));
}

const fixtures = [
  {
    name: "dense-activations",
    about: "6 → 8 relu → 8 tanh → 8 sigmoid → 6 linear, no bias → 3 softmax; weights.bin as the file:// handler writes it",
    async make() {
      const model = tfl.sequential({ layers: [
        tfl.layers.dense({ inputShape: [6], units: 8, activation: "relu", ...init(1) }),
        tfl.layers.dense({ units: 8, activation: "tanh", ...init(2) }),
        tfl.layers.dense({ units: 8, activation: "sigmoid", ...init(3) }),
        tfl.layers.dense({ units: 6, useBias: false, ...init(4) }),
        tfl.layers.dense({ units: 3, activation: "softmax", ...init(5) }),
      ] });
      await train(model, { shape: [6], classes: 3, seed: 10 });
      return { model, shape: [6], lo: -1, hi: 1 };
    },
  },
  {
    name: "batchnorm",
    about: "5 raw columns in [-3, 7] → BatchNormalization → 10 linear → BatchNormalization (no center, epsilon 0.01) → relu → 6 → BatchNormalization (no scale) → tanh → 1; trained with momentum 0.5 so the moving statistics are trained ones",
    async make() {
      // tfjs-layers cannot train a BatchNormalization without center or scale (it reads the missing
      // weight), so a model with both is trained and its weights, less the unused beta and gamma, set into the one saved.
      const build = (second, third) => tfl.sequential({ layers: [
        tfl.layers.batchNormalization({ inputShape: [5], momentum: 0.5 }),
        tfl.layers.dense({ units: 10, ...init(11) }),
        tfl.layers.batchNormalization({ momentum: 0.5, epsilon: 0.01, ...second }),
        tfl.layers.activation({ activation: "relu" }),
        tfl.layers.dense({ units: 6, ...init(12) }),
        tfl.layers.batchNormalization({ momentum: 0.5, ...third }),
        tfl.layers.activation({ activation: "tanh" }),
        tfl.layers.dense({ units: 1, ...init(13) }),
      ] });
      const trained = build({}, {});
      await train(trained, { shape: [5], lo: -3, hi: 7, epochs: 10, seed: 20 });
      const model = build({ center: false }, { scale: false });
      model.layers.forEach((layer, i) => {
        const [gamma, beta, ...rest] = trained.layers[i].getWeights();
        if (layer.getClassName() !== "BatchNormalization") return layer.setWeights(trained.layers[i].getWeights());
        layer.setWeights([...(layer.scale ? [gamma] : []), ...(layer.center ? [beta] : []), ...rest]);
      });
      trained.dispose();
      return { model, shape: [5], lo: -3, hi: 7 };
    },
  },
  {
    name: "flatten-dropout",
    about: "[4, 4, 1] input → Flatten → 12 relu → Dropout 0.3 → 3 softmax",
    async make() {
      const model = tfl.sequential({ layers: [
        tfl.layers.flatten({ inputShape: [4, 4, 1] }),
        tfl.layers.dense({ units: 12, activation: "relu", ...init(21) }),
        tfl.layers.dropout({ rate: 0.3, seed: 22 }),
        tfl.layers.dense({ units: 3, activation: "softmax", ...init(23) }),
      ] });
      await train(model, { shape: [4, 4, 1], classes: 3, seed: 30 });
      return { model, shape: [4, 4, 1], lo: -1, hi: 1 };
    },
  },
  {
    name: "activation-layers",
    about: "InputLayer [7] → 8 → LeakyReLU (default alpha 0.3) → 8 → LeakyReLU alpha 0.1 → 8 → ReLU → 4 → Softmax layer",
    async make() {
      const model = tfl.sequential({ layers: [
        tfl.layers.inputLayer({ inputShape: [7] }),
        tfl.layers.dense({ units: 8, ...init(31) }),
        tfl.layers.leakyReLU(),
        tfl.layers.dense({ units: 8, ...init(32) }),
        tfl.layers.leakyReLU({ alpha: 0.1 }),
        tfl.layers.dense({ units: 8, ...init(33) }),
        tfl.layers.reLU(),
        tfl.layers.dense({ units: 4, ...init(34) }),
        tfl.layers.softmax(),
      ] });
      await train(model, { shape: [7], classes: 4, seed: 40 });
      return { model, shape: [7], lo: -1, hi: 1 };
    },
  },
  {
    name: "functional",
    about: "tf.model chain: input [5] → 9 relu → Dropout 0.2 → 2 sigmoid, saved as class Model",
    async make() {
      const input = tfl.input({ shape: [5] });
      const hidden = tfl.layers.dense({ units: 9, activation: "relu", ...init(41) }).apply(input);
      const dropped = tfl.layers.dropout({ rate: 0.2, seed: 42 }).apply(hidden);
      const output = tfl.layers.dense({ units: 2, activation: "sigmoid", ...init(43) }).apply(dropped);
      const model = tfl.model({ inputs: input, outputs: output });
      await train(model, { shape: [5], classes: 2, seed: 50 });
      return { model, shape: [5], lo: -1, hi: 1 };
    },
  },
  {
    name: "float16",
    about: "4 → 16 tanh → 3 softmax, weights quantized to float16 as the converter's --quantize_float16 writes them; ./model.weights.bin as the browser download names it",
    write: { single: "./model.weights.bin" },
    quantize: "float16",
    async make() {
      const model = tfl.sequential({ layers: [
        tfl.layers.dense({ inputShape: [4], units: 16, activation: "tanh", ...init(51) }),
        tfl.layers.dense({ units: 3, activation: "softmax", ...init(52) }),
      ] });
      await train(model, { shape: [4], classes: 3, seed: 60 });
      return { model, shape: [4], lo: -1, hi: 1 };
    },
  },
  {
    name: "uint8",
    about: "4 → 10 relu → 1, weights quantized to uint8 with a scale and min per weight as the converter's --quantize_uint8 writes them",
    quantize: "uint8",
    async make() {
      const model = tfl.sequential({ layers: [
        tfl.layers.dense({ inputShape: [4], units: 10, activation: "relu", ...init(61) }),
        tfl.layers.dense({ units: 1, ...init(62) }),
      ] });
      await train(model, { shape: [4], seed: 70 });
      return { model, shape: [4], lo: -1, hi: 1 };
    },
  },
  {
    name: "sharded",
    about: "3 → 20 sigmoid → 20 relu → 2 softmax, weight bytes split into two converter shards of 1100 bytes (a kernel spans both)",
    write: { shardBytes: 1100 },
    async make() {
      const model = tfl.sequential({ layers: [
        tfl.layers.dense({ inputShape: [3], units: 20, activation: "sigmoid", ...init(71) }),
        tfl.layers.dense({ units: 20, activation: "relu", ...init(72) }),
        tfl.layers.dense({ units: 2, activation: "softmax", ...init(73) }),
      ] });
      await train(model, { shape: [3], classes: 2, seed: 80 });
      return { model, shape: [3], lo: -1, hi: 1 };
    },
  },
  {
    name: "conv2d",
    about: "refused: [4, 4, 1] → Conv2D 2×(3×3) → Flatten → 2 softmax is not a multilayer perceptron",
    refused: true,
    async make() {
      const model = tfl.sequential({ layers: [
        tfl.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 3, ...init(81) }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2, activation: "softmax", ...init(82) }),
      ] });
      return { model, shape: [4, 4, 1], lo: -1, hi: 1 };
    },
  },
];

for (const fixture of fixtures) {
  const { model, shape, lo, hi } = await fixture.make();
  const dir = join(OUT, fixture.name);
  let artifacts = await artifactsOf(model);
  if (fixture.quantize) {
    const { specs, data } = quantize(artifacts.weightSpecs, artifacts.weightData.buffer, fixture.quantize);
    artifacts = { ...artifacts, weightSpecs: specs, weightData: data };
  }
  const modelJson = await writeModel(dir, artifacts, fixture.write);
  const expected = { about: fixture.about, tfjs: tf.version_core, backend: tf.getBackend() };
  if (!fixture.refused) {
    const loaded = await loadBack(dir, modelJson);
    const x = probe(shape, lo, hi, 1000);
    const y = loaded.predict(x);
    Object.assign(expected, { inputShape: shape, inputs: tf.reshape(x, [PROBE_ROWS, -1]).arraySync(), outputs: y.arraySync() });
    tf.dispose([x, y]);
    loaded.dispose();
  }
  await writeFile(join(dir, "expected.json"), JSON.stringify(expected, null, 1) + "\n");
  model.dispose();
  console.log(`${fixture.name}: ${fixture.about}`);
}
