// Turns what users pass (typed arrays, arrays of rows, matrices) into row-major
// Float32Array / Int32Array with their shapes, rejecting anything ambiguous with
// an error that names the argument. Finiteness and label and target ranges are
// checked by the core once the data sits in linear memory (see train/device-data.ts).
import { InputError } from "../errors.js";
import { describe } from "../util/options.js";

/** A row-major matrix of float32. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/** A row-major matrix of bytes (e.g. image pixels), converted to float32 a batch at a time. */
export interface ByteMatrix {
  data: Uint8Array;
  rows: number;
  cols: number;
}

/** Inputs accepted by fit, evaluate and predict. */
export type InputBatch = Float32Array | number[][] | Matrix | ByteMatrix;

/** Targets: class indices (one per row), or a rows×outputs matrix (one-hot, probabilities or values). */
export type TargetBatch = Int32Array | Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array |
  Float32Array | number[] | number[][] | Matrix;

/** Converted targets: class indices or a dense matrix. */
export type Targets =
  | { kind: "index"; labels: Int32Array; rows: number }
  | { kind: "dense"; data: Float32Array; rows: number; cols: number };

/** Converts an input batch to a Matrix with `cols` columns, or throws an InputError naming `name`. */
function toMatrix(x: unknown, cols: number, name = "x"): Matrix {
  if (x instanceof Float32Array) {
    if (x.length === 0) throw new InputError(`${name} is empty: expected at least one row of ${cols} values`);
    if (x.length % cols !== 0) {
      throw new InputError(`${name} has ${x.length} values, which is not a whole number of rows of ${cols} inputs`);
    }
    return { data: x, rows: x.length / cols, cols };
  }
  if (ArrayBuffer.isView(x)) {
    throw new InputError(`${name} must be a Float32Array, an array of rows or {data, rows, cols}; got ${describe(x)} ` +
      `(convert it with Float32Array.from(${name}), or pass bytes as {data: Uint8Array, rows, cols})`);
  }
  if (Array.isArray(x)) return rowsToMatrix(x, cols, name);
  if (isMatrix(x)) {
    if (x.cols !== cols) throw new InputError(`${name} has ${x.cols} columns, expected ${cols}`);
    if (!Number.isInteger(x.rows) || x.rows < 1) throw new InputError(`${name}.rows must be an integer ≥ 1, got ${x.rows}`);
    if (x.data.length !== x.rows * x.cols) {
      throw new InputError(`${name}.data has ${x.data.length} values but rows × cols = ${x.rows * x.cols}`);
    }
    return x;
  }
  throw new InputError(`${name} must be a Float32Array, an array of rows or {data, rows, cols}; got ${describe(x)}`);
}

/** Like toMatrix, but passes a ByteMatrix ({data: Uint8Array, rows, cols}) through, checked, without converting it. */
export function toRows(x: unknown, cols: number, name = "x"): Matrix | ByteMatrix {
  if (typeof x !== "object" || x === null || !((x as ByteMatrix).data instanceof Uint8Array)) return toMatrix(x, cols, name);
  const m = x as ByteMatrix;
  if (m.cols !== cols) throw new InputError(`${name} has ${m.cols} columns, expected ${cols}`);
  if (!Number.isInteger(m.rows) || m.rows < 1) throw new InputError(`${name}.rows must be an integer ≥ 1, got ${m.rows}`);
  if (m.data.length !== m.rows * m.cols) throw new InputError(`${name}.data has ${m.data.length} bytes but rows × cols = ${m.rows * m.cols}`);
  return m;
}

function isMatrix(x: unknown): x is Matrix {
  if (typeof x !== "object" || x === null) return false;
  const m = x as Partial<Matrix>;
  return m.data instanceof Float32Array && typeof m.rows === "number" && typeof m.cols === "number";
}

