// Quantised model files (format 1.1): int8 weights stored as I8 beside float32
// scales, zero points and biases; a round trip gives back the same state bit for
// bit, the file is about a quarter of the float one, and every way a file can be
// wrong is a ModelFileError saying what and where.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dense, dropout, fitPreprocessing, getCore, init, load, loadQuantized, maxout, ModelFileError, parseSafetensors, Sequential, spiral, type LayerConfig,
} from "../src/index.js";
import { decodeInferenceModel } from "../src/io/load.js";
import { loadModel, loadQuantizedModel, saveQuantizedModel } from "../src/node/files.js";
import { QuantizedModel } from "../src/model/quantized-model.js";
import { decodeModel } from "../src/io/model-file.js";
import { decodeQuantizedState, encodeQuantized, QUANTIZED_FORMAT_VERSION } from "../src/io/quantized-file.js";
import { encodeSafetensors, readF32, readI8, type F32Tensor, type I8Tensor } from "../src/io/safetensors.js";
import type { QuantizedLayerState, QuantizedModelState } from "../src/model/quantized-state.js";
import { rng } from "./helpers.js";

let dir: string;
beforeAll(async () => {
  await init();
  dir = await mkdtemp(join(tmpdir(), "wasmlp-quantized-file-"));
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const data = spiral({ pointsPerClass: 40, classes: 3, seed: 5 });
const hex = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");

/** A trained float model of `layers` on the spiral (preprocessing included) and its int8 copy. */
async function trained(layers: LayerConfig[]): Promise<{ float: Sequential; q: QuantizedModel }> {
  const float = new Sequential({ inputs: 2, layers, seed: 3 });
  float.setPreprocessing(fitPreprocessing({ data: data.x, rows: data.x.length / 2, cols: 2 }, { method: "standardize" }));
  float.compile({ optimizer: "adam", metrics: ["accuracy"] });
  await float.fit(data.x, data.labels!, { epochs: 3 });
  return { float, q: float.quantize({ calibration: data.x }) };
}

/** A quantised state of the given layers with seeded random codes, as quantize() would give for some float model. */
function syntheticState(inputs: number, layers: LayerConfig[], seed: number): QuantizedModelState {
  const r = rng(seed);
  let width = inputs;
  const out = layers.map((c, i): QuantizedLayerState => {
    const pieces = c.type === "maxout" ? (c.pieces as number) : 1;
    const units = c.units as number;
    const columns = units * pieces;
    const layer: QuantizedLayerState = {
      type: c.type as "dense" | "maxout", inputs: width, units, pieces,
      activation: c.type === "maxout" ? "linear" : (c.activation as QuantizedLayerState["activation"]),
      alpha: (c.alpha as number | undefined) ?? 0.01,
      weights: Int8Array.from({ length: width * columns }, () => Math.floor(r() * 255) - 127),
      weightScales: Float32Array.from({ length: columns }, () => 1e-3 + r() * 0.01),
      bias: Float32Array.from({ length: columns }, () => r() - 0.5),
      inputScale: Math.fround(0.01 + r() * 0.05),
      inputZeroPoint: i === 0 ? 64 : Math.floor(r() * 128),
    };
    width = units;
    return layer;
  });
  return {
    inputs, outputs: width, layers: out, preprocessing: null, calibration: { method: "percentile", percentile: 99.99, rows: 500 },
    evaluation: { loss: "categoricalCrossentropy", metrics: ["accuracy"] }, origin: null,
  };
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.slice().buffer));
/** A state as plain comparable data: floats by their bits. */
const plain = (s: QuantizedModelState) => ({
  ...s, layers: s.layers.map((l) => ({ ...l, weights: Array.from(l.weights), weightScales: bits(l.weightScales), bias: bits(l.bias), inputScale: bits(Float32Array.of(l.inputScale)) })),
});

const LAYERS: [string, number, LayerConfig[]][] = [
  ["relu → softmax", 6, [dense(5, "relu"), dense(3, "softmax")]],
  ["leakyRelu α=0.3, sigmoid, tanh, linear", 4, [dense(5, { activation: "leakyRelu", alpha: 0.3 }), dense(4, "sigmoid"), dense(3, "tanh"), dense(2, "linear")]],
  ["maxout k=3 → logSoftmax", 3, [maxout(4, 3), dense(3, "logSoftmax")]],
  ["one layer", 7, [dense(1, "sigmoid")]],
];

/** The file's tensors and metadata, to rebuild it with an edit. */
function parts(bytes: Uint8Array): { tensors: (F32Tensor | I8Tensor)[]; metadata: Record<string, string> } {
  const f = parseSafetensors(bytes);
  const tensors = f.tensors.map((t) => ({ name: t.name, shape: t.shape, data: t.dtype === "I8" ? readI8(f, t).slice() : readF32(f, t).slice() }));
  return { tensors, metadata: { ...f.metadata } };
}

describe("quantised models through files", () => {
  const MODELS: [string, LayerConfig[]][] = [
    ["relu, dropout → softmax", [dense(16, "relu"), dropout(0.2), dense(3, "softmax")]],
    ["leakyRelu, tanh → logSoftmax", [dense(12, { activation: "leakyRelu", alpha: 0.2 }), dense(8, "tanh"), dense(3, "logSoftmax")]],
    ["maxout, sigmoid → softmax", [maxout(6, 3), dense(8, "sigmoid"), dense(3, "softmax")]],
  ];
  it.each(MODELS)("%s: saved and loaded, predicts the same bits", async (_, layers) => {
    const { float, q } = await trained(layers);
    const bytes = encodeQuantized(q.state());
    const [outputs, classes, scores] = [hex(q.predict(data.x)), Array.from(q.predictClasses(data.x)), q.evaluate(data.x, data.labels!)];
    const before = getCore().allocator.bytesInUse;
    const copy = await loadQuantized(bytes);
    expect(hex(copy.predict(data.x))).toBe(outputs);
    expect(Array.from(copy.predictClasses(data.x))).toEqual(classes);
    expect(copy.evaluate(data.x, data.labels!)).toEqual(scores);
    copy.dispose();
    expect(getCore().allocator.bytesInUse).toBe(before);
    for (const m of [float, q]) m.dispose();
  });

  it("saveQuantizedModel and loadQuantizedModel in Node; the CLI's and worker's loader takes either kind", async () => {
    const { float, q } = await trained(MODELS[0][1]);
    const path = join(dir, "model.int8.safetensors");
    await saveQuantizedModel(q, path);
    const copy = await loadQuantizedModel(path);
    expect(hex(copy.predict(data.x))).toBe(hex(q.predict(data.x)));
    const any = await decodeInferenceModel(encodeQuantized(q.state()), {}, { sideFiles: () => Promise.reject(new Error("none")) });
    expect(any).toBeInstanceOf(QuantizedModel);
    const floatAgain = await decodeInferenceModel(float.save(), {}, { sideFiles: () => Promise.reject(new Error("none")) });
    expect(floatAgain).toBeInstanceOf(Sequential);
    // load() and loadModel() read float models and name the reader of quantised ones.
    await expect(load(encodeQuantized(q.state()))).rejects.toThrow(/quantised \(int8\) model: read it with loadQuantized\(\)/);
    await expect(loadModel(path)).rejects.toThrow(/loadQuantizedModel\(path\)/);
    await expect(loadQuantized(float.save())).rejects.toThrow(/holds a float model, not a quantised one/);
    await expect(loadQuantizedModel(join(dir, "missing.safetensors"))).rejects.toThrow(/missing.safetensors/);
    await expect(loadQuantized(encodeQuantized(q.state()), { bogus: true } as object)).rejects.toThrow(/bogus/);
    for (const m of [float, q, copy, any, floatAgain]) m.dispose();
  });

  it("a quantised Fashion-MNIST-sized model's file is about a quarter of the float one", async () => {
    const float = new Sequential({ inputs: 784, layers: [dense(256, "relu"), dense(128, "relu"), dense(10, "softmax")], seed: 1 });
    const rows = 64;
    const q = float.quantize({ calibration: { data: Float32Array.from({ length: rows * 784 }, (_, i) => (i * 7919) % 255 / 255), rows, cols: 784 } });
    const ratio = float.save().length / encodeQuantized(q.state()).length;
    expect(ratio).toBeGreaterThan(3.9);
    expect(ratio).toBeLessThanOrEqual(4);
    for (const m of [float, q]) m.dispose();
  });
});

describe("quantised model files", () => {
  it.each(LAYERS)("%s: a round trip gives back the same state, bit for bit", (_, inputs, layers) => {
    const state = syntheticState(inputs, layers, 7);
    state.preprocessing = { method: "minmax", scale: 0.5, offset: -1 };
    const bytes = encodeQuantized(state);
    const f = parseSafetensors(bytes);
    expect(f.metadata.format_version).toBe(QUANTIZED_FORMAT_VERSION);
    expect(f.tensors.filter((t) => t.name.endsWith(".weight")).every((t) => t.dtype === "I8")).toBe(true);
    expect(plain(decodeQuantizedState(bytes))).toEqual(plain(state));
  });

  it("is about a quarter of the float model's file", () => {
    const layers = [dense(128, "relu"), dense(64, "relu"), dense(10, "softmax")];
    const float = new Sequential({ inputs: 196, layers, seed: 1 });
    const floatBytes = float.save().length;
    float.dispose();
    const ratio = floatBytes / encodeQuantized(syntheticState(196, layers, 1)).length;
    // Weights shrink 4×; scales and biases (one float per column) stay, so a little under 4.
    expect(ratio).toBeGreaterThan(3.6);
    expect(ratio).toBeLessThanOrEqual(4);
  });

  it("the float reader names the quantised reader, and the quantised reader the float one", async () => {
    const q = encodeQuantized(syntheticState(6, LAYERS[0][2], 1));
    expect(() => decodeModel(q)).toThrow(ModelFileError);
    expect(() => decodeModel(q)).toThrow(/quantised \(int8\) model: read it with loadQuantized\(\)/);
    const float = new Sequential({ inputs: 6, layers: LAYERS[0][2], seed: 1 });
    const f = float.save();
    float.dispose();
    expect(() => decodeQuantizedState(f)).toThrow(/holds a float model, not a quantised one: read it with load\(\)/);
  });

  it("a newer minor version that this wasmlp cannot read says to upgrade; a newer major is refused", () => {
    const { tensors, metadata } = parts(encodeQuantized(syntheticState(6, LAYERS[0][2], 1)));
    const later = [...tensors, { name: "layers.0.weight_zero_point", shape: [5], data: new Int8Array(5) }];
    const newer = encodeSafetensors(later, { ...metadata, format_version: "1.2" });
    expect(() => decodeQuantizedState(newer)).toThrow(/"layers.0.weight_zero_point" is not part of .* \(the file is format version 1.2, newer than this wasmlp reads \(up to 1.1\): upgrade wasmlp to load it\)/);
    // The same file at 1.1 is simply wrong: no advice to upgrade.
    expect(() => decodeQuantizedState(encodeSafetensors(later, metadata))).toThrow(/not part of this quantised architecture; expected [^(]*$/);
    // A newer minor that only adds keys still loads.
    expect(decodeQuantizedState(encodeSafetensors(tensors, { ...metadata, format_version: "1.3", later: "{}" })).layers).toHaveLength(2);
    expect(() => decodeQuantizedState(encodeSafetensors(tensors, { ...metadata, format_version: "2.0" }))).toThrow(/format version 2.0 is newer than this wasmlp reads \(1.x\); upgrade wasmlp/);
    // A float reader meeting an I8 tensor in a newer file says the same.
    const float = new Sequential({ inputs: 6, layers: LAYERS[0][2], seed: 1 });
    const fp = parts(float.save());
    float.dispose();
    const i8 = fp.tensors.map((t) => (t.name === "layers.0.weight" ? { ...t, data: new Int8Array(t.data.length) } : t));
    expect(() => decodeModel(encodeSafetensors(i8, { ...fp.metadata, format_version: "1.4" })))
      .toThrow(/dtype I8; a float model's tensors are F32 \(the file is format version 1.4, .*upgrade wasmlp to load it\)/);
  });

  it("a dtype the container does not know says to upgrade wasmlp if a newer one wrote it", () => {
    const bytes = encodeQuantized(syntheticState(6, LAYERS[0][2], 1));
    const text = new TextDecoder().decode(bytes).replace('"dtype":"I8"', '"dtype":"I4"');
    expect(() => decodeQuantizedState(new TextEncoder().encode(text))).toThrow(/unknown dtype "I4"; known: .* \(if a newer wasmlp wrote the file, upgrade wasmlp to read it\)/);
  });

  describe("every error path", () => {
    const base = () => parts(encodeQuantized(syntheticState(6, [maxout(4, 2), dense(3, "softmax")], 3)));
    const meta = (edit: (m: Record<string, string>) => void) => () => {
      const p = base();
      edit(p.metadata);
      return encodeSafetensors(p.tensors, p.metadata);
    };
    const tensor = (name: string, edit: (t: F32Tensor | I8Tensor) => F32Tensor | I8Tensor | undefined) => () => {
      const p = base();
      const tensors = p.tensors.flatMap((t) => (t.name === name ? [edit(t)].filter((x) => x !== undefined) : [t]));
      return encodeSafetensors(tensors, p.metadata);
    };
    const config = (edit: (c: any) => void) => meta((m) => { const c = JSON.parse(m.config); edit(c); m.config = JSON.stringify(c); });
    const quantization = (v: unknown) => meta((m) => { m.quantization = JSON.stringify(v); });
    const cal = (c: unknown) => quantization({ calibration: c, evaluation: null });
    const CASES: [string, () => Uint8Array, RegExp][] = [
      ["a CSV file", () => new TextEncoder().encode("a,b\n1,2\n"), /the bytes given are not a wasmlp model file: they look like CSV text/],
      ["not safetensors", () => new Uint8Array(4), /file is 4 bytes/],
      ["format 1.0", meta((m) => { m.format_version = "1.0"; }), /format version 1.0 has no quantised models; they are 1.1 or later/],
      ["another format", meta((m) => { m.format = "pt"; }), /"format" is "pt", expected "wasmlp"/],
      ["config missing", meta((m) => { delete m.config; }), /metadata "config" is missing/],
      ["a dropout layer", config((c) => { c.layers.splice(1, 0, { type: "dropout", rate: 0.5 }); }), /layers\[1\] is 'dropout'; a quantised model has dense and maxout layers only/],
      ["no bias", config((c) => { c.layers[1].useBias = false; }), /layers\[1\]: useBias false; a quantised layer always stores its bias/],
      ["softmax in a hidden layer", config((c) => { c.layers.unshift({ type: "dense", units: 6, activation: "softmax" }); }), /layers\[0\]: softmax in a hidden layer/],
      ["units changed", config((c) => { c.layers[1].units = 4; }), /"layers.1.weight_scale": shape \[3\] does not match the architecture's \[4\]/],
      ["quantization not JSON", meta((m) => { m.quantization = "{"; }), /metadata "quantization" is not valid JSON/],
      ["quantization not an object", quantization([]), /metadata "quantization" must be an object/],
      ["quantization with an unknown key", quantization({ calibration: { method: "minmax", rows: 1 }, scheme: "x" }), /metadata "quantization": .*scheme/],
      ["calibration missing", quantization({ evaluation: null }), /calibration must be an object/],
      ["calibration method unknown", cal({ method: "kl", rows: 1 }), /calibration.method must be "minmax" or "percentile", got 'kl'/],
      ["calibration rows 0", cal({ method: "minmax", rows: 0 }), /calibration.rows must be a positive integer, got 0/],
      ["percentile out of range", cal({ method: "percentile", percentile: 40, rows: 3 }), /calibration.percentile must be a number in \(50, 100\]/],
      ["percentile with minmax", cal({ method: "minmax", percentile: 99, rows: 3 }), /absent for "minmax", got 99/],
      ["calibration with an unknown key", cal({ method: "minmax", rows: 3, bins: 2 }), /calibration.*bins/],
      ["evaluation not an object", quantization({ calibration: { method: "minmax", rows: 1 }, evaluation: 3 }), /evaluation must be null or an object/],
      ["evaluation loss unknown", quantization({ calibration: { method: "minmax", rows: 1 }, evaluation: { loss: "hinge", metrics: [] } }), /evaluation.loss must be one of .*got 'hinge'/],
      ["evaluation metrics repeated", quantization({ calibration: { method: "minmax", rows: 1 }, evaluation: { loss: "meanSquaredError", metrics: ["mae", "mae"] } }), /evaluation.metrics must list distinct names/],
      ["evaluation with an unknown key", quantization({ calibration: { method: "minmax", rows: 1 }, evaluation: { loss: "meanSquaredError", metrics: [], x: 1 } }), /evaluation.*"?x"?/],
      ["preprocessing wrong", meta((m) => { m.preprocessing = '{"scale": 2}'; }), /metadata "preprocessing"/],
      ["origin wrong", meta((m) => { m.origin = '{"format": 3}'; }), /origin/],
      ["a tensor missing", tensor("layers.1.input_scale", () => undefined), /tensor "layers.1.input_scale" is missing/],
      ["a tensor not of the architecture", tensor("layers.1.bias", (t) => ({ ...t, name: "layers.1.beta" })), /tensor "layers.1.beta" is not part of this quantised architecture/],
      ["weights as F32", tensor("layers.0.weight", (t) => ({ ...t, data: new Float32Array(t.data.length) })), /tensor "layers.0.weight": dtype F32, expected I8/],
      ["a scale as I8", tensor("layers.0.input_scale", (t) => ({ ...t, data: Int8Array.of(1) })), /tensor "layers.0.input_scale": dtype I8, expected F32/],
      ["a scalar with a shape", tensor("layers.0.input_zero_point", (t) => ({ ...t, shape: [1] })), /"layers.0.input_zero_point": shape \[1\] does not match the architecture's \[\]/],
      ["a weight of −128", tensor("layers.1.weight", (t) => { const d = t.data.slice(); d[5] = -128; return { ...t, data: d }; }), /"layers.1.weight" holds −128 at index 5; quantised weights are in \[−127, 127\]/],
      ["a weight scale of 0", tensor("layers.0.weight_scale", (t) => { const d = t.data.slice(); d[2] = 0; return { ...t, data: d }; }), /"layers.0.weight_scale" holds 0 at index 2; scales must be positive and finite/],
      ["an infinite input scale", tensor("layers.1.input_scale", () => ({ name: "layers.1.input_scale", shape: [], data: Float32Array.of(Infinity) })), /"layers.1.input_scale" holds Infinity at index 0/],
      ["a NaN bias", tensor("layers.1.bias", (t) => { const d = t.data.slice(); d[1] = NaN; return { ...t, data: d }; }), /"layers.1.bias" holds NaN at index 1; weights must be finite/],
      ["a negative zero point", tensor("layers.0.input_zero_point", () => ({ name: "layers.0.input_zero_point", shape: [], data: Int8Array.of(-3) })), /"layers.0.input_zero_point" is -3; a zero point is in \[0, 127\]/],
    ];
    it.each(CASES)("%s", (_, make, message) => {
      const bytes = make();
      expect(() => decodeQuantizedState(bytes)).toThrow(ModelFileError);
      expect(() => decodeQuantizedState(bytes)).toThrow(message);
    });

    it("a NaN bias loads with checkFinite: false; scales are checked whatever it says", () => {
      const nanBias = CASES.find((c) => c[0] === "a NaN bias")![1]();
      expect(Number.isNaN(decodeQuantizedState(nanBias, { checkFinite: false }).layers[1].bias[1])).toBe(true);
      const zeroScale = CASES.find((c) => c[0] === "a weight scale of 0")![1]();
      expect(() => decodeQuantizedState(zeroScale, { checkFinite: false })).toThrow(/scales must be positive and finite/);
    });

    it("bad options are a ConfigError naming them", () => {
      const bytes = encodeQuantized(syntheticState(6, LAYERS[0][2], 1));
      expect(() => decodeQuantizedState(bytes, { checkFinite: "yes" as unknown as boolean })).toThrow(/loadQuantized: checkFinite/);
      expect(() => decodeQuantizedState(bytes, { bogus: 1 } as object)).toThrow(/bogus/);
    });
  });
});
