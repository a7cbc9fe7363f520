// Training features as components with hooks, after tfjs-layers' Callback and
// CallbackList: the loop calls the hooks in order and knows nothing of what
// they do. The user's `callbacks` object is one component among them.
import type { BatchLogs, EpochLogs, History } from "./training.js";

/** Hooks a training component may have; all optional. */
export interface Callback {
  onTrainBegin?(): void;
  onEpochBegin?(epoch: number): void;
  onBatchBegin?(epoch: number, batch: number): void;
  /** Between a batch's backward pass and its optimizer step, with the batch's loss. */
  beforeUpdate?(epoch: number, batch: number, loss: number): void;
  onBatchEnd?(batch: number, logs: BatchLogs): void;
  onEpochEnd?(epoch: number, logs: EpochLogs): void | Promise<void>;
  /** After the last epoch (or a stop), before the final weights are checked. */
  onEpochsEnd?(): void;
  /** However fit() ends, success or error: puts back and frees what the component took. */
  onFinally?(): void;
  /** After fit() has finished normally, with the history it resolves to. */
  onTrainEnd?(history: History): void;
}

/** A list of callbacks called in order (onFinally in reverse, as destructors are). */
export class CallbackList implements Required<Callback> {
  private readonly list: Callback[];

  constructor(callbacks: (Callback | undefined)[]) {
    this.list = callbacks.filter((c): c is Callback => c !== undefined);
  }

  onTrainBegin(): void {
    for (const c of this.list) c.onTrainBegin?.();
  }

  onEpochBegin(epoch: number): void {
    for (const c of this.list) c.onEpochBegin?.(epoch);
  }

  onBatchBegin(epoch: number, batch: number): void {
    for (const c of this.list) c.onBatchBegin?.(epoch, batch);
  }

  beforeUpdate(epoch: number, batch: number, loss: number): void {
    for (const c of this.list) c.beforeUpdate?.(epoch, batch, loss);
  }

  onBatchEnd(batch: number, logs: BatchLogs): void {
    for (const c of this.list) c.onBatchEnd?.(batch, logs);
  }

  async onEpochEnd(epoch: number, logs: EpochLogs): Promise<void> {
    for (const c of this.list) await c.onEpochEnd?.(epoch, logs);
  }

  onEpochsEnd(): void {
    for (const c of this.list) c.onEpochsEnd?.();
  }

  onFinally(): void {
    for (const c of [...this.list].reverse()) c.onFinally?.();
  }

  onTrainEnd(history: History): void {
    for (const c of this.list) c.onTrainEnd?.(history);
  }
}
