// Where the training loop gets its rows. The loop asks for an order at the
// start of each epoch and then for batches in that order, gathered straight
// into the network's input and target buffers; it scores held-out rows
// through the same interface. Data resident in the core (memory-source.ts) is
// one implementation; a source that streams rows in from elsewhere is another.
import type { DeviceTargets } from "../nn/losses.js";

/** The rows of a source a score reads: those trained on (in stored order) or those held out. */
export type Part = "train" | "validation";

/** What the training loop needs of its data, epoch by epoch. */
export interface BatchSource {
  /** Rows trained on per epoch. */
  readonly rows: number;
  /** Rows held out for validation; 0 when there are none. */
  readonly validationRows: number;
  /** How targets are laid out: class indices or dense rows. */
  readonly targetKind: DeviceTargets["kind"];
  /** Fixes the order of this epoch's training rows, shuffled (by the model's RNG) when asked. */
  beginEpoch(shuffle: boolean): void;
  /** Copies rows [start, start + rows) of this epoch's order into the input buffer `x` and the target buffer `targets`; returns the batch's targets (with its row weights, if any) as the loss reads them. */
  gather(start: number, rows: number, x: number, targets: number): DeviceTargets;
  /** Address of `rows` network-ready rows of `part` from `row` on (made in `scratch` if they must be converted), and their targets. */
  rowsOf(part: Part, row: number, rows: number, scratch: number): { x: number; targets: DeviceTargets };
  /** Frees what the source holds in the core. */
  free(): void;
}
