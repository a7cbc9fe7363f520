// maxout.ts against a float64 scalar reference; max and routing are exact, so tolerance is 0.
import { describe, expect, it } from "vitest";
import type { Core } from "../src/runtime/core.js";
import { getF32, kernelArena, randomF32 } from "./helpers.js";

let core: Core;
const { f32, i32 } = kernelArena((c) => { core = c; });

function maxoutRef(z: ArrayLike<number>, rows: number, units: number, pieces: number) {
  const y: number[] = [], arg: number[] = [];
  for (let i = 0; i < rows * units; i++) {
    let best = z[i * pieces], k = 0;
    for (let p = 1; p < pieces; p++) if (z[i * pieces + p] > best) { best = z[i * pieces + p]; k = p; }
    y.push(best);
    arg.push(k);
  }
  return { y, arg };
}

describe("maxout_forward / maxout_backward", () => {
  it("forward picks the max piece and its index; backward routes dy to it only", () => {
    for (const rows of [1, 2, 3, 7]) {
      for (const units of [1, 3, 5, 17, 33]) {
        for (const pieces of [1, 2, 3, 4, 5]) {
          const n = rows * units;
          const z = randomF32(n * pieces, rows * 10007 + units * 31 + pieces, -3, 3);
          const dy = randomF32(n, units + 5, -1, 1);
          const pz = f32(z), py = f32(new Float32Array(n)), pa = i32(new Int32Array(n));
          core.kernels.maxout_forward(pz, py, pa, rows, units, pieces);
          const ref = maxoutRef(z, rows, units, pieces);
          const tag = `${rows}x${units}x${pieces}`;
          expect(Array.from(getF32(core, py, n)), tag).toEqual(ref.y);
          expect(Array.from(core.i32(pa, n)), tag).toEqual(ref.arg);

          // dz is pre-filled with garbage to prove backward overwrites every element.
          const pdy = f32(dy), pdz = f32(new Float32Array(n * pieces).fill(7));
          core.kernels.maxout_backward(pdy, pa, pdz, rows, units, pieces);
          const dzRef = new Array<number>(n * pieces).fill(0);
          for (let i = 0; i < n; i++) dzRef[i * pieces + ref.arg[i]] = dy[i];
          expect(Array.from(getF32(core, pdz, n * pieces)), tag).toEqual(dzRef);
        }
      }
    }
  });

  it("breaks ties toward the first piece", () => {
    const z = [2, 2, 1, /**/ 0, 5, 5, /**/ -1, -1, -1];
    const pz = f32(z), py = f32(new Float32Array(3)), pa = i32(new Int32Array(3));
    core.kernels.maxout_forward(pz, py, pa, 1, 3, 3);
    expect(Array.from(getF32(core, py, 3))).toEqual([2, 5, -1]);
    expect(Array.from(core.i32(pa, 3))).toEqual([0, 1, 0]);
  });

  it("backward matches central differences of Σ dy·maxout(z) away from ties", () => {
    const rows = 3, units = 5, pieces = 3, n = rows * units;
    const z = randomF32(n * pieces, 11, -3, 3);
    const dy = randomF32(n, 12, -1, 1);
    const pz = f32(z), py = f32(new Float32Array(n)), pa = i32(new Int32Array(n));
    const pdy = f32(dy), pdz = f32(new Float32Array(n * pieces));
    core.kernels.maxout_forward(pz, py, pa, rows, units, pieces);
    core.kernels.maxout_backward(pdy, pa, pdz, rows, units, pieces);
    const dz = getF32(core, pdz, n * pieces);
    const objective = (zz: ArrayLike<number>) => maxoutRef(zz, rows, units, pieces).y.reduce((s, v, i) => s + v * dy[i], 0);
    const h = 1e-4; // well below the gap between pieces of this seed, so no kink is crossed
    for (let i = 0; i < n * pieces; i++) {
      const zp = Float64Array.from(z), zm = Float64Array.from(z);
      zp[i] += h;
      zm[i] -= h;
      const fd = (objective(zp) - objective(zm)) / (2 * h);
      // Piecewise linear in float64, so the difference is exact to ~1e-9.
      expect(Math.abs(dz[i] - fd), `element ${i}`).toBeLessThan(1e-6);
    }
  });
});
