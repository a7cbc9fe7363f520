// Activation names as users write them, and the core's codes for them.
// Softmax and logSoftmax are row-wise, so they run as their own pass after the fused GEMM.
import { ConfigError } from "../errors.js";

/**
 * Activation names a dense layer accepts. 'logSoftmax' gives log-probabilities, as PyTorch's LogSoftmax: it is an
 * output activation with no backward pass of its own, so it trains only as the output layer under
 * 'categoricalCrossentropy' (PyTorch's NLLLoss on it), which reads it as logits exactly as it reads a softmax output;
 * compile() refuses it before the output layer or with a loss that reads probabilities or values ('meanSquaredError').
 */
export type ActivationName = "linear" | "relu" | "leakyRelu" | "sigmoid" | "tanh" | "softmax" | "logSoftmax";

/** The activation names, in the order of the core's codes (softmax and logSoftmax are handled separately). */
export const ACTIVATIONS: readonly ActivationName[] = ["linear", "relu", "leakyRelu", "sigmoid", "tanh", "softmax", "logSoftmax"];

const ALIASES: Record<string, ActivationName> = {
  identity: "linear", leaky_relu: "leakyRelu", leakyrelu: "leakyRelu", logistic: "sigmoid",
  log_softmax: "logSoftmax", logsoftmax: "logSoftmax",
};

/** Resolves a name or alias to an ActivationName, or throws a ConfigError listing the known names. */
export function activationName(name: unknown, where: string): ActivationName {
  if (typeof name === "string") {
    if ((ACTIVATIONS as readonly string[]).includes(name)) return name as ActivationName;
    const alias = ALIASES[name] ?? ALIASES[name.toLowerCase()];
    if (alias) return alias;
  }
  throw new ConfigError(`${where}: unknown activation ${JSON.stringify(name)}; known: ${ACTIVATIONS.join(", ")}`);
}

/** Whether `name` names one class per row, the largest output: softmax's probabilities or logSoftmax's log-probabilities. */
export function isCategorical(name: ActivationName | "maxout"): boolean {
  return name === "softmax" || name === "logSoftmax";
}

/** The core's activation code (softmax and logSoftmax map to linear: they run as a separate row-wise pass). */
export function activationCode(name: ActivationName): number {
  return isCategorical(name) ? 0 : ACTIVATIONS.indexOf(name);
}
