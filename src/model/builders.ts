// Short ways to write the common cases: layer config helpers and mlp(sizes).
import type { ActivationName } from "../nn/activations.js";
import { init, type InitOptions } from "../runtime/core.js";
import { ConfigError } from "../errors.js";
import type { InitializerName } from "../nn/initializers.js";
import type { DenseOptions } from "../nn/layers/dense.js";
import type { LayerConfig } from "../nn/layers/layer.js";
import type { MaxoutOptions } from "../nn/layers/maxout.js";
import { Sequential, type ModelConfig } from "./model.js";
import { checkKeys, describe, numberOption } from "../util/options.js";

/** Config of a dense layer with `units` outputs. */
export function dense(units: number, options: Omit<DenseOptions, "units"> | ActivationName = {}): LayerConfig {
  return typeof options === "string" ? { type: "dense", units, activation: options } : { type: "dense", units, ...options };
}

/** Config of a maxout layer with `units` outputs of `pieces` pieces each. */
export function maxout(units: number, pieces = 2, options: Omit<MaxoutOptions, "units" | "pieces"> = {}): LayerConfig {
  return { type: "maxout", units, pieces, ...options };
}

/** Config of a dropout layer. */
export function dropout(rate: number): LayerConfig {
  return { type: "dropout", rate };
}

/** Options of mlp(). */
export interface MlpOptions {
  /** Hidden activation, or 'maxout'; default 'relu'. */
  activation?: ActivationName | "maxout";
  /** Output activation; default 'softmax' for ≥ 2 outputs, 'sigmoid' for 1. */
  output?: ActivationName;
  /** Pieces per maxout unit when activation is 'maxout'; default 2. */
  pieces?: number;
  /** Slope of 'leakyRelu'; default 0.01. */
  alpha?: number;
  /** Dropout rate after each hidden layer; default 0 (none). */
  dropout?: number;
  /** Weight initialiser for every layer; default per activation. */
  initializer?: InitializerName;
  seed?: number;
}

/** Builds [inputs, hidden…, outputs] as dense layers (two sizes = no hidden layer, a single-layer classifier). */
export async function mlp(sizes: number[], options: MlpOptions = {}, initOptions?: InitOptions): Promise<Sequential> {
  await init(initOptions);
  return new Sequential(mlpConfig(sizes, options));
}

/** The ModelConfig mlp() builds. */
export function mlpConfig(sizes: number[], options: MlpOptions = {}) {
  checkKeys(options, ["activation", "output", "pieces", "alpha", "dropout", "initializer", "seed"], "mlp");
  if (!Array.isArray(sizes) || sizes.length < 2) {
    throw new ConfigError(`mlp: sizes must list at least the input and output widths, e.g. [784, 128, 10]; got ${describe(sizes)}`);
  }
  const [inputs, ...rest] = sizes;
  const outputs = rest[rest.length - 1];
  const hidden = rest.slice(0, -1);
  const rate = numberOption(options.dropout ?? 0, "mlp: dropout", 0, 1);
  const layers: LayerConfig[] = [];
  const extra = options.initializer ? { initializer: options.initializer } : {};
  for (const units of hidden) {
    if (options.activation === "maxout") layers.push(maxout(units, options.pieces ?? 2, extra));
    else {
      const activation = options.activation ?? "relu";
      layers.push(dense(units, { activation, ...(activation === "leakyRelu" && options.alpha !== undefined ? { alpha: options.alpha } : {}), ...extra }));
    }
    if (rate > 0) layers.push(dropout(rate));
  }
  layers.push(dense(outputs, { activation: options.output ?? (outputs >= 2 ? "softmax" : "sigmoid"), ...extra }));
  return { inputs, layers, ...(options.seed !== undefined ? { seed: options.seed } : {}) };
}

/** Loads the core if needed and builds a model from a config. */
export async function sequential(config: ModelConfig, options?: InitOptions): Promise<Sequential> {
  await init(options);
  return new Sequential(config);
}
