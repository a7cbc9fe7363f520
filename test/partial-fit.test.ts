// partialFit(x, y): learning as data arrives, as scikit-learn's partial_fit:
// each call is one pass over its rows that goes on from the optimizer's state
// and step count, so k calls on k chunks are one epoch of fit() on the same
// batches, and a model saved with its optimizer state goes on exactly.
import { beforeAll, describe, expect, it } from "vitest";
import { AbortError, ConfigError, dense, init, load, Sequential, StateError, spiral } from "../src/index.js";

beforeAll(async () => { await init(); });

const data = spiral({ pointsPerClass: 64, classes: 3, seed: 9 });
const { cols } = data;
const build = () => new Sequential({ inputs: cols, layers: [dense(12, "relu"), dense(3, "softmax")], seed: 21 })
  .compile({ loss: "sparseCategoricalCrossentropy", optimizer: { type: "adam", learningRate: 0.02 }, metrics: ["accuracy"] });
const bits = (m: Sequential) => m.getWeights().map((t) => Array.from(new Uint32Array(Float32Array.from(t.data).buffer)));
/** Rows [from, to) of the spiral. */
const rowsOf = (from: number, to: number) => [data.x.slice(from * cols, to * cols), data.labels.slice(from, to)] as const;

describe("partialFit", () => {
  it("k calls on k chunks equal one epoch of fit() with shuffle: false on the same batches, bit for bit", async () => {
    // 192 rows in chunks of 64: batches of 16 fall the same way in both.
    const whole = build();
    const history = await whole.fit(data.x, data.labels, { epochs: 1, batchSize: 16, shuffle: false });
    const parts = build();
    const results = [];
    for (let from = 0; from < 192; from += 64) results.push(await parts.partialFit(...rowsOf(from, from + 64), { batchSize: 16 }));
    expect(bits(parts)).toEqual(bits(whole));
    expect(parts.state().optimizer).toEqual(whole.state().optimizer);
    // Each call reports its batches (4 of 16 rows) and their mean.
    expect(results.map((r) => r.batches.length)).toEqual([4, 4, 4]);
    const mean = results.reduce((s, r) => s + r.loss, 0) / 3;
    expect(mean).toBeCloseTo(history.loss[0], 6);
    for (const r of results) expect(r.loss).toBeCloseTo(r.batches.reduce((s, b) => s + b.loss, 0) / 4, 6);
    expect(results[0].accuracy).toBeGreaterThanOrEqual(0);
    // Passes are not epochs: the model's training record does not count them.
    expect(parts.state().training.epochs).toBe(0);
  });

  it("goes on exactly from a file saved with the optimizer's state", async () => {
    const a = build();
    await a.partialFit(...rowsOf(0, 96));
    const b = await load(a.save({ optimizer: true }));
    await a.partialFit(...rowsOf(96, 192));
    await b.partialFit(...rowsOf(96, 192));
    expect(bits(b)).toEqual(bits(a));
    // Without the optimizer's state, Adam starts over and the weights differ.
    const c = await load(build().save());
    c.compile({ loss: "sparseCategoricalCrossentropy", optimizer: { type: "adam", learningRate: 0.02 } });
    c.setWeights(b.getWeights());
    await c.partialFit(...rowsOf(0, 32));
    await b.partialFit(...rowsOf(0, 32));
    expect(bits(c)).not.toEqual(bits(b));
  });

  it("needs compile() first and checks its options before training", async () => {
    const raw = new Sequential({ inputs: cols, layers: [dense(3, "softmax")] });
    await expect(raw.partialFit(...rowsOf(0, 8))).rejects.toThrow(StateError);
    await expect(raw.partialFit(...rowsOf(0, 8))).rejects.toThrow(/partialFit: call compile\(\) first/);
    const m = build();
    const before = bits(m);
    await expect(m.partialFit(...rowsOf(0, 8), { epochs: 3 } as never)).rejects.toThrow(ConfigError);
    await expect(m.partialFit(...rowsOf(0, 8), { batchSize: 0 })).rejects.toThrow(/batchSize/);
    expect(bits(m)).toEqual(before);
  });

  it("stops when aborted, keeping the last complete batch", async () => {
    const m = build();
    const controller = new AbortController();
    controller.abort();
    const before = bits(m);
    await expect(m.partialFit(...rowsOf(0, 64), { signal: controller.signal })).rejects.toThrow(AbortError);
    expect(bits(m)).toEqual(before);
  });
});
