// Inference over a stream of input batches: one output batch per input batch, in order. The source is
// pulled one batch at a time, only when the consumer asks for the next output, so nothing is read ahead
// of the batch being computed and memory stays that of one batch (each computed in core-sized chunks).
import { ConfigError, InputError, StateError } from "../errors.js";
import { toRows, type ByteMatrix, type InputBatch, type Matrix } from "../nn/input.js";
import type { OutputReading } from "../nn/output-kind.js";
import type { RowTransform } from "../train/device-data.js";
import { AbortError } from "../train/errors.js";
import { checkKeys, describe } from "../util/options.js";
import { abortable, pullFrom, type Pull } from "../util/pull.js";
import { checkHasClasses, classesOf, outputsOf, type Forward } from "./predict.js";

/** One item of a prediction stream: an input batch, or an object holding it as `x` (such as a CSV stream's row batch, with its `rows` and `cols`). */
export type StreamBatch = InputBatch | { x: InputBatch; rows?: number; cols?: number };

/** Where predictStream() reads its batches: an async iterable, an iterable, or a web ReadableStream of them. */
export type PredictSource = AsyncIterable<StreamBatch> | Iterable<StreamBatch> | ReadableStream<StreamBatch>;

/** Options of predictStream() and predictTransform(). */
export interface PredictStreamOptions {
  /** Aborting stops the stream: the pending or next output rejects with an AbortError carrying the signal's reason. */
  signal?: AbortSignal;
  /** "values" (default): rows × outputs floats per batch, as predict(); "classes": one class per row, as predictClasses(). */
  output?: "values" | "classes";
}

/** What a stream asks of its model (float or int8) at every batch: `network()` throws a StateError once the model is disposed. */
export interface StreamModel {
  network(): Forward;
  training(): boolean;
  transform(): RowTransform | undefined;
  reading(): OutputReading;
}

/** Turns one stream item into outputs; the checks shared by predictStream() and predictTransform(). */
type Step = (item: unknown, index: number) => Float32Array | Int32Array;

/** predictStream(): output batches for `source`'s batches, pulled one at a time; every argument is checked before anything is read. */
export function predictStream(model: StreamModel, source: PredictSource, options: PredictStreamOptions | undefined): AsyncIterableIterator<Float32Array | Int32Array> {
  const { signal, step } = prepare(model, options, "predictStream");
  return run(open(source), step, signal);
}

/** predictTransform(): a web TransformStream computing each written batch's outputs in order (backpressure as web streams have it). */
export function predictTransform(model: StreamModel, options: PredictStreamOptions | undefined): TransformStream<StreamBatch, Float32Array | Int32Array> {
  const { signal, step } = prepare(model, options, "predictTransform");
  if (typeof globalThis.TransformStream !== "function") {
    throw new ConfigError("predictTransform: this platform has no web streams (globalThis.TransformStream); use predictStream() with an async iterable");
  }
  let index = 0;
  let onAbort: (() => void) | undefined;
  return new TransformStream({
    start(controller) {
      onAbort = () => controller.error(aborted("predictTransform", signal!, index));
      signal?.addEventListener("abort", onAbort, { once: true });
    },
    transform(item, controller) {
      if (signal?.aborted) throw aborted("predictTransform", signal, index);
      controller.enqueue(step(item, index++));
    },
    flush() {
      if (onAbort) signal?.removeEventListener("abort", onAbort);
    },
  });
}

function prepare(model: StreamModel, options: PredictStreamOptions | undefined, what: string): { signal?: AbortSignal; step: Step } {
  checkKeys(options ?? {}, ["signal", "output"], what);
  const { signal, output = "values" } = options ?? {};
  if (signal !== undefined && !isSignal(signal)) throw new ConfigError(`${what}: signal must be an AbortSignal, got ${describe(signal)}`);
  if (output !== "values" && output !== "classes") throw new ConfigError(`${what}: output must be "values" or "classes", got ${describe(output)}`);
  const net = model.network();
  checkIdle(model, what);
  if (output === "classes") checkHasClasses(net, model.reading());
  if (signal?.aborted) throw aborted(what, signal, 0);
  const step: Step = (item, index) => {
    const current = model.network();
    checkIdle(model, what);
    const m = batchOf(item, current.inputs, index, what);
    if (m === undefined) return output === "classes" ? new Int32Array(0) : new Float32Array(0);
    try {
      return output === "classes" ? classesOf(current, m, model.transform(), model.reading()) : outputsOf(current, m, model.transform());
    } catch (e) {
      throw e instanceof InputError ? new InputError(`${what}: batch ${index}: ${e.message}`) : e;
    }
  };
  return { signal, step };
}

