// metrics.ts and reduce.ts against scalar references on awkward sizes.
import { describe, expect, it } from "vitest";
import type { Core } from "../src/runtime/core.js";
import { getF32, kernelArena, maxRelError, randomF32, rng } from "./helpers.js";

const SIZES = [1, 2, 3, 5, 7, 17, 33, 129];
const EPS32 = 2 ** -24; // unit roundoff of f32

let core: Core;
const { f32, i32 } = kernelArena((c) => { core = c; });
/** Values from a handful of levels, so rows are full of ties. */
function tiedF32(n: number, seed: number, levels = 3): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.floor(r() * levels) / 2);
}
function argmaxRef(a: ArrayLike<number>, offset: number, cols: number): number {
  let k = 0;
  for (let j = 1; j < cols; j++) if (a[offset + j] > a[offset + k]) k = j;
  return k;
}
function intsBelow(n: number, bound: number, seed: number): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(r() * bound));
}

describe("metrics", () => {
  it("argmax_rows takes the first max, with and without ties", () => {
    for (const rows of [1, 3, 17]) {
      for (const cols of SIZES) {
        for (const y of [randomF32(rows * cols, rows + cols), tiedF32(rows * cols, rows * cols)]) {
          const out = i32(new Int32Array(rows).fill(-7));
          core.kernels.argmax_rows(f32(y), out, rows, cols);
          const ref = Array.from({ length: rows }, (_, r) => argmaxRef(y, r * cols, cols));
          expect(Array.from(core.i32(out, rows)), `${rows}x${cols}`).toEqual(ref);
        }
      }
    }
  });

  it("count_correct_index and count_correct_onehot count matching rows exactly", () => {
    for (const rows of SIZES) {
      for (const cols of [1, 2, 3, 10, 17]) {
        const y = tiedF32(rows * cols, 3 * rows + cols, 4);
        const labels = intsBelow(rows, cols, rows * 7 + cols);
        // Targets with ties too, so the argmax rule on the target side is exercised.
        const t = tiedF32(rows * cols, rows + 11 * cols, 2);
        let refIndex = 0, refOnehot = 0;
        for (let r = 0; r < rows; r++) {
          if (argmaxRef(y, r * cols, cols) === labels[r]) refIndex++;
          if (argmaxRef(y, r * cols, cols) === argmaxRef(t, r * cols, cols)) refOnehot++;
        }
        const py = f32(y);
        expect(core.kernels.count_correct_index(py, i32(labels), rows, cols), `${rows}x${cols}`).toBe(refIndex);
        expect(core.kernels.count_correct_onehot(py, f32(t), rows, cols), `${rows}x${cols}`).toBe(refOnehot);
      }
    }
    // A sure hit and a sure miss.
    expect(core.kernels.count_correct_index(f32([0, 1, 0, 1, 0, 0]), i32([1, 2]), 2, 3)).toBe(1);
    expect(core.kernels.count_correct_onehot(f32([0, 1, 0, 1, 0, 0]), f32([0, 1, 0, 0, 1, 0]), 2, 3)).toBe(1);
  });

  it("count_correct_binary compares (y ≥ threshold) with (t ≥ 0.5), boundaries included", () => {
    for (const n of SIZES) {
      for (const threshold of [0.5, 0.3]) {
        const y = tiedF32(n, n, 5); // 0, 0.5, 1, 1.5, 2 → hits the 0.5 boundary exactly
        const r = rng(n + 1);
        const t = Float32Array.from({ length: n }, () => [0, 0.5, 1, 0.49][Math.floor(r() * 4)]);
        for (let i = 0; i < n; i++) y[i] = y[i] / 2 + (i % 3 === 0 ? threshold - 0.25 : 0);
        let ref = 0;
        for (let i = 0; i < n; i++) if ((y[i] >= Math.fround(threshold)) === (t[i] >= 0.5)) ref++;
        expect(core.kernels.count_correct_binary(f32(y), f32(t), n, threshold), `n=${n} th=${threshold}`).toBe(ref);
      }
    }
  });
});

