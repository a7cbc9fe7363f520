// fit(x, y, { epochs: "auto" }): early stopping with a held-out fifth, the best
// epoch's weights kept, and the history saying how many epochs ran and why.
import { beforeAll, describe, expect, it } from "vitest";
import { init, mlp, spiral } from "../src/index.js";
import { splitRows } from "../src/train/split.js";

beforeAll(async () => { await init(); });

describe("epochs: 'auto'", () => {
  const data = spiral({ pointsPerClass: 60, classes: 3, noise: 0.3, seed: 2 });

  it("stops when the validation loss stalls, keeps the best epoch's weights and says why it stopped", async () => {
    const m = await mlp([2, 32, 3], { seed: 5 });
    m.compile({ optimizer: { type: "adam", learningRate: 0.05 } });
    const h = await m.fit(data.x, data.labels, { epochs: "auto" });
    expect(h.stopReason).toBe("earlyStopping");
    expect(h.stoppedEarly).toBe(true);
    const best = Math.min(...h.valLoss!);
    expect(h.bestEpoch).toBe(h.valLoss!.indexOf(best));
    // 180 rows: 36 held out, 144 trained on in 5 batches, so the patience is ⌈200 / 5⌉ = 40 epochs.
    expect(h.epochs).toBeGreaterThan(h.bestEpoch! + 40 - 1);
    const { validation } = splitRows(180, 36, "random", 5, data.labels);
    const vx = new Float32Array(72);
    validation.forEach((r, i) => vx.set(data.x.subarray(2 * r, 2 * r + 2), 2 * i));
    expect(m.evaluate(vx, validation.map((r) => data.labels[r])).loss).toBeCloseTo(best, 4);
    m.dispose();
  });

  it("ends at its time budget after the epoch that passes it", async () => {
    const m = await mlp([2, 8, 3], { seed: 5 });
    m.compile();
    const h = await m.fit(data.x, data.labels, { epochs: { seconds: 1e-9 } });
    expect([h.epochs, h.stopReason, h.stoppedEarly]).toEqual([1, "time", true]);
    m.dispose();
  });

  it("ends at its ceiling, and a number of epochs ends with them all run", async () => {
    const m = await mlp([2, 8, 3], { seed: 5 });
    m.compile();
    expect(await m.fit(data.x, data.labels, { epochs: { max: 3, patience: 10 } })).toMatchObject({ epochs: 3, stopReason: "epochs", stoppedEarly: false });
    expect(await m.fit(data.x, data.labels, { epochs: 2 })).toMatchObject({ epochs: 2, stopReason: "epochs" });
    m.dispose();
  });
});
