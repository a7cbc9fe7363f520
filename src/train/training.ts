// The training loop: epochs of shuffled mini-batches, validation, early
// stopping, callbacks and the returned history. Every batch is one gather,
// one forward, one backward and one optimizer call into the core.
import { clipGradients, clippingOptions } from "./clipping.js";
import type { DeviceData } from "./device-data.js";
import { divergencePolicy, Snapshot, type DivergenceOptions, type DivergenceRecord } from "./divergence.js";
import { ConfigError } from "../errors.js";
import { AbortError, DivergenceError } from "./errors.js";
import type { Evaluation, Trainer } from "../model/model.js";
import { checkKeys, choiceOption, describe, integerOption, numberOption } from "../util/options.js";
import { nodeImport } from "../runtime/platform.js";

/** Metrics of one epoch, as passed to callbacks and recorded in the history. */
export interface EpochLogs {
  loss: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
}

/** Hooks called during fit(); set model.stopTraining = true to end after the current epoch. */
export interface Callbacks {
  onTrainBegin?(): void;
  onEpochBegin?(epoch: number): void;
  /** After each mini-batch, with that batch's loss (and accuracy). */
  onBatchEnd?(batch: number, logs: { loss: number; accuracy?: number; size: number }): void;
  onEpochEnd?(epoch: number, logs: EpochLogs): void | Promise<void>;
  onTrainEnd?(history: History): void;
}

/** Stop when a monitored metric stops improving. */
export interface EarlyStoppingOptions {
  /** Metric to watch; default 'valLoss' when there is validation data, else 'loss'. */
  monitor?: "loss" | "accuracy" | "valLoss" | "valAccuracy";
  /** Epochs without improvement before stopping; default 5. */
  patience?: number;
  /** Smallest change that counts as an improvement; default 0. */
  minDelta?: number;
  /** Put back the weights of the best epoch when training ends; default true. */
  restoreBestWeights?: boolean;
}

/** Model files written during fit(): the best epoch so far and the latest one. */
export interface CheckpointOptions {
  /** Path (Node) the model is written to after every epoch. */
  last?: string;
  /** Path (Node) the model is written to whenever the monitored metric improves. */
  best?: string;
  /** Metric that decides 'best'; default 'valLoss' when there is validation data, else 'loss'. */
  monitor?: "loss" | "accuracy" | "valLoss" | "valAccuracy";
  /** Include the optimizer state, so that a loaded checkpoint resumes training exactly; default true. */
  optimizer?: boolean;
  /** Receives every checkpoint's bytes (both kinds); works in browsers, where there are no paths. */
  onSave?(bytes: Uint8Array, kind: "best" | "last", epoch: number): void | Promise<void>;
}

/**
 * How the learning rate changes during one fit() call, starting from the compiled rate lr₀:
 * 'step' multiplies it by `gamma` every `stepSize` epochs; 'exponential' by `gamma` every epoch;
 * 'cosine' follows half a cosine, batch by batch, from lr₀ down to `minLearningRate` at `epochs`.
 * The compiled rate is put back when fit() returns.
 */
export type LearningRateSchedule =
  | { type: "step"; stepSize: number; gamma?: number }
  | { type: "exponential"; gamma: number }
  | { type: "cosine"; epochs?: number; minLearningRate?: number };

/** Options of fit(). */
export interface FitOptions {
  /** Passes over the training data; default 10. */
  epochs?: number;
  /** Rows per mini-batch; default 32. */
  batchSize?: number;
  /** Reshuffle the training rows every epoch; default true. */
  shuffle?: boolean;
  /** Fraction of rows, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** Separate validation data [x, y]; takes precedence over validationSplit. */
  validationData?: [unknown, unknown];
  /** Early stopping; `true` uses the defaults. */
  earlyStopping?: EarlyStoppingOptions | boolean;
  callbacks?: Callbacks;
  /** Print one line per epoch with console.log; default false. */
  verbose?: boolean;
  /** Save the best and/or last model to files (or a callback) after each epoch. */
  checkpoint?: CheckpointOptions;
  /** Change the learning rate as training goes (default: constant). */
  learningRateSchedule?: LearningRateSchedule;
  /** Stops training after the current batch when aborted: fit() rejects with an AbortError and the model keeps that batch's weights. */
  signal?: AbortSignal;
  /** Scale the whole gradient (all parameters together) down to this L2 norm when it is larger. */
  clipNorm?: number;
  /** Clamp every gradient element into [−clipValue, clipValue] (before clipNorm, when both are set). */
  clipValue?: number;
  /**
   * When the loss or the weights become NaN or infinite, the model goes back to the weights and optimizer
   * state of the start of that epoch (or of an earlier one, if the loss was not finite there already), then
   * 'throw' (default) rejects with a DivergenceError, 'recover' lowers the learning rate (×0.1, at most 3
   * times) and runs the epoch again.
   */
  onDivergence?: "throw" | "recover" | DivergenceOptions;
}

