// The history fit() resolves to: one entry per completed epoch.
import type { MetricName } from "../nn/metrics.js";
import type { Callback } from "./callback.js";
import { validationKey } from "./metric-logs.js";
import type { EpochLogs, History } from "./training.js";

/** The series a history keeps: the loss and each metric, and the same on validation data. */
const SERIES = ["loss", "accuracy", "mae", "mse", "valLoss", "valAccuracy", "valMae", "valMse"] as const;

/** An empty history with the series this run will fill. */
export function emptyHistory(metrics: readonly MetricName[], validation: boolean): History {
  const history: History = { epochs: 0, loss: [], stoppedEarly: false };
  for (const name of metrics) history[name] = [];
  if (validation) {
    history.valLoss = [];
    for (const name of metrics) history[validationKey(name)] = [];
  }
  return history;
}

/** Records each completed epoch in the history and, through `recordEpoch`, in the model's training record. */
export class HistoryRecorder implements Callback {
  /** The series this history keeps, found once rather than every epoch. */
  private readonly series: (typeof SERIES)[number][];

  constructor(private readonly history: History, private readonly recordEpoch: (logs: EpochLogs) => void) {
    this.series = SERIES.filter((key) => history[key] !== undefined);
  }

  onEpochEnd(_epoch: number, logs: EpochLogs): void {
    const h = this.history;
    h.epochs++;
    for (const key of this.series) {
      const value = logs[key];
      if (value !== undefined) h[key]!.push(value);
    }
    this.recordEpoch(logs);
  }
}
