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
import type { ActivationName } from "../nn/activations.js";
import type { LossName } from "../nn/losses.js";
import type { MetricName } from "../nn/metrics.js";
import type { Preprocessing } from "../nn/preprocessing.js";
import type { ModelOrigin } from "./origin.js";

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