/** What fit() returns: one entry per completed epoch. */
export interface History {
  epochs: number;
  loss: number[];
  accuracy?: number[];
  valLoss?: number[];
  valAccuracy?: number[];
  /** Epoch (0-based) whose weights the model holds when early stopping restored the best ones. */
  bestEpoch?: number;
  /** True when early stopping or stopTraining ended training before `epochs` (a partly done epoch is not recorded). */
  stoppedEarly: boolean;
  /** Divergences recovered from with onDivergence: 'recover', in order. */
  recoveries?: DivergenceRecord[];
}

const FIT_KEYS = ["epochs", "batchSize", "shuffle", "validationSplit", "validationData", "earlyStopping", "callbacks", "verbose", "checkpoint",
  "learningRateSchedule", "signal", "clipNorm", "clipValue", "onDivergence"];
/** Training rows the final weights are checked on (a forward pass, once per fit). */
const CHECK_ROWS = 1024;
/** Yield to the event loop at least this often (ms) so pages and progress bars stay live. */
const YIELD_MS = 50;

/** Runs fit() on resident data; `validation` is separate validation data, if any. */
export async function train(t: Trainer, data: DeviceData, validation: DeviceData | undefined, options: FitOptions): Promise<History> {
  checkKeys(options, FIT_KEYS, "fit");
  const epochs = integerOption(options.epochs ?? 10, "fit: epochs");
  const batchSize = integerOption(options.batchSize ?? 32, "fit: batchSize");
  const shuffle = options.shuffle ?? true;
  if (typeof shuffle !== "boolean") throw new ConfigError(`fit: shuffle must be true or false`);
  const split = numberOption(options.validationSplit ?? 0, "fit: validationSplit", 0, 1);
  const valRows = validation ? 0 : Math.floor(data.rows * split);
  const trainRows = data.rows - valRows;
  if (split > 0 && !validation && (valRows < 1 || trainRows < 1)) {
    throw new ConfigError(`fit: validationSplit ${split} of ${data.rows} rows leaves ${valRows} validation and ${trainRows} training rows; both need at least 1`);
  }
  const hasValidation = !!validation || valRows > 0;
  const stopper = earlyStopper(options.earlyStopping, hasValidation);
  const cb = options.callbacks ?? {};
  checkKeys(cb, ["onTrainBegin", "onEpochBegin", "onBatchEnd", "onEpochEnd", "onTrainEnd"], "fit: callbacks");
  const checkpoint = checkpointer(options.checkpoint, hasValidation, t);
  const baseRate = t.learningRate;
  const schedule = scheduler(options.learningRateSchedule, epochs, baseRate);
  const batches = Math.ceil(trainRows / batchSize);
  const signal = abortSignal(options.signal);
  const clip = clippingOptions(options.clipNorm, options.clipValue);
  const policy = divergencePolicy(options.onDivergence);

  const core = t.core;
  const history: History = { epochs: 0, loss: [], stoppedEarly: false };
  if (t.metrics) history.accuracy = [];
  if (hasValidation) {
    history.valLoss = [];
    if (t.metrics) history.valAccuracy = [];
  }
  if (signal?.aborted) throw aborted(signal, "before training started", history);
  const rows = Math.min(batchSize, trainRows);
  t.reserve(rows);
  const index = core.allocator.alloc(trainRows * 4);
  let snapshot: Snapshot | undefined;
  // Runs between a batch's backward pass and its update.
  let at = { epoch: 0, batch: 0 };
  let updating = false;
  const beforeUpdate = (batchLoss: number): void => {
    // An epoch's starting weights become the point to go back to once their loss is seen finite.
    if (at.batch === 0 && Number.isFinite(batchLoss)) snapshot!.take(at.epoch);
    if (clip) clipGradients(core, t.net.grads, t.net.size, clip);
    updating = true;
  };
  // A batch's loss is that of the weights before its update, so the weights fit ends with are checked apart:
  // by the validation loss, or by the loss on the training rows (up to CHECK_ROWS of them). A loss can grow
  // huge and stay finite while some rows' outputs already overflow, so one batch is not enough.
  // `verified` says whether the current weights have been checked.
  let verified = true;
  const finalLoss = (): number => {
    // In batches of the training batch size, so no buffer grows beyond what training needs.
    const total = Math.min(trainRows, CHECK_ROWS);
    let sum = 0;
    for (let s = 0; s < total; s += rows) sum += t.evaluate(data, s, Math.min(rows, total - s)).loss;
    return sum;
  };
  const finalFinite = (): boolean => {
    try {
      return Number.isFinite(finalLoss());
    } catch {
      return false;
    }
  };
  let rateScale = 1;
  let best: Float32Array | undefined;
  try {
    snapshot = new Snapshot(core, t.net, t.optimizer);
    snapshot.take(0);
    const identity = Int32Array.from({ length: trainRows }, (_, i) => i);
    cb.onTrainBegin?.();
    let lastYield = Date.now();
    for (let epoch = 0; epoch < epochs; epoch++) {
      if (signal?.aborted) throw aborted(signal, `before epoch ${epoch}`, history);
      cb.onEpochBegin?.(epoch);
      // Each epoch shuffles the identity, so its order depends on the RNG state alone and a resumed run matches.
      core.i32(index, trainRows).set(identity);
      if (shuffle) core.kernels.rng_shuffle(t.net.rt.rng, index, trainRows);
      let loss = 0;
      let acc = 0;
      let interrupted = false;
      let diverged: { batch: number; loss: number; what: string } | undefined;
      let lastBatch = 0;
      for (let start = 0, batch = 0; start < trainRows; start += batchSize, batch++) {
        lastBatch = batch;
        const n = Math.min(batchSize, trainRows - start);
        if (schedule || rateScale !== 1) t.learningRate = (schedule ? schedule(epoch + batch / batches) : baseRate) * rateScale;
        let r: { loss: number; accuracy: number };
        at = { epoch, batch };
        updating = false;
        try {
          r = t.step(data, index + start * 4, n, beforeUpdate);
        } catch (e) {
          // A failure inside the core (a pool worker dying) during the update may leave it half applied;
          // before it, the weights are still those of the last completed batch.
          if (updating) {
            snapshot.restore();
            verified = true;
          }
          throw e;
        }
        // Weights are counted once an epoch (below): a NaN weight shows in the next batch's loss long before that.
        if (!Number.isFinite(r.loss)) {
          diverged = { batch, loss: r.loss, what: `the loss became ${r.loss}` };
          break;
        }
        verified = false;
        loss += r.loss * n;
        acc += r.accuracy * n;
        cb.onBatchEnd?.(batch, t.metrics ? { loss: r.loss, accuracy: r.accuracy, size: n } : { loss: r.loss, size: n });
        if (signal?.aborted) throw aborted(signal, `after batch ${batch} of epoch ${epoch}`, history);
        if (t.stop) {
          interrupted = true;
          break;
        }
        if (Date.now() - lastYield > YIELD_MS) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          lastYield = Date.now();
        }
      }
      if (!diverged) {
        const bad = nonFinite(core, t, snapshot);
        if (bad > 0) diverged = { batch: lastBatch, loss: NaN, what: `${bad} weights or optimizer values became non-finite by then` };
      }
      const logs: EpochLogs = { loss: loss / trainRows };
      if (!diverged && !interrupted) {
        if (t.metrics) logs.accuracy = acc / trainRows;
        if (hasValidation) {
          const v: Evaluation = validation ? t.evaluate(validation, 0, validation.rows) : t.evaluate(data, trainRows, valRows);
          logs.valLoss = v.loss;
          if (t.metrics) logs.valAccuracy = v.accuracy;
          if (!Number.isFinite(v.loss)) diverged = { batch: batches - 1, loss: v.loss, what: `the validation loss became ${v.loss}` };
          else verified = true;
        } else if (epoch === epochs - 1) {
          const after = finalLoss();
          if (!Number.isFinite(after)) diverged = { batch: batches - 1, loss: after, what: `the loss on the training data after the last update became ${after}` };
          else verified = true;
        }
      }
      if (diverged) {
        snapshot.restore();
        verified = true;
        const rate = t.learningRate;
        if (!policy.recover || (history.recoveries?.length ?? 0) >= policy.maxRecoveries) {
          const tried = history.recoveries?.length ? ` after ${history.recoveries.length} recoveries` : "";
          throw new DivergenceError(
            `fit: training diverged in epoch ${epoch}, batch ${diverged.batch}${tried}: ${diverged.what} at learning rate ${rate}; ` +
            `the model is back at its weights from the start of epoch ${snapshot.epoch}. Lower the learning rate, set clipNorm or clipValue, ` +
            `or pass onDivergence: 'recover'`, epoch, diverged.batch, diverged.loss, snapshot.epoch, history);
        }
        rateScale *= policy.factor;
        t.learningRate = (schedule ? schedule(epoch) : baseRate) * rateScale;
        (history.recoveries ??= []).push({ epoch, batch: diverged.batch, loss: diverged.loss, learningRate: t.learningRate });
        epoch--;
        continue;
      }
      if (interrupted) {
        history.stoppedEarly = true;
        break;
      }
      record(history, logs);
      t.recordEpoch(logs);
      if (options.verbose) console.log(formatEpoch(epoch, epochs, logs));
      await cb.onEpochEnd?.(epoch, logs);
      await checkpoint?.(epoch, logs);
      if (stopper) {
        const verdict = stopper.update(epoch, logs);
        if (verdict === "best" && stopper.restore) best = core.f32(t.net.params, t.net.size).slice();
        if (verdict === "stop") {
          history.stoppedEarly = true;
          break;
        }
      }
      if (t.stop) {
        history.stoppedEarly = epoch + 1 < epochs;
        break;
      }
      if (Date.now() - lastYield > YIELD_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = Date.now();
      }
    }
    if (stopper?.restore && best) {
      core.f32(t.net.params, t.net.size).set(best);
      t.net.weightsChanged();
      history.bestEpoch = stopper.bestEpoch;
      verified = hasValidation;
    }
    // Early stopping and stopTraining can end fit at weights no forward pass has seen yet.
    if (!verified && !finalFinite()) {
      snapshot.restore();
      verified = true;
      throw new DivergenceError(
        `fit: training diverged in epoch ${at.epoch}, batch ${at.batch}: the loss on the training data after the last update is not finite; ` +
        `the model is back at its weights from the start of epoch ${snapshot.epoch}`, at.epoch, at.batch, NaN, snapshot.epoch, history);
    }
  } catch (e) {
    // Whatever ended fit early (an abort, a callback's error), it leaves neither a non-finite weight nor
    // an update whose loss overflows behind.
    if (snapshot && (nonFinite(core, t, snapshot) > 0 || (!verified && !finalFinite()))) snapshot.restore();
    throw e;
  } finally {
    core.free(index);
    snapshot?.free();
    t.learningRate = baseRate;
  }
  cb.onTrainEnd?.(history);
  return history;
}

