// Data copied once into linear memory and checked there by the core (non-finite
// values, label ranges); batches are then gathered by index without leaving it.
import type { Core } from "./core.js";
import { InputError } from "./errors.js";
import type { Matrix, Targets } from "./input.js";
import type { DeviceTargets } from "./losses.js";

/** Inputs and targets resident in linear memory. */
export class DeviceData {
  readonly x: number;
  readonly targets: DeviceTargets;
  readonly targetCols: number;

  private constructor(private readonly core: Core, readonly rows: number, readonly cols: number,
    x: number, targets: DeviceTargets, targetCols: number) {
    this.x = x;
    this.targets = targets;
    this.targetCols = targetCols;
  }

  /** Copies x (and targets, if any) into the core and validates them; frees everything on failure. */
  static upload(core: Core, x: Matrix, t: Targets | undefined, classes: number, name = "x", targetName = "y"): DeviceData {
    const xp = core.allocF32(x.rows * x.cols);
    let tp = 0;
    try {
      core.f32(xp, x.data.length).set(x.data);
      checkFinite(core, xp, x.data.length, x.cols, name);
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
        targets = { kind: "dense", ptr: tp };
        targetCols = t.cols;
      }
      return new DeviceData(core, x.rows, x.cols, xp, targets, targetCols);
    } catch (e) {
      core.free(xp);
      if (tp) core.free(tp);
      throw e;
    }
  }

  /** Address of row `row` of x. */
  rowX(row: number): number {
    return this.x + row * this.cols * 4;
  }

  /** Targets starting at row `row`, as the loss kernels read them. */
  targetsFrom(row: number): DeviceTargets {
    return { kind: this.targets.kind, ptr: this.targets.ptr + row * this.targetCols * 4 };
  }

  /** Copies the rows listed at `index` (int32, `rows` of them) into `dstX` and `dstT`. */
  gather(index: number, rows: number, dstX: number, dstT: number): void {
    const k = this.core.kernels;
    k.gather_rows(this.x, index, dstX, rows, this.cols);
    if (!this.targets.ptr) return;
    if (this.targets.kind === "index") k.gather_i32(this.targets.ptr, index, dstT, rows);
    else k.gather_rows(this.targets.ptr, index, dstT, rows, this.targetCols);
  }

  /** Frees the resident copy. */
  free(): void {
    this.core.free(this.x);
    if (this.targets.ptr) this.core.free(this.targets.ptr);
  }
}

/** Throws an InputError naming the first non-finite value, found by the core. */
export function checkFinite(core: Core, ptr: number, n: number, cols: number, name: string): void {
  if (core.kernels.count_nonfinite(ptr, n) === 0) return;
  const view = core.f32(ptr, n);
  const i = view.findIndex((v) => !Number.isFinite(v));
  const [r, c] = [Math.floor(i / cols), i % cols];
  throw new InputError(`${name} contains ${view[i]} at row ${r}, column ${c}: inputs and targets must be finite numbers`);
}
