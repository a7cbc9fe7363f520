// Where the training loop gets its rows. The loop starts an epoch and then
// pulls batches, each gathered straight into the network's input and target
// buffers, until the source says the epoch is over; it scores held-out rows
// through the same interface. Data resident in the core (memory-source.ts)
// answers a pull at once; a source that streams rows in from elsewhere
// (stream-source.ts) answers with a promise, which the loop awaits only then.
import type { DeviceTargets } from "../nn/losses.js";

/** The rows of a source a score reads: those trained on (in stored order) or those held out. */
export type Part = "train" | "validation";

/** A batch in the network's buffers: how many rows it has and its targets (with its row weights, if any) as the loss reads them. */
export interface Batch {
  rows: number;
  targets: DeviceTargets;
}

/** Statistics of a streamed epoch so far, for progress logs. */
export interface StreamProgress {
  /** Rows trained on so far this epoch. */
  rows: number;
  /** Bytes the underlying reader has consumed, when it says. */
  bytes?: number;
}

/** What the training loop needs of its data, epoch by epoch. */
export interface BatchSource {
  /** Rows trained on per epoch; a stream knows them once it has been read to the end (Infinity until then). */
  readonly rows: number;
  /** Rows held out for validation; 0 when there are none, Infinity for a stream that counts them as it reads. */
  readonly validationRows: number;
  /** Training rows rowsOf("train") can read now, on which the final weights are checked. */
  readonly checkRows: number;
  /** How targets are laid out: class indices or dense rows. */
  readonly targetKind: DeviceTargets["kind"];
  /** Starts epoch `epoch`: fixes the order of its training rows, shuffled when asked. */
  beginEpoch(shuffle: boolean, epoch: number): void;
  /** Gathers the epoch's next batch (up to `rows` rows) into the input buffer `x` and the target buffer `targets`; undefined once the epoch is over. */
  next(rows: number, x: number, targets: number): Batch | undefined | Promise<Batch | undefined>;
  /** Address of `rows` network-ready rows of `part` from `row` on (made in `scratch` if they must be converted), and their targets. */
  rowsOf(part: Part, row: number, rows: number, scratch: number): { x: number; targets: DeviceTargets };
  /** A stream's validation rows, read anew, in batches of up to `rows` gathered into `x` and `targets` (resident sources score through rowsOf). */
  validationBatches?(rows: number, x: number, targets: number): AsyncIterable<Batch>;
  /** A stream's progress in the current epoch. */
  progress?(): StreamProgress;
  /** Frees what the source holds in the core. */
  free(): void;
}

/** Whether a pull answered with a promise (a stream) rather than a batch (resident data). */
export function isPending<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | undefined)?.then === "function";
}
