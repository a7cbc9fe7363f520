// A batch source over data uploaded whole into the core: training rows, and
// validation rows either as separate data or held out of it by a RowSplit
// (split.ts). Each epoch writes the training rows' numbers into an index
// buffer and shuffles them there, so the order depends on the RNG state alone
// and a resumed run repeats it. Held-out rows stay where they are; scoring
// gathers them by number, a chunk at a time.
import type { Core } from "../runtime/core.js";
import type { Batch, BatchSource, Part } from "./batch-source.js";
import type { DeviceData } from "./device-data.js";
import type { DeviceWeights } from "./sample-weights.js";
import type { RowSplit } from "./split.js";
import { GrowingBuffer } from "./growing-buffer.js";
import { lastingView } from "./lasting-view.js";

/** Resident data as a batch source; it owns `data` and `validation` and frees them with itself. */
export class MemorySource implements BatchSource {
  readonly rows: number;
  readonly validationRows: number;
  private index = 0;
  /** The index buffer as a view, made once it exists. */
  private indexView: (() => Int32Array) | undefined;
  /** The next row of this epoch's order to train on. */
  private cursor = 0;
  private readonly order: Int32Array;
  /** Where each part's row numbers are in the core, when rows are held out of `data`. */
  private readonly lists: Record<Part, number> | undefined;
  /** Targets of gathered rows while scoring a split. */
  private readonly scratch: GrowingBuffer;

  /** With `split` (and no separate `validation`), its validation rows of `data` are held out; `weights` go with the rows of `data`. */
  constructor(private readonly core: Core, private readonly rng: number, private readonly data: DeviceData,
    private readonly validation?: DeviceData, split?: RowSplit, private readonly weights?: DeviceWeights) {
    const held = validation ? undefined : split;
    this.order = held ? held.train : Int32Array.from({ length: data.rows }, (_, i) => i);
    this.rows = this.order.length;
    this.validationRows = validation ? validation.rows : held ? held.validation.length : 0;
    this.scratch = new GrowingBuffer(core, Math.max(1, data.targetCols) * 4);
    if (held) {
      const train = this.upload(held.train);
      this.lists = { train, validation: this.upload(held.validation) };
    }
  }

  get checkRows(): number {
    return this.rows;
  }

  get targetKind(): DeviceData["targets"]["kind"] {
    return this.data.targets.kind;
  }

  beginEpoch(shuffle: boolean): void {
    const core = this.core;
    if (!this.index) {
      const index = (this.index = core.allocator.alloc(this.rows * 4));
      this.indexView = lastingView(() => core.i32(index, this.rows));
    }
    this.indexView!().set(this.order);
    if (shuffle) core.kernels.rng_shuffle(this.rng, this.index, this.rows);
    this.cursor = 0;
  }

  next(rows: number, x: number, targets: number): Batch | undefined {
    const start = this.cursor;
    const n = Math.min(rows, this.rows - start);
    if (n <= 0) return undefined;
    this.cursor += n;
    this.data.gather(this.index + start * 4, n, x, targets);
    return { rows: n, targets: { kind: this.targetKind, ptr: targets, weights: this.weightsOf("train", this.index + start * 4, n) } };
  }

  rowsOf(part: Part, row: number, rows: number, scratch: number): ReturnType<BatchSource["rowsOf"]> {
    if (part === "validation" && this.validation) return { x: this.validation.rowsX(row, rows, scratch), targets: this.validation.targetsFrom(row) };
    if (!this.lists) return { x: this.data.rowsX(row, rows, scratch), targets: { ...this.data.targetsFrom(row), weights: this.weights && this.weights.train + row * 4 } };
    const targets = this.scratch.take(rows);
    this.data.gather(this.lists[part] + row * 4, rows, scratch, targets);
    return { x: scratch, targets: { kind: this.targetKind, ptr: targets, weights: this.weightsOf(part, this.lists[part] + row * 4, rows) } };
  }

  free(): void {
    const core = this.core;
    for (const ptr of [this.index, this.lists?.train ?? 0, this.lists?.validation ?? 0]) if (ptr) core.free(ptr);
    this.index = 0;
    this.indexView = undefined;
    this.scratch.free();
    this.data.free();
    this.validation?.free();
    this.weights?.free();
  }

  /** Weights of `rows` rows of `part` at the row numbers listed at `index`, gathered; 0 when that part is unweighted. */
  private weightsOf(part: Part, index: number, rows: number): number {
    const from = part === "train" ? this.weights?.train : this.weights?.validation;
    return from ? this.weights!.gather(from, index, rows) : 0;
  }

  /** Copies row numbers into the core; returns where. */
  private upload(rows: Int32Array): number {
    const ptr = this.core.allocator.alloc(Math.max(1, rows.length) * 4);
    this.core.i32(ptr, rows.length).set(rows);
    return ptr;
  }
}
