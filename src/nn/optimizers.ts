// Optimizers, in order of increasing complexity. Each is one update rule run
// by the core in a single pass over the flat parameter buffer; SGD, momentum
// and Nesterov are one rule with different settings, as are Adam and AdamW.
import type { Core } from "../runtime/core.js";
import { ConfigError } from "../errors.js";
import { booleanOption, checkKeys, describe, numberOption, positiveOption } from "../util/options.js";

/** Optimizer names accepted by compile(). */
export type OptimizerName = "sgd" | "momentum" | "nesterov" | "adam" | "adamw" | "rmsprop";

/** An optimizer and its hyper-parameters; unspecified ones take the usual defaults. */
export interface OptimizerConfig {
  type: OptimizerName;
  learningRate?: number;
  /** sgd/momentum/nesterov: velocity decay (0 = plain SGD). */
  momentum?: number;
  /** sgd: use Nesterov's look-ahead gradient. */
  nesterov?: boolean;
  /** adam/adamw: decay of the first-moment average. */
  beta1?: number;
  /** adam/adamw: decay of the second-moment average. */
  beta2?: number;
  /** adam/adamw/rmsprop: added to the denominator for stability. */
  epsilon?: number;
  /** adamw: decoupled weight decay per step, multiplied by the learning rate. */
  weightDecay?: number;
  /** rmsprop: decay of the squared-gradient average. */
  rho?: number;
}

/** A state buffer of an optimizer, as saved with a model. */
export interface OptimizerState {
  name: string;
  ptr: number;
}

/** The optimizer protocol: state for n parameters, and one update per step. */
export interface Optimizer {
  readonly config: Required<Pick<OptimizerConfig, "type" | "learningRate">> & OptimizerConfig;
  learningRate: number;
  /** Number of steps taken so far; writable so a saved model resumes Adam's bias correction where it stopped. */
  steps: number;
  /** Applies one update to n parameters at `params` from gradients at `grads`. */
  step(params: number, grads: number, n: number): void;
  /** The state buffers (each n floats), for saving and restoring. */
  state(): OptimizerState[];
  /** Frees the state. */
  dispose(): void;
}

/** The options each optimizer accepts, by type. */
export const OPTIMIZER_KEYS: Record<OptimizerName, string[]> = {
  sgd: ["type", "learningRate", "momentum", "nesterov"],
  momentum: ["type", "learningRate", "momentum"],
  nesterov: ["type", "learningRate", "momentum"],
  adam: ["type", "learningRate", "beta1", "beta2", "epsilon"],
  adamw: ["type", "learningRate", "beta1", "beta2", "epsilon", "weightDecay"],
  rmsprop: ["type", "learningRate", "rho", "epsilon"],
};

/** Optimizer names. */
export const OPTIMIZERS = Object.keys(OPTIMIZER_KEYS) as OptimizerName[];

