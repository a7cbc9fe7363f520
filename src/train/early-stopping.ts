// Early stopping: end training when the monitored metric has not improved for
// `patience` epochs, and put back the weights of the best epoch.
import { booleanOption, checkKeys, integerOption, numberOption } from "../util/options.js";
import type { Callback } from "./callback.js";
import { improves, monitorOption, worstValue, type Computed, type Monitor } from "./monitor.js";
import type { EarlyStoppingOptions, EpochLogs } from "./training.js";

/** Early stopping's checked settings. */
export interface EarlyStoppingSettings {
  readonly monitor: Monitor;
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBestWeights: boolean;
}

/** Reads fit()'s earlyStopping option (true for the defaults); undefined when off. */
export function earlyStoppingSettings(spec: unknown, computed: Computed): EarlyStoppingSettings | undefined {
  if (spec === undefined || spec === false) return undefined;
  const o = (spec === true ? {} : spec) as EarlyStoppingOptions;
  const where = "fit: earlyStopping";
  checkKeys(o, ["monitor", "patience", "minDelta", "restoreBestWeights"], where);
  return Object.freeze({
    monitor: monitorOption(o.monitor, where, computed),
    patience: integerOption(o.patience ?? 5, `${where}.patience`, 0),
    minDelta: numberOption(o.minDelta ?? 0, `${where}.minDelta`, 0),
    restoreBestWeights: booleanOption(o.restoreBestWeights ?? true, `${where}.restoreBestWeights`),
  });
}

/** Where early stopping reads and puts back weights, and how it reports. */
export interface EarlyStoppingTarget {
  /** A copy of the current weights. */
  copyWeights(): Float32Array;
  /** Puts back weights from copyWeights(). */
  setWeights(weights: Float32Array): void;
  /** Ends training after this epoch. */
  stop(): void;
  /** Records the epoch whose weights were put back. */
  restored(epoch: number): void;
}

/** Stops when the monitored metric stalls; with restoreBestWeights, ends at the best epoch's weights. */
export class EarlyStopping implements Callback {
  /** The best epoch so far (0-based), or −1 before the first. */
  bestEpoch = -1;
  private best: number;
  private wait = 0;
  private bestWeights: Float32Array | undefined;

  constructor(private readonly settings: EarlyStoppingSettings, private readonly target: EarlyStoppingTarget) {
    this.best = worstValue(settings.monitor);
  }

  onEpochEnd(epoch: number, logs: EpochLogs): void {
    const { monitor, minDelta, patience, restoreBestWeights } = this.settings;
    const value = logs[monitor]!;
    if (improves(monitor, value, this.best, minDelta)) {
      this.best = value;
      this.wait = 0;
      this.bestEpoch = epoch;
      if (restoreBestWeights) this.bestWeights = this.target.copyWeights();
    } else if (++this.wait >= patience) {
      this.target.stop();
    }
  }

  onEpochsEnd(): void {
    if (!this.bestWeights) return;
    this.target.setWeights(this.bestWeights);
    this.target.restored(this.bestEpoch);
  }
}
