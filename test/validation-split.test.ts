// fit()'s validation split: a sample fixed by the model's seed, stratified by class,
// so data sorted by class (as many files are) is still validated on every class;
// the last rows only when asked for, as Keras does.
import { beforeAll, describe, expect, it } from "vitest";
import { init, mlp } from "../src/index.js";
import { splitRows, rowClasses } from "../src/train/split.js";

beforeAll(async () => { await init(); });

/** Labels 0..classes−1 in sorted runs of the given sizes. */
function sortedLabels(sizes: number[]): Int32Array {
  return Int32Array.from(sizes.flatMap((n, k) => new Array<number>(n).fill(k)));
}

function counts(labels: Int32Array, rows: Int32Array, classes: number): number[] {
  const out = new Array<number>(classes).fill(0);
  for (const r of rows) out[labels[r]]++;
  return out;
}

describe("splitRows", () => {
  it("holds out each class's share of the rows, within one row, from data sorted by class", () => {
    const sizes = [37, 120, 3, 59, 81];
    const labels = sortedLabels(sizes);
    const rows = labels.length;
    for (const fraction of [0.1, 0.2, 0.33, 0.5]) {
      for (const seed of [0, 1, 12345]) {
        const held = Math.floor(rows * fraction);
        const split = splitRows(rows, held, "random", seed, labels);
        expect(split.validation.length).toBe(held);
        expect(split.train.length).toBe(rows - held);
        const got = counts(labels, split.validation, sizes.length);
        got.forEach((n, k) => expect(Math.abs(n - (held * sizes[k]) / rows)).toBeLessThan(1));
        // Every row is on exactly one side, each side in ascending order.
        expect([...split.train, ...split.validation].sort((a, b) => a - b)).toEqual(Array.from({ length: rows }, (_, i) => i));
        expect([...split.validation]).toEqual([...split.validation].sort((a, b) => a - b));
      }
    }
  });

  it("depends on the seed, and only on it", () => {
    const labels = sortedLabels([100, 100]);
    const a = splitRows(200, 40, "random", 7, labels);
    expect(splitRows(200, 40, "random", 7, labels)).toEqual(a);
    expect(splitRows(200, 40, "random", 8, labels).validation).not.toEqual(a.validation);
  });

  it("without classes (regression) is a seeded sample spread over the rows; 'end' takes the last rows", () => {
    const split = splitRows(1000, 200, "random", 3);
    const inFirstHalf = split.validation.filter((r) => r < 500).length;
    expect(inFirstHalf).toBeGreaterThan(70);
    expect(inFirstHalf).toBeLessThan(130);
    expect(splitRows(10, 3, "end", 3)).toEqual({ train: Int32Array.of(0, 1, 2, 3, 4, 5, 6), validation: Int32Array.of(7, 8, 9) });
  });

  it("reads the class of one-hot rows as their largest column", () => {
    const y = { kind: "dense" as const, data: Float32Array.of(0, 1, 0, 1, 0, 0, 0, 0.2, 0.8), rows: 3, cols: 3 };
    expect(Array.from(rowClasses(y))).toEqual([1, 0, 2]);
  });
});

describe("fit's validationSplit", () => {
  // Two well-separated blobs, sorted by class: Keras's split would validate on class 1 only.
  const rows = 200;
  const labels = sortedLabels([100, 100]);
  const x = Float32Array.from({ length: rows * 2 }, (_, i) => (labels[i >> 1] ? 1 : -1) + 0.3 * Math.sin(i * 12.9898));

  it("validates on the rows the model's seed picks, stratified by class", async () => {
    const m = await mlp([2, 8, 2], { seed: 11 });
    m.compile({ metrics: ["accuracy"] });
    const h = await m.fit(x, labels, { epochs: 2, validationSplit: 0.25 });
    const { validation } = splitRows(rows, 50, "random", 11, labels);
    expect(counts(labels, validation, 2)).toEqual([25, 25]);
    const vx = new Float32Array(validation.length * 2);
    validation.forEach((r, i) => vx.set(x.subarray(2 * r, 2 * r + 2), 2 * i));
    expect(h.valLoss![1]).toBeCloseTo(m.evaluate(vx, validation.map((r) => labels[r])).loss, 5);
    m.dispose();
  });

  it("from: 'end' validates on the last rows, as given", async () => {
    const m = await mlp([2, 8, 2], { seed: 11 });
    m.compile({ metrics: ["accuracy"] });
    const h = await m.fit(x, labels, { epochs: 2, validationSplit: { fraction: 0.25, from: "end" } });
    expect(h.valLoss![1]).toBeCloseTo(m.evaluate(x.subarray(150 * 2), labels.subarray(150)).loss, 5);
    m.dispose();
  });

  it("gives bit-identical weights for the same seed", async () => {
    const run = async () => {
      const m = await mlp([2, 8, 2], { seed: 4 });
      m.compile();
      await m.fit(x, labels, { epochs: 3, batchSize: 16, validationSplit: 0.2 });
      const w = m.getWeights();
      m.dispose();
      return w;
    };
    expect(await run()).toEqual(await run());
  });
});
