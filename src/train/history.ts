// The history fit() resolves to: one entry per completed epoch.
import type { Callback } from "./callback.js";
import type { EpochLogs, History } from "./training.js";

/** An empty history with the series this run will fill. */
export function emptyHistory(accuracy: boolean, validation: boolean): History {
  const history: History = { epochs: 0, loss: [], stoppedEarly: false };
  if (accuracy) history.accuracy = [];
  if (validation) {
    history.valLoss = [];
    if (accuracy) history.valAccuracy = [];
  }
  return history;
}

/** Records each completed epoch in the history and, through `recordEpoch`, in the model's training record. */
export class HistoryRecorder implements Callback {
  constructor(private readonly history: History, private readonly recordEpoch: (logs: EpochLogs) => void) {}

  onEpochEnd(_epoch: number, logs: EpochLogs): void {
    const h = this.history;
    h.epochs++;
    h.loss.push(logs.loss);
    if (logs.accuracy !== undefined) h.accuracy?.push(logs.accuracy);
    if (logs.valLoss !== undefined) h.valLoss?.push(logs.valLoss);
    if (logs.valAccuracy !== undefined) h.valAccuracy?.push(logs.valAccuracy);
    this.recordEpoch(logs);
  }
}
