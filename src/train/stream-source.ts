// A batch source over a dataset read anew each epoch, in constant memory:
// items arrive in pieces of at most PIECE_ROWS rows, are checked and
// preprocessed in a staging area of the core, and leave as batches of exactly
// the batch size (the epoch's last one may be short), so what is trained does
// not depend on how the rows were chunked.
//
// Shuffling is a seeded shuffle buffer of N rows, as tf.data's: the first N
// rows fill it; then each new row takes the place of a row drawn at random,
// which goes out; at the end the rest leave in random order. The draws come
// from a generator seeded by the model's seed and the epoch, one per row, so
// the same seed and rows give the same batches. Rows held out for validation
// are chosen by hashing their index in the epoch with the seed: the same rows
// every epoch, without remembering which.
//
// The buffer and the staging area are one block in the core, the buffer's N
// slots first, so one gather takes each batch's rows from either.
import type { Core } from "../runtime/core.js";
import { InputError } from "../errors.js";
import type { DeviceTargets } from "../nn/losses.js";
import { mulberry32, shuffleInPlace } from "../util/random.js";
import type { Batch, BatchSource, Part, StreamProgress } from "./batch-source.js";
import { epochItems, hostChunk, type Dataset, type HostChunk, type ItemShape } from "./dataset.js";
import { checkFinite, checkRange, type RowTransform, type TargetRule } from "./device-data.js";
import { GrowingBuffer } from "./growing-buffer.js";

/** Rows checked and preprocessed at a time; also the most rows of an item held in the core at once. */
export const PIECE_ROWS = 4096;

/** How a stream is batched, shuffled and split. */
export interface StreamSettings {
  /** Rows in the shuffle buffer; 0 trains the rows in the order they come. */
  shuffleBuffer: number;
  /** Fixes the shuffle and the split. */
  seed: number;
  /** Fraction of rows held out for validation (by a hash of their index); 0 for none. */
  split: number;
  /** Separate validation data, read anew for each score. */
  validation?: Dataset;
  /** The widths items must have. */
  shape: ItemShape;
  /** What targets may hold. */
  rule: TargetRule;
  /** The model's preprocessing, applied to each piece once it is checked. */
  transform?: RowTransform;
  /** How errors name the dataset, e.g. "fit: dataset". */
  where: string;
  /** Aborting rejects a pull that waits for the dataset, without waiting for its next item. */
  signal?: AbortSignal;
}

/** Mixed into the seed for the split's hash and the shuffle's draws. */
const SPLIT_SALT = 0x5bd1e995;
const SHUFFLE_SALT = 0x27d4eb2f;

/** murmur3's finaliser: a 32-bit mix in which every input bit moves every output bit. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Whether row `index` of an epoch is held out: a hash of (index, seed) below `fraction` of 2^32. */
export function heldOut(index: number, seed: number, fraction: number): boolean {
  const high = Math.floor(index / 4294967296);
  return mix32((index >>> 0) ^ mix32(high ^ seed ^ SPLIT_SALT)) < fraction * 4294967296;
}

