// What fit(dataset) reads: a function giving, for each epoch, an iterable
// (sync, async, or a web ReadableStream) of batches or rows, as Keras's
// fit(generator) and TensorFlow.js's fitDataset take them. Each item is
// checked against the model's widths as it arrives and becomes rows and
// targets on the host; their values are checked in the core (stream-source.ts).
import { ConfigError, InputError } from "../errors.js";
import { toRows, toTargets, type ByteMatrix, type InputBatch, type Matrix, type TargetBatch, type Targets } from "../nn/input.js";
import { describe } from "../util/options.js";

/** Rows as a streaming reader gives them (readCsvStream's batches): row-major x, class indices or target values, and bytes read so far. */
export type RowBatch = { x: Float32Array; rows: number; cols: number; labels?: Int32Array; targets?: Float32Array; bytesRead?: number };

/** One item of a dataset: a batch `{ x, y }` as fit takes, one row `{ x: number[], y }`, or a RowBatch. */
export type DatasetItem = { x: InputBatch | number[]; y: TargetBatch | number } | RowBatch;

/** What a dataset gives for one epoch. */
export type DatasetEpoch = AsyncIterable<DatasetItem> | Iterable<DatasetItem> | ReadableStream<DatasetItem>;

/** fit(dataset)'s data: called once per epoch (with the epoch's number) for a fresh pass over the rows. */
export type Dataset = (epoch: number) => DatasetEpoch;

/** An item as rows and targets on the host. */
export interface HostChunk {
  x: Matrix | ByteMatrix;
  y: Targets;
  bytesRead?: number;
}

/** The widths items are checked against. */
export interface ItemShape {
  inputs: number;
  outputs: number;
  /** Classes for class-index targets; 0 for dense targets. */
  classes: number;
}

/** Checks that `value` is a dataset function (named `where`). */
export function checkDataset(value: unknown, where: string): Dataset {
  if (typeof value !== "function") {
    throw new ConfigError(`${where} must be a function returning each epoch's batches (e.g. () => readCsvStream(...)), got ${describe(value)}`);
  }
  return value as Dataset;
}

/** The items of epoch `epoch` of `dataset`, whatever kind of iterable it returns. */
export function epochItems(dataset: Dataset, epoch: number, where: string): AsyncIterator<unknown> | Iterator<unknown> {
  const items: unknown = dataset(epoch);
  const o = items as Record<symbol | string, unknown> | null;
  if (o && typeof o[Symbol.asyncIterator] === "function") return (items as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  if (o && typeof o[Symbol.iterator] === "function" && typeof items !== "string") return (items as Iterable<unknown>)[Symbol.iterator]();
  if (o && typeof o.getReader === "function") return readerItems(items as ReadableStream<unknown>);
  throw new InputError(`${where} returned ${describe(items)} for epoch ${epoch}; it must return an iterable, an async iterable or a ReadableStream of batches`);
}

/** A web ReadableStream as an iterator, for runtimes whose streams are not async iterable. */
function readerItems(stream: ReadableStream<unknown>): AsyncIterator<unknown> {
  const reader = stream.getReader();
  return {
    next: async () => {
      const r = await reader.read();
      return r.done ? { done: true, value: undefined } : { done: false, value: r.value };
    },
    return: async () => {
      await reader.cancel();
      return { done: true, value: undefined };
    },
  };
}

/** Checks one item (named `name` in errors) against `shape`; returns its rows and targets. */
export function hostChunk(item: unknown, shape: ItemShape, name: string): HostChunk {
  if (typeof item !== "object" || item === null) throw new InputError(`${name} must be { x, y } or { x, rows, cols, labels | targets }, got ${describe(item)}`);
  const o = item as Record<string, unknown>;
  const bytesRead = typeof o.bytesRead === "number" ? o.bytesRead : undefined;
  if (o.y === undefined && typeof o.rows === "number" && o.x instanceof Float32Array) return { ...rowBatch(o as unknown as RowBatch, shape, name), bytesRead };
  if (o.y === undefined) throw new InputError(`${name} has no targets: give { x, y }, or a RowBatch with labels or targets`);
  // One row: a flat array of numbers and its label or target row.
  if (Array.isArray(o.x) && typeof o.x[0] === "number") {
    const y = typeof o.y === "number" ? [o.y] : [Array.from(o.y as ArrayLike<number>)];
    return chunkOf([o.x as number[]], shape.classes > 0 && typeof o.y === "number" ? [o.y] : y, shape, name, bytesRead);
  }
  return chunkOf(o.x, o.y, shape, name, bytesRead);
}

function chunkOf(x: unknown, y: unknown, shape: ItemShape, name: string, bytesRead: number | undefined): HostChunk {
  const m = toRows(x, shape.inputs, `${name}.x`);
  return { x: m, y: toTargets(y, m.rows, shape.outputs, shape.classes, `${name}.y`), bytesRead };
}

/** A reader's RowBatch: its width must be the model's, and it must carry the kind of targets the loss takes. */
function rowBatch(b: RowBatch, shape: ItemShape, name: string): HostChunk {
  if (b.cols !== shape.inputs) throw new InputError(`${name} has ${b.cols} columns; the model has ${shape.inputs} inputs`);
  const x = toRows({ data: b.x, rows: b.rows, cols: b.cols }, shape.inputs, `${name}.x`);
  if (shape.classes > 0 && b.labels) return { x, y: toTargets(b.labels, b.rows, shape.outputs, shape.classes, `${name}.labels`) };
  if (b.targets) return { x, y: toTargets({ data: b.targets, rows: b.rows, cols: b.targets.length / b.rows }, b.rows, shape.outputs, shape.classes, `${name}.targets`) };
  throw new InputError(`${name} has ${shape.classes > 0 ? "no labels" : "no targets"}: ` +
    (shape.classes > 0 ? "this loss takes class labels; read the file with its label column" : "this loss takes target values; read the file with its target column"));
}
