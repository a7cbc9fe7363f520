// fit()'s options, all checked at once into one frozen plan before any kernel
// runs: a bad option is a ConfigError that leaves the model exactly as it was,
// never a failure an epoch into training.
import { ConfigError, InputError } from "../errors.js";
import { booleanOption, checkKeys, describe, integerOption, numberOption, positiveOption } from "../util/options.js";
import { checkpointSettings, type CheckpointSettings } from "./checkpoint.js";
import { clippingOptions, type Clipping } from "./clipping.js";
import { divergencePolicy, type DivergencePolicy } from "./divergence.js";
import { earlyStoppingSettings, type EarlyStoppingSettings } from "./early-stopping.js";
import { scheduleOption, type Schedule } from "./learning-rate.js";
import { autoEpochs } from "./auto-epochs.js";
import { validationSplitOption, type SplitFrom } from "./split.js";
import { userCallbacks, type Callback } from "./callback.js";
import type { FitOptions, StreamFitOptions } from "./training.js";
import { checkDataset, type Dataset } from "./dataset.js";
import type { MetricName } from "../nn/metrics.js";

/** Everything one fit() will do, checked. */
export interface FitPlan {
  readonly epochs: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  /** Rows held out of the training data (0 with separate validation data). */
  readonly splitRows: number;
  /** Where they come from: a seeded sample, stratified by class ('random'), or the last rows ('end'). */
  readonly splitFrom: SplitFrom;
  /** With epochs: "auto", the time budget in seconds (checked after each epoch); with a dataset's timeLimit, checked after each batch too. */
  readonly seconds?: number;
  readonly midEpochLimit?: boolean;
  /** The metrics computed beside the loss. */
  readonly metrics: readonly MetricName[];
  readonly earlyStopping?: EarlyStoppingSettings;
  readonly checkpoint?: CheckpointSettings;
  readonly schedule?: Schedule;
  readonly callbacks?: Callback;
  /** First epoch to run (resuming); epochs run initialEpoch … epochs − 1. */
  readonly initialEpoch: number;
  readonly verbose: boolean;
  readonly signal?: AbortSignal;
  readonly clip?: Clipping;
  readonly divergence: DivergencePolicy;
}

/** What fit() knows of its data and model when it plans. */
export interface PlanInputs {
  /** Rows of training data (before any split). */
  rows: number;
  /** Whether separate validation data was given. */
  validationData: boolean;
  /** The metrics the model computes. */
  metrics: readonly MetricName[];
  /** The compiled learning rate, where schedules start. */
  learningRate: number;
}

const FIT_KEYS = ["epochs", "batchSize", "shuffle", "validationSplit", "validationData", "earlyStopping", "callbacks", "verbose", "checkpoint",
  "learningRateSchedule", "signal", "clipNorm", "clipValue", "onDivergence", "initialEpoch", "sampleWeight", "classWeight"];

/** Checks every option of fit() (and the shape of validationData); throws the first problem. */
export function fitPlan(options: FitOptions | undefined, inputs: PlanInputs): FitPlan {
  const o: FitOptions = options ?? {};
  checkKeys(o, FIT_KEYS, "fit");
  const batchSize = integerOption(o.batchSize ?? 32, "fit: batchSize");
  const shuffle = booleanOption(o.shuffle ?? true, "fit: shuffle");
  const asked = validationSplitOption(o.validationSplit, "fit: validationSplit");
  const auto = autoEpochs(o.epochs, { rows: inputs.rows, batchSize, validationData: inputs.validationData, split: asked.fraction });
  const epochs = auto?.epochs ?? integerOption(o.epochs ?? 10, "fit: epochs");
  const split = auto?.split ?? asked.fraction;
  if (o.validationData !== undefined && (!Array.isArray(o.validationData) || o.validationData.length !== 2)) {
    throw new InputError(`fit: validationData must be [x, y], got ${describe(o.validationData)}`);
  }
  const splitRows = inputs.validationData ? 0 : Math.floor(inputs.rows * split);
  if (split > 0 && !inputs.validationData && (splitRows < 1 || inputs.rows - splitRows < 1)) {
    throw new ConfigError(`fit: validationSplit ${split} of ${inputs.rows} rows leaves ${splitRows} validation and ` +
      `${inputs.rows - splitRows} training rows; both need at least 1`);
  }
  const computed = { validation: inputs.validationData || splitRows > 0, metrics: inputs.metrics };
  return Object.freeze({
    epochs, batchSize, shuffle, splitRows, splitFrom: asked.from, seconds: auto?.seconds, metrics: inputs.metrics,
    earlyStopping: earlyStoppingSettings(o.earlyStopping ?? auto?.earlyStopping, computed),
    callbacks: userCallbacks(o.callbacks),
    initialEpoch: initialEpochOption(o.initialEpoch, epochs),
    verbose: booleanOption(o.verbose ?? false, "fit: verbose"),
    checkpoint: checkpointSettings(o.checkpoint, computed),
    schedule: scheduleOption(o.learningRateSchedule, epochs, inputs.learningRate),
    signal: abortSignal(o.signal),
    clip: clippingOptions(o.clipNorm, o.clipValue),
    divergence: divergencePolicy(o.onDivergence),
  });
}

