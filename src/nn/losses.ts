// Losses, each fused with the output activation it pairs with: the core
// computes the loss from logits and the gradient w.r.t. those logits in one pass.
import { isCategorical, type ActivationName } from "./activations.js";
import type { Core } from "../runtime/core.js";
import { ConfigError } from "../errors.js";

/** Loss names accepted by compile(). */
export type LossName = "categoricalCrossentropy" | "binaryCrossentropy" | "meanSquaredError";

/** Other spellings compile() accepts for a loss (Keras's among them), read as the canonical name. */
export type LossAlias = "crossEntropy" | "sparseCategoricalCrossentropy" | "categorical_crossentropy" | "sparse_categorical_crossentropy" |
  "binary_crossentropy" | "mse" | "mean_squared_error";

const ALIASES: Record<LossAlias, LossName> = {
  crossEntropy: "categoricalCrossentropy", sparseCategoricalCrossentropy: "categoricalCrossentropy",
  categorical_crossentropy: "categoricalCrossentropy", sparse_categorical_crossentropy: "categoricalCrossentropy",
  binary_crossentropy: "binaryCrossentropy", mse: "meanSquaredError", mean_squared_error: "meanSquaredError",
};

/** Targets as they sit in linear memory. */
export interface DeviceTargets {
  kind: "index" | "dense";
  ptr: number;
  /** One f32 weight per row (sample × class weight), or 0/absent: the loss is then Σ w·loss / rows. */
  weights?: number;
}

/** Bounds on target values, inclusive. */
export interface TargetRange {
  readonly min: number;
  readonly max: number;
  /** What targets in range are, for the error that refuses the others. */
  readonly meaning: string;
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
  /** The interval every target value must lie in, when the loss is defined only there, and what such targets are. */
  readonly targetRange?: TargetRange;
}

/** Resolves a loss name for a network whose last layer has `activation`, or throws a ConfigError. */
export function createLoss(name: unknown, activation: ActivationName | "maxout", outputs: number): Loss {
  const resolved = typeof name === "string" ? (ALIASES[name as LossAlias] ?? name) : name;
  if (resolved === "categoricalCrossentropy") {
    if (outputs < 2) throw new ConfigError(`loss 'categoricalCrossentropy' needs at least 2 outputs, the network has ${outputs}; use 'binaryCrossentropy' with a sigmoid output`);
    if (!isCategorical(activation) && activation !== "linear") {
      throw new ConfigError(`loss 'categoricalCrossentropy' needs a 'softmax' or 'logSoftmax' (or 'linear', read as logits) output layer, got '${activation}'`);
    }
    return crossEntropy;
  }
  if (resolved === "binaryCrossentropy") {
    if (activation !== "sigmoid" && activation !== "linear") {
      throw new ConfigError(`loss 'binaryCrossentropy' needs a 'sigmoid' (or 'linear', read as logits) output layer, got '${activation}'`);
    }
    return binaryCrossEntropy;
  }
  if (resolved === "meanSquaredError") {
    // Log-probabilities are never a target's values, and logSoftmax has no backward pass to train them as such.
    if (activation === "logSoftmax") {
      throw new ConfigError("loss 'meanSquaredError' compares outputs with targets, but a 'logSoftmax' output gives log-probabilities; " +
        "use loss 'categoricalCrossentropy' (PyTorch's NLLLoss on log-probabilities), or a 'softmax' output for squared error on probabilities");
    }
    return meanSquaredError;
  }
  throw new ConfigError(`unknown loss ${JSON.stringify(name)}; known: categoricalCrossentropy, binaryCrossentropy, meanSquaredError` +
    ` (aliases: ${Object.keys(ALIASES).join(", ")})`);
}

/** The loss a network's output activation suggests when compile() names none. */
export function defaultLoss(activation: ActivationName | "maxout"): LossName {
  if (isCategorical(activation)) return "categoricalCrossentropy";
  if (activation === "sigmoid") return "binaryCrossentropy";
  return "meanSquaredError";
}

const crossEntropy: Loss = {
  name: "categoricalCrossentropy", classification: true, fused: true,
  // −Σ t·log p is bounded below only when every t ≥ 0; past 1 it stops being a probability (labels are checked apart).
  targetRange: { min: 0, max: 1, meaning: "one-hot rows or class probabilities; or pass class indices, one per row" },
  compute: (core, z, t, grad, rows, cols) => {
    const k = core.kernels;
    if (t.kind === "index") {
      return t.weights ? k.softmax_cross_entropy_index_weighted(z, t.ptr, t.weights, grad, rows, cols) : k.softmax_cross_entropy_index(z, t.ptr, grad, rows, cols);
    }
    return t.weights ? k.softmax_cross_entropy_onehot_weighted(z, t.ptr, t.weights, grad, rows, cols) : k.softmax_cross_entropy_onehot(z, t.ptr, grad, rows, cols);
  },
};

const binaryCrossEntropy: Loss = {
  name: "binaryCrossentropy", classification: false, fused: true,
  compute: (core, z, t, grad, rows, cols) => t.weights
    ? core.kernels.sigmoid_binary_cross_entropy_weighted(z, t.ptr, t.weights, grad, rows, cols)
    : core.kernels.sigmoid_binary_cross_entropy(z, t.ptr, grad, rows, cols),
  // −t·log p − (1−t)·log(1−p) is bounded below only for t in [0, 1]; past it, training drives the loss to −∞.
  targetRange: { min: 0, max: 1, meaning: "0/1 labels or probabilities; class indices 0..k−1 need a softmax output of k units" },
};

const meanSquaredError: Loss = {
  name: "meanSquaredError", classification: false, fused: false,
  compute: (core, y, t, grad, rows, cols) => t.weights
    ? core.kernels.mean_squared_error_weighted(y, t.ptr, t.weights, grad, rows, cols)
    : core.kernels.mean_squared_error(y, t.ptr, grad, rows, cols),
};
