// Rows gathered into batches of a fixed number of rows: the inputs as one float matrix, the labels or
// targets beside them, and the file line of each row. Every batch gets arrays of its own, so a consumer
// may keep one while the next is read.

/** A batch of rows read from a stream: inputs (rows × cols, one-hot columns expanded), labels or targets, and lines. */
export interface RowBatch {
  x: Float32Array;
  rows: number;
  cols: number;
  /** Class indices (classification), when the file has the target column. */
  labels?: Int32Array;
  /** Regression targets, when the file has the target column. */
  targets?: Float32Array;
  /** The file line of each row. */
  lines: Int32Array;
  /** Bytes of the source read by the time this batch was complete (for progress): at most the bytes pulled. */
  bytesRead: number;
}

/** What the rows carry besides their inputs. */
export type BatchTarget = "labels" | "targets" | undefined;

/** A batch being filled row by row; `take()` hands it over and starts the next. */
export class BatchBuilder {
  x!: Float32Array;
  labels!: Int32Array;
  targets!: Float32Array;
  lines!: Int32Array;
  rows = 0;

  constructor(readonly size: number, readonly cols: number, readonly target: BatchTarget) {
    this.reset();
  }

  get full(): boolean {
    return this.rows === this.size;
  }

  /** Appends rows already read (x row-major, with their labels or targets and lines); returns how many fitted. */
  append(x: Float32Array, values: Int32Array | Float32Array | undefined, lines: Int32Array, from: number): number {
    const count = Math.min(this.size - this.rows, lines.length - from);
    const { cols, rows } = this;
    this.x.set(x.subarray(from * cols, (from + count) * cols), rows * cols);
    if (values instanceof Int32Array) this.labels.set(values.subarray(from, from + count), rows);
    else if (values) this.targets.set(values.subarray(from, from + count), rows);
    this.lines.set(lines.subarray(from, from + count), rows);
    this.rows += count;
    return count;
  }

  /** The batch as filled so far (trimmed to its rows), and a fresh one to fill next. */
  take(bytesRead: number): RowBatch {
    const { rows, cols } = this;
    const whole = rows === this.size;
    const cut = <T extends Float32Array | Int32Array>(a: T, width: number): T => (whole ? a : (a.slice(0, rows * width) as T));
    const out: RowBatch = { x: cut(this.x, cols), rows, cols, lines: cut(this.lines, 1), bytesRead };
    if (this.target === "labels") out.labels = cut(this.labels, 1);
    if (this.target === "targets") out.targets = cut(this.targets, 1);
    this.reset();
    return out;
  }

  private reset(): void {
    this.x = new Float32Array(this.size * this.cols);
    this.lines = new Int32Array(this.size);
    if (this.target === "labels") this.labels = new Int32Array(this.size);
    if (this.target === "targets") this.targets = new Float32Array(this.size);
    this.rows = 0;
  }
}