describe("reduce", () => {
  it("column_sums overwrites or accumulates, within the f32 summation bound", () => {
    for (const rows of SIZES) {
      for (const cols of [...SIZES, 16, 20, 48]) {
        const x = randomF32(rows * cols, rows * 131 + cols, -1, 1);
        const init = randomF32(cols, cols, -1, 1);
        for (const accumulate of [0, 1]) {
          const out = f32(accumulate ? init : new Float32Array(cols).fill(99));
          core.kernels.column_sums(f32(x), out, rows, cols, accumulate);
          const got = getF32(core, out, cols);
          for (let c = 0; c < cols; c++) {
            let s = accumulate ? init[c] : 0, abs = Math.abs(s);
            for (let r = 0; r < rows; r++) {
              s += x[r * cols + c];
              abs += Math.abs(x[r * cols + c]);
            }
            // Recursive f32 summation of rows+1 terms errs by at most (rows+1)·u·Σ|x|.
            expect(Math.abs(got[c] - s), `${rows}x${cols} acc=${accumulate} col ${c}`).toBeLessThanOrEqual((rows + 1) * EPS32 * abs);
          }
        }
      }
    }
  });

  it("sum_squares accumulates in f64", () => {
    for (const n of [...SIZES, 1000]) {
      const x = randomF32(n, n, -3, 3);
      let ref = 0;
      for (const v of x) ref += v * v;
      // Squares of f32 are exact in f64; only f64 additions round: 1e-12 relative.
      expect(Math.abs(core.kernels.sum_squares(f32(x), n) - ref) / ref, `n=${n}`).toBeLessThan(1e-12);
    }
    // One large square and many small ones: an f32 accumulator would drop all 0.0041 of the small ones.
    const x = new Float32Array(4099).fill(1e-3);
    x[0] = 1e4;
    const ref = 1e8 + 4098 * Math.fround(1e-3) ** 2;
    expect(core.kernels.sum_squares(f32(x), x.length)).toBeCloseTo(ref, 4);
  });

  it("axpy and scale match float64 within 1e-6 relative", () => {
    for (const n of SIZES) {
      const x = randomF32(n, n, -2, 2), y = randomF32(n, n + 50, -2, 2);
      const py = f32(y);
      core.kernels.axpy(-0.37, f32(x), py, n);
      const alpha = Math.fround(-0.37);
      // One f32 multiply and one add: ≤ 2 ulps, well under 1e-6 relative to max(1, |ref|).
      expect(maxRelError(getF32(core, py, n), Array.from(y, (v, i) => v + alpha * x[i])), `axpy n=${n}`).toBeLessThan(1e-6);
      const px = f32(x);
      core.kernels.scale(px, n, 1.7);
      expect(maxRelError(getF32(core, px, n), Array.from(x, (v) => v * Math.fround(1.7))), `scale n=${n}`).toBeLessThan(1e-6);
    }
  });

  it("count_nonfinite counts NaN and ±Inf only", () => {
    const specials = [NaN, Infinity, -Infinity];
    const harmless = [3.4028234663852886e38, -3.4028234663852886e38, 1e-45, -0, 0];
    for (const n of SIZES) {
      const x = randomF32(n, n);
      const r = rng(n);
      for (let i = 0; i < n; i++) {
        const u = r();
        if (u < 0.3) x[i] = specials[i % 3];
        else if (u < 0.5) x[i] = harmless[i % harmless.length];
      }
      x[n - 1] = NaN; // always one in the scalar tail or the last lane
      const ref = Array.from(x).filter((v) => !Number.isFinite(v)).length;
      expect(core.kernels.count_nonfinite(f32(x), n), `n=${n}`).toBe(ref);
    }
    expect(core.kernels.count_nonfinite(f32([1, 2, 3, 4, 5]), 5)).toBe(0);
  });

  it("first_label_out_of_range finds the first label outside [0, classes)", () => {
    for (const n of SIZES) {
      const ok = intsBelow(n, 10, n);
      expect(core.kernels.first_label_out_of_range(i32(ok), n, 10), `n=${n}`).toBe(-1);
      for (const bad of [-1, 10, 2 ** 31 - 1, -(2 ** 31)]) {
        for (const at of new Set([0, n >> 1, n - 1])) {
          const labels = ok.slice();
          labels[at] = bad;
          if (at + 1 < n) labels[n - 1] = -5; // a later offender must not win
          expect(core.kernels.first_label_out_of_range(i32(labels), n, 10), `n=${n} bad=${bad} at ${at}`).toBe(at);
        }
      }
    }
    expect(core.kernels.first_label_out_of_range(i32([0]), 1, 0)).toBe(0);
  });

  it("gather_rows and gather_i32 copy the indexed rows exactly", () => {
    for (const rows of SIZES) {
      for (const cols of [1, 3, 17]) {
        const srcRows = rows + 3;
        const src = randomF32(srcRows * cols, rows + cols);
        const index = intsBelow(rows, srcRows, rows * cols); // repeats allowed
        const dst = f32(new Float32Array(rows * cols));
        core.kernels.gather_rows(f32(src), i32(index), dst, rows, cols);
        const ref: number[] = [];
        for (const k of index) ref.push(...src.subarray(k * cols, (k + 1) * cols));
        expect(Array.from(getF32(core, dst, rows * cols)), `${rows}x${cols}`).toEqual(ref);
      }
      const labels = intsBelow(rows + 5, 1000, rows);
      const index = intsBelow(rows, rows + 5, rows + 1);
      const out = i32(new Int32Array(rows));
      core.kernels.gather_i32(i32(labels), i32(index), out, rows);
      expect(Array.from(core.i32(out, rows))).toEqual(Array.from(index, (k) => labels[k]));
    }
  });
});
