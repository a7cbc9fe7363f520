// The quantised model file (format 1.1): the same safetensors container as a
// float model, with int8 weights stored as I8 and everything else float32, so the
// file is about a quarter of the float one. Per layer i (dropout layers are gone):
//   layers.{i}.weight            I8  [inputs, units·pieces]  in [−127, 127]
//   layers.{i}.weight_scale      F32 [units·pieces]          positive
//   layers.{i}.bias              F32 [units·pieces]
//   layers.{i}.input_scale       F32 []                      positive
//   layers.{i}.input_zero_point  I8  []                      in [0, 127]
// `config` holds the architecture as a float model's (dense and maxout layers),
// `quantization` how the ranges were calibrated and what evaluate() reports.
// As for float files, the whole file is checked against itself before anything
// is built from it.
import { ModelFileError } from "../errors.js";
import type { LayerConfig } from "../nn/layers/layer.js";
import { ACTIVATIONS, type ActivationName } from "../nn/activations.js";
import type { LossName } from "../nn/losses.js";
import type { MetricName } from "../nn/metrics.js";
import { checkPreprocessing } from "../nn/preprocessing.js";
import { checkOrigin } from "../model/origin.js";
import { registerEncoder } from "../model/encoders.js";
import type { ModelConfig } from "../model/config.js";
import { QuantizedModel } from "../model/quantized-model.js";
import type { CalibrationMethod, QuantizedLayerState, QuantizedModelState } from "../model/quantized-state.js";
import { checkKeys, describe } from "../util/options.js";
import { asFileError as wrap } from "./as-file-error.js";
import {
  checkFiniteTensor, checkFormat, expectedParams, fromNewerMinor, isObject, json, openContainer, planConfig, type DecodeOptions,
} from "./model-file.js";
import { encodeSafetensors, readF32, readI8, type F32Tensor, type I8Tensor, type SafetensorsFile } from "./safetensors.js";
// Registers an int8 model's toONNX() encoder too: every entry point imports this module, so both are always there.
import "./onnx/export-quantized.js";

/** The format version of quantised model files: 1.1 added them (float models are still written as 1.0). */
export const QUANTIZED_FORMAT_VERSION = "1.1";

const LOSSES: readonly LossName[] = ["categoricalCrossentropy", "binaryCrossentropy", "meanSquaredError"];
const METRICS: readonly MetricName[] = ["accuracy", "mae", "mse"];
/** Default slope of Leaky ReLU, which the state keeps for every layer. */
const DEFAULT_ALPHA = 0.01;

/** A quantised model's state as wasmlp file bytes (safetensors, format 1.1). */
export function encodeQuantized(state: QuantizedModelState): Uint8Array {
  const floats: F32Tensor[] = [];
  const ints: I8Tensor[] = [];
  state.layers.forEach((l, i) => {
    const columns = l.units * l.pieces;
    floats.push(
      { name: `layers.${i}.input_scale`, shape: [], data: Float32Array.of(l.inputScale) },
      { name: `layers.${i}.weight_scale`, shape: [columns], data: l.weightScales },
      { name: `layers.${i}.bias`, shape: [columns], data: l.bias },
    );
    ints.push(
      { name: `layers.${i}.input_zero_point`, shape: [], data: Int8Array.of(l.inputZeroPoint) },
      { name: `layers.${i}.weight`, shape: [l.inputs, columns], data: l.weights },
    );
  });
  const config = quantizedConfig(state);
  const metadata: Record<string, string> = {
    format: "wasmlp",
    format_version: QUANTIZED_FORMAT_VERSION,
    config: JSON.stringify(config),
    quantization: JSON.stringify({ calibration: state.calibration, evaluation: state.evaluation }),
    preprocessing: JSON.stringify(state.preprocessing),
  };
  if (state.origin) metadata.origin = JSON.stringify(state.origin);
  // Floats first: the 8-byte aligned data section then keeps every F32 tensor 4-byte aligned, readable in place.
  return encodeSafetensors([...floats, ...ints], metadata);
}

// QuantizedModel.save() reaches this module through the model's encoder registry (see model/encoders.ts).
registerEncoder("wasmlp-int8", encodeQuantized);

/** A quantised model's architecture as a float model's config: its dense and maxout layers (what a file's "config" holds). */
export function quantizedConfig(state: QuantizedModelState): ModelConfig {
  const layers = state.layers.map((l): LayerConfig => {
    if (l.type === "maxout") return { type: "maxout", units: l.units, pieces: l.pieces };
    return l.activation === "leakyRelu" ? { type: "dense", units: l.units, activation: l.activation, alpha: l.alpha }
      : { type: "dense", units: l.units, activation: l.activation };
  });
  return { inputs: state.inputs, layers };
}