/** Builds an optimizer for n parameters from a name or config, or throws a ConfigError. */
export function createOptimizer(core: Core, spec: OptimizerName | OptimizerConfig, n: number): Optimizer {
  const config: OptimizerConfig = typeof spec === "string" ? { type: spec } : spec;
  if (typeof config !== "object" || config === null) throw new ConfigError(`optimizer must be a name or {type, ...}, got ${describe(spec)}`);
  const type = config.type;
  if (!OPTIMIZERS.includes(type)) throw new ConfigError(`unknown optimizer ${JSON.stringify(type)}; known: ${OPTIMIZERS.join(", ")}`);
  checkKeys(config, OPTIMIZER_KEYS[type], `optimizer '${type}'`);
  const where = `optimizer '${type}'`;
  if (type === "adam" || type === "adamw") {
    return new Adam(core, n, {
      type, learningRate: positiveOption(config.learningRate ?? 1e-3, `${where}: learningRate`),
      beta1: numberOption(config.beta1 ?? 0.9, `${where}: beta1`, 0, 1),
      beta2: numberOption(config.beta2 ?? 0.999, `${where}: beta2`, 0, 1),
      epsilon: positiveOption(config.epsilon ?? 1e-8, `${where}: epsilon`),
      weightDecay: numberOption(config.weightDecay ?? (type === "adamw" ? 0.01 : 0), `${where}: weightDecay`, 0),
    });
  }
  if (type === "rmsprop") {
    return new RmsProp(core, n, {
      type, learningRate: positiveOption(config.learningRate ?? 1e-3, `${where}: learningRate`),
      rho: numberOption(config.rho ?? 0.9, `${where}: rho`, 0, 1),
      epsilon: positiveOption(config.epsilon ?? 1e-8, `${where}: epsilon`),
    });
  }
  const nesterovOption = booleanOption(config.nesterov ?? false, `${where}: nesterov`);
  const nesterov = type === "nesterov" || (type === "sgd" && nesterovOption);
  const momentum = numberOption(config.momentum ?? (type === "sgd" ? 0 : 0.9), `${where}: momentum`, 0, 1);
  if (nesterov && momentum === 0) throw new ConfigError(`${where}: Nesterov momentum needs momentum > 0`);
  return new Momentum(core, n, {
    type, learningRate: positiveOption(config.learningRate ?? 0.01, `${where}: learningRate`), momentum, nesterov,
  });
}

/** Shared bookkeeping: the config, the step counter and zeroed state buffers. */
abstract class Rule implements Optimizer {
  learningRate: number;
  steps = 0;
  protected readonly buffers: OptimizerState[];

  constructor(protected readonly core: Core, readonly config: Optimizer["config"], n: number, names: string[]) {
    this.learningRate = config.learningRate;
    this.buffers = [];
    try {
      for (const name of names) {
        const ptr = core.allocF32(n);
        core.f32(ptr, n).fill(0);
        this.buffers.push({ name, ptr });
      }
    } catch (e) {
      // The state did not fit: free the part that did, so a refused compile() leaks nothing.
      this.dispose();
      throw e;
    }
  }

  /** @inheritdoc */
  step(params: number, grads: number, n: number): void {
    this.steps++;
    this.update(params, grads, n);
  }

  protected abstract update(params: number, grads: number, n: number): void;

  /** @inheritdoc */
  state(): OptimizerState[] { return this.buffers; }

  /** @inheritdoc */
  dispose(): void {
    for (const b of this.buffers) this.core.free(b.ptr);
    this.buffers.length = 0;
  }
}

/** SGD with optional classic or Nesterov momentum. */
class Momentum extends Rule {
  constructor(core: Core, n: number, config: Optimizer["config"]) {
    super(core, config, n, config.momentum ? ["velocity"] : []);
  }
  protected update(p: number, g: number, n: number): void {
    const mu = this.config.momentum ?? 0;
    this.core.kernels.momentum_update(p, g, mu ? this.buffers[0].ptr : 0, n, this.learningRate, mu, this.config.nesterov ? 1 : 0);
  }
}

/** Adam, and AdamW when weightDecay > 0 (decay decoupled from the gradient). */
class Adam extends Rule {
  constructor(core: Core, n: number, config: Optimizer["config"]) {
    super(core, config, n, ["m", "v"]);
  }
  protected update(p: number, g: number, n: number): void {
    const { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0 } = this.config;
    const t = this.steps;
    const stepSize = this.learningRate / (1 - beta1 ** t);
    this.core.kernels.adam_update(p, g, this.buffers[0].ptr, this.buffers[1].ptr, n, stepSize, beta1, beta2,
      Math.sqrt(1 - beta2 ** t), epsilon, this.learningRate * weightDecay);
  }
}

/** RMSProp: gradients divided by a running root-mean-square. */
class RmsProp extends Rule {
  constructor(core: Core, n: number, config: Optimizer["config"]) {
    super(core, config, n, ["square"]);
  }
  protected update(p: number, g: number, n: number): void {
    const { rho = 0.9, epsilon = 1e-8 } = this.config;
    this.core.kernels.rmsprop_update(p, g, this.buffers[0].ptr, n, this.learningRate, rho, epsilon);
  }
}