/** Pulls a batch only when the consumer asks for an output: nothing is read ahead, and the source is released however the stream ends. */
async function* run(source: Pull, step: Step, signal: AbortSignal | undefined): AsyncGenerator<Float32Array | Int32Array> {
  let done = false;
  try {
    for (let index = 0; ; index++) {
      const next = await abortable(source.next(), signal, () => aborted("predictStream", signal!, index));
      if (next.done) {
        done = true;
        return;
      }
      yield step(next.value, index);
    }
  } finally {
    if (!done) source.release();
  }
}

function aborted(what: string, signal: AbortSignal, batches: number): AbortError {
  const reason = signal.reason instanceof Error ? `: ${signal.reason.message}` : "";
  return new AbortError(`${what}: aborted after ${batches} batch${batches === 1 ? "" : "es"}${reason}; the model is unchanged and can predict again`, signal.reason);
}

function checkIdle(model: StreamModel, what: string): void {
  if (model.training()) {
    throw new StateError(`${what}: the model is training, so its weights would change between batches; wait for fit() to finish`);
  }
}

/** A Pull over `source`, refusing a single batch given where a stream of batches belongs. */
function open(source: PredictSource): Pull {
  if (typeof source === "object" && source !== null && (ArrayBuffer.isView(source) || isRowArray(source))) {
    throw new InputError(`predictStream: batches is one batch of rows (${describe(source)}); a stream is an iterable of batches: pass [x], or use predict(x)`);
  }
  const pull = pullFrom(source);
  if (!pull) throw notSource(source);
  return pull;
}

function notSource(source: unknown): InputError {
  return new InputError(`predictStream: batches must be an async iterable, an iterable or a ReadableStream of input batches, got ${describe(source)}`);
}

/** An array whose first item is a number or a row of numbers: one batch (or one row), not a stream of batches. */
function isRowArray(x: object): boolean {
  if (!Array.isArray(x) || x.length === 0) return false;
  const first: unknown = x[0];
  return typeof first === "number" || (Array.isArray(first) && typeof first[0] === "number");
}

/** Item `index` as a checked matrix, or undefined for a batch of no rows. */
function batchOf(item: unknown, cols: number, index: number, what: string): Matrix | ByteMatrix | undefined {
  const name = `${what}: batch ${index}`;
  let x = item;
  if (typeof item === "object" && item !== null && !Array.isArray(item) && !ArrayBuffer.isView(item) && "x" in item) {
    const b = item as { x: unknown; rows?: unknown; cols?: unknown };
    x = b.x instanceof Float32Array && typeof b.rows === "number" && typeof b.cols === "number" ? { data: b.x, rows: b.rows, cols: b.cols } : b.x;
  }
  if (isEmpty(x)) return undefined;
  if (Array.isArray(x) && typeof x[0] === "number") {
    throw new InputError(`${name} is one row (an array of numbers); a stream's items are batches of rows: wrap it as [row]`);
  }
  return toRows(x, cols, name);
}

function isEmpty(x: unknown): boolean {
  if (x instanceof Float32Array || Array.isArray(x)) return x.length === 0;
  if (typeof x !== "object" || x === null) return false;
  const m = x as Partial<Matrix>;
  return m.rows === 0 && ArrayBuffer.isView(m.data) && m.data.length === 0;
}

function isSignal(x: unknown): x is AbortSignal {
  return typeof x === "object" && x !== null && typeof (x as AbortSignal).aborted === "boolean" && typeof (x as AbortSignal).addEventListener === "function";
}
