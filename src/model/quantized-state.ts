// A quantised model's public state: everything that rebuilds it, as plain data.
// Files, exports and tools read and write an int8 model through it, as they read
// a float model through ModelState. The numbers follow the kernels' contract
// (assembly/gemm_int8.ts): weights are int8 symmetric per output column, and
// every layer's input is 7-bit codes in [0, 127] with a scale and zero point:
//   input value = (code − inputZeroPoint) · inputScale
//   weight value = weights[k·columns + j] · weightScales[j]
//   y[j] = act(Σ_k (code_k − inputZeroPoint)·weights[k][j] · inputScale·weightScales[j] + bias[j])
// A hidden layer's output is requantised to the next layer's input codes; the
// last layer's output stays float (then softmax or logSoftmax, if any).
import { ConfigError } from "../errors.js";
import { activationName, isCategorical, type ActivationName } from "../nn/activations.js";
import type { LossName } from "../nn/losses.js";
import type { MetricName } from "../nn/metrics.js";
import { checkPreprocessing, type Preprocessing } from "../nn/preprocessing.js";
import { checkKeys, choiceOption, describe, integerOption, numberOption, positiveOption } from "../util/options.js";
import { checkOrigin, type ModelOrigin } from "./origin.js";

/** How a tensor's range was calibrated: its min and max, or its (100 − p)th and p-th percentiles (rare outliers clipped). */
export type CalibrationMethod = "minmax" | "percentile";

/** One quantised layer. Dropout layers of the float model are gone (the identity at inference). */
export interface QuantizedLayerState {
  /** 'dense': y = act(x·W + b); 'maxout': each unit the max of its `pieces` columns of x·W + b (no activation). */
  type: "dense" | "maxout";
  /** Input width K (the previous layer's units, or the model's inputs). */
  inputs: number;
  /** Output units. */
  units: number;
  /** Affine columns per unit: 1 for dense, k ≥ 2 for maxout. The weight matrix has units·pieces columns. */
  pieces: number;
  /**
   * Dense: the activation, as in the float model ('softmax' and 'logSoftmax' only on the last layer, where they run
   * in float on the float output). Maxout: 'linear' (the max is the nonlinearity).
   */
  activation: ActivationName;
  /** Leaky ReLU's slope for negative inputs (0.01 by default; kept for every activation so a reader need not guess). */
  alpha: number;
  /**
   * Weights [inputs × units·pieces], row-major: weights[k·units·pieces + j], in [−127, 127]. Maxout columns
   * j·pieces … j·pieces + pieces − 1 belong to unit j, as in the float model's 'layers.i.weight'.
   */
  weights: Int8Array;
  /** Per output column (units·pieces): the float weight is weights[k][j]·weightScales[j]; max|W[:, j]|/127, or 1 for an all-zero column. */
  weightScales: Float32Array;
  /** Per output column (units·pieces), float: added after the integer sum is scaled (zeros when the float layer had no bias). */
  bias: Float32Array;
  /** Scale of this layer's input codes: value = (code − inputZeroPoint)·inputScale; positive. */
  inputScale: number;
  /** Zero point of this layer's input codes, an integer in [0, 127]: the code of the value 0 (0 after ReLU or sigmoid). */
  inputZeroPoint: number;
}

/** Everything that makes a quantised model this model; QuantizedModel.state() returns it. */
export interface QuantizedModelState {
  /** Values per input row, before preprocessing (the float model's inputs). */
  inputs: number;
  /** Values per output row: the last layer's units. */
  outputs: number;
  /** The layers in order; layers[0].inputScale/inputZeroPoint quantise the preprocessed input rows. */
  layers: QuantizedLayerState[];
  /** The float model's input preprocessing, applied in float before the first layer's input is quantised; null: none. */
  preprocessing: Preprocessing | null;
  /** How the activation ranges were found, on how many calibration rows, and (for 'percentile') which percentile. */
  calibration: { method: CalibrationMethod; percentile?: number; rows: number };
  /**
   * What evaluate() reports: the float model's compile() loss and metrics when it was compiled; null when it was
   * not (evaluate() then uses the default loss for the output activation, as compile() would, and accuracy for class outputs).
   */
  evaluation: { loss: LossName; metrics: MetricName[] } | null;
  /** Where the float model came from (an ONNX file, a TensorFlow.js model), or null (made by wasmlp). */
  origin: ModelOrigin | null;
}

/** Largest input width the int8 kernels take: their int32 sums cannot overflow below it. */
export const MAX_QUANTIZED_INPUTS = 1 << 17;

const LAYER_KEYS = ["type", "inputs", "units", "pieces", "activation", "alpha", "weights", "weightScales", "bias", "inputScale", "inputZeroPoint"];
const STATE_KEYS = ["inputs", "outputs", "layers", "preprocessing", "calibration", "evaluation", "origin"];

/**
 * Checks a quantised state (from state(), a file, a tool) whole, so a model is built only from a consistent one:
 * widths chaining from inputs to outputs, array lengths, weights in [−127, 127], finite positive scales, zero points in
 * [0, 127], softmax only last. Returns it with its layers' arrays as they are (not copied); a ConfigError names the first fault.
 */
