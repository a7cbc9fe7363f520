// What a network's outputs mean, from its output activation and loss: one
// answer that accuracy (in training and evaluate) and predictClasses /
// predictLabels share, so they can never disagree about a prediction.
import { isCategorical, type ActivationName } from "./activations.js";
import type { LossName } from "./losses.js";
import type { Network } from "./network.js";

/**
 * 'categorical': one class per row, the largest output; 'binary': one sigmoid unit, a yes/no per row;
 * 'multilabel': several sigmoid units, a yes/no per unit; 'regression': values, no classes.
 */
export type OutputKind = "categorical" | "binary" | "multilabel" | "regression";

/** How to read a network's outputs as classes. */
export interface OutputReading {
  kind: OutputKind;
  /** Whether predict() returns logits (a linear output a cross-entropy loss reads as logits), so 0 is probability 0.5. */
  logits: boolean;
  /** The output layer's activation and the compiled loss, if any, for error messages. */
  activation: ActivationName | "maxout";
  loss?: LossName;
}

/** The last layer's activation (maxout, which has none, by its type). */
export function outputActivation(net: Network): ActivationName | "maxout" {
  const last = net.layers[net.layers.length - 1];
  return (last.toConfig().activation ?? last.type) as ActivationName | "maxout";
}

/** Reads `net`'s outputs as the output activation and, when compiled, the loss say. */
export function outputReading(net: Network, loss: LossName | undefined): OutputReading {
  return readingOf(outputActivation(net), net.outputs, loss);
}

/** Reads `outputs` outputs of the last layer's `activation` as the loss (if any) says. */
export function readingOf(activation: ActivationName | "maxout", outputs: number, loss: LossName | undefined): OutputReading {
  const read = (kind: OutputKind, logits: boolean): OutputReading => ({ kind, logits, activation, loss });
  const units = outputs === 1 ? "binary" : "multilabel";
  // logSoftmax's log-probabilities peak where softmax's probabilities do.
  if (isCategorical(activation)) return read("categorical", false);
  if (activation === "sigmoid") return read(units, false);
  // Any other output is values, unless a cross-entropy loss reads it as logits.
  if (loss === "categoricalCrossentropy") return read("categorical", true);
  if (loss === "binaryCrossentropy") return read(units, true);
  return read("regression", false);
}

/** The threshold on predict()'s outputs equivalent to `probability` (0.5 → 0 on logits). */
export function outputThreshold(reading: OutputReading, probability: number): number {
  return reading.logits ? Math.log(probability / (1 - probability)) : probability;
}
