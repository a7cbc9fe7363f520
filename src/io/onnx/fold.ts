// Preprocessing folded into the first weighted layer, so that an exported
// ONNX graph takes raw rows as predict() does.
import { ConfigError } from "../../errors.js";
import type { ModelConfig, NamedTensor } from "../../model/model.js";
import { isIdentity, type Preprocessing } from "../../nn/preprocessing.js";

/**
 * Weights with a regression target's scaling t·s + o undone in the last layer, so the graph outputs the targets'
 * units as predict() does: W'[:, j] = W[:, j]/s_j, b'_j = (b_j − o_j)/s_j. Exact only for a linear output.
 */
export function foldTargetScaling(config: ModelConfig, weights: NamedTensor[], p: Preprocessing | null): NamedTensor[] {
  const scale = p?.target?.scale;
  const offset = p?.target?.offset;
  if (!scale || !offset) return weights;
  const last = config.layers.length - 1;
  const layer = config.layers[last] as { type: string; activation?: unknown };
  if (layer.type !== "dense" || (layer.activation !== "linear" && layer.activation !== undefined)) {
    throw new ConfigError("toONNX: the model maps its targets (preprocessing.target.scale), which folds into a last dense layer with a linear activation only");
  }
  const cols = scale.length;
  if (!weights.some((t) => t.name === `layers.${last}.bias`) && offset.some((o) => o !== 0)) {
    throw new ConfigError("toONNX: the target's offset needs a bias in the last layer to fold into (useBias: false)");
  }
  return weights.map((t) => {
    if (t.name === `layers.${last}.weight`) return { ...t, data: Float32Array.from(t.data, (v, i) => v / scale[i % cols]) };
    if (t.name === `layers.${last}.bias`) return { ...t, data: Float32Array.from(t.data, (v, j) => (v - offset[j]) / scale[j]) };
    return t;
  });
}

/** Weights with the preprocessing x·s + o folded into the first weighted layer: W' = diag(s)·W, b' = b + o·W. */
export function foldPreprocessing(config: ModelConfig, weights: NamedTensor[], p: Preprocessing | null): NamedTensor[] {
  if (!p || isIdentity(p)) return weights;
  // Dropout is the identity at inference, so the first dense or maxout layer sees the inputs directly.
  const first = config.layers.findIndex((l) => l.type !== "dropout");
  const w = weights.find((t) => t.name === `layers.${first}.weight`);
  const b = weights.find((t) => t.name === `layers.${first}.bias`);
  if (!w) return weights;
  const [rows, cols] = w.shape;
  const at = (v: number | number[], i: number) => (typeof v === "number" ? v : v[i]);
  const folded = new Float32Array(w.data.length);
  const shift = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const s = at(p.scale, i);
    const o = at(p.offset, i);
    for (let j = 0; j < cols; j++) {
      folded[i * cols + j] = s * w.data[i * cols + j];
      shift[j] += o * w.data[i * cols + j];
    }
  }
  if (!b && shift.some((v) => v !== 0)) {
    throw new ConfigError("toONNX: the preprocessing has an offset but the first layer has no bias to fold it into (useBias: false)");
  }
  return weights.map((t) => {
    if (t === w) return { ...t, data: folded };
    if (t === b) return { ...t, data: Float32Array.from(t.data, (v, j) => v + shift[j]) };
    return t;
  });
}