export function checkQuantizedState(v: unknown, where = "quantized model state"): QuantizedModelState {
  const s = v as QuantizedModelState;
  if (typeof s !== "object" || s === null) throw new ConfigError(`${where}: expected a state from QuantizedModel.state(), got ${describe(v)}`);
  checkKeys(s, STATE_KEYS, where);
  const inputs = integerOption(s.inputs, `${where}: inputs`, 1, MAX_QUANTIZED_INPUTS);
  if (!Array.isArray(s.layers) || s.layers.length === 0) throw new ConfigError(`${where}: layers must be a non-empty array, got ${describe(s.layers)}`);
  let width = inputs;
  const layers = s.layers.map((l, i) => {
    const layer = checkLayer(l, width, i === s.layers.length - 1, `${where}: layers[${i}]`);
    width = layer.units;
    return layer;
  });
  const outputs = integerOption(s.outputs, `${where}: outputs`);
  if (outputs !== width) throw new ConfigError(`${where}: outputs is ${outputs} but the last layer has ${width} units`);
  const c = s.calibration;
  if (typeof c !== "object" || c === null) throw new ConfigError(`${where}: calibration must be {method, percentile, rows}, got ${describe(c)}`);
  checkKeys(c, ["method", "percentile", "rows"], `${where}: calibration`);
  const calibration: QuantizedModelState["calibration"] = {
    method: choiceOption(c.method, `${where}: calibration.method`, ["minmax", "percentile"] as const),
    rows: integerOption(c.rows, `${where}: calibration.rows`),
  };
  if (c.percentile !== undefined) calibration.percentile = numberOption(c.percentile, `${where}: calibration.percentile`, 50, 100, true);
  const e = s.evaluation;
  if (e !== null && (typeof e !== "object" || typeof e.loss !== "string" || !Array.isArray(e.metrics))) {
    throw new ConfigError(`${where}: evaluation must be {loss, metrics} or null, got ${describe(e)}`);
  }
  return {
    inputs, outputs, layers, calibration,
    preprocessing: s.preprocessing === null ? null : checkPreprocessing(s.preprocessing, inputs, outputs),
    evaluation: e && { loss: e.loss, metrics: [...e.metrics] },
    origin: s.origin == null ? null : checkOrigin(s.origin, `${where}: origin`),
  };
}

function checkLayer(l: QuantizedLayerState, width: number, last: boolean, where: string): QuantizedLayerState {
  if (typeof l !== "object" || l === null) throw new ConfigError(`${where} must be a quantised layer, got ${describe(l)}`);
  checkKeys(l, LAYER_KEYS, where);
  const type = choiceOption(l.type, `${where}: type`, ["dense", "maxout"] as const);
  const inputs = integerOption(l.inputs, `${where}: inputs`, 1, MAX_QUANTIZED_INPUTS);
  if (inputs !== width) throw new ConfigError(`${where}: inputs is ${inputs} but the layer before gives ${width} values`);
  const units = integerOption(l.units, `${where}: units`);
  const pieces = type === "dense" ? integerOption(l.pieces, `${where}: pieces`, 1, 1) : integerOption(l.pieces, `${where}: pieces`, 2);
  const activation = activationName(l.activation, where);
  if (type === "maxout" && activation !== "linear") throw new ConfigError(`${where}: a maxout layer's activation must be 'linear', got ${describe(l.activation)}`);
  if (!last && (isCategorical(activation))) throw new ConfigError(`${where}: '${activation}' is an output activation; only the last layer may have it`);
  const cols = units * pieces;
  const array = <T>(a: unknown, kind: { new(n: number): T }, n: number, name: string): T => {
    if (!(a instanceof kind) || (a as unknown as ArrayLike<number>).length !== n) {
      throw new ConfigError(`${where}: ${name} must be a ${kind.name} of length ${n}, got ${describe(a)}`);
    }
    return a as T;
  };
  const weights = array(l.weights, Int8Array, inputs * cols, "weights");
  if (weights.includes(-128)) throw new ConfigError(`${where}: weights must lie in [−127, 127] (symmetric quantisation), found −128`);
  const weightScales = array(l.weightScales, Float32Array, cols, "weightScales");
  if (!weightScales.every((x) => x > 0 && Number.isFinite(x))) throw new ConfigError(`${where}: weightScales must be finite and positive`);
  const bias = array(l.bias, Float32Array, cols, "bias");
  if (!bias.every(Number.isFinite)) throw new ConfigError(`${where}: bias must be finite`);
  return {
    type, inputs, units, pieces, activation, weights, weightScales, bias,
    alpha: numberOption(l.alpha, `${where}: alpha`, 0, 1, true),
    inputScale: positiveOption(l.inputScale, `${where}: inputScale`),
    inputZeroPoint: integerOption(l.inputZeroPoint, `${where}: inputZeroPoint`, 0, 127),
  };
}
