// Activation names as users write them, and the core's codes for them.
// Softmax is row-wise, so it runs as its own pass after the fused GEMM.
import { ConfigError } from "../errors.js";

/** Activation names a dense layer accepts. */
export type ActivationName = "linear" | "relu" | "leakyRelu" | "sigmoid" | "tanh" | "softmax";

/** The activation names, in the order of the core's codes (softmax is handled separately). */
export const ACTIVATIONS: readonly ActivationName[] = ["linear", "relu", "leakyRelu", "sigmoid", "tanh", "softmax"];

const ALIASES: Record<string, ActivationName> = {
  identity: "linear", leaky_relu: "leakyRelu", leakyrelu: "leakyRelu", logistic: "sigmoid",
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

/** The core's activation code (softmax maps to linear: it runs as a separate row-wise pass). */
export function activationCode(name: ActivationName): number {
  return name === "softmax" ? 0 : ACTIVATIONS.indexOf(name);
}
