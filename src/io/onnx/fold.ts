// A regression target's scaling folded into the last layer, so that an exported
// ONNX graph outputs the targets' own units as predict() does.
import { ConfigError } from "../../errors.js";
import type { ModelConfig, NamedTensor } from "../../model/model.js";
import type { Preprocessing } from "../../nn/preprocessing.js";

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
