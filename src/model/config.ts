// A model's architecture as plain data.
import type { LayerConfig } from "../nn/layers/layer.js";

/** Architecture of a model: input width, layers, and the seed that makes it repeatable. */
export interface ModelConfig {
  inputs: number;
  layers: LayerConfig[];
  /** Seeds initialisation, shuffling and dropout; the same seed and data give bit-identical weights. */
  seed?: number;
}
