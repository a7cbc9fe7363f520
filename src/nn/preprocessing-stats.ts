// Preprocessing statistics gathered in one pass over rows that stream in, for
// data that never sits in memory whole. Each batch's mean and sum of squared
// deviations are computed in float64 about the batch's own mean, then merged
// into the running ones by Chan et al.'s rule (Welford's update, a batch at a
// time): no sum of squares of raw values, so a column of 1e6 + noise keeps its
// variance where Σx² − n·mean² would cancel it away.
import { InputError } from "../errors.js";
import type { ByteMatrix, Matrix } from "./input.js";
import { checkFitOptions, columnMaps, fitSettings, statisticsInput, type FitPreprocessingOptions, type Preprocessing } from "./preprocessing.js";
import { describe } from "../util/options.js";

/** A batch of rows the statistics take: {data, rows, cols}, a reader's { x, rows, cols }, or an array of rows. */
export type StatisticsBatch = Matrix | ByteMatrix | { x: Float32Array; rows: number; cols: number } | number[][];

/** Running count, mean, sum of squared deviations, minimum and maximum of each column, in float64. */
export class PreprocessingStats {
  private n = 0;
  private cols = 0;
  private mean = new Float64Array(0);
  private m2 = new Float64Array(0);
  private min = new Float64Array(0);
  private max = new Float64Array(0);

  /** Rows added so far. */
  get rows(): number {
    return this.n;
  }

  /** Adds a batch of rows (every batch as wide as the first); returns this. */
  add(batch: StatisticsBatch): this {
    const { data, rows, cols } = rowsOf(batch);
    if (this.n === 0) this.start(cols);
    else if (cols !== this.cols) throw new InputError(`PreprocessingStats.add: a batch of ${cols} columns after batches of ${this.cols}`);
    const mean = new Float64Array(cols);
    const m2 = new Float64Array(cols);
    const { min, max } = this;
    for (let r = 0, base = 0; r < rows; r++, base += cols) {
      for (let c = 0; c < cols; c++) {
        const v = data[base + c];
        mean[c] += v;
        if (v < min[c]) min[c] = v;
        if (v > max[c]) max[c] = v;
      }
    }
    for (let c = 0; c < cols; c++) mean[c] /= rows;
    for (let r = 0, base = 0; r < rows; r++, base += cols) {
      for (let c = 0; c < cols; c++) {
        const d = data[base + c] - mean[c];
        m2[c] += d * d;
      }
    }
    const n = this.n + rows;
    for (let c = 0; c < cols; c++) {
      const delta = mean[c] - this.mean[c];
      this.mean[c] += (delta * rows) / n;
      this.m2[c] += m2[c] + ((delta * delta * this.n) / n) * rows;
    }
    this.n = n;
    return this;
  }

  /** The preprocessing fitPreprocessing would fit on all the rows added (population variance, as it uses). */
  result(options: FitPreprocessingOptions): Preprocessing {
    checkFitOptions(options, "PreprocessingStats.result");
    if (this.n === 0) throw new InputError("PreprocessingStats.result: no rows were added");
    const { method, perColumn, exclude } = fitSettings(options, this.cols, "PreprocessingStats.result");
    if (method === "none") return { method, scale: 1, offset: 0 };
    const used = Array.from({ length: this.cols }, (_, c) => c).filter((c) => !perColumn ? !exclude.has(c) : true);
    if (perColumn) {
      const lo = method === "minmax" ? Float64Array.from(this.min) : Float64Array.from(this.mean);
      const spread = method === "minmax"
        ? this.max.map((v, c) => v - this.min[c])
        : this.m2.map((v) => Math.sqrt(v / this.n));
      return columnMaps(method, lo, spread, true, exclude);
    }
    // One scale over all used columns: their statistics pooled, the means and squared deviations merged as batches are.
    let lo = Infinity;
    let hi = -Infinity;
    let mean = 0;
    let m2 = 0;
    let count = 0;
    for (const c of used) {
      lo = Math.min(lo, this.min[c]);
      hi = Math.max(hi, this.max[c]);
      const next = count + this.n;
      const delta = this.mean[c] - mean;
      mean += (delta * this.n) / next;
      m2 += this.m2[c] + ((delta * delta * count) / next) * this.n;
      count = next;
    }
    const pooled = method === "minmax" ? [lo, hi - lo] : [mean, Math.sqrt(m2 / count)];
    return columnMaps(method, Float64Array.of(pooled[0]), Float64Array.of(pooled[1]), false, exclude);
  }

  private start(cols: number): void {
    this.cols = cols;
    this.mean = new Float64Array(cols);
    this.m2 = new Float64Array(cols);
    this.min = new Float64Array(cols).fill(Infinity);
    this.max = new Float64Array(cols).fill(-Infinity);
  }
}

/** Fits min-max scaling or standardisation in one pass over batches of rows (an iterable or async iterable, e.g. readCsvStream's), as fitPreprocessing does on all of them at once. */
export async function fitPreprocessingStream(batches: AsyncIterable<StatisticsBatch> | Iterable<StatisticsBatch>, options: FitPreprocessingOptions): Promise<Preprocessing> {
  checkFitOptions(options, "fitPreprocessingStream");
  fitSettings(options, Infinity, "fitPreprocessingStream");
  if (typeof batches !== "object" || batches === null || !(Symbol.asyncIterator in batches || Symbol.iterator in batches)) {
    throw new InputError(`fitPreprocessingStream: batches must be an iterable or async iterable of batches of rows, got ${describe(batches)}`);
  }
  const stats = new PreprocessingStats();
  for await (const batch of batches) stats.add(batch);
  return stats.result(options);
}

/** A batch's values, rows and columns, checked. */
function rowsOf(batch: unknown): Matrix | ByteMatrix {
  const name = "PreprocessingStats.add: batch";
  if (typeof batch === "object" && batch !== null && (batch as { x?: unknown }).x instanceof Float32Array) {
    const b = batch as { x: Float32Array; rows: number; cols: number };
    return statisticsInput({ data: b.x, rows: b.rows, cols: b.cols }, name);
  }
  return statisticsInput(batch, name);
}
