// From a float model to the state of its int8 twin: weights symmetric per
// output column, and each layer's input range calibrated on the given rows
// (the float network run layer by layer, its activations read back). Nothing
// here runs on a hot path: it is a one-off conversion.
import { ConfigError } from "../errors.js";
import { toRows, type InputBatch } from "../nn/input.js";
import type { Network } from "../nn/network.js";
import type { Preprocessing } from "../nn/preprocessing.js";
import { DeviceData, type RowTransform } from "../train/device-data.js";
import { checkKeys, choiceOption, numberOption } from "../util/options.js";
import type { Compiled } from "./compile.js";
import type { ModelOrigin } from "./origin.js";
import { QuantizedNet } from "./quantized-net.js";
import type { CalibrationMethod, QuantizedLayerState, QuantizedModelState } from "./quantized-state.js";
import { CHUNK } from "./trainer.js";
import { layerOf } from "./weights.js";

/** Options of quantize(). */
export interface QuantizeOptions {
  /** Rows whose activations set each layer's input range: a few hundred to a few thousand typical inputs (raw, as predict() takes them). */
  calibration: InputBatch;
  /**
   * 'percentile': each range spans the (100 − p)th to p-th percentile of its values, so a rare outlier does not
   * waste codes; 'minmax': the smallest to the largest value seen; 'auto' (default): both, keeping the int8
   * network whose outputs on the calibration rows are closer to the float network's (least squared difference).
   */
  method?: QuantizeMethod;
  /** p for 'percentile' (and the percentile 'auto' tries), in (50, 100]; default 99.99. */
  percentile?: number;
}

/** How quantize() finds the ranges: one calibration method, or 'auto' to measure both on the calibration rows. */
export type QuantizeMethod = CalibrationMethod | "auto";

/** The default percentile: measured on Fashion-MNIST to keep more accuracy than min/max (see docs/api.md, Int8 inference). */
export const DEFAULT_PERCENTILE = 99.99;

/** What quantize() reads of a float model. */
export interface QuantizeSource {
  net: Network;
  transform: RowTransform | undefined;
  preprocessing: Preprocessing | null;
  compiled: Compiled | undefined;
  origin: ModelOrigin | null;
}

/** The quantised state of `source` calibrated on options.calibration; every option is checked before anything runs. */
export function quantizeState(source: QuantizeSource, options: QuantizeOptions): QuantizedModelState {
  const where = "quantize";
  if (typeof options !== "object" || options === null) throw new ConfigError(`${where}: expected options {calibration, method, percentile}`);
  checkKeys(options, ["calibration", "method", "percentile"], where);
  const { net } = source;
  const method = choiceOption(options.method ?? "auto", `${where}: method`, ["auto", "minmax", "percentile"] as const);
  if (method === "minmax" && options.percentile !== undefined) throw new ConfigError(`${where}: percentile applies to methods 'percentile' and 'auto' only`);
  const percentile = numberOption(options.percentile ?? DEFAULT_PERCENTILE, `${where}: percentile`, 50, 100, true);
  if (percentile === 50) throw new ConfigError(`${where}: percentile must be above 50, got 50`);
  const m = toRows(options.calibration, net.inputs, `${where}: calibration`);
  const data = DeviceData.upload(net.core, m, undefined, { classes: 0 }, "quantize: calibration", "y", source.transform);
  const candidates: CalibrationMethod[] = method === "auto" ? ["percentile", "minmax"] : [method];
  // The float outputs the candidates are judged against, kept in the core for the kernel that compares them.
  let reference = 0;
  try {
    if (candidates.length > 1) reference = net.core.allocF32(m.rows * net.outputs);
    const inputs = calibrate(net, data, m.rows, reference);
    // The weights do not depend on the ranges: quantised once, shared by every candidate.
    const base = quantizedWeights(source);
    const states = candidates.map((c): QuantizedModelState => {
      const ranges = inputs.map((values) => range(values, c === "minmax" ? 100 : percentile));
      return {
        ...base,
        layers: base.layers.map((l, i) => {
          const { scale, zeroPoint } = codesFor(ranges[i]);
          return { ...l, inputScale: scale, inputZeroPoint: zeroPoint };
        }),
        calibration: c === "minmax" ? { method: c, rows: m.rows } : { method: c, percentile, rows: m.rows },
      };
    });
    return states.length === 1 ? states[0] : closest(states, net, data, m.rows, reference);
  } finally {
    data.free();
    if (reference) net.core.free(reference);
  }
}