/** fit()'s initialEpoch: an integer ≥ 0 below `epochs`, so that at least one epoch runs. */
function initialEpochOption(value: unknown, epochs: number): number {
  const initial = integerOption(value ?? 0, "fit: initialEpoch", 0);
  if (initial >= epochs) throw new ConfigError(`fit: initialEpoch ${initial} leaves no epoch to run: epochs (${epochs}) counts from 0, so it must be more than initialEpoch`);
  return initial;
}

/** fit()'s signal option: an AbortSignal, or undefined. */
function abortSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (typeof signal !== "object" || signal === null || typeof (signal as AbortSignal).aborted !== "boolean") {
    throw new ConfigError(`fit: signal must be an AbortSignal (e.g. new AbortController().signal), got ${describe(signal)}`);
  }
  return signal as AbortSignal;
}

/** fit(dataset)'s plan: the stream's own settings beside those fit() plans for arrays. */
export interface StreamPlan extends FitPlan {
  /** Rows in the shuffle buffer (0 with shuffle: false). */
  readonly shuffleBuffer: number;
  /** Fraction of rows held out by their hashed index. */
  readonly split: number;
  /** Separate validation data, as a dataset. */
  readonly validation?: Dataset;
}

/** Rows a dataset's shuffle buffer holds unless told. */
export const SHUFFLE_BUFFER = 10_000;

const STREAM_KEYS = ["epochs", "batchSize", "shuffle", "shuffleBuffer", "validationSplit", "validationData", "earlyStopping", "callbacks", "verbose",
  "checkpoint", "learningRateSchedule", "signal", "clipNorm", "clipValue", "onDivergence", "initialEpoch", "timeLimit"];

/** Checks every option of fit(dataset) (validation arrays are wrapped by the caller, `arrays`); throws the first problem. */
export function streamPlan(options: StreamFitOptions | undefined, inputs: Omit<PlanInputs, "rows" | "validationData">,
  arrays: (v: [unknown, unknown]) => Dataset): StreamPlan {
  const o: StreamFitOptions = options ?? {};
  checkKeys(o, STREAM_KEYS, "fit");
  if (o.epochs !== undefined && typeof o.epochs !== "number") {
    throw new ConfigError(`fit: epochs ${describe(o.epochs)} needs the number of rows ahead; with a dataset give a number of epochs (and earlyStopping or timeLimit to stop sooner)`);
  }
  const { shuffleBuffer, timeLimit, validationData, validationSplit, ...rest } = o;
  if (typeof validationSplit === "object") throw new ConfigError("fit: with a dataset, validationSplit is a fraction: rows are held out by their index, hashed with the model's seed");
  const split = numberOption(validationSplit ?? 0, "fit: validationSplit", 0, 1);
  let validation: Dataset | undefined;
  if (typeof validationData === "function") validation = checkDataset(validationData, "fit: validationData");
  else if (validationData !== undefined) {
    if (!Array.isArray(validationData) || validationData.length !== 2) throw new InputError(`fit: validationData must be a dataset function or [x, y], got ${describe(validationData)}`);
    validation = arrays(validationData as [unknown, unknown]);
  }
  const plan = fitPlan(rest, { ...inputs, rows: 0, validationData: validation !== undefined || split > 0 });
  const buffer = integerOption(shuffleBuffer ?? SHUFFLE_BUFFER, "fit: shuffleBuffer", 0, 1 << 24);
  return Object.freeze({
    ...plan,
    shuffleBuffer: plan.shuffle ? buffer : 0,
    split: validation ? 0 : split,
    validation,
    seconds: timeLimit === undefined ? undefined : positiveOption(timeLimit, "fit: timeLimit"),
    midEpochLimit: true,
  });
}