/** NaN and infinite values among the parameters and the optimizer state. */
function nonFinite(core: Trainer["core"], t: Trainer, snapshot: Snapshot): number {
  return core.kernels.count_nonfinite(t.net.params, t.net.size) + snapshot.stateNonFinite();
}

/** Checks fit()'s signal option: an AbortSignal, or undefined. */
function abortSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (typeof signal !== "object" || signal === null || typeof (signal as AbortSignal).aborted !== "boolean") {
    throw new ConfigError(`fit: signal must be an AbortSignal (e.g. new AbortController().signal), got ${describe(signal)}`);
  }
  return signal as AbortSignal;
}

/** The error an aborted fit() rejects with. */
function aborted(signal: AbortSignal, when: string, history: History): AbortError {
  const reason = signal.reason instanceof Error ? `: ${signal.reason.message}` : "";
  return new AbortError(`fit: aborted ${when}${reason}; the model keeps the weights of the last completed batch`, signal.reason, history);
}

function record(h: History, logs: EpochLogs): void {
  h.epochs++;
  h.loss.push(logs.loss);
  if (logs.accuracy !== undefined) h.accuracy?.push(logs.accuracy);
  if (logs.valLoss !== undefined) h.valLoss?.push(logs.valLoss);
  if (logs.valAccuracy !== undefined) h.valAccuracy?.push(logs.valAccuracy);
}

