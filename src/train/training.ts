// What fit() takes and returns: its options, the callbacks it calls and the
// history it resolves to. The training itself is planned in plan.ts and run
// by loop.ts.
import type { InputBatch, TargetBatch } from "../nn/input.js";
import type { Dataset } from "./dataset.js";
import type { EpochMetrics } from "../util/format.js";
import type { DivergenceOptions, DivergenceRecord } from "./divergence.js";
import type { Monitor } from "./monitor.js";
import type { ValidationSplitOptions } from "./split.js";

/** Metrics of one epoch, as passed to callbacks and recorded in the history: those compile() asked for, and on validation data. */
export type EpochLogs = EpochMetrics;

/** Loss (and the compiled metrics) of one mini-batch of `size` rows, before its update. */
export interface BatchLogs {
  loss: number;
  accuracy?: number;
  mae?: number;
  mse?: number;
  size: number;
  /** With a dataset: rows trained on so far this epoch. */
  rows?: number;
  /** With a dataset whose batches say how far their reader is (bytesRead): bytes read so far this epoch. */
  bytes?: number;
}

/** Hooks called during fit(); setting model.stopTraining = true (here or anywhere) ends fit() after the current batch. */
export interface Callbacks {
  onTrainBegin?(): void;
  onEpochBegin?(epoch: number): void;
  /** After each mini-batch, with that batch's loss (and compiled metrics). */
  onBatchEnd?(batch: number, logs: BatchLogs): void;
  onEpochEnd?(epoch: number, logs: EpochLogs): void | Promise<void>;
  onTrainEnd?(history: History): void;
}

/** Stop when a monitored metric stops improving. */
export interface EarlyStoppingOptions {
  /** Metric to watch; default 'valLoss' when there is validation data, else 'loss'. */
  monitor?: Monitor;
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
  monitor?: Monitor;
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

/** Limits of epochs: "auto"; each is optional ({} is the same as "auto"). */
export interface AutoEpochs {
  /** Most epochs to run; default: enough for about 20 000 batches, within [100, 1000]. */
  max?: number;
  /** Epochs without improvement before stopping; default: about 200 batches' worth, within [10, 50]. */
  patience?: number;
  /** Time budget in seconds, checked after each epoch; default 300. */
  seconds?: number;
}

/** Options of fit(). */
export interface FitOptions {
  /**
   * Passes over the training data; default 10. 'auto' trains until the monitored loss stops improving and keeps
   * the best epoch's weights: it holds out 20% of the rows for validation when no validation data or split is given
   * (unless that is under 10 rows: then it watches the training loss), sets early stopping's patience from the
   * number of batches per epoch, and stops at a maximum of epochs or a time budget (see AutoEpochs to set them).
   */
  epochs?: number | "auto" | AutoEpochs;
  /** Rows per mini-batch; default 32. */
  batchSize?: number;
  /** Reshuffle the training rows every epoch; default true. */
  shuffle?: boolean;
  /**
   * Fraction of rows held out for validation: a random sample fixed by the model's seed and, for classification,
   * stratified (each class keeps its share, within a row). { fraction, from: 'end' } takes the last rows instead, as Keras does.
   */
  validationSplit?: number | ValidationSplitOptions;
  /** Separate validation data [x, y]; takes precedence over validationSplit. */
  validationData?: [InputBatch, TargetBatch];
  /** Early stopping; `true` uses the defaults. */
  earlyStopping?: EarlyStoppingOptions | boolean;
  /** Functions called at the start and end of training, of each epoch and after each batch: one object of hooks, or an array of them (as tfjs takes), called in order. */
  callbacks?: Callbacks | Callbacks[];
  /** Epoch to start from when resuming, as Keras counts: trains epochs initialEpoch … epochs − 1, and callbacks, history and schedules see those numbers; default 0. */
  initialEpoch?: number;
  /** One weight ≥ 0 per row of x: row r's loss and gradient are multiplied by it (the loss is Σ w·loss / rows, as Keras); rows held out by validationSplit keep theirs. */
  sampleWeight?: Float32Array | number[];
  /** Weight per class index ({0: 1, 1: 5} or [1, 5]) for categoricalCrossentropy or binaryCrossentropy; multiplies sampleWeight on training rows (not validation rows, as Keras); classes left out weigh 1. */
  classWeight?: Record<number, number> | number[];
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

/** Options of fit(dataset): fit()'s, where they make sense for rows that stream in, and the stream's own. */
export interface StreamFitOptions extends Omit<FitOptions, "epochs" | "validationSplit" | "validationData" | "sampleWeight" | "classWeight"> {
  /** Passes over the dataset; default 10. */
  epochs?: number;
  /** Rows per batch; incoming batches are cut and joined to exactly this many (the epoch's last batch may be short); default 32. */
  batchSize?: number;
  /** Rows in the seeded shuffle buffer (each row leaves at a random time while the next ones come in); default 10,000; 0 keeps the order. */
  shuffleBuffer?: number;
  /** Fraction of rows held out for validation, chosen by a hash of their index in the epoch and the model's seed: the same rows every epoch. */
  validationSplit?: number;
  /** Validation data: a dataset function (read again after each epoch) or [x, y]. */
  validationData?: Dataset | [InputBatch, TargetBatch];
  /** Seconds after which training stops, at the end of a batch. */
  timeLimit?: number;
}

/** Options of partialFit(). */
export interface PartialFitOptions {
  /** Rows per batch; default 32. */
  batchSize?: number;
  /** Shuffle the rows (with the model's RNG) before the pass; default false: batches in the order given. */
  shuffle?: boolean;
  /** One weight ≥ 0 per row, as fit() takes it. */
  sampleWeight?: Float32Array | number[];
  /** Weight per class index, as fit() takes it. */
  classWeight?: Record<number, number> | number[];
  /** Stops the pass after the current batch: partialFit rejects with an AbortError and the model keeps that batch's weights. */
  signal?: AbortSignal;
}

/** What partialFit() resolves to: the pass's mean loss and metrics (before each batch's update), and each batch's logs. */
export interface PartialFitResult {
  loss: number;
  accuracy?: number;
  mae?: number;
  mse?: number;
  batches: BatchLogs[];
}

/** Why fit() ended; see History.stopReason. */
export type StopReason = "epochs" | "earlyStopping" | "time" | "stopTraining";

/** What fit() returns: one entry per completed epoch. */
export interface History {
  epochs: number;
  loss: number[];
  accuracy?: number[];
  mae?: number[];
  mse?: number[];
  valLoss?: number[];
  valAccuracy?: number[];
  valMae?: number[];
  valMse?: number[];
  /** Epoch (0-based) whose weights the model holds when early stopping restored the best ones. */
  bestEpoch?: number;
  /** True when early stopping or stopTraining ended training before `epochs` (a partly done epoch is not recorded). */
  stoppedEarly: boolean;
  /**
   * Why training ended: 'epochs' (it ran them all), 'earlyStopping' (the monitored metric stopped improving),
   * 'time' (epochs: 'auto' ran out of its time budget) or 'stopTraining' (model.stopTraining was set).
   */
  stopReason?: StopReason;
  /** Divergences recovered from with onDivergence: 'recover', in order. */
  recoveries?: DivergenceRecord[];
}
