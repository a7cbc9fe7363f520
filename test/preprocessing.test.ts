// Preprocessing stored with the model, byte inputs converted per batch, learning-rate
// schedules and stopping after a batch: each checked against doing the same by hand.
import * as ort from "onnxruntime-web";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ConfigError, decodeModel, dense, dropout, fitPreprocessing, init, InputError, mlp, oneHot, scaling, Sequential, spiral, type Preprocessing,
} from "../src/index.js";
import { maxRelError, randomF32, rng } from "./helpers.js";

beforeAll(async () => {
  await init();
  ort.env.wasm.wasmPaths = new URL("./", import.meta.resolve("onnxruntime-web")).href;
  ort.env.wasm.numThreads = 1;
});

function bits(m: Sequential): number[][] {
  return m.getWeights().map((t) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)));
}

function images(rows: number, cols: number, seed: number): { x: Uint8Array; labels: Int32Array } {
  const r = rng(seed);
  const labels = Int32Array.from({ length: rows }, (_, i) => i % 3);
  // Class k is brighter in the k-th third of the row, so the task is learnable.
  const x = Uint8Array.from({ length: rows * cols }, (_, i) => {
    const k = labels[Math.floor(i / cols)];
    const third = Math.floor((3 * (i % cols)) / cols);
    return Math.floor(r() * 128) + (third === k ? 127 : 0);
  });
  return { x, labels };
}

describe("fitPreprocessing", () => {
  const x = { data: Float32Array.from([1, 10, 5, 3, 20, 5, 5, 30, 5]), rows: 3, cols: 3 };

  it("takes an array of rows as {data, rows, cols}, and refuses a flat array, whose width it cannot know", () => {
    const rows = [[1, 10, 5], [3, 20, 5], [5, 30, 5]];
    expect(fitPreprocessing(rows, { method: "standardize" })).toEqual(fitPreprocessing(x, { method: "standardize" }));
    expect(() => fitPreprocessing(x.data as never, { method: "minmax" })).toThrow(InputError);
    expect(() => fitPreprocessing(x.data as never, { method: "minmax" })).toThrow(/fitPreprocessing: x must be \{data, rows, cols\} or an array of rows/);
    expect(() => fitPreprocessing([[1, 2], [3]], { method: "minmax" })).toThrow(InputError);
  });

  it("minmax maps each column onto [0, 1]; a constant column goes to 0", () => {
    const p = fitPreprocessing(x, { method: "minmax" });
    const s = p.scale as number[];
    const o = p.offset as number[];
    const mapped = Array.from(x.data, (v, i) => v * s[i % 3] + o[i % 3]);
    expect(mapped.map((v) => +v.toFixed(6))).toEqual([0, 0, 0, 0.5, 0.5, 0, 1, 1, 0]);
  });

  it("standardize gives mean 0 and standard deviation 1 per column", () => {
    const p = fitPreprocessing(x, { method: "standardize", exclude: [2] });
    const s = p.scale as number[];
    const o = p.offset as number[];
    for (const c of [0, 1]) {
      const col = [0, 1, 2].map((r) => x.data[r * 3 + c] * s[c] + o[c]);
      const mean = col.reduce((a, b) => a + b) / 3;
      expect(mean).toBeCloseTo(0, 6);
      expect(col.reduce((a, b) => a + (b - mean) ** 2, 0) / 3).toBeCloseTo(1, 6);
    }
    expect([s[2], o[2]]).toEqual([1, 0]);
  });

  it("perColumn: false fits one scale for all values, as for images", () => {
    const bytes = { data: Uint8Array.from([0, 255, 17, 3]), rows: 2, cols: 2 };
    expect(fitPreprocessing(bytes, { method: "minmax", perColumn: false })).toEqual({ method: "minmax", scale: 1 / 255, offset: -0 });
  });

  it("rejects unknown methods, options and columns", () => {
    expect(() => fitPreprocessing(x, { method: "zscore" as never })).toThrow(ConfigError);
    expect(() => fitPreprocessing(x, { method: "minmax", perColum: true } as never)).toThrow(/did you mean 'perColumn'/);
    expect(() => fitPreprocessing(x, { method: "minmax", exclude: [3] })).toThrow(/exclude has column 3, outside 0..2/);
  });

  it("oneHot writes one 1 per row and rejects labels out of range", () => {
    expect(Array.from(oneHot([2, 0], 3))).toEqual([0, 0, 1, 1, 0, 0]);
    expect(() => oneHot([3], 3)).toThrow(/labels\[0\] = 3 is not a class index in 0..2/);
  });
});

