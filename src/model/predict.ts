// Inference over any number of rows in chunks of CHUNK, so its memory stays bounded.
import { ConfigError, InputError } from "../errors.js";
import { toRows, type ByteMatrix, type InputBatch, type Matrix } from "../nn/input.js";
import type { Network } from "../nn/network.js";
import { outputThreshold, type OutputReading } from "../nn/output-kind.js";
import { checkKeys, describe } from "../util/options.js";
import { checkFinite, checkFiniteValues, DeviceData, type RowTransform } from "../train/device-data.js";
import { CHUNK } from "./trainer.js";

/**
 * What inference needs of a network: a float one, or a quantised one (quantized-net.ts). A network with
 * `sawNonfinite` notes non-finite inputs while its forward() reads the input buffer anyway, and says whether the
 * last forward() saw one, so inference skips its own pass over the input.
 */
export type Forward = Pick<Network, "core" | "inputs" | "outputs" | "inputBuffer" | "reserve" | "forward"> & { sawNonfinite?(): boolean };

/** predict(): Float32Array in → Float32Array out (row-major), rows in → rows out, one row (number[]) → one row. */
export function predictRows(net: Forward, x: InputBatch | number[], transform: RowTransform | undefined): Float32Array & Matrix & number[][] & number[] {
  const single = Array.isArray(x) && x.length > 0 && !Array.isArray(x[0]) && !ArrayBuffer.isView(x[0]);
  const m = toRows(single ? [x] : x, net.inputs, "x");
  const n = net.outputs;
  const out = outputsOf(net, m, transform);
  // One value of the overloads' union; predict()'s signatures say which.
  const as = (v: unknown) => v as Float32Array & Matrix & number[][] & number[];
  if (x instanceof Float32Array) return as(out);
  if (!Array.isArray(x)) return as({ data: out, rows: m.rows, cols: n });
  const rows = Array.from({ length: m.rows }, (_, r) => Array.from(out.subarray(r * n, (r + 1) * n)));
  return as(single ? rows[0] : rows);
}

/** The outputs (rows × outputs, row-major) of `net` for a validated matrix, computed in core-sized chunks. */
export function outputsOf(net: Forward, m: Matrix | ByteMatrix, transform: RowTransform | undefined): Float32Array {
  const n = net.outputs;
  const out = new Float32Array(m.rows * n);
  runChunks(net, m, transform, (y, rows, first) => {
    if (transform?.outputs) net.core.kernels.scale_shift_columns(y, rows, n, transform.outputs.scale, transform.outputs.offset);
    out.set(net.core.f32(y, rows * n), first * n);
  });
  return out;
}

/** Runs `net` on a validated matrix in chunks, handing each chunk's output address to `onChunk`. */
function runChunks(net: Forward, m: Matrix | ByteMatrix, transform: RowTransform | undefined,
  onChunk: (y: number, rows: number, first: number) => void): void {
  const core = net.core;
  net.reserve(Math.min(m.rows, CHUNK));
  if (m.data instanceof Uint8Array) {
    // Bytes are a quarter of the floats: upload them whole, convert a chunk at a time.
    const data = DeviceData.upload(core, m, undefined, { classes: 0 }, "x", "y", transform);
    try {
      for (let r = 0; r < m.rows; r += CHUNK) {
        const rows = Math.min(CHUNK, m.rows - r);
        onChunk(net.forward(rows, false, false, data.rowsX(r, rows, net.inputBuffer)), rows, r);
      }
    } finally {
      data.free();
    }
    return;
  }
  const checksItself = net.sawNonfinite !== undefined;
  for (let r = 0; r < m.rows; r += CHUNK) {
    const rows = Math.min(CHUNK, m.rows - r);
    const chunk = m.data.subarray(r * m.cols, (r + rows) * m.cols);
    core.f32(net.inputBuffer, chunk.length).set(chunk);
    let y: number;
    try {
      if (!checksItself) checkFinite(core, net.inputBuffer, chunk.length, m.cols, "x");
      if (transform) core.kernels.scale_shift_columns(net.inputBuffer, rows, m.cols, transform.columns.scale, transform.columns.offset);
      y = net.forward(rows, false, false);
      // The network also notes finite values that its scaling overflows: only a non-finite value given is an error.
      if (net.sawNonfinite?.()) checkFiniteValues(chunk, m.cols, "x");
    } catch (e) {
      throw offsetRow(e, r);
    }
    onChunk(y, rows, r);
  }
}