/** One line per epoch, as verbose training prints it. */
export function formatEpoch(epoch: number, epochs: number, logs: EpochLogs): string {
  const parts = [`epoch ${epoch + 1}/${epochs}`, `loss ${logs.loss.toFixed(4)}`];
  if (logs.accuracy !== undefined) parts.push(`accuracy ${(100 * logs.accuracy).toFixed(2)}%`);
  if (logs.valLoss !== undefined) parts.push(`val loss ${logs.valLoss.toFixed(4)}`);
  if (logs.valAccuracy !== undefined) parts.push(`val accuracy ${(100 * logs.valAccuracy).toFixed(2)}%`);
  return parts.join("  ");
}

/** Validates the checkpoint options; returns the per-epoch step that writes the files. */
function checkpointer(spec: CheckpointOptions | undefined, hasValidation: boolean, t: Trainer):
  ((epoch: number, logs: EpochLogs) => Promise<void>) | undefined {
  if (spec === undefined) return undefined;
  checkKeys(spec, ["last", "best", "monitor", "optimizer", "onSave"], "fit: checkpoint");
  for (const key of ["last", "best"] as const) {
    if (spec[key] !== undefined && (typeof spec[key] !== "string" || spec[key] === "")) {
      throw new ConfigError(`fit: checkpoint.${key} must be a file path, got ${JSON.stringify(spec[key])}`);
    }
  }
  if (spec.onSave !== undefined && typeof spec.onSave !== "function") throw new ConfigError(`fit: checkpoint.onSave must be a function`);
  if (spec.last === undefined && spec.best === undefined && spec.onSave === undefined) {
    throw new ConfigError(`fit: checkpoint needs a 'last' or 'best' path, or an onSave callback`);
  }
  const withOptimizer = spec.optimizer ?? true;
  if (typeof withOptimizer !== "boolean") throw new ConfigError(`fit: checkpoint.optimizer must be true or false`);
  const monitor = choiceOption(spec.monitor ?? (hasValidation ? "valLoss" : "loss"), "fit: checkpoint.monitor",
    ["loss", "accuracy", "valLoss", "valAccuracy"] as const);
  if (monitor.startsWith("val") && !hasValidation) {
    throw new ConfigError(`fit: checkpoint monitors '${monitor}' but there is no validation data (set validationSplit or validationData)`);
  }
  if (monitor.endsWith("ccuracy") && !t.metrics) {
    throw new ConfigError(`fit: checkpoint monitors '${monitor}', which is not computed; add metrics: ['accuracy'] to compile()`);
  }
  const higherIsBetter = monitor === "accuracy" || monitor === "valAccuracy";
  let best = higherIsBetter ? -Infinity : Infinity;
  // Loaded on first use, so that browsers, which pass only onSave, never import node: modules (nor do bundlers see them;
  // the path is relative to platform.js, which sits beside this file).
  let files: Promise<typeof import("../node/files.js")> | undefined;
  const write = async (path: string | undefined, bytes: Uint8Array) => {
    if (path === undefined) return;
    files ??= nodeImport<typeof import("../node/files.js")>("../node/files.js");
    await (await files).writeFileAtomic(path, bytes);
  };
  return async (epoch, logs) => {
    const value = logs[monitor]!;
    const improved = higherIsBetter ? value > best : value < best;
    if (improved) best = value;
    const wantLast = spec.last !== undefined || spec.onSave !== undefined;
    const wantBest = improved && (spec.best !== undefined || spec.onSave !== undefined);
    if (!wantLast && !wantBest) return;
    const bytes = t.save(withOptimizer);
    if (wantLast) {
      await write(spec.last, bytes);
      await spec.onSave?.(bytes, "last", epoch);
    }
    if (wantBest) {
      await write(spec.best, bytes);
      await spec.onSave?.(bytes, "best", epoch);
    }
  };
}

