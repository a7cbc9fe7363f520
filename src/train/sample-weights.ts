// fit()'s sampleWeight and classWeight, as Keras takes them: each training row
// weighs its sample weight times its class's weight, and the loss kernels
// multiply the row's loss and gradient by that and divide the sum by the
// batch's rows (Keras's "sum over batch size", not the sum of the weights).
// Both are checked on the host before anything runs. The core keeps one weight
// per stored row and gathers them by the same row numbers as the rows, so
// shuffling carries each weight with its row. Rows held out by validationSplit
// keep their sample weights but not class weights, as Keras scores them.
import { ConfigError, InputError } from "../errors.js";
import type { Targets } from "../nn/input.js";
import type { Core } from "../runtime/core.js";
import { describe } from "../util/options.js";
import { rowClasses } from "./split.js";
import { GrowingBuffer } from "./growing-buffer.js";

/** Per-row weights of one fit(), indexed by stored row number. */
export interface HostWeights {
  /** For training rows: sample weight × class weight. */
  train: Float32Array;
  /** For held-out rows: the sample weights alone; absent when none were given. */
  validation?: Float32Array;
}

/** The options that weight rows, in fit() and trainOnBatch(). */
export interface WeightOptions {
  /** One weight ≥ 0 per row of x: row r's loss and gradient are multiplied by it (the loss is Σ w·loss / rows, as Keras). */
  sampleWeight?: Float32Array | number[];
  /** Weight per class index ({0: 1, 1: 5} or [1, 5]) for categoricalCrossentropy or binaryCrossentropy; multiplies sampleWeight; classes left out weigh 1. */
  classWeight?: Record<number, number> | number[];
}

/** Checks `where`'s sampleWeight and classWeight against the targets `y` of a loss over `outputs` outputs; undefined when neither is set. */
export function rowWeights(options: WeightOptions, y: Targets, loss: { name: string }, outputs: number, where = "fit"): HostWeights | undefined {
  const { sampleWeight, classWeight } = options as { sampleWeight: unknown; classWeight: unknown };
  if (sampleWeight === undefined && classWeight === undefined) return undefined;
  const samples = sampleWeight === undefined ? undefined : sampleWeights(sampleWeight, y.rows, where);
  const train = samples ? samples.slice() : new Float32Array(y.rows).fill(1);
  if (classWeight !== undefined) {
    if (loss.name !== "categoricalCrossentropy" && loss.name !== "binaryCrossentropy") {
      throw new ConfigError(`${where}: classWeight needs a classification loss (categoricalCrossentropy or binaryCrossentropy), the model is compiled with '${loss.name}'; use sampleWeight to weight rows`);
    }
    const binary = y.kind === "dense" && y.cols === 1;
    // One sigmoid output is two classes, read at 0.5; otherwise a class per output.
    const table = classWeights(classWeight, binary ? 2 : outputs, where);
    const classes = binary ? Int32Array.from(y.data, (t) => (t >= 0.5 ? 1 : 0)) : rowClasses(y);
    for (let r = 0; r < y.rows; r++) train[r] *= table[classes[r]] ?? 1;
  }
  return { train, validation: samples };
}

/** Copies weights of rows into the core; gathers them in the order of a batch. */
export class DeviceWeights {
  readonly train: number;
  readonly validation: number;
  /** Weights of gathered rows. */
  private readonly batch: GrowingBuffer;

  constructor(private readonly core: Core, weights: HostWeights) {
    this.batch = new GrowingBuffer(core, 4);
    this.train = this.upload(weights.train);
    this.validation = weights.validation ? this.upload(weights.validation) : 0;
  }

  /** Gathers the `rows` weights of `from` (train or validation) at the row numbers listed at `index`; returns where. */
  gather(from: number, index: number, rows: number): number {
    const ptr = this.batch.take(rows);
    this.core.kernels.gather_rows(from, index, ptr, rows, 1);
    return ptr;
  }

  /** Frees the weights and the batch buffer. */
  free(): void {
    for (const ptr of [this.train, this.validation]) if (ptr) this.core.free(ptr);
    this.batch.free();
  }

  private upload(w: Float32Array): number {
    const ptr = this.core.allocF32(w.length);
    this.core.f32(ptr, w.length).set(w);
    return ptr;
  }
}

/** sampleWeight: one finite weight ≥ 0 per row, as a Float32Array or an array of numbers. */
function sampleWeights(value: unknown, rows: number, where: string): Float32Array {
  if (!(value instanceof Float32Array) && !Array.isArray(value)) {
    throw new InputError(`${where}: sampleWeight must be a Float32Array or an array of numbers (one per row of x), got ${describe(value)}`);
  }
  if (value.length !== rows) throw new InputError(`${where}: sampleWeight has ${value.length} weights but x has ${rows} rows; give one weight per row`);
  const bad = Array.prototype.findIndex.call(value, (v: unknown) => typeof v !== "number" || !Number.isFinite(v) || v < 0);
  if (bad >= 0) throw new InputError(`${where}: sampleWeight[${bad}] must be a finite number ≥ 0, got ${describe((value as ArrayLike<unknown>)[bad])}`);
  return Float32Array.from(value as ArrayLike<number>);
}

/** classWeight: {class: weight} or [weight, …] over class indices in 0..classes−1; classes left out weigh 1. */
function classWeights(value: unknown, classes: number, where: string): number[] {
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) {
    throw new ConfigError(`${where}: classWeight must be an object {class: weight} or an array of weights by class index, got ${describe(value)}`);
  }
  const table: number[] = [];
  for (const [key, w] of Object.entries(value)) {
    const c = Number(key);
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new ConfigError(`${where}: classWeight has class '${key}'; classes are the indices 0..${classes - 1}`);
    }
    if (typeof w !== "number" || !Number.isFinite(w) || w < 0) throw new ConfigError(`${where}: classWeight[${key}] must be a finite number ≥ 0, got ${describe(w)}`);
    table[c] = w;
  }
  return table;
}
