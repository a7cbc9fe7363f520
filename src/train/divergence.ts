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

/** Largest copy (bytes of parameters and optimizer state) for which a snapshot keeps a second one, checked at each epoch's end. */
const SPARE_BYTES = 1 << 20;

/**
 * A copy of a network's parameters and its optimizer's state and step count, in the core, to go back to.
 * A small network's copy is also the weights check: at an epoch's end the parameters and state are copied
 * into a spare and counted there in one kernel call (rather than one per buffer, each as dear as a small
 * step's kernels), and when the next epoch's first loss is finite that spare, still the live weights,
 * becomes the copy to go back to without copying again. Larger networks count in place and copy at take().
 */
export class Snapshot {
  private ptr: number;
  private readonly buffers: number[];
  private steps = 0;
  private readonly memory: () => Uint8Array;
  /** The spare copy (0: none is kept), the network version and step count it holds, or version −1 when it holds nothing usable. */
  private spare = 0;
  private spareVersion = -1;
  private spareSteps = 0;
  /** The epoch whose starting weights the copy holds. */
  epoch = 0;

  constructor(private readonly core: Core, private readonly net: Network, private readonly optimizer: Optimizer) {
    this.buffers = [net.params, ...optimizer.state().map((s) => s.ptr)];
    const bytes = this.buffers.length * net.size * 4;
    this.ptr = core.allocator.alloc(bytes);
    try {
      if (bytes <= SPARE_BYTES) this.spare = core.allocator.alloc(bytes);
    } catch (e) {
      core.free(this.ptr);
      throw e;
    }
    this.memory = lastingView(() => new Uint8Array(core.memory.buffer));
  }

  /** Copies the current parameters and optimizer state, as those of the start of `epoch`. */
  take(epoch: number): void {
    if (this.spareVersion === this.net.version && this.spareSteps === this.optimizer.steps) {
      [this.ptr, this.spare] = [this.spare, this.ptr];
      this.spareVersion = -1;
    } else {
      this.copy(this.ptr, true);
    }
    this.steps = this.optimizer.steps;
    this.epoch = epoch;
  }

  /** Puts back what take() copied. */
  restore(): void {
    this.copy(this.ptr, false);
    this.optimizer.steps = this.steps;
    this.net.weightsChanged();
  }

  /** Number of NaN or infinite values among the parameters and the optimizer's state buffers, as they are now. */
  nonFinite(): number {
    const { core, net } = this;
    if (this.spare) {
      this.copy(this.spare, true);
      const bad = core.kernels.count_nonfinite(this.spare, this.buffers.length * net.size);
      this.spareVersion = bad ? -1 : net.version;
      this.spareSteps = this.optimizer.steps;
      return bad;
    }
    let bad = 0;
    for (const b of this.buffers) bad += core.kernels.count_nonfinite(b, net.size);
    return bad;
  }

  /** Frees the copies. */
  free(): void {
    this.core.free(this.ptr);
    if (this.spare) this.core.free(this.spare);
  }

  /** Copies the parameters and state into the copy at `to` (`save`), or back from it. */
  private copy(to: number, save: boolean): void {
    const bytes = this.net.size * 4;
    const memory = this.memory();
    for (let i = 0; i < this.buffers.length; i++) {
      const b = this.buffers[i];
      const saved = to + i * bytes;
      if (save) memory.copyWithin(saved, b, b + bytes);
      else memory.copyWithin(b, saved, saved + bytes);
    }
  }
}