/** Validates a schedule; returns the learning rate at fractional epoch e (epoch + batch/batches). */
function scheduler(spec: LearningRateSchedule | undefined, epochs: number, lr0: number): ((e: number) => number) | undefined {
  if (spec === undefined) return undefined;
  const where = "fit: learningRateSchedule";
  if (typeof spec !== "object" || spec === null) throw new ConfigError(`${where} must be {type: 'step' | 'exponential' | 'cosine', ...}`);
  const type = choiceOption(spec.type, `${where}.type`, ["step", "exponential", "cosine"] as const);
  if (spec.type === "step") {
    checkKeys(spec, ["type", "stepSize", "gamma"], where);
    const every = integerOption(spec.stepSize, `${where}.stepSize`);
    const gamma = numberOption(spec.gamma ?? 0.1, `${where}.gamma`, 0, 1, true);
    return (e) => lr0 * gamma ** Math.floor(Math.floor(e) / every);
  }
  if (spec.type === "exponential") {
    checkKeys(spec, ["type", "gamma"], where);
    const gamma = numberOption(spec.gamma, `${where}.gamma`, 0, 1, true);
    return (e) => lr0 * gamma ** Math.floor(e);
  }
  checkKeys(spec, ["type", "epochs", "minLearningRate"], `${where} (${type})`);
  const span = integerOption(spec.epochs ?? epochs, `${where}.epochs`);
  const floor = numberOption(spec.minLearningRate ?? 0, `${where}.minLearningRate`, 0, lr0, true);
  return (e) => floor + (lr0 - floor) * 0.5 * (1 + Math.cos(Math.PI * Math.min(e / span, 1)));
}

