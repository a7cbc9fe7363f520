// Data copied once into linear memory and checked there by the core (non-finite
// values, label ranges); batches are then gathered by index without leaving it.
// Float rows are preprocessed once, on upload; byte rows (images) stay bytes, a
// quarter of the memory, and are widened and preprocessed batch by batch.
import type { Core } from "../runtime/core.js";
import { InputError } from "../errors.js";
import type { ByteMatrix, Matrix, Targets } from "../nn/input.js";
import type { DeviceTargets, TargetRange } from "../nn/losses.js";
import { GrowingBuffer } from "./growing-buffer.js";

/** What targets may hold: class indices below `classes` (when > 0), and values within `range`, named after `loss`. */
export interface TargetRule {
  classes: number;
  range?: TargetRange;
  loss?: string;
}

/** How stored rows become network inputs: x[r, c]·scale[c] + offset[c], the model's preprocessing. */
export interface RowTransform {
  /** Pointers to `cols` floats each. */
  columns: { scale: number; offset: number };
  /** The same map as one scale and offset, when every column shares them: bytes then convert in one pass. */
  uniform?: { scale: number; offset: number };
  /** Regression targets as the network learns them, t·scale + offset per column (pointers); applied on upload. */
  targets?: { scale: number; offset: number };
  /** The inverse map, from network outputs back to the targets' units (pointers); predict applies it. */
  outputs?: { scale: number; offset: number };
}

/** Inputs and targets resident in linear memory. */
export class DeviceData {
  readonly x: number;
  readonly targets: DeviceTargets;
  readonly targetCols: number;
  /** An identity index 0..n−1, made on first need, for converting contiguous byte rows. */
  private readonly identity: GrowingBuffer;

  private constructor(private readonly core: Core, readonly rows: number, readonly cols: number,
    x: number, targets: DeviceTargets, targetCols: number, readonly bytes: boolean, private readonly transform: RowTransform | undefined) {
    this.x = x;
    this.targets = targets;
    this.targetCols = targetCols;
    this.identity = new GrowingBuffer(core, 4);
  }

  /** Copies x (and targets, if any) into the core and validates them against `rule`; frees everything on failure. */
  static upload(core: Core, x: Matrix | ByteMatrix, t: Targets | undefined, rule: TargetRule, name = "x", targetName = "y",
    transform?: RowTransform): DeviceData {
    const { classes } = rule;
    const bytes = x.data instanceof Uint8Array;
    const xp = bytes ? core.allocator.alloc(x.data.length) : core.allocF32(x.rows * x.cols);
    let tp = 0;
    try {
      if (x.data instanceof Uint8Array) core.u8(xp, x.data.length).set(x.data);
      else {
        core.f32(xp, x.data.length).set(x.data);
        checkFinite(core, xp, x.data.length, x.cols, name);
        if (transform) core.kernels.scale_shift_columns(xp, x.rows, x.cols, transform.columns.scale, transform.columns.offset);
      }
      let targets: DeviceTargets = { kind: "index", ptr: 0 };
      let targetCols = 0;
      if (t?.kind === "index") {
        tp = core.allocator.alloc(t.rows * 4);
        core.i32(tp, t.rows).set(t.labels);
        const bad = core.kernels.first_label_out_of_range(tp, t.rows, classes);
        if (bad >= 0) {
          throw new InputError(`${targetName}[${bad}] = ${t.labels[bad]} is out of range: class indices must be in 0..${classes - 1}`);
        }
        targets = { kind: "index", ptr: tp };
        targetCols = 1;
      } else if (t) {
        tp = core.allocF32(t.data.length);
        core.f32(tp, t.data.length).set(t.data);
        checkFinite(core, tp, t.data.length, t.cols, targetName);
        // Checked as given, so the error quotes the user's value, then mapped to the units the network learns.
        if (rule.range) checkRange(core, tp, t.data.length, t.cols, targetName, rule.range, rule.loss);
        if (transform?.targets) core.kernels.scale_shift_columns(tp, t.rows, t.cols, transform.targets.scale, transform.targets.offset);
        targets = { kind: "dense", ptr: tp };
        targetCols = t.cols;
      }
      return new DeviceData(core, x.rows, x.cols, xp, targets, targetCols, bytes, transform);
    } catch (e) {
      core.free(xp);
      if (tp) core.free(tp);
      throw e;
    }
  }

