// Divergence: a batch whose loss, or whose updated weights, are NaN or
// infinite. The training loop copies the weights and the optimizer state at
// the start of every epoch whose first batch has a finite loss (a point known
// to be good) and, on divergence, goes back to the latest such copy; then it
// either throws or lowers the learning rate and runs the epoch again. One copy
// per epoch, not per batch: a per-batch copy would cost as much as a small
// batch's forward pass, and weights just before a blow-up are rarely good.
import type { Core } from "../runtime/core.js";
import { ConfigError } from "../errors.js";
import type { Network } from "../nn/network.js";
import type { Optimizer } from "../nn/optimizers.js";
import { checkKeys, choiceOption, describe, integerOption, numberOption } from "../util/options.js";
import { lastingView } from "./lasting-view.js";

/** What fit() does when training diverges; a string is the action with default settings. */
export interface DivergenceOptions {
  /** 'throw' (default): put back the last good weights and reject with a DivergenceError. 'recover': put them back, lower the learning rate, go on. */
  action?: "throw" | "recover";
  /** 'recover': the learning rate is multiplied by this each time; default 0.1. */
  factor?: number;
  /** 'recover': after this many recoveries in one fit(), the next divergence throws; default 3. */
  maxRecoveries?: number;
}

/** A divergence fit() recovered from, as recorded in the history. */
export interface DivergenceRecord {
  epoch: number;
  batch: number;
  /** The loss of the batch that diverged (finite when only the update overflowed). */
  loss: number;
  /** The learning rate the epoch was run again with. */
  learningRate: number;
}

/** The resolved divergence settings. */
export interface DivergencePolicy {
  recover: boolean;
  factor: number;
  maxRecoveries: number;
}

/** Reads fit()'s onDivergence option, or throws a ConfigError naming it. */
export function divergencePolicy(spec: unknown): DivergencePolicy {
  const where = "fit: onDivergence";
  const o: DivergenceOptions = typeof spec === "string" ? { action: spec as DivergenceOptions["action"] } : spec ?? {};
  if (typeof o !== "object" || o === null || Array.isArray(o)) {
    throw new ConfigError(`${where} must be 'throw', 'recover' or {action, factor, maxRecoveries}, got ${describe(spec)}`);
  }
  checkKeys(o, ["action", "factor", "maxRecoveries"], where);
  const action = choiceOption(o.action ?? "throw", `${where}${typeof spec === "string" ? "" : ".action"}`, ["throw", "recover"] as const);
  const factor = numberOption(o.factor ?? 0.1, `${where}.factor`, 0, 1);
  if (factor === 0) throw new ConfigError(`${where}.factor must be a finite number > 0 and < 1, got 0`);
  return { recover: action === "recover", factor, maxRecoveries: integerOption(o.maxRecoveries ?? 3, `${where}.maxRecoveries`, 0) };
}

/** A copy of a network's parameters and its optimizer's state and step count, in the core, to go back to. */
export class Snapshot {
  private readonly ptr: number;
  private readonly buffers: number[];
  private steps = 0;
  private readonly memory: () => Uint8Array;
  /** The epoch whose starting weights the copy holds. */
  epoch = 0;

  constructor(private readonly core: Core, private readonly net: Network, private readonly optimizer: Optimizer) {
    this.buffers = [net.params, ...optimizer.state().map((s) => s.ptr)];
    this.ptr = core.allocF32(this.buffers.length * net.size);
    this.memory = lastingView(() => new Uint8Array(core.memory.buffer));
  }

  /** Copies the current parameters and optimizer state, as those of the start of `epoch`. */
  take(epoch: number): void {
    this.copy(true);
    this.steps = this.optimizer.steps;
    this.epoch = epoch;
  }

  /** Puts back what take() copied. */
  restore(): void {
    this.copy(false);
    this.optimizer.steps = this.steps;
    this.net.weightsChanged();
  }

  /** Number of NaN or infinite values among the optimizer's state buffers. */
  stateNonFinite(): number {
    let bad = 0;
    for (let i = 1; i < this.buffers.length; i++) bad += this.core.kernels.count_nonfinite(this.buffers[i], this.net.size);
    return bad;
  }

  /** Frees the copy. */
  free(): void {
    this.core.free(this.ptr);
  }

  private copy(save: boolean): void {
    const bytes = this.net.size * 4;
    const memory = this.memory();
    for (let i = 0; i < this.buffers.length; i++) {
      const b = this.buffers[i];
      const saved = this.ptr + i * bytes;
      if (save) memory.copyWithin(saved, b, b + bytes);
      else memory.copyWithin(b, saved, saved + bytes);
    }
  }
}
