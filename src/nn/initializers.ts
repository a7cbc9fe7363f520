// Weight initialisers: each is a distribution and a scale derived from the
// layer's fan-in and fan-out, drawn by the core's seeded generator.
import type { Core } from "../runtime/core.js";
import type { ActivationName } from "./activations.js";
import { ConfigError } from "../errors.js";

/** Initialiser names a layer accepts. */
export type InitializerName =
  | "glorotUniform" | "glorotNormal" | "heUniform" | "heNormal" | "lecunUniform" | "lecunNormal" | "zeros";

const VARIANCE: Record<Exclude<InitializerName, "zeros">, (fanIn: number, fanOut: number) => number> = {
  glorotUniform: (i, o) => 2 / (i + o), glorotNormal: (i, o) => 2 / (i + o),
  heUniform: (i) => 2 / i, heNormal: (i) => 2 / i,
  lecunUniform: (i) => 1 / i, lecunNormal: (i) => 1 / i,
};

/** All initialiser names. */
const INITIALIZERS = [...Object.keys(VARIANCE), "zeros"] as InitializerName[];

/** Checks an initialiser name, or throws a ConfigError listing the known names. */
export function initializerName(name: unknown, where: string): InitializerName {
  if (typeof name === "string" && (INITIALIZERS as string[]).includes(name)) return name as InitializerName;
  throw new ConfigError(`${where}: unknown initializer ${JSON.stringify(name)}; known: ${INITIALIZERS.join(", ")}`);
}

/** He for rectifiers (they zero half the signal), Glorot for the saturating and linear ones. */
export function defaultInitializer(activation: ActivationName | "maxout"): InitializerName {
  return activation === "relu" || activation === "leakyRelu" ? "heNormal" : "glorotUniform";
}

/** Fills `n` floats at `ptr` from the initialiser's distribution using the RNG state at `rng`. */
export function initialize(core: Core, name: InitializerName, ptr: number, n: number,
  fanIn: number, fanOut: number, rng: number): void {
  if (name === "zeros") {
    core.f32(ptr, n).fill(0);
    return;
  }
  const variance = VARIANCE[name](fanIn, fanOut);
  if (name.endsWith("Uniform")) {
    const limit = Math.sqrt(3 * variance);
    core.kernels.rng_uniform(rng, ptr, n, -limit, limit);
  } else {
    core.kernels.rng_normal(rng, ptr, n, 0, Math.sqrt(variance));
  }
}
