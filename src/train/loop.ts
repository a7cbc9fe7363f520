// The training loop: epochs of mini-batches from a batch source, each batch
// one gather, one forward, one backward and one optimizer call into the core.
// Everything else (history, progress, checkpoints, early stopping, the
// learning rate, clipping, the divergence guard, the user's callbacks) is a
// component the loop calls through a CallbackList.
import { TimeLimit } from "./auto-epochs.js";
import { isPending, type BatchSource } from "./batch-source.js";
import { CallbackList, type Callback } from "./callback.js";
import { GradientClipping } from "./clipping.js";
import type { FitContext } from "./context.js";
import { DivergenceGuard, type Divergence } from "./divergence-guard.js";
import { EarlyStopping } from "./early-stopping.js";
import { abortError } from "./errors.js";
import { emptyHistory, HistoryRecorder } from "./history.js";
import { LearningRate } from "./learning-rate.js";
import { metricValues, MetricSums, validationKey } from "./metric-logs.js";
import { checkCheckpointPaths, ModelCheckpoint } from "./checkpoint.js";
import type { FitPlan } from "./plan.js";
import type { Trainer } from "./trainer.js";
import type { EpochLogs, History } from "./training.js";
import { VerboseProgress } from "./verbose.js";

/** Yield to the event loop at least this often (ms) so pages and progress bars stay live. */
const YIELD_MS = 50;

/** How one pass over the training rows ended; `batch` is the last batch run. */
interface EpochRun {
  batch: number;
  logs: EpochLogs;
  diverged?: Divergence;
  interrupted?: boolean;
}

/** Trains `t` on `source` as `plan` says; resolves to the history. */
export async function train(t: Trainer, source: BatchSource, plan: FitPlan): Promise<History> {
  const history = emptyHistory(plan.metrics, source.validationRows > 0);
  if (plan.signal?.aborted) throw abortError(plan.signal, "before training started", history);
  await checkCheckpointPaths(plan.checkpoint);
  const rows = Math.min(plan.batchSize, source.rows);
  t.reserve(rows);
  // A stream's rows per epoch are unknown when it starts, so a schedule then moves epoch by epoch.
  const ctx: FitContext = { t, source, plan, history, stop: false, verified: true };
  const rate = new LearningRate(t, plan.schedule, Math.ceil(source.rows / plan.batchSize));
  const guard = new DivergenceGuard(ctx, rate, rows);
  const callbacks = new CallbackList([rate, guard, ...components(ctx)]);
  const pace = pacer();
  try {
    callbacks.onTrainBegin();
    for (let epoch = plan.initialEpoch; epoch < plan.epochs; epoch++) {
      if (plan.signal?.aborted) throw abortError(plan.signal, `before epoch ${epoch}`, history);
      callbacks.onEpochBegin(epoch);
      const run = await runEpoch(ctx, callbacks, guard, epoch, pace);
      const diverged = run.diverged ?? guard.checkWeights(run.batch) ?? (run.interrupted ? undefined : await score(ctx, guard, epoch, run));
      if (diverged) {
        guard.recover(epoch, diverged);
        epoch--;
        continue;
      }
      if (run.interrupted) {
        history.stoppedEarly = true;
        history.stopReason ??= "stopTraining";
        break;
      }
      await callbacks.onEpochEnd(epoch, run.logs);
      if (ctx.stop) break;
      if (t.stop) {
        history.stoppedEarly = epoch + 1 < plan.epochs;
        history.stopReason = "stopTraining";
        break;
      }
      await pace();
    }
    history.stopReason ??= "epochs";
    callbacks.onEpochsEnd();
    guard.verifyEnd();
  } catch (e) {
    guard.onError();
    throw e;
  } finally {
    callbacks.onFinally();
  }
  callbacks.onTrainEnd(history);
  return history;
}

