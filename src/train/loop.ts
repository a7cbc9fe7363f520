// The training loop: epochs of mini-batches from a batch source, each batch
// one gather, one forward, one backward and one optimizer call into the core.
// Everything else (history, progress, checkpoints, early stopping, the
// learning rate, clipping, the divergence guard, the user's callbacks) is a
// component the loop calls through a CallbackList.
import { TimeLimit } from "./auto-epochs.js";
import { isPending, type Batch, type BatchSource } from "./batch-source.js";
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
import type { Evaluation, Trainer } from "./trainer.js";
import type { EpochLogs, History } from "./training.js";
import { VerboseProgress } from "./verbose.js";

/** Yield to the event loop at least this often (ms) so pages and progress bars stay live. */
const YIELD_MS = 50;
/** Batches between two clock reads at most, while batches take microseconds. */
const MAX_STRIDE = 64;

/** How one pass over the training rows ended; `batch` is the last batch run. */
interface EpochRun {
  batch: number;
  logs: EpochLogs;
  diverged?: Divergence;
  interrupted?: boolean;
}

/**
 * Trains `t` on `source` as `plan` says; resolves to the history. Epochs of resident data run without
 * awaiting anything: only a hook, a pull or the pacer that returns a promise is awaited.
 */
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
  // The pacer runs after every batch, which also bounds the time from one epoch's end to a pause. Batches
  // differ in time only by what hooks do after them: with such hooks, the clock is read after every batch.
  const steady = !callbacks.has("onBatchEnd");
  const epochs = new EpochRunner(ctx, callbacks, guard, pacer(steady ? MAX_STRIDE : 1));
  try {
    callbacks.onTrainBegin();
    for (let epoch = plan.initialEpoch; epoch < plan.epochs; epoch++) {
      if (plan.signal?.aborted) throw abortError(plan.signal, `before epoch ${epoch}`, history);
      callbacks.onEpochBegin(epoch);
      const ran = epochs.run(epoch);
      const run = isPending(ran) ? await ran : ran;
      const checked = run.diverged ?? guard.checkWeights(run.batch) ?? (run.interrupted ? undefined : score(ctx, guard, epoch, run));
      const diverged = isPending(checked) ? await checked : checked;
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
      const ended = callbacks.onEpochEnd(epoch, run.logs);
      if (ended) await ended;
      if (ctx.stop) break;
      if (t.stop) {
        history.stoppedEarly = epoch + 1 < plan.epochs;
        history.stopReason = "stopTraining";
        break;
      }
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

/** What a pull brings: a batch, the end of the epoch (undefined), or a stream's promise of either. */
type Pulled = ReturnType<BatchSource["next"]>;

/**
 * Passes over the training rows, one per run(); a pass ends early on a non-finite loss, an abort or a stop
 * request. A pass runs synchronously while pulls answer at once and the pacer has no pause to take; from
 * the first pull or pause that must wait, the rest of it is async. One runner serves a whole fit(), so
 * an epoch allocates little beyond its logs.
 */
class EpochRunner {
  private epoch = 0;
  private batch = 0;
  private loss = 0;
  private rows = 0;
  private readonly sums: MetricSums;
  /** Whether any component reads a batch's logs: they are made only then. */
  private readonly batchLogs: boolean;
  /** The step's call back between backward pass and update, made once. */
  private readonly beforeUpdate: (loss: number) => void;

  constructor(private readonly ctx: FitContext, private readonly callbacks: CallbackList, private readonly guard: DivergenceGuard,
    private readonly pace: Pacer) {
    this.sums = new MetricSums(ctx.t.metrics);
    this.batchLogs = callbacks.has("onBatchEnd");
    this.beforeUpdate = (loss) => callbacks.beforeUpdate(this.epoch, this.batch, loss);
  }

  /** Runs epoch `epoch`: its run at once, or a promise of it once a pull or a pause has had to wait. */
  run(epoch: number): EpochRun | Promise<EpochRun> {
    this.epoch = epoch;
    this.batch = this.loss = this.rows = 0;
    this.sums.reset();
    this.ctx.source.beginEpoch(this.ctx.plan.shuffle, epoch);
    for (;;) {
      const pulled = this.pull();
      if (isPending(pulled)) return this.finish(pulled);
      const end = this.take(pulled);
      if (end) return end;
      const paused = this.pace();
      if (paused) return paused.then(() => this.finish(this.pull()));
    }
  }

  /** The rest of a pass once something has had to wait, from the pull `pulled`. */
  private async finish(pulled: Pulled): Promise<EpochRun> {
    for (;;) {
      const end = this.take(isPending(pulled) ? await this.arrival(pulled) : pulled);
      if (end) return end;
      const paused = this.pace();
      if (paused) await paused;
      pulled = this.pull();
    }
  }

  private pull(): Pulled {
    const { t, source, plan } = this.ctx;
    return source.next(plan.batchSize, t.batchX, t.batchTargets);
  }

  /** A stream's pull once it settles: a stream rejects its pull when aborted, which is an abort, not a data error. */
  private arrival(pulled: Promise<Batch | undefined>): Promise<Batch | undefined> {
    const { plan, history } = this.ctx;
    return pulled.catch((e: unknown) => {
      throw plan.signal?.aborted ? abortError(plan.signal, `before batch ${this.batch} of epoch ${this.epoch}`, history) : e;
    });
  }

  /** Trains on a pulled batch; returns the pass's run once the pass is over (no batch left, a divergence, a stop). */
  private take(b: Batch | undefined): EpochRun | undefined {
    const { t, source, plan, history } = this.ctx;
    const { epoch, batch } = this;
    if (plan.signal?.aborted) throw abortError(plan.signal, `before batch ${batch} of epoch ${epoch}`, history);
    if (!b) return { batch: batch - 1, logs: this.sums.means(this.rows, { loss: this.loss / this.rows }) };
    // Only once the batch is there: an epoch's end is found by a pull that brings none, which is no batch to begin.
    this.callbacks.onBatchBegin(epoch, batch);
    const r = t.step(b, this.beforeUpdate);
    const diverged = this.guard.checkBatch(batch, r.loss);
    if (diverged) return { batch, logs: { loss: NaN }, diverged };
    this.loss += r.loss * b.rows;
    this.rows += b.rows;
    this.sums.add(r, b.rows);
    if (this.batchLogs) this.callbacks.onBatchEnd(batch, { loss: r.loss, ...metricValues(t.metrics, r), size: b.rows, ...source.progress?.() });
    if (plan.signal?.aborted) throw abortError(plan.signal, `after batch ${batch} of epoch ${epoch}`, history);
    if (t.stop || this.ctx.stop) return { batch, logs: { loss: NaN }, interrupted: true };
    this.batch++;
    return undefined;
  }
}

/** Adds the validation metrics to a completed epoch's logs; returns a divergence the last weights show (a promise for a stream's). */
function score(ctx: FitContext, guard: DivergenceGuard, epoch: number, run: EpochRun): Divergence | undefined | Promise<Divergence | undefined> {
  const { t, source, plan } = ctx;
  if (source.validationRows === 0) return epoch === plan.epochs - 1 ? guard.checkFinal(run.batch) : undefined;
  const validated = (v: Evaluation): Divergence | undefined => {
    run.logs.valLoss = v.loss;
    for (const name of t.metrics) run.logs[validationKey(name)] = v[name];
    return guard.checkValidation(run.batch, v.loss);
  };
  return source.validationBatches ? t.evaluateStream(source).then(validated) : validated(t.evaluate(source, "validation", 0, source.validationRows));
}

/** Yields to the event loop when YIELD_MS have passed since it last did: a promise to await then, else undefined. */
type Pacer = () => Promise<void> | undefined;

/**
 * A Pacer. It yields by the quickest macrotask at hand: setImmediate in Node (setTimeout(0) waits
 * at least a millisecond there), a MessageChannel message in browsers and workers. A clock read
 * costs as much as one of a small network's kernel calls, so while the calls between two reads take
 * under a millisecond it reads the clock half as often, up to once in `maxStride` calls, and twice as
 * often when they take longer.
 */
function pacer(maxStride: number): Pacer {
  let last = Date.now();
  let read = last;
  let stride = 1;
  let calls = 0;
  const yieldNow = macrotask();
  return () => {
    if (++calls < stride) return undefined;
    calls = 0;
    const now = Date.now();
    stride = now - read < 1 ? Math.min(2 * stride, maxStride) : Math.max(stride >> 1, 1);
    read = now;
    if (now - last <= YIELD_MS) return undefined;
    return yieldNow().then(() => {
      last = read = Date.now();
    });
  };
}

/** A function that resolves after the event loop has run other tasks once. */
function macrotask(): () => Promise<void> {
  if (typeof setImmediate === "function") return () => new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === "function") {
    // A channel per pause, closed once used: an open port would keep some runtimes from exiting.
    return () => new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(undefined);
    });
  }
  return () => new Promise((resolve) => setTimeout(resolve, 0));
}
