// Losses, each fused with the output activation it pairs with: the core
// computes the loss from logits and the gradient w.r.t. those logits in one pass.
import type { ActivationName } from "./activations.js";
import type { Core } from "../runtime/core.js";
import { ConfigError } from "../errors.js";

/** Loss names accepted by compile(). */
export type LossName = "categoricalCrossentropy" | "binaryCrossentropy" | "meanSquaredError";

const ALIASES: Record<string, LossName> = {
  crossEntropy: "categoricalCrossentropy", sparseCategoricalCrossentropy: "categoricalCrossentropy",
  categorical_crossentropy: "categoricalCrossentropy", sparse_categorical_crossentropy: "categoricalCrossentropy",
  binary_crossentropy: "binaryCrossentropy", mse: "meanSquaredError", mean_squared_error: "meanSquaredError",
};

/** Targets as they sit in linear memory. */
export interface DeviceTargets {
  kind: "index" | "dense";
  ptr: number;
}

/** A loss: which output activation it absorbs, and how to compute it. */
export interface Loss {
  readonly name: LossName;
  /** Whether targets are class labels (indices or one-hot) rather than values. */
  readonly classification: boolean;
  /** True when the output layer's activation is folded into the loss (its input is then logits). */
  readonly fused: boolean;
  /** Mean loss over `rows` rows of `out`; writes d(loss)/d(out) to `grad` unless it is 0. */
  compute(core: Core, out: number, targets: DeviceTargets, grad: number, rows: number, cols: number): number;
  /** Fraction of correct predictions in the batch, reading the same `out` that compute() reads. */
  accuracy(core: Core, out: number, targets: DeviceTargets, rows: number, cols: number): number;
}

/** Resolves a loss name for a network whose last layer has `activation`, or throws a ConfigError. */
export function createLoss(name: unknown, activation: ActivationName | "maxout", outputs: number): Loss {
  const resolved = typeof name === "string" ? (ALIASES[name] ?? name) : name;
  if (resolved === "categoricalCrossentropy") {
    if (outputs < 2) throw new ConfigError(`loss 'categoricalCrossentropy' needs at least 2 outputs, the network has ${outputs}; use 'binaryCrossentropy' with a sigmoid output`);
    if (activation !== "softmax" && activation !== "linear") {
      throw new ConfigError(`loss 'categoricalCrossentropy' needs a 'softmax' (or 'linear', read as logits) output layer, got '${activation}'`);
    }
    return crossEntropy;
  }
  if (resolved === "binaryCrossentropy") {
    if (activation !== "sigmoid" && activation !== "linear") {
      throw new ConfigError(`loss 'binaryCrossentropy' needs a 'sigmoid' (or 'linear', read as logits) output layer, got '${activation}'`);
    }
    return binaryCrossEntropy;
  }
  if (resolved === "meanSquaredError") return meanSquaredError;
  throw new ConfigError(`unknown loss ${JSON.stringify(name)}; known: categoricalCrossentropy, binaryCrossentropy, meanSquaredError` +
    ` (aliases: ${Object.keys(ALIASES).join(", ")})`);
}

/** The loss a network's output activation suggests when compile() names none. */
export function defaultLoss(activation: ActivationName | "maxout"): LossName {
  if (activation === "softmax") return "categoricalCrossentropy";
  if (activation === "sigmoid") return "binaryCrossentropy";
  return "meanSquaredError";
}

const crossEntropy: Loss = {
  name: "categoricalCrossentropy", classification: true, fused: true,
  compute: (core, z, t, grad, rows, cols) => t.kind === "index"
    ? core.kernels.softmax_cross_entropy_index(z, t.ptr, grad, rows, cols)
    : core.kernels.softmax_cross_entropy_onehot(z, t.ptr, grad, rows, cols),
  accuracy: (core, z, t, rows, cols) => (t.kind === "index"
    ? core.kernels.count_correct_index(z, t.ptr, rows, cols)
    : core.kernels.count_correct_onehot(z, t.ptr, rows, cols)) / rows,
};

const binaryCrossEntropy: Loss = {
  name: "binaryCrossentropy", classification: false, fused: true,
  compute: (core, z, t, grad, rows, cols) => core.kernels.sigmoid_binary_cross_entropy(z, t.ptr, grad, rows, cols),
  // Logit 0 is probability 0.5.
  accuracy: (core, z, t, rows, cols) => core.kernels.count_correct_binary(z, t.ptr, rows * cols, 0) / (rows * cols),
};

const meanSquaredError: Loss = {
  name: "meanSquaredError", classification: false, fused: false,
  compute: (core, y, t, grad, rows, cols) => core.kernels.mean_squared_error(y, t.ptr, grad, rows, cols),
  // One output: a 0/1 target read at 0.5; several: the largest output names the class (one-hot targets).
  accuracy: (core, y, t, rows, cols) => (cols === 1
    ? core.kernels.count_correct_binary(y, t.ptr, rows, 0.5)
    : core.kernels.count_correct_onehot(y, t.ptr, rows, cols)) / rows,
};