/** The components after the learning rate and the guard, in the order their epoch hooks run. */
function components(ctx: FitContext): Callback[] {
  const { t, plan, history, source } = ctx;
  const list: (Callback | undefined)[] = [
    plan.clip && new GradientClipping(t.core, t.net, plan.clip),
    new HistoryRecorder(history, (logs) => t.recordEpoch(logs)),
    plan.verbose ? new VerboseProgress(plan.epochs) : undefined,
    plan.callbacks,
    plan.checkpoint && new ModelCheckpoint(plan.checkpoint, (withOptimizer) => t.save(withOptimizer)),
    plan.earlyStopping && new EarlyStopping(plan.earlyStopping, {
      copyWeights: () => t.core.f32(t.net.params, t.net.size).slice(),
      setWeights: (w) => {
        t.core.f32(t.net.params, t.net.size).set(w);
        t.net.weightsChanged();
      },
      stop: () => {
        history.stoppedEarly = true;
        history.stopReason = "earlyStopping";
        ctx.stop = true;
      },
      restored: (epoch) => {
        history.bestEpoch = epoch;
        // Weights a validation pass scored are checked; otherwise the guard checks them at the end.
        ctx.verified = source.validationRows > 0;
      },
    }),
    plan.seconds !== undefined ? new TimeLimit(plan.seconds, plan.midEpochLimit ?? false, () => {
      history.stoppedEarly = true;
      history.stopReason ??= "time";
      ctx.stop = true;
    }) : undefined,
  ];
  return list.filter((c): c is Callback => c !== undefined);
}

/** One pass over the training rows; ends early on a non-finite loss, an abort or a stop request. */
async function runEpoch(ctx: FitContext, callbacks: CallbackList, guard: DivergenceGuard, epoch: number, pace: () => Promise<void>): Promise<EpochRun> {
  const { t, source, plan } = ctx;
  source.beginEpoch(plan.shuffle, epoch);
  let loss = 0;
  let rows = 0;
  const sums = new MetricSums(t.metrics);
  for (let batch = 0; ; batch++) {
    const { x, targets } = t.batchBuffers;
    const pulled = source.next(plan.batchSize, x, targets);
    // Resident data answers at once: only a stream costs a promise per batch.
    const b = isPending(pulled) ? await pulled.catch((e: unknown) => {
      // A stream rejects its pull when aborted: that is an abort, not a data error.
      throw plan.signal?.aborted ? abortError(plan.signal, `before batch ${batch} of epoch ${epoch}`, ctx.history) : e;
    }) : pulled;
    if (plan.signal?.aborted) throw abortError(plan.signal, `before batch ${batch} of epoch ${epoch}`, ctx.history);
    if (!b) return { batch: batch - 1, logs: { loss: loss / rows, ...sums.means(rows) } };
    // Only once the batch is there: an epoch's end is found by a pull that brings none, which is no batch to begin.
    callbacks.onBatchBegin(epoch, batch);
    const r = t.step(b, (batchLoss) => callbacks.beforeUpdate(epoch, batch, batchLoss));
    const diverged = guard.checkBatch(batch, r.loss);
    if (diverged) return { batch, logs: { loss: NaN }, diverged };
    loss += r.loss * b.rows;
    rows += b.rows;
    sums.add(r, b.rows);
    callbacks.onBatchEnd(batch, { loss: r.loss, ...metricValues(t.metrics, r), size: b.rows, ...source.progress?.() });
    if (plan.signal?.aborted) throw abortError(plan.signal, `after batch ${batch} of epoch ${epoch}`, ctx.history);
    if (t.stop || ctx.stop) return { batch, logs: { loss: NaN }, interrupted: true };
    await pace();
  }
}

/** Adds the validation metrics to a completed epoch's logs; returns a divergence the last weights show. */
async function score(ctx: FitContext, guard: DivergenceGuard, epoch: number, run: EpochRun): Promise<Divergence | undefined> {
  const { t, source, plan } = ctx;
  if (source.validationRows > 0) {
    const v = source.validationBatches ? await t.evaluateStream(source) : t.evaluate(source, "validation", 0, source.validationRows);
    run.logs.valLoss = v.loss;
    for (const name of t.metrics) run.logs[validationKey(name)] = v[name];
    return guard.checkValidation(run.batch, v.loss);
  }
  return epoch === plan.epochs - 1 ? guard.checkFinal(run.batch) : undefined;
}

/** A function that yields to the event loop when YIELD_MS have passed since it last did. */
function pacer(): () => Promise<void> {
  let last = Date.now();
  return async () => {
    if (Date.now() - last <= YIELD_MS) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    last = Date.now();
  };
}
