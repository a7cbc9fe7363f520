// A model's architecture as plain data, and its first check.
import { ConfigError } from "../errors.js";
import type { LayerConfig } from "../nn/layers/layer.js";
import { checkKeys, describe, integerOption } from "../util/options.js";

/** Architecture of a model: input width, layers, and the seed that makes it repeatable. */
export interface ModelConfig {
  inputs: number;
  layers: LayerConfig[];
  /** Seeds initialisation, shuffling and dropout; the same seed and data give bit-identical weights. */
  seed?: number;
}

/** Checks a config's keys, input width and layer list (the layers check themselves when built); picks a seed if none is given. */
export function checkModelConfig(config: ModelConfig): { inputs: number; seed: number } {
  checkKeys(config, ["inputs", "layers", "seed"], "model config");
  const inputs = integerOption(config?.inputs, "model config: inputs");
  if (!Array.isArray(config.layers) || config.layers.length === 0) {
    throw new ConfigError(`model config: layers must be a non-empty array of layer configs, got ${describe(config.layers)}`);
  }
  return { inputs, seed: config.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : integerOption(config.seed, "model config: seed", 0) };
}
