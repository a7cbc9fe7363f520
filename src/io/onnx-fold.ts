// Preprocessing folded into the first weighted layer, so that an exported
// ONNX graph takes raw rows as predict() does.
import { ConfigError } from "../errors.js";
import type { ModelConfig, NamedTensor } from "../model/model.js";
import { isIdentity, type Preprocessing } from "../nn/preprocessing.js";

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