/** Options of predictLabels(). */
export interface LabelOptions {
  /** Probability at or above which a label is on (1), in (0, 1); default 0.5. */
  threshold?: number;
}

/** predictClasses(): the class of each row as `reading` reads the outputs, found in the core chunk by chunk. */
export function classesOf(net: Forward, m: Matrix | ByteMatrix, transform: RowTransform | undefined, reading: OutputReading): Int32Array {
  if (reading.kind === "categorical") {
    return readOutputs(net, m, transform, new Int32Array(m.rows), 1, (y, q, rows) => net.core.kernels.argmax_rows(y, q, rows, net.outputs));
  }
  if (reading.kind === "binary") return Int32Array.from(labelsOf(net, m, transform, reading, {}).data);
  return noClasses(net, reading);
}

/** Throws the ConfigError of predictClasses() unless `reading` has one class per row (categorical or binary outputs). */
export function checkHasClasses(net: Forward, reading: OutputReading): void {
  if (reading.kind !== "categorical" && reading.kind !== "binary") noClasses(net, reading);
}

function noClasses(net: Forward, reading: OutputReading): never {
  if (reading.kind === "multilabel") {
    throw new ConfigError(`predictClasses: the model's ${net.outputs} '${reading.activation}' outputs are independent yes/no labels (multi-label), ` +
      "not one class per row; use predictLabels(x, { threshold }) for a 0/1 matrix with one column per output");
  }
  throw new ConfigError(`predictClasses: a '${reading.activation}' output ${reading.loss ? `with loss '${reading.loss}' ` : ""}predicts values, not classes; ` +
    "use predict() (a 'linear' output compiled with a cross-entropy loss is read as logits and has classes)");
}

/** predictLabels(): 1 where an output's probability is at least the threshold, else 0, rows × outputs. */
export function labelsOf(net: Forward, m: Matrix | ByteMatrix, transform: RowTransform | undefined, reading: OutputReading,
  options: LabelOptions | undefined): ByteMatrix {
  checkKeys(options ?? {}, ["threshold"], "predictLabels");
  const threshold = options?.threshold ?? 0.5;
  if (typeof threshold !== "number" || !(threshold > 0 && threshold < 1)) {
    throw new ConfigError(`predictLabels: threshold must be a probability in (0, 1), got ${describe(threshold)}`);
  }
  if (reading.kind !== "binary" && reading.kind !== "multilabel") {
    throw new ConfigError(`predictLabels: reads independent sigmoid outputs (or logits under 'binaryCrossentropy'), but this model's ` +
      `'${reading.activation}' output ${reading.kind === "categorical" ? "names one class per row; use predictClasses()" : "predicts values; use predict()"}`);
  }
  const cols = net.outputs;
  const at = outputThreshold(reading, threshold);
  const data = readOutputs(net, m, transform, new Uint8Array(m.rows * cols), cols, (y, q, rows) => net.core.kernels.threshold_u8(y, q, rows * cols, at));
  return { data, rows: m.rows, cols };
}

/** Runs `net` on `m`; `read` turns each chunk's outputs, where the network left them, into `width` values a row at `q`, copied to `out`. */
function readOutputs<T extends Int32Array | Uint8Array>(net: Forward, m: Matrix | ByteMatrix, transform: RowTransform | undefined, out: T,
  width: number, read: (y: number, q: number, rows: number) => void): T {
  const core = net.core;
  const q = core.allocator.alloc(Math.min(m.rows, CHUNK) * width * out.BYTES_PER_ELEMENT);
  try {
    runChunks(net, m, transform, (y, rows, first) => {
      read(y, q, rows);
      out.set(out instanceof Int32Array ? core.i32(q, rows * width) : core.u8(q, rows * width), first * width);
    });
    return out;
  } finally {
    core.free(q);
  }
}

function offsetRow(e: unknown, offset: number): unknown {
  if (!(e instanceof InputError) || offset === 0) return e;
  return new InputError(e.message.replace(/row (\d+)/, (_, r) => `row ${Number(r) + offset}`));
}
