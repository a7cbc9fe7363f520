// Errors that end fit() and carry the history of the epochs completed before.
import { WasmlpError } from "../errors.js";
import type { History } from "./training.js";

/** fit() stopped because the loss or the weights became NaN or infinite; the model holds the weights from before. */
export class DivergenceError extends WasmlpError {
  override name = "DivergenceError";
  constructor(message: string,
    /** Epoch (0-based) in which training diverged. */
    readonly epoch: number,
    /** Batch (0-based, within the epoch) whose loss or update was not finite. */
    readonly batch: number,
    /** That batch's loss (NaN or ±Infinity, or finite when the update overflowed). */
    readonly loss: number,
    /** The epoch whose starting weights (and optimizer state) the model was put back to. */
    readonly restoredEpoch: number,
    /** The history of the epochs completed before. */
    readonly history?: History) {
    super(message);
  }
}

/** fit() was stopped by its AbortSignal; `reason` is the signal's reason, and the model holds the last completed batch's weights. */
export class AbortError extends WasmlpError {
  override name = "AbortError";
  constructor(message: string, readonly reason: unknown, readonly history?: History) {
    super(message);
  }
}

/** The error an aborted fit() rejects with; `when` says where training stopped. */
export function abortError(signal: AbortSignal, when: string, history: History): AbortError {
  const reason = signal.reason instanceof Error ? `: ${signal.reason.message}` : "";
  return new AbortError(`fit: aborted ${when}${reason}; the model keeps the weights of the last completed batch`, signal.reason, history);
}
