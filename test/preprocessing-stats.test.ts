// Preprocessing statistics in one streaming pass: the same preprocessing as
// fitPreprocessing on all rows at once, whatever the batches, and stable where
// the sum of squares is not (a column of 1e6 + noise).
import { describe, expect, it } from "vitest";
import { ConfigError, fitPreprocessing, fitPreprocessingStream, InputError, PreprocessingStats, type Matrix } from "../src/index.js";
import { mulberry32 } from "../src/util/random.js";

/** `rows` × `cols` values: column c is offset[c] + spread[c]·noise. */
function table(rows: number, offsets: number[], spreads: number[], seed = 1): Matrix {
  const random = mulberry32(seed);
  const cols = offsets.length;
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = offsets[i % cols] + spreads[i % cols] * (random() * 2 - 1);
  return { data, rows, cols };
}

/** The matrix's rows in batches of `size` (the last short). */
function batches(m: Matrix, size: number): Matrix[] {
  const out: Matrix[] = [];
  for (let r = 0; r < m.rows; r += size) {
    const n = Math.min(size, m.rows - r);
    out.push({ data: m.data.subarray(r * m.cols, (r + n) * m.cols), rows: n, cols: m.cols });
  }
  return out;
}

/** Mean and population standard deviation of column c, two passes in float64. */
function reference(m: Matrix, c: number): { mean: number; std: number } {
  let sum = 0;
  for (let r = 0; r < m.rows; r++) sum += m.data[r * m.cols + c];
  const mean = sum / m.rows;
  let ss = 0;
  for (let r = 0; r < m.rows; r++) ss += (m.data[r * m.cols + c] - mean) ** 2;
  return { mean, std: Math.sqrt(ss / m.rows) };
}

describe("fitPreprocessingStream", () => {
  it("gives fitPreprocessing's standardisation and min-max on ordinary data, within 1e-9 relative, for any batching", async () => {
    const m = table(3000, [0, 5, -40, 2], [1, 0.5, 30, 0]);
    for (const method of ["standardize", "minmax"] as const) {
      for (const options of [{ method }, { method, exclude: [1] }, { method, perColumn: false, exclude: [3] }]) {
        const expected = fitPreprocessing(m, options);
        for (const size of [1, 7, 1000, 3000]) {
          const got = await fitPreprocessingStream(batches(m, size), options);
          expect(got.method).toBe(method);
          const [a, b] = [[got.scale, got.offset].flat(), [expected.scale, expected.offset].flat()];
          a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b[i]))));
        }
      }
    }
    // The constant column is shifted to 0, as fitPreprocessing does.
    const constant = await fitPreprocessingStream(batches(m, 100), { method: "standardize" });
    expect([(constant.scale as number[])[3], (constant.offset as number[])[3]]).toEqual([1, -2]);
  });

  it("keeps the variance of a column of 1e6 + noise, which the sum of squares loses", async () => {
    // Float32 near 1e6 is spaced 1/16 apart: the noise (±4) keeps 128 steps.
    const m = table(200_000, [1e6, 3e6], [4, 4], 5);
    const got = await fitPreprocessingStream(batches(m, 4096), { method: "standardize" });
    for (const c of [0, 1]) {
      const { mean, std } = reference(m, c);
      const scale = (got.scale as number[])[c];
      expect(Math.abs(1 / scale - std) / std).toBeLessThan(1e-9);
      expect(Math.abs(-(got.offset as number[])[c] / scale - mean)).toBeLessThan(1e-6);
      // The naive formula on the same values, in float64, is off by far more.
      let sum = 0;
      let squares = 0;
      for (let r = 0; r < m.rows; r++) {
        const v = m.data[r * m.cols + c];
        sum += v;
        squares += v * v;
      }
      const naive = Math.sqrt(Math.max(0, squares / m.rows - (sum / m.rows) ** 2));
      expect(Math.abs(naive - std) / std).toBeGreaterThan(1e-6);
    }
  });

  it("reads a reader's { x, rows, cols } batches and arrays of rows, from async iterables", async () => {
    const m = table(50, [1, 2], [1, 1]);
    async function* reader() {
      for (const b of batches(m, 20)) yield { x: b.data, rows: b.rows, cols: b.cols };
    }
    const expected = fitPreprocessing(m, { method: "standardize" });
    const fromReader = await fitPreprocessingStream(reader(), { method: "standardize" });
    const rows = Array.from({ length: 50 }, (_, r) => Array.from(m.data.subarray(r * 2, r * 2 + 2)));
    const fromRows = await fitPreprocessingStream([rows.slice(0, 10), rows.slice(10)], { method: "standardize" });
    for (const got of [fromReader, fromRows]) {
      (got.scale as number[]).forEach((v, i) => expect(v).toBeCloseTo((expected.scale as number[])[i], 10));
    }
    const stats = new PreprocessingStats().add(batches(m, 50)[0]);
    expect(stats.rows).toBe(50);
  });

  it("refuses bad options before reading, mixed widths and an empty stream, naming the problem", async () => {
    let read = false;
    const lazy = { *[Symbol.iterator]() { read = true; yield { data: new Float32Array(2), rows: 1, cols: 2 }; } };
    await expect(fitPreprocessingStream(lazy, { method: "median" as never })).rejects.toThrow(ConfigError);
    await expect(fitPreprocessingStream(lazy, { method: "minmax", colour: 1 } as never)).rejects.toThrow(/colour/);
    expect(read).toBe(false);
    await expect(fitPreprocessingStream(42 as never, { method: "minmax" })).rejects.toThrow(/batches must be an iterable/);
    await expect(fitPreprocessingStream([], { method: "minmax" })).rejects.toThrow(/no rows were added/);
    const two = { data: new Float32Array(2), rows: 1, cols: 2 };
    const three = { data: new Float32Array(3), rows: 1, cols: 3 };
    await expect(fitPreprocessingStream([two, three], { method: "minmax" })).rejects.toThrow(InputError);
    await expect(fitPreprocessingStream([two, three], { method: "minmax" })).rejects.toThrow(/a batch of 3 columns after batches of 2/);
    await expect(fitPreprocessingStream([two], { method: "minmax", exclude: [2] })).rejects.toThrow(/exclude has column 2, outside 0..1/);
  });
});