/** The quantised state of `source` but for what calibration decides: each layer's input scale and zero point, and the method. */
function quantizedWeights(source: QuantizeSource): Omit<QuantizedModelState, "layers" | "calibration"> & {
  layers: Omit<QuantizedLayerState, "inputScale" | "inputZeroPoint">[];
} {
  const { net } = source;
  const affine = net.layers.map((l, i) => ({ layer: l, index: i })).filter(({ layer }) => layer.type !== "dropout");
  const layers = affine.map(({ layer, index }) => {
    const config = layer.toConfig();
    const pieces = layer.type === "maxout" ? config.pieces as number : 1;
    const { weight, bias } = layerOf(net, index);
    const N = layer.outputSize * pieces;
    const { weights, weightScales } = quantizeColumns(weight!.data, layer.inputSize, N);
    return {
      type: layer.type as "dense" | "maxout", inputs: layer.inputSize, units: layer.outputSize, pieces,
      activation: layer.type === "maxout" ? "linear" : config.activation as QuantizedLayerState["activation"],
      alpha: (config.alpha as number | undefined) ?? 0.01,
      weights, weightScales, bias: bias ? bias.data : new Float32Array(N),
    };
  });
  const c = source.compiled;
  return {
    inputs: net.inputs, outputs: net.outputs, layers,
    preprocessing: source.preprocessing && structuredClone(source.preprocessing),
    evaluation: c ? { loss: c.loss.name, metrics: c.metrics.map((x) => x.name) } : null,
    origin: source.origin && structuredClone(source.origin),
  };
}

/** Weights K×N quantised per column: scale max|w|/127 (1 for a zero column), values rounded to nearest in [−127, 127]. */
export function quantizeColumns(w: Float32Array, K: number, N: number): { weights: Int8Array; weightScales: Float32Array } {
  const weightScales = new Float32Array(N);
  const peak = new Float64Array(N);
  for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) peak[j] = Math.max(peak[j], Math.abs(w[k * N + j]));
  for (let j = 0; j < N; j++) weightScales[j] = peak[j] > 0 ? peak[j] / 127 : 1;
  const weights = new Int8Array(K * N);
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < N; j++) weights[k * N + j] = Math.max(-127, Math.min(127, Math.round(w[k * N + j] / weightScales[j])));
  }
  return { weights, weightScales };
}

/** Scale and zero point of 7-bit codes spanning [lo, hi] widened to hold 0 exactly (the code of 0 is the zero point). */
export function codesFor([lo, hi]: [number, number]): { scale: number; zeroPoint: number } {
  const a = Math.min(lo, 0);
  const b = Math.max(hi, 0);
  if (!(b > a)) return { scale: 1, zeroPoint: 0 };
  const scale = Math.fround((b - a) / 127);
  return { scale, zeroPoint: Math.max(0, Math.min(127, Math.round(-a / scale))) };
}

/**
 * The float network run layer by layer on the calibration rows (preprocessed, in `data`), a chunk at a time:
 * each affine layer's input values over all rows (the rows for the first, the previous layer's outputs after its
 * activation or max for the others); the network's outputs go to `outputs` in the core (rows × outputs), unless 0.
 */
function calibrate(net: Network, data: DeviceData, rows: number, outputs: number): Float32Array[] {
  const core = net.core;
  const affine = net.layers.filter((l) => l.type !== "dropout");
  const inputs = affine.map((l) => new Float32Array(rows * l.inputSize));
  net.reserve(Math.min(rows, CHUNK));
  for (let r = 0; r < rows; r += CHUNK) {
    const n = Math.min(CHUNK, rows - r);
    let x = data.rowsX(r, n, net.inputBuffer);
    // One row through the whole network brings its packed weights up to date, as forward() does before any pass.
    if (r === 0) net.forward(1, false, false, x);
    let i = 0;
    for (const layer of net.layers) {
      if (layer.type !== "dropout") inputs[i++].set(core.f32(x, n * layer.inputSize), r * layer.inputSize);
      x = layer.forward(x, n, false, false);
    }
    if (outputs) core.f32(outputs + 4 * r * net.outputs, n * net.outputs).set(core.f32(x, n * net.outputs));
  }
  return inputs;
}

/** Of `states`, the one whose int8 outputs on the calibration rows lie closest (least squares) to the float `outputs` (in the core); the first on a tie. */
function closest(states: QuantizedModelState[], net: Network, data: DeviceData, rows: number, outputs: number): QuantizedModelState {
  const errors = states.map((state) => {
    const q = new QuantizedNet(net.core, state);
    try {
      q.reserve(Math.min(rows, CHUNK));
      let sum = 0;
      for (let r = 0; r < rows; r += CHUNK) {
        const n = Math.min(CHUNK, rows - r);
        const y = q.forward(n, false, false, data.rowsX(r, n, q.inputBuffer));
        sum += net.core.kernels.sum_squared_diff(y, outputs + 4 * r * net.outputs, n, net.outputs, 0);
      }
      return sum;
    } finally {
      q.dispose();
    }
  });
  return states[errors.indexOf(Math.min(...errors))];
}

/** The (100 − p)th and p-th percentiles of `values` (p = 100: min and max); a percentile sorts `values` in place. */
function range(values: Float32Array, p: number): [number, number] {
  if (p === 100) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return [lo, hi];
  }
  values.sort();
  const top = values.length - 1;
  return [values[Math.floor(top * (1 - p / 100))], values[Math.ceil(top * p / 100)]];
}