  /** Address of `rows` network-ready rows of x from `row` on: in place for floats, converted into `scratch` for bytes. */
  rowsX(row: number, rows: number, scratch: number): number {
    if (!this.bytes) return this.x + row * this.cols * 4;
    const core = this.core;
    const grown = this.identity.capacity < rows;
    const identity = this.identity.take(rows);
    if (grown) core.i32(identity, rows).set(Int32Array.from({ length: rows }, (_, i) => i));
    this.convert(this.x + row * this.cols, identity, rows, scratch);
    return scratch;
  }

  /** Targets starting at row `row`, as the loss kernels read them. */
  targetsFrom(row: number): DeviceTargets {
    return { kind: this.targets.kind, ptr: this.targets.ptr + row * this.targetCols * 4 };
  }

  /** Copies the rows listed at `index` (int32, `rows` of them) into `dstX` and `dstT`. */
  gather(index: number, rows: number, dstX: number, dstT: number): void {
    const k = this.core.kernels;
    if (this.bytes) this.convert(this.x, index, rows, dstX);
    else k.gather_rows(this.x, index, dstX, rows, this.cols);
    if (!this.targets.ptr) return;
    if (this.targets.kind === "index") k.gather_i32(this.targets.ptr, index, dstT, rows);
    else k.gather_rows(this.targets.ptr, index, dstT, rows, this.targetCols);
  }

  /** Widens byte rows index[0..rows) of `src` into floats at `dst` and applies the transform. */
  private convert(src: number, index: number, rows: number, dst: number): void {
    const k = this.core.kernels;
    const t = this.transform;
    const { scale, offset } = t?.uniform ?? { scale: 1, offset: 0 };
    k.gather_rows_u8_scaled(src, index, dst, rows, this.cols, scale, offset);
    if (t && !t.uniform) k.scale_shift_columns(dst, rows, this.cols, t.columns.scale, t.columns.offset);
  }

  /** Frees the resident copy. */
  free(): void {
    this.core.free(this.x);
    this.identity.free();
    if (this.targets.ptr) this.core.free(this.targets.ptr);
  }
}

/** Throws an InputError naming the first non-finite value, found by the core. */
export function checkFinite(core: Core, ptr: number, n: number, cols: number, name: string): void {
  if (core.kernels.count_nonfinite(ptr, n) !== 0) checkFiniteValues(core.f32(ptr, n), cols, name);
}

/** Throws an InputError naming the first non-finite value of `values` (rows of `cols`), if there is one: for a check that found one in the core. */
export function checkFiniteValues(values: Float32Array, cols: number, name: string): void {
  const i = values.findIndex((v) => !Number.isFinite(v));
  if (i < 0) return;
  const [r, c] = [Math.floor(i / cols), i % cols];
  throw new InputError(`${name} contains ${values[i]} at row ${r}, column ${c}: inputs and targets must be finite numbers`);
}

/** Throws an InputError naming the first value outside `range` (finite values only: checkFinite runs first), found by the core. */
export function checkRange(core: Core, ptr: number, n: number, cols: number, name: string, range: TargetRange, loss = "this loss"): void {
  const i = core.kernels.first_outside_range(ptr, n, range.min, range.max);
  if (i < 0) return;
  const [r, c] = [Math.floor(i / cols), i % cols];
  throw new InputError(`${name} contains ${core.f32(ptr + i * 4, 1)[0]} at row ${r}, column ${c}: loss '${loss}' needs targets in ` +
    `[${range.min}, ${range.max}] (${range.meaning})`);
}
