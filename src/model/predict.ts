// Inference over any number of rows in chunks of CHUNK, so its memory stays bounded.
import { InputError } from "../errors.js";
import { toRows, type ByteMatrix, type InputBatch, type Matrix } from "../nn/input.js";
import type { Network } from "../nn/network.js";
import { checkFinite, DeviceData, type RowTransform } from "../train/device-data.js";
import { CHUNK } from "./trainer.js";

/** predict(): Float32Array in → Float32Array out (row-major), rows in → rows out, one row (number[]) → one row. */
export function predictRows(net: Network, x: InputBatch | number[], transform: RowTransform | undefined): Float32Array & Matrix & number[][] & number[] {
  const single = Array.isArray(x) && x.length > 0 && !Array.isArray(x[0]) && !ArrayBuffer.isView(x[0]);
  const m = toRows(single ? [x] : x, net.inputs, "x");
  const n = net.outputs;
  const out = new Float32Array(m.rows * n);
  runChunks(net, m, transform, (y, rows, first) => out.set(net.core.f32(y, rows * n), first * n));
  // One value of the overloads' union; predict()'s signatures say which.
  const as = (v: unknown) => v as Float32Array & Matrix & number[][] & number[];
  if (x instanceof Float32Array) return as(out);
  if (!Array.isArray(x)) return as({ data: out, rows: m.rows, cols: n });
  const rows = Array.from({ length: m.rows }, (_, r) => Array.from(out.subarray(r * n, (r + 1) * n)));
  return as(single ? rows[0] : rows);
}

/** Runs `net` on a validated matrix in chunks, handing each chunk's output address to `onChunk`. */
export function runChunks(net: Network, m: Matrix | ByteMatrix, transform: RowTransform | undefined,
  onChunk: (y: number, rows: number, first: number) => void): void {
  const core = net.core;
  net.reserve(Math.min(m.rows, CHUNK));
  if (m.data instanceof Uint8Array) {
    // Bytes are a quarter of the floats: upload them whole, convert a chunk at a time.
    const data = DeviceData.upload(core, m, undefined, 0, "x", "y", transform);
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
  for (let r = 0; r < m.rows; r += CHUNK) {
    const rows = Math.min(CHUNK, m.rows - r);
    const n = rows * m.cols;
    core.f32(net.inputBuffer, n).set(m.data.subarray(r * m.cols, r * m.cols + n));
    try {
      checkFinite(core, net.inputBuffer, n, m.cols, "x");
    } catch (e) {
      throw offsetRow(e, r);
    }
    if (transform) core.kernels.scale_shift_columns(net.inputBuffer, rows, m.cols, transform.columns.scale, transform.columns.offset);
    onChunk(net.forward(rows, false, false), rows, r);
  }
}

/** The argmax of each row's outputs, taken in the core chunk by chunk. */
export function classesOf(net: Network, m: Matrix | ByteMatrix, transform: RowTransform | undefined): Int32Array {
  const core = net.core;
  const classes = new Int32Array(m.rows);
  // The argmax reads each chunk's outputs where the network left them: they never leave the core.
  const q = core.allocator.alloc(Math.min(m.rows, CHUNK) * 4);
  try {
    runChunks(net, m, transform, (y, rows, first) => {
      core.kernels.argmax_rows(y, q, rows, net.outputs);
      classes.set(core.i32(q, rows), first);
    });
    return classes;
  } finally {
    core.free(q);
  }
}

function offsetRow(e: unknown, offset: number): unknown {
  if (!(e instanceof InputError) || offset === 0) return e;
  return new InputError(e.message.replace(/row (\d+)/, (_, r) => `row ${Number(r) + offset}`));
}