/** Whether a checked container holds a quantised model (its metadata has "quantization"). */
export function isQuantizedFile(file: SafetensorsFile): boolean {
  return file.metadata.quantization !== undefined;
}

/** The state of the quantised model in wasmlp file bytes, validated throughout; nothing is allocated in the core. `name` names the file in errors. */
export function decodeQuantizedState(bytes: Uint8Array, options: DecodeOptions = {}, name?: string): QuantizedModelState {
  const { file, checkFinite } = openContainer(bytes, options, name, "loadQuantized", "loadQuantized");
  return fromNewerMinor(file, (f) => planQuantized(f, checkFinite));
}

/** Builds the quantised model in wasmlp file bytes, validating everything first; the core must be loaded. `name` names the file in errors. */
export function decodeQuantizedModel(bytes: Uint8Array, options: DecodeOptions = {}, name?: string): QuantizedModel {
  const state = decodeQuantizedState(bytes, options, name);
  return wrap(() => new QuantizedModel(state), "model file");
}

function planQuantized(file: SafetensorsFile, checkFinite: boolean): QuantizedModelState {
  const meta = file.metadata;
  const minor = checkFormat(meta);
  if (!isQuantizedFile(file)) {
    throw new ModelFileError("the file holds a float model, not a quantised one: read it with load() (in Node, loadModel(path)); " +
      "model.quantize({ calibration }) makes the int8 model");
  }
  if (minor < 1) throw new ModelFileError(`format version ${meta.format_version} has no quantised models; they are ${QUANTIZED_FORMAT_VERSION} or later`);
  const config = planConfig(json(meta, "config"));
  const shapes = new Map(expectedParams(config).map((p) => [p.name, p.shape]));
  const layerConfigs = config.layers.map((c, i) => quantizedLayer(c, i, config.layers.length));
  const { calibration, evaluation } = planQuantization(json(meta, "quantization"));
  const rawPreprocessing = meta.preprocessing === undefined ? null : json(meta, "preprocessing");
  const preprocessing = rawPreprocessing === null ? null : wrap(() => checkPreprocessing(rawPreprocessing, config.inputs), 'metadata "preprocessing"');
  const rawOrigin = meta.origin === undefined ? null : json(meta, "origin");
  const origin = rawOrigin === null ? null : wrap(() => checkOrigin(rawOrigin, 'metadata "origin"'), "model file");

  const expected = new Map<string, { dtype: "F32" | "I8"; shape: number[] }>();
  config.layers.forEach((_, i) => {
    const [inputs, columns] = shapes.get(`layers.${i}.weight`)!;
    expected.set(`layers.${i}.weight`, { dtype: "I8", shape: [inputs, columns] });
    expected.set(`layers.${i}.weight_scale`, { dtype: "F32", shape: [columns] });
    expected.set(`layers.${i}.bias`, { dtype: "F32", shape: [columns] });
    expected.set(`layers.${i}.input_scale`, { dtype: "F32", shape: [] });
    expected.set(`layers.${i}.input_zero_point`, { dtype: "I8", shape: [] });
  });
  const floats = new Map<string, Float32Array>();
  const ints = new Map<string, Int8Array>();
  for (const t of file.tensors) {
    const want = expected.get(t.name);
    if (!want) throw new ModelFileError(`tensor ${JSON.stringify(t.name)} is not part of this quantised architecture; expected ${[...expected.keys()].join(", ")}`);
    if (t.dtype !== want.dtype) throw new ModelFileError(`tensor ${JSON.stringify(t.name)}: dtype ${t.dtype}, expected ${want.dtype}`);
    if (t.shape.length !== want.shape.length || t.shape.join() !== want.shape.join()) {
      throw new ModelFileError(`tensor ${JSON.stringify(t.name)}: shape [${t.shape}] does not match the architecture's [${want.shape}]`);
    }
    if (t.dtype === "I8") ints.set(t.name, readI8(file, t));
    else floats.set(t.name, readF32(file, t));
  }
  for (const n of expected.keys()) if (!floats.has(n) && !ints.has(n)) throw new ModelFileError(`tensor ${JSON.stringify(n)} is missing`);

  let width = config.inputs;
  const layers = layerConfigs.map((c, i): QuantizedLayerState => {
    const t = (suffix: string) => `layers.${i}.${suffix}`;
    const weights = ints.get(t("weight"))!;
    const at = weights.indexOf(-128);
    if (at >= 0) throw new ModelFileError(`tensor "${t("weight")}" holds −128 at index ${at}; quantised weights are in [−127, 127]`);
    const weightScales = floats.get(t("weight_scale"))!;
    checkScales(t("weight_scale"), weightScales);
    const bias = floats.get(t("bias"))!;
    if (checkFinite) checkFiniteTensor(t("bias"), bias);
    const inputScale = floats.get(t("input_scale"))![0];
    checkScales(t("input_scale"), Float32Array.of(inputScale));
    const inputZeroPoint = ints.get(t("input_zero_point"))![0];
    if (inputZeroPoint < 0) throw new ModelFileError(`tensor "${t("input_zero_point")}" is ${inputZeroPoint}; a zero point is in [0, 127]`);
    const layer: QuantizedLayerState = { ...c, inputs: width, weights, weightScales, bias, inputScale, inputZeroPoint };
    width = c.units;
    return layer;
  });
  return { inputs: config.inputs, outputs: width, layers, preprocessing, calibration, evaluation, origin };
}

