// convert.ts against scalar float64 references on awkward sizes.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Core } from "../src/runtime/core.js";
import { getF32, loadCore, maxRelError, putF32, putI32, randomF32, rng } from "./helpers.js";

const SIZES = [1, 3, 7, 17, 129];
const COLS = [1, 3, 15, 16, 17, 33, 784];

let core: Core;
let ptrs: number[] = [];
beforeAll(async () => { core = await loadCore(); });
afterEach(() => { for (const p of ptrs) core.free(p); ptrs = []; });

function keep(p: number): number {
  ptrs.push(p);
  return p;
}

function bytes(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  // Include the extremes: the widening must treat 255 as 255, not −1.
  return Uint8Array.from({ length: n }, (_, i) => (i % 11 === 0 ? 255 : i % 13 === 0 ? 0 : Math.floor(256 * r())));
}

describe("convert kernels", () => {
  it("gather_rows_u8_scaled widens, scales and shifts the indexed rows", () => {
    for (const rows of SIZES) {
      for (const cols of COLS) {
        const srcRows = rows + 2;
        const src = bytes(srcRows * cols, rows * 1000 + cols);
        const sp = keep(core.allocator.alloc(src.length));
        core.u8(sp, src.length).set(src);
        const r = rng(rows + cols);
        const index = Int32Array.from({ length: rows }, () => Math.floor(r() * srcRows));
        const dst = keep(putF32(core, new Float32Array(rows * cols)));
        const [scale, offset] = [1 / 255, -0.5];
        core.kernels.gather_rows_u8_scaled(sp, keep(putI32(core, index)), dst, rows, cols, scale, offset);
        const ref: number[] = [];
        for (const k of index) for (let c = 0; c < cols; c++) ref.push(src[k * cols + c] * Math.fround(scale) + offset);
        expect(maxRelError(getF32(core, dst, rows * cols), ref), `${rows}x${cols}`).toBeLessThan(1e-6);
      }
    }
  });

  it("gather_rows_u8_scaled with scale 1 and offset 0 reproduces the bytes exactly", () => {
    const src = Uint8Array.from({ length: 256 }, (_, i) => i);
    const sp = keep(core.allocator.alloc(256));
    core.u8(sp, 256).set(src);
    const dst = keep(putF32(core, new Float32Array(256)));
    core.kernels.gather_rows_u8_scaled(sp, keep(putI32(core, [0])), dst, 1, 256, 1, 0);
    expect(Array.from(getF32(core, dst, 256))).toEqual(Array.from(src));
  });

  it("scale_shift_columns maps every column by its own scale and offset", () => {
    for (const rows of SIZES) {
      for (const cols of COLS) {
        const x = randomF32(rows * cols, rows + 7 * cols, -3, 3);
        const scale = randomF32(cols, cols, 0.1, 2);
        const offset = randomF32(cols, cols + 1, -1, 1);
        const p = keep(putF32(core, x));
        core.kernels.scale_shift_columns(p, rows, cols, keep(putF32(core, scale)), keep(putF32(core, offset)));
        const ref = Array.from(x, (v, i) => v * scale[i % cols] + offset[i % cols]);
        expect(maxRelError(getF32(core, p, rows * cols), ref), `${rows}x${cols}`).toBeLessThan(1e-6);
      }
    }
  });
});
