// The divergence guard: keeps the weights fit() ends with (however it ends)
// finite. It copies the weights at the start of every epoch whose first batch
// has a finite loss, checks each batch's loss, the weights once an epoch, and
// the last weights by a forward pass; on divergence it goes back to the copy
// and then throws or lowers the learning rate for a rerun of the epoch.
//
// A batch's loss is that of the weights before its update, so the weights fit
// ends with are checked apart: by the validation loss, or by the loss on the
// training rows (up to CHECK_ROWS of them). A loss can grow huge and stay
// finite while some rows' outputs already overflow, so one batch is not enough.
// `ctx.verified` says whether the current weights have been checked.
import type { Callback } from "./callback.js";
import type { FitContext } from "./context.js";
import { Snapshot } from "./divergence.js";
import { DivergenceError } from "./errors.js";
import type { LearningRate } from "./learning-rate.js";

/** Training rows the final weights are checked on (a forward pass, once per fit). */
const CHECK_ROWS = 1024;

/** Where and how training diverged. */
export interface Divergence {
  batch: number;
  loss: number;
  what: string;
}

/** Watches training for NaN and infinity and puts back the last good weights. */
export class DivergenceGuard implements Callback {
  private snapshot: Snapshot | undefined;
  private readonly at = { epoch: 0, batch: 0 };
  /** Whether the running batch has reached its update, which a failure may leave half applied. */
  private updating = false;

  /** `chunk`: rows per forward pass when checking the final weights (the batch size, so no buffer grows). */
  constructor(private readonly ctx: FitContext, private readonly rate: LearningRate, private readonly chunk: number) {}

  onTrainBegin(): void {
    const { t } = this.ctx;
    this.snapshot = new Snapshot(t.core, t.net, t.optimizer);
    this.snapshot.take(0);
  }

  onBatchBegin(epoch: number, batch: number): void {
    this.at.epoch = epoch;
    this.at.batch = batch;
    this.updating = false;
  }

  beforeUpdate(epoch: number, batch: number, loss: number): void {
    // An epoch's starting weights become the point to go back to once their loss is seen finite.
    if (batch === 0 && Number.isFinite(loss)) this.snapshot!.take(epoch);
    this.updating = true;
  }

  /** After a completed step: a non-finite loss is a divergence; otherwise the new weights are unchecked. */
  checkBatch(batch: number, loss: number): Divergence | undefined {
    this.updating = false;
    // Weights are counted once an epoch (checkWeights): a NaN weight shows in the next batch's loss long before that.
    if (!Number.isFinite(loss)) return { batch, loss, what: `the loss became ${loss}` };
    this.ctx.verified = false;
    return undefined;
  }

  /** At an epoch's end: any NaN or infinity among the weights and the optimizer state. */
  checkWeights(batch: number): Divergence | undefined {
    const bad = this.nonFinite();
    return bad > 0 ? { batch, loss: NaN, what: `${bad} weights or optimizer values became non-finite by then` } : undefined;
  }

  /** The validation loss checks the epoch's last weights. */
  checkValidation(batch: number, loss: number): Divergence | undefined {
    if (!Number.isFinite(loss)) return { batch, loss, what: `the validation loss became ${loss}` };
    this.ctx.verified = true;
    return undefined;
  }

  /** Without validation data, the last epoch's weights are checked on the training rows. */
  checkFinal(batch: number): Divergence | undefined {
    const after = this.finalLoss();
    if (!Number.isFinite(after)) return { batch, loss: after, what: `the loss on the training data after the last update became ${after}` };
    this.ctx.verified = true;
    return undefined;
  }

  /** Goes back to the last good weights, then throws a DivergenceError or lowers the learning rate for a rerun of `epoch`. */
  recover(epoch: number, d: Divergence): void {
    const { t, plan, history } = this.ctx;
    const snapshot = this.snapshot!;
    snapshot.restore();
    this.ctx.verified = true;
    const done = history.recoveries?.length ?? 0;
    if (!plan.divergence.recover || done >= plan.divergence.maxRecoveries) {
      const tried = done ? ` after ${done} recoveries` : "";
      throw new DivergenceError(
        `fit: training diverged in epoch ${epoch}, batch ${d.batch}${tried}: ${d.what} at learning rate ${t.learningRate}; ` +
        `the model is back at its weights from the start of epoch ${snapshot.epoch}. Lower the learning rate, set clipNorm or clipValue, ` +
        `or pass onDivergence: 'recover'`, epoch, d.batch, d.loss, snapshot.epoch, history);
    }
    const learningRate = this.rate.reduce(plan.divergence.factor, epoch);
    (history.recoveries ??= []).push({ epoch, batch: d.batch, loss: d.loss, learningRate });
  }

  /** Early stopping and stopTraining can end fit at weights no forward pass has seen yet: check them. */
  verifyEnd(): void {
    if (this.ctx.verified || this.finalFinite()) return;
    const snapshot = this.snapshot!;
    snapshot.restore();
    this.ctx.verified = true;
    const { epoch, batch } = this.at;
    throw new DivergenceError(
      `fit: training diverged in epoch ${epoch}, batch ${batch}: the loss on the training data after the last update is not finite; ` +
      `the model is back at its weights from the start of epoch ${snapshot.epoch}`, epoch, batch, NaN, snapshot.epoch, this.ctx.history);
  }

  /**
   * Whatever ended fit early (an abort, a callback's error, a failure in the core), it leaves neither a
   * half-applied update, nor a non-finite weight, nor an update whose loss overflows behind.
   */
  onError(): void {
    const snapshot = this.snapshot;
    if (!snapshot) return;
    if (this.updating) {
      snapshot.restore();
      this.ctx.verified = true;
    }
    if (this.nonFinite() > 0 || (!this.ctx.verified && !this.finalFinite())) snapshot.restore();
  }

  onFinally(): void {
    this.snapshot?.free();
  }

  private nonFinite(): number {
    return this.snapshot!.nonFinite();
  }

  private finalLoss(): number {
    const { t, source } = this.ctx;
    const total = Math.min(source.checkRows, CHECK_ROWS);
    let sum = 0;
    for (let s = 0; s < total; s += this.chunk) sum += t.evaluate(source, "train", s, Math.min(this.chunk, total - s)).loss;
    return sum;
  }

  private finalFinite(): boolean {
    try {
      return Number.isFinite(this.finalLoss());
    } catch {
      return false;
    }
  }
}