/** A layer of the file's config as a quantised layer's settings; dropout and missing biases have no place in a quantised file. */
function quantizedLayer(c: LayerConfig, i: number, count: number): Pick<QuantizedLayerState, "type" | "units" | "pieces" | "activation" | "alpha"> {
  const where = `metadata "config": layers[${i}]`;
  if (c.type !== "dense" && c.type !== "maxout") throw new ModelFileError(`${where} is ${describe(c.type)}; a quantised model has dense and maxout layers only`);
  if (c.useBias === false) throw new ModelFileError(`${where}: useBias false; a quantised layer always stores its bias (zeros for none)`);
  if (c.type === "maxout") return { type: "maxout", units: c.units as number, pieces: c.pieces as number, activation: "linear", alpha: DEFAULT_ALPHA };
  const activation = (c.activation ?? "linear") as ActivationName;
  if (!ACTIVATIONS.includes(activation)) throw new ModelFileError(`${where}: unknown activation ${describe(activation)}`);
  if ((activation === "softmax" || activation === "logSoftmax") && i !== count - 1) {
    throw new ModelFileError(`${where}: ${activation} in a hidden layer; a quantised model has it on its last layer only`);
  }
  return { type: "dense", units: c.units as number, pieces: 1, activation, alpha: (c.alpha as number | undefined) ?? DEFAULT_ALPHA };
}

function planQuantization(v: unknown): Pick<QuantizedModelState, "calibration" | "evaluation"> {
  const where = 'metadata "quantization"';
  if (!isObject(v)) throw new ModelFileError(`${where} must be an object {calibration, evaluation}`);
  wrap(() => checkKeys(v, ["calibration", "evaluation"], where), where);
  const c = v.calibration;
  if (!isObject(c)) throw new ModelFileError(`${where}: calibration must be an object {method, percentile?, rows}`);
  wrap(() => checkKeys(c, ["method", "percentile", "rows"], `${where}: calibration`), where);
  if (c.method !== "minmax" && c.method !== "percentile") throw new ModelFileError(`${where}: calibration.method must be "minmax" or "percentile", got ${describe(c.method)}`);
  if (!Number.isSafeInteger(c.rows) || (c.rows as number) < 1) throw new ModelFileError(`${where}: calibration.rows must be a positive integer, got ${describe(c.rows)}`);
  const percentile = c.percentile;
  if (c.method === "percentile" ? typeof percentile !== "number" || !(percentile > 50 && percentile <= 100) : percentile !== undefined) {
    throw new ModelFileError(`${where}: calibration.percentile must be a number in (50, 100] for "percentile" and absent for "minmax", got ${describe(percentile)}`);
  }
  const calibration = { method: c.method as CalibrationMethod, rows: c.rows as number, ...(percentile === undefined ? {} : { percentile: percentile as number }) };
  const e = v.evaluation;
  if (e === null || e === undefined) return { calibration, evaluation: null };
  if (!isObject(e)) throw new ModelFileError(`${where}: evaluation must be null or an object {loss, metrics}`);
  wrap(() => checkKeys(e, ["loss", "metrics"], `${where}: evaluation`), where);
  if (!LOSSES.includes(e.loss as LossName)) throw new ModelFileError(`${where}: evaluation.loss must be one of ${LOSSES.join(", ")}, got ${describe(e.loss)}`);
  const metrics = e.metrics;
  if (!Array.isArray(metrics) || !metrics.every((m) => METRICS.includes(m)) || new Set(metrics).size !== metrics.length) {
    throw new ModelFileError(`${where}: evaluation.metrics must list distinct names of ${METRICS.join(", ")}`);
  }
  return { calibration, evaluation: { loss: e.loss as LossName, metrics: metrics as MetricName[] } };
}

/** Scales multiply every value of a layer: each must be positive and finite, whatever checkFinite says. */
function checkScales(name: string, scales: Float32Array): void {
  for (let i = 0; i < scales.length; i++) {
    const s = scales[i];
    if (!(s > 0 && s < Infinity)) throw new ModelFileError(`tensor ${JSON.stringify(name)} holds ${s} at index ${i}; scales must be positive and finite`);
  }
}