function rowsToMatrix(x: unknown[], cols: number, name: string): Matrix {
  if (x.length === 0) throw new InputError(`${name} is empty: expected at least one row of ${cols} values`);
  const data = new Float32Array(x.length * cols);
  for (let r = 0; r < x.length; r++) {
    const row = x[r];
    if (!Array.isArray(row) && !ArrayBuffer.isView(row)) {
      throw new InputError(`${name}[${r}] must be an array of ${cols} numbers, got ${describe(row)}`);
    }
    const values = row as ArrayLike<unknown>;
    if (values.length !== cols) {
      throw new InputError(`${name}[${r}] has ${values.length} values, expected ${cols} (rows must all have the same width)`);
    }
    for (let c = 0; c < cols; c++) {
      const v = values[c];
      if (typeof v !== "number") throw new InputError(`${name}[${r}][${c}] must be a number, got ${describe(v)}`);
      data[r * cols + c] = v;
    }
  }
  return { data, rows: x.length, cols };
}

/**
 * Converts targets for `rows` samples. `classes` > 0 means class labels are expected
 * (indices or one-hot); 0 means a dense rows×`outputs` matrix is expected.
 */
export function toTargets(y: unknown, rows: number, outputs: number, classes: number, name = "y"): Targets {
  // A flat array of numbers holds labels whatever its length, so a label too few reads the same as for an Int32Array.
  const flat = Array.isArray(y) && y.length > 0 && !Array.isArray(y[0]) && !ArrayBuffer.isView(y[0]);
  if (classes > 0 && (isIntegerArray(y) || flat || (y instanceof Float32Array && y.length === rows))) {
    return indexTargets(y as ArrayLike<unknown>, rows, classes, name);
  }
  if (isIntegerArray(y)) {
    // Integer values (0/1 labels for a sigmoid output, say) read as floats, as Keras reads them.
    if (y.length === rows * outputs) return { kind: "dense", data: Float32Array.from(y), rows, cols: outputs };
    throw new InputError(`${name} is a ${y.constructor.name} of ${y.length} values; this loss expects ${rows} rows × ${outputs} outputs = ` +
      `${rows * outputs} target values (a typed array or an array of rows)`);
  }
  if (Array.isArray(y) && y.length > 0 && !Array.isArray(y[0]) && outputs === 1) {
    const m = rowsToMatrix(y.map((v) => [v]), 1, name);
    return checkRows({ kind: "dense", data: m.data, rows: m.rows, cols: 1 }, rows, name);
  }
  if (y instanceof Float32Array && y.length === 0) throw new InputError(`${name} is empty`);
  const m = y instanceof Float32Array && y.length !== rows * outputs
    ? badDenseLength(y, rows, outputs, classes > 0, name)
    : toMatrix(y, outputs, name);
  return checkRows({ kind: "dense", data: m.data, rows: m.rows, cols: m.cols }, rows, name);
}

function badDenseLength(y: Float32Array, rows: number, outputs: number, labels: boolean, name: string): never {
  throw new InputError(`${name} has ${y.length} values; expected ${rows} rows × ${outputs} outputs = ${rows * outputs}` +
    (labels ? `, or ${rows} labels (one per row of x)` : ""));
}

function checkRows<T extends Targets>(t: T, rows: number, name: string): T {
  if (t.rows !== rows) throw new InputError(`${name} has ${t.rows} rows but x has ${rows}: every input row needs one target`);
  return t;
}

function isIntegerArray(y: unknown): y is Int32Array | Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array {
  return y instanceof Int32Array || y instanceof Uint8Array || y instanceof Uint16Array ||
    y instanceof Uint32Array || y instanceof Int8Array || y instanceof Int16Array;
}

function indexTargets(y: ArrayLike<unknown>, rows: number, classes: number, name: string): Targets {
  if (y.length !== rows) {
    throw new InputError(`${name} has ${y.length} labels but x has ${rows} rows: every input row needs one label`);
  }
  if (y instanceof Int32Array) return { kind: "index", labels: y, rows };
  if (isIntegerArray(y) && !(y instanceof Uint32Array)) return { kind: "index", labels: Int32Array.from(y), rows };
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = y[i];
    if (typeof v !== "number" || !Number.isInteger(v)) {
      throw new InputError(`${name}[${i}] must be an integer class index in 0..${classes - 1}, got ${describe(v)}`);
    }
    if (v < 0 || v >= classes) {
      throw new InputError(`${name}[${i}] = ${v} is out of range: class indices must be in 0..${classes - 1}`);
    }
    labels[i] = v;
  }
  return { kind: "index", labels, rows };
}