describe("a model with preprocessing", () => {
  it("predicts on raw rows what it predicts on rows transformed by hand", async () => {
    const m = await mlp([3, 8, 2], { seed: 4 });
    const raw = randomF32(7 * 3, 1, -50, 50);
    const p: Preprocessing = { method: "standardize", scale: [0.1, 0.02, 1], offset: [1, -0.5, 0] };
    const byHand = Float32Array.from(raw, (v, i) => Math.fround(Math.fround(v * (p.scale as number[])[i % 3]) + (p.offset as number[])[i % 3]));
    const expected = m.predict(byHand);
    const expectedClasses = m.predictClasses(byHand);
    m.setPreprocessing(p);
    expect(m.preprocessing).toEqual(p);
    expect(maxRelError(m.predict(raw), expected)).toBeLessThan(1e-6);
    expect(m.predictClasses(raw)).toEqual(expectedClasses);
    m.setPreprocessing(null);
    expect(m.preprocessing).toBeNull();
    expect(maxRelError(m.predict(byHand), expected)).toBe(0);
    m.dispose();
  });

  it("refuses a preprocessing whose vectors do not match the inputs", async () => {
    const m = await mlp([3, 2], { seed: 1 });
    expect(() => m.setPreprocessing({ method: "scale", scale: [1, 2], offset: 0 })).toThrow(/scale has 2 values; the model has 3 inputs/);
    expect(() => m.setPreprocessing({ method: "scale", scale: NaN, offset: 0 })).toThrow(InputError);
    expect(() => m.setPreprocessing({ method: "scale", scale: 1, offset: 0, columns: [{ name: "a" }] })).toThrow(/columns describe 1 inputs but the model has 3/);
    m.dispose();
  });

  it("keeps its preprocessing through save and load", async () => {
    const m = await mlp([3, 4, 2], { seed: 2 });
    const p: Preprocessing = {
      method: "minmax", scale: [0.5, 0.25, 1], offset: [0, -1, 0],
      columns: [{ name: "size" }, { name: "colour", categories: ["red", "blue"] }], target: { name: "kind", classes: ["a", "b"] },
    };
    m.setPreprocessing(p);
    const back = decodeModel(m.save());
    expect(back.preprocessing).toEqual(p);
    const x = randomF32(5 * 3, 3, -4, 4);
    expect(maxRelError(back.predict(x), m.predict(x))).toBe(0);
    m.dispose();
    back.dispose();
  });

  it("exports the preprocessing to ONNX (Mul and Add on the input, before a dropout) computing predict()", async () => {
    const m = new Sequential({ inputs: 4, layers: [dropout(0.3), dense(6, "relu"), dense(3, "softmax")], seed: 5 });
    m.setPreprocessing({ method: "standardize", scale: [0.5, 2, 0.1, 1], offset: [1, -2, 0.3, 0] });
    const x = randomF32(9 * 4, 8, -5, 5);
    const session = await ort.InferenceSession.create(m.toONNX());
    const out = await session.run({ input: new ort.Tensor("float32", x, [9, 4]) });
    await session.release();
    expect(maxRelError(out.output.data as Float32Array, m.predict(x))).toBeLessThan(1e-5);
    m.dispose();
  });
});

