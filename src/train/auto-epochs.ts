// epochs: "auto" — train until the monitored loss stops improving, then keep
// the best epoch's weights. It is early stopping with defaults chosen from the
// size of the data, a held-out set when none is given, a ceiling on epochs and
// a time budget: small data sets (a few batches an epoch) get more epochs of
// patience, since their loss moves less per epoch; large ones fewer.
import { ConfigError } from "../errors.js";
import { checkKeys, describe, integerOption, positiveOption } from "../util/options.js";
import type { Callback } from "./callback.js";
import type { AutoEpochs, EarlyStoppingOptions } from "./training.js";

/** What epochs: "auto" decided for one run. */
export interface AutoDecision {
  /** The most epochs it may run. */
  epochs: number;
  /** Fraction of the rows held out for validation (the caller's, or the default when the caller gave none). */
  split: number;
  /** The early stopping it trains with (valLoss with validation rows, else loss). */
  earlyStopping: Required<Pick<EarlyStoppingOptions, "patience" | "minDelta" | "restoreBestWeights">>;
  /** Time budget in seconds. */
  seconds: number;
}

/** What the decision depends on. */
export interface AutoInputs {
  /** Rows of training data, before any split. */
  rows: number;
  batchSize: number;
  /** Whether separate validation data was given. */
  validationData: boolean;
  /** The validation fraction asked for (0: none). */
  split: number;
}

/** Held out when no validation data or fraction is given... */
const AUTO_SPLIT = 0.2;
/** ...unless that leaves fewer validation rows than this: then the training loss is watched instead, as scikit-learn does. */
const MIN_VALIDATION_ROWS = 10;
/** An improvement smaller than this does not reset the patience (scikit-learn's tol). */
const MIN_DELTA = 1e-4;
const BATCHES = { max: 20000, patience: 200 };
const EPOCHS = { max: [100, 1000], patience: [10, 50] } as const;
const SECONDS = 300;

/** Reads fit()'s epochs when it is "auto" or an AutoEpochs object, and decides for `inputs`; undefined for a number of epochs. */
export function autoEpochs(spec: unknown, inputs: AutoInputs): AutoDecision | undefined {
  const where = "fit: epochs";
  if (spec === undefined || typeof spec === "number") return undefined;
  if (spec !== "auto" && (typeof spec !== "object" || spec === null || Array.isArray(spec))) {
    throw new ConfigError(`${where} must be an integer ≥ 1 or 'auto' (or { max, patience, seconds }), got ${describe(spec)}`);
  }
  const o = (spec === "auto" ? {} : spec) as AutoEpochs;
  checkKeys(o, ["max", "patience", "seconds"], where);
  const split = inputs.validationData || inputs.split > 0 || Math.floor(inputs.rows * AUTO_SPLIT) < MIN_VALIDATION_ROWS ? inputs.split : AUTO_SPLIT;
  const batches = Math.ceil((inputs.rows - Math.floor(inputs.rows * split)) / inputs.batchSize);
  const within = (v: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, Math.ceil(v)));
  return {
    epochs: o.max === undefined ? within(BATCHES.max / batches, EPOCHS.max) : integerOption(o.max, `${where}.max`),
    split,
    earlyStopping: {
      patience: o.patience === undefined ? within(BATCHES.patience / batches, EPOCHS.patience) : integerOption(o.patience, `${where}.patience`),
      minDelta: MIN_DELTA,
      restoreBestWeights: true,
    },
    seconds: o.seconds === undefined ? SECONDS : positiveOption(o.seconds, `${where}.seconds`),
  };
}

/** Ends training after the first epoch (or, mid-epoch, batch) that finishes past a time budget. */
export class TimeLimit implements Callback {
  private started = 0;

  /** With `midEpoch`, the limit is also checked after every batch (a stream's one epoch may be long). */
  constructor(private readonly seconds: number, private readonly midEpoch: boolean, private readonly stop: () => void) {}

  onTrainBegin(): void {
    this.started = performance.now();
  }

  onBatchEnd(): void {
    if (this.midEpoch) this.onEpochEnd();
  }

  onEpochEnd(): void {
    if (performance.now() - this.started > this.seconds * 1000) this.stop();
  }
}
