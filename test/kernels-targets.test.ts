// The kernels behind class readings, regression metrics and target range checks, against scalar references on awkward sizes.
import { describe, expect, it } from "vitest";
import type { Core } from "../src/runtime/core.js";
import { kernelArena, randomF32 } from "./helpers.js";

const SIZES = [1, 2, 3, 5, 7, 17, 33, 129];

let core: Core;
const { f32 } = kernelArena((c) => { core = c; });

describe("class reading and target kernels", () => {
  it("threshold_u8 writes 1 exactly where y ≥ threshold (the threshold itself counts, NaN does not)", () => {
    for (const n of SIZES) {
      for (const threshold of [0, 0.5, -0.25]) {
        const y = randomF32(n, n * 3 + 1);
        y[0] = threshold;
        if (n > 2) y[2] = NaN;
        const out = core.allocator.alloc(n);
        core.u8(out, n).fill(7);
        core.kernels.threshold_u8(f32(y), out, n, threshold);
        const ref = Array.from(y, (v) => (v >= Math.fround(threshold) ? 1 : 0));
        expect(Array.from(core.u8(out, n)), `n=${n} threshold=${threshold}`).toEqual(ref);
        core.free(out);
      }
    }
  });

  it("sum_abs_diff and sum_squared_diff match float64 sums of |y − t|·w and ((y − t)·w)², with and without column weights", () => {
    for (const rows of [1, 3, 17]) {
      for (const cols of [1, 2, 3, 5, 7, 9]) {
        const n = rows * cols;
        const y = randomF32(n, n, -3, 3);
        const t = randomF32(n, n + 100, -3, 3);
        const w = randomF32(cols, cols + 7, 0.1, 4);
        for (const weighted of [false, true]) {
          let abs = 0, sq = 0;
          for (let i = 0; i < n; i++) {
            const d = (y[i] - t[i]) * (weighted ? w[i % cols] : 1);
            abs += Math.abs(d);
            sq += d * d;
          }
          const [py, pt, pw] = [f32(y), f32(t), weighted ? f32(w) : 0];
          const what = `${rows}x${cols}${weighted ? " weighted" : ""}`;
          expect(Math.abs(core.kernels.sum_abs_diff(py, pt, rows, cols, pw) - abs), what).toBeLessThanOrEqual(1e-6 * abs);
          expect(Math.abs(core.kernels.sum_squared_diff(py, pt, rows, cols, pw) - sq), what).toBeLessThanOrEqual(1e-6 * sq);
        }
      }
    }
  });

  it("first_outside_range finds the first value outside [lo, hi], NaN and ±Infinity included", () => {
    for (const n of SIZES) {
      const inside = randomF32(n, n * 7, 0, 1);
      expect(core.kernels.first_outside_range(f32(inside), n, 0, 1), `n=${n} all inside`).toBe(-1);
      for (const bad of [1.5, -1e-7, NaN, Infinity, -Infinity]) {
        for (const at of new Set([0, Math.floor(n / 2), n - 1])) {
          const x = Float32Array.from(inside);
          x[at] = bad;
          if (at + 1 < n) x[n - 1] = 2; // a later outsider must not win
          expect(core.kernels.first_outside_range(f32(x), n, 0, 1), `n=${n} ${bad} at ${at}`).toBe(at);
        }
      }
    }
    // The bounds themselves are inside.
    expect(core.kernels.first_outside_range(f32([0, 1, 0, 1, 0]), 5, 0, 1)).toBe(-1);
  });
});