describe("byte inputs", () => {
  it("train bit-identically to the same rows scaled to floats by hand", async () => {
    const { x, labels } = images(90, 37, 1);
    const scale = 1 / 255;
    const floats = Float32Array.from(x, (v) => Math.fround(v * Math.fround(scale)));
    const build = async () => {
      const m = await mlp([37, 16, 3], { seed: 9, dropout: 0.1 });
      m.compile({ optimizer: "adam", metrics: ["accuracy"] });
      return m;
    };
    const a = await build();
    a.setPreprocessing(scaling(scale));
    const ha = await a.fit({ data: x, rows: 90, cols: 37 }, labels, { epochs: 3, batchSize: 16, validationSplit: 0.2 });
    const b = await build();
    const hb = await b.fit(floats, labels, { epochs: 3, batchSize: 16, validationSplit: 0.2 });
    expect(bits(a)).toEqual(bits(b));
    expect(ha.valLoss).toEqual(hb.valLoss);
    // Raw floats with the same preprocessing take the float path: also identical.
    const c = await build();
    c.setPreprocessing(scaling(scale));
    await c.fit(Float32Array.from(x), labels, { epochs: 3, batchSize: 16, validationSplit: 0.2 });
    expect(bits(c)).toEqual(bits(b));
    const bytes = { data: x, rows: 90, cols: 37 };
    expect(a.evaluate(bytes, labels)).toEqual(b.evaluate(floats, labels));
    expect(a.predict(bytes).data).toEqual(b.predict(floats));
    expect(a.predictClasses(bytes)).toEqual(b.predictClasses(floats));
    for (const m of [a, b, c]) m.dispose();
  });

  it("apply a per-column preprocessing after widening", async () => {
    const { x, labels } = images(30, 20, 2);
    const bytes = { data: x, rows: 30, cols: 20 };
    const p = fitPreprocessing(bytes, { method: "standardize" });
    const m = await mlp([20, 3], { seed: 1 });
    m.compile({ metrics: ["accuracy"] });
    const floats = Float32Array.from(x);
    m.setPreprocessing(p);
    expect(maxRelError(m.predict(bytes).data, m.predict(floats))).toBeLessThan(1e-6);
    const g1 = m.computeGradients(bytes, labels);
    const g2 = m.computeGradients(floats, labels);
    expect(Math.abs(g1.loss - g2.loss)).toBeLessThan(1e-6);
    m.dispose();
  });

  it("are checked for shape", async () => {
    const m = await mlp([4, 2], { seed: 1 });
    expect(() => m.predict({ data: new Uint8Array(7), rows: 2, cols: 4 })).toThrow(/x.data has 7 bytes but rows × cols = 8/);
    expect(() => m.predict({ data: new Uint8Array(8), rows: 2, cols: 3 } as never)).toThrow(/x has 3 columns, expected 4/);
    m.dispose();
  });
});

describe("learning-rate schedules", () => {
  async function rates(schedule: unknown, epochs = 6, rows = 40, batchSize = 10): Promise<number[]> {
    const d = spiral({ pointsPerClass: rows / 2, classes: 2, seed: 1 });
    const m = await mlp([2, 4, 2], { seed: 1 });
    m.compile({ optimizer: { type: "sgd", learningRate: 0.1 } });
    const seen: number[] = [];
    await m.fit(d.x, d.labels!, {
      epochs, batchSize, learningRateSchedule: schedule as never,
      callbacks: { onBatchEnd: (b) => { if (b === 0) seen.push(m.learningRate!); } },
    });
    expect(m.learningRate).toBe(0.1); // put back after fit
    m.dispose();
    return seen;
  }

  it("step multiplies by gamma every stepSize epochs", async () => {
    const r = await rates({ type: "step", stepSize: 2, gamma: 0.5 });
    expect(r.map((v) => +v.toPrecision(6))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
  });

  it("exponential multiplies by gamma every epoch", async () => {
    const r = await rates({ type: "exponential", gamma: 0.9 });
    r.forEach((v, e) => expect(v).toBeCloseTo(0.1 * 0.9 ** e, 12));
  });

  it("cosine falls from the compiled rate to the floor, batch by batch", async () => {
    const r = await rates({ type: "cosine", minLearningRate: 0.01 }, 4);
    const expected = [0, 1, 2, 3].map((e) => 0.01 + 0.09 * 0.5 * (1 + Math.cos((Math.PI * e) / 4)));
    r.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
  });

  it("rejects bad schedules before training", async () => {
    await expect(rates({ type: "linear" })).rejects.toThrow(/learningRateSchedule.type must be one of 'step', 'exponential', 'cosine'/);
    await expect(rates({ type: "step" })).rejects.toThrow(/stepSize must be an integer ≥ 1/);
    await expect(rates({ type: "exponential", gamma: 2 })).rejects.toThrow(/gamma must be a finite number ≥ 0 and ≤ 1/);
    await expect(rates({ type: "cosine", minLearningRate: 1 })).rejects.toThrow(/minLearningRate/);
    await expect(rates({ type: "cosine", warmup: 1 })).rejects.toThrow(ConfigError);
  });
});

describe("stopTraining", () => {
  it("set after a batch ends fit after that batch, without recording the partial epoch", async () => {
    const d = spiral({ pointsPerClass: 50, classes: 2, seed: 1 });
    const m = await mlp([2, 4, 2], { seed: 1 });
    m.compile({});
    let batches = 0;
    const h = await m.fit(d.x, d.labels!, {
      epochs: 5, batchSize: 10,
      callbacks: { onBatchEnd: (b) => { batches++; if (batches === 13) m.stopTraining = true; } },
    });
    expect(batches).toBe(13);
    expect(h.epochs).toBe(1);
    expect(h.stoppedEarly).toBe(true);
    m.dispose();
  });
});