/** `pending`, or a rejection as soon as `signal` aborts (the item it waited for is dropped). */
function untilAborted<T>(pending: T | Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return Promise.resolve(pending);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    Promise.resolve(pending).then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

/** One read through a dataset's epoch: its pieces, staged in the core at row `at` of the block, and the rows of each to use. */
class Pass {
  private readonly items: AsyncIterator<unknown> | Iterator<unknown>;
  private chunk: HostChunk | undefined;
  private chunkRow = 0;
  private item = -1;
  /** Index in the epoch of the next row read, counted over all rows (held out or not). */
  private index = 0;
  bytes: number | undefined;
  done = false;

  constructor(dataset: Dataset, epoch: number, private readonly s: StreamSource, private readonly keep: ((index: number) => boolean) | undefined) {
    this.items = epochItems(dataset, epoch, s.settings.where);
  }

  /** Stages the next piece with rows to use; their staging rows in order, or undefined at the end. */
  async piece(): Promise<Int32Array | undefined> {
    for (;;) {
      if (!this.chunk || this.chunkRow >= this.chunk.x.rows) {
        const r = await untilAborted(this.items.next(), this.s.settings.signal);
        if (r.done) {
          this.done = true;
          return undefined;
        }
        this.item++;
        this.chunk = hostChunk(r.value, this.s.settings.shape, `${this.s.settings.where} item ${this.item}`);
        this.chunkRow = 0;
        if (this.chunk.bytesRead !== undefined) this.bytes = this.chunk.bytesRead;
      }
      const rows = Math.min(PIECE_ROWS, this.chunk.x.rows - this.chunkRow);
      const from = this.chunkRow ? ` from its row ${this.chunkRow}` : "";
      this.s.stage(this.chunk, this.chunkRow, rows, `${this.s.settings.where} item ${this.item}${from}`);
      this.chunkRow += rows;
      const used: number[] = [];
      for (let i = 0; i < rows; i++) if (!this.keep || this.keep(this.index + i)) used.push(i);
      this.index += rows;
      if (used.length) return Int32Array.from(used);
    }
  }

  /** Stops reading (an epoch ended early); lets the dataset close what it opened. */
  close(): void {
    if (this.done) return;
    this.done = true;
    void Promise.resolve(this.items.return?.()).catch(() => {});
  }
}

/** A dataset read each epoch as a batch source (see the header). */
export class StreamSource implements BatchSource {
  readonly targetKind: DeviceTargets["kind"];
  readonly validationRows: number;
  /** Counted when an epoch has been read to its end. */
  rows = Infinity;
  private readonly cols: number;
  private readonly targetCols: number;
  /** N: the shuffle buffer's slots; the staging area follows them. */
  private readonly slots: number;
  private readonly x: number;
  private readonly t: number;
  private readonly index: GrowingBuffer;
  /** Per slot, the staging row that replaces it at the next flush (−1: none). */
  private readonly pending: Int32Array;
  private touched: number[] = [];
  /** The batch being made: the block rows its rows come from, and how many are already in the network's buffers. */
  private readonly emitted: Int32Array;
  private count = 0;
  private flushed = 0;
  private pass: Pass | undefined;
  private random: () => number = Math.random;
  private size = 0;
  private filled = 0;
  private staged: Int32Array | undefined;
  private at = 0;
  private drain: Int32Array | undefined;
  private drained = 0;
  private trained = 0;

  constructor(private readonly core: Core, private readonly dataset: Dataset, readonly settings: StreamSettings, batchSize: number) {
    const { shape } = settings;
    this.cols = shape.inputs;
    this.targetKind = shape.classes > 0 ? "index" : "dense";
    this.targetCols = shape.classes > 0 ? 1 : shape.outputs;
    this.validationRows = settings.split > 0 || settings.validation ? Infinity : 0;
    this.slots = settings.shuffleBuffer;
    this.pending = new Int32Array(this.slots).fill(-1);
    this.emitted = new Int32Array(Math.max(batchSize, PIECE_ROWS));
    const blockRows = this.slots + PIECE_ROWS;
    this.x = core.allocF32(blockRows * this.cols);
    try {
      this.t = core.allocF32(blockRows * this.targetCols);
    } catch (e) {
      core.free(this.x);
      throw e;
    }
    this.index = new GrowingBuffer(core, 4);
  }

  /** Filled slots of the shuffle buffer: checked rows that stay in the core. */
  get checkRows(): number {
    return this.filled;
  }

  beginEpoch(shuffle: boolean, epoch: number): void {
    this.pass?.close();
    const { seed, split } = this.settings;
    this.pass = new Pass(this.dataset, epoch, this, split > 0 ? (i) => !heldOut(i, seed, split) : undefined);
    this.random = mulberry32(((seed ^ SHUFFLE_SALT) + Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
    this.size = shuffle ? this.slots : 0;
    this.filled = 0;
    this.staged = undefined;
    this.at = 0;
    this.drain = undefined;
    this.drained = 0;
    this.trained = 0;
    this.touched = [];
  }

  async next(rows: number, x: number, targets: number): Promise<Batch | undefined> {
    this.count = 0;
    this.flushed = 0;
    while (this.count < rows && !this.drain) {
      if (!this.staged || this.at >= this.staged.length) {
        this.flush(x, targets);
        this.staged = await this.pass!.piece();
        this.at = 0;
        if (!this.staged) this.startDrain();
        continue;
      }
      this.take(rows);
    }
    if (this.drain) while (this.count < rows && this.drained < this.drain.length) this.emitted[this.count++] = this.drain[this.drained++];
    this.flush(x, targets);
    if (!this.count) {
      if (this.pass!.done) this.rows = this.trained;
      return undefined;
    }
    this.trained += this.count;
    return { rows: this.count, targets: { kind: this.targetKind, ptr: targets } };
  }

  progress(): StreamProgress {
    return { rows: this.trained, ...(this.pass?.bytes !== undefined ? { bytes: this.pass.bytes } : {}) };
  }

  rowsOf(part: Part, row: number, rows: number): ReturnType<BatchSource["rowsOf"]> {
    if (part !== "train" || row + rows > this.filled) throw new InputError(`${this.settings.where}: only the ${this.filled} rows in the shuffle buffer stay in memory`);
    return { x: this.x + row * this.cols * 4, targets: { kind: this.targetKind, ptr: this.t + row * this.targetCols * 4 } };
  }

  async *validationBatches(rows: number, x: number, targets: number): AsyncIterable<Batch> {
    const { seed, split, validation } = this.settings;
    const pass = validation ? new Pass(validation, 0, this, undefined) : new Pass(this.dataset, 0, this, (i) => heldOut(i, seed, split));
    // Batches are filled across pieces, so the sums (and the score's last bits) do not depend on the chunking either.
    let n = 0;
    try {
      for (let used = await pass.piece(); used; used = await pass.piece()) {
        for (let i = 0; i < used.length;) {
          const take = Math.min(rows - n, used.length - i);
          for (let k = 0; k < take; k++) this.emitted[k] = this.slots + used[i + k];
          this.gather(0, take, x + n * this.cols * 4, targets + n * this.targetCols * 4);
          n += take;
          i += take;
          if (n === rows) {
            yield { rows: n, targets: { kind: this.targetKind, ptr: targets } };
            n = 0;
          }
        }
      }
      if (n) yield { rows: n, targets: { kind: this.targetKind, ptr: targets } };
    } finally {
      pass.close();
    }
  }

  free(): void {
    this.pass?.close();
    this.core.free(this.x);
    this.core.free(this.t);
    this.index.free();
  }

  /** Copies rows [from, from + rows) of `chunk` into the staging area and checks and preprocesses them there (`name` in errors). */
  stage(chunk: HostChunk, from: number, rows: number, name: string): void {
    const { core, cols } = this;
    const { rule, transform } = this.settings;
    const x = this.x + this.slots * cols * 4;
    core.f32(x, rows * cols).set(chunk.x.data.subarray(from * cols, (from + rows) * cols));
    checkFinite(core, x, rows * cols, cols, `${name}: x`);
    if (transform) core.kernels.scale_shift_columns(x, rows, cols, transform.columns.scale, transform.columns.offset);
    const t = this.t + this.slots * this.targetCols * 4;
    const y = chunk.y;
    if (y.kind !== this.targetKind) {
      throw new InputError(`${name}: y holds ${y.kind === "dense" ? "rows of values" : "class indices"}; streamed training with this loss takes ` +
        (this.targetKind === "index" ? "class indices (one label per row)" : "rows of target values"));
    }
    if (y.kind === "index") {
      core.i32(t, rows).set(y.labels.subarray(from, from + rows));
      const bad = core.kernels.first_label_out_of_range(t, rows, rule.classes);
      if (bad >= 0) throw new InputError(`${name}: y[${bad}] = ${y.labels[from + bad]} is out of range: class indices must be in 0..${rule.classes - 1}`);
      return;
    }
    const n = rows * y.cols;
    core.f32(t, n).set(y.data.subarray(from * y.cols, (from + rows) * y.cols));
    checkFinite(core, t, n, y.cols, `${name}: y`);
    if (rule.range) checkRange(core, t, n, y.cols, `${name}: y`, rule.range, rule.loss);
    if (transform?.targets) core.kernels.scale_shift_columns(t, rows, y.cols, transform.targets.scale, transform.targets.offset);
  }

  /** Takes staged rows until the batch has `rows` or the piece is used up: into free slots, or out in exchange for a drawn one. */
  private take(rows: number): void {
    const staged = this.staged!;
    const { slots, size, emitted, pending } = this;
    if (this.filled < size) {
      // Filling the buffer: staged rows are copied into the next free slots.
      const n = Math.min(size - this.filled, staged.length - this.at);
      const copy = this.rowCopier();
      for (let i = 0; i < n; i++) copy(staged[this.at + i], this.filled + i);
      this.filled += n;
      this.at += n;
      return;
    }
    while (this.count < rows && this.at < staged.length) {
      const row = staged[this.at++];
      if (size === 0) {
        emitted[this.count++] = slots + row;
        continue;
      }
      const j = Math.floor(this.random() * size);
      // A slot already given a staged row in this flush gives that row out; the slot itself is written at the flush.
      emitted[this.count++] = pending[j] >= 0 ? slots + pending[j] : j;
      if (pending[j] < 0) this.touched.push(j);
      pending[j] = row;
    }
  }

  /** At the end of the epoch's rows: the buffer's rows leave in random order. */
  private startDrain(): void {
    this.drain = shuffleInPlace(Int32Array.from({ length: this.filled }, (_, i) => i), this.random);
  }

  /** Gathers the batch's rows taken since the last flush into the network's buffers, then writes the slots they freed. */
  private flush(x: number, targets: number): void {
    const n = this.count - this.flushed;
    if (n > 0) this.gather(this.flushed, n, x + this.flushed * this.cols * 4, targets + this.flushed * this.targetCols * 4);
    this.flushed = this.count;
    const copy = this.rowCopier();
    for (const j of this.touched) {
      copy(this.pending[j], j);
      this.pending[j] = -1;
    }
    this.touched = [];
  }

  /** Copies block rows emitted[from .. from + n) to `x` and `targets`, one gather each. */
  private gather(from: number, n: number, x: number, targets: number): void {
    const k = this.core.kernels;
    const index = this.index.take(this.emitted.length);
    this.core.i32(index, n).set(this.emitted.subarray(from, from + n));
    k.gather_rows(this.x, index, x, n, this.cols);
    if (this.targetKind === "index") k.gather_i32(this.t, index, targets, n);
    else k.gather_rows(this.t, index, targets, n, this.targetCols);
  }

  /** A function copying staging row `row` into slot `slot`, over views made once (no allocation until it is dropped). */
  private rowCopier(): (row: number, slot: number) => void {
    const { core, cols, targetCols, slots } = this;
    const xs = core.f32(this.x, (slots + PIECE_ROWS) * cols);
    const ts = core.i32(this.t, (slots + PIECE_ROWS) * targetCols);
    return (row, slot) => {
      const from = slots + row;
      xs.copyWithin(slot * cols, from * cols, (from + 1) * cols);
      ts.copyWithin(slot * targetCols, from * targetCols, (from + 1) * targetCols);
    };
  }
}