interface Stopper {
  restore: boolean;
  bestEpoch: number;
  update(epoch: number, logs: EpochLogs): "best" | "wait" | "stop";
}

function earlyStopper(spec: EarlyStoppingOptions | boolean | undefined, hasValidation: boolean): Stopper | undefined {
  if (spec === undefined || spec === false) return undefined;
  const o: EarlyStoppingOptions = spec === true ? {} : spec;
  checkKeys(o, ["monitor", "patience", "minDelta", "restoreBestWeights"], "fit: earlyStopping");
  const monitor = choiceOption(o.monitor ?? (hasValidation ? "valLoss" : "loss"), "fit: earlyStopping.monitor",
    ["loss", "accuracy", "valLoss", "valAccuracy"] as const);
  if (monitor.startsWith("val") && !hasValidation) {
    throw new ConfigError(`fit: earlyStopping monitors '${monitor}' but there is no validation data (set validationSplit or validationData)`);
  }
  const patience = integerOption(o.patience ?? 5, "fit: earlyStopping.patience", 0);
  const minDelta = numberOption(o.minDelta ?? 0, "fit: earlyStopping.minDelta", 0);
  const higherIsBetter = monitor === "accuracy" || monitor === "valAccuracy";
  let best = higherIsBetter ? -Infinity : Infinity;
  let wait = 0;
  const stopper: Stopper = {
    restore: o.restoreBestWeights ?? true,
    bestEpoch: -1,
    update(epoch, logs) {
      const value = logs[monitor];
      if (value === undefined) {
        throw new ConfigError(`fit: earlyStopping monitors '${monitor}', which is not computed; add metrics: ['accuracy'] to compile()`);
      }
      const improved = higherIsBetter ? value > best + minDelta : value < best - minDelta;
      if (improved) {
        best = value;
        wait = 0;
        stopper.bestEpoch = epoch;
        return "best";
      }
      return ++wait >= patience ? "stop" : "wait";
    },
  };
  return stopper;
}
