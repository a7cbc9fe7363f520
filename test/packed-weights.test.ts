// Weights are packed for the forward GEMM when they change, not on every call:
// predictions must follow every way weights change (setWeights, training steps,
// early stopping's restore, loading), and inference alone must never repack.
import { beforeAll, describe, expect, it } from "vitest";
import { init, type Core } from "../src/runtime/core.js";
import { dense, load, maxout, mlp, Sequential, type NamedTensor } from "../src/index.js";
import { maxRelError, randomF32 } from "./helpers.js";

let core: Core;
beforeAll(async () => {
  core = await init();
});

/** The network's function in float64 from its named weights: dense ReLU/softmax and maxout layers. */
function forward64(model: Sequential, weights: NamedTensor[], x: Float32Array): Float64Array {
  const config = model.toConfig();
  const byName = new Map(weights.map((w) => [w.name, w]));
  let width = config.inputs;
  const rows = x.length / width;
  let h: Float64Array = Float64Array.from(x);
  config.layers.forEach((layer, i) => {
    const W = byName.get(`layers.${i}.weight`)!;
    const b = byName.get(`layers.${i}.bias`)!;
    const out = W.shape[1];
    const z = new Float64Array(rows * out);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < out; j++) {
        let s = b.data[j];
        for (let k = 0; k < width; k++) s += h[r * width + k] * W.data[k * out + j];
        z[r * out + j] = s;
      }
    }
    if (layer.type === "maxout") {
      const pieces = layer.pieces as number;
      const units = out / pieces;
      h = new Float64Array(rows * units);
      for (let r = 0; r < rows; r++) for (let u = 0; u < units; u++) h[r * units + u] = Math.max(...z.subarray(r * out + u * pieces, r * out + (u + 1) * pieces));
      width = units;
      return;
    }
    if (layer.activation === "relu") h = z.map((v) => Math.max(0, v));
    else if (layer.activation === "softmax") {
      h = new Float64Array(z.length);
      for (let r = 0; r < rows; r++) {
        const row = z.subarray(r * out, (r + 1) * out);
        const m = Math.max(...row);
        const e = row.map((v) => Math.exp(v - m));
        const sum = e.reduce((a, v) => a + v, 0);
        for (let j = 0; j < out; j++) h[r * out + j] = e[j] / sum;
      }
    } else h = z;
    width = out;
  });
  return h;
}

/** Counts pack_b_nn calls made through the core's kernels while `f` runs. */
function countPacks(f: () => void): number {
  const kernels = core.kernels;
  const original = kernels.pack_b_nn;
  let calls = 0;
  kernels.pack_b_nn = (...args) => { calls++; original(...args); };
  try {
    f();
  } finally {
    kernels.pack_b_nn = original;
  }
  return calls;
}

const TOL = 1e-5;

async function smallModel(): Promise<Sequential> {
  const m = new Sequential({ inputs: 37, layers: [dense(29, "relu"), maxout(13, 3), dense(5, "softmax")], seed: 3 });
  m.compile({ optimizer: { type: "adam", learningRate: 0.05 } });
  return m;
}

describe("packed weights follow every change", () => {
  it("predict matches the float64 reference, for one row (direct path) and for many (packed tiles)", async () => {
    const m = await smallModel();
    const x = randomF32(37 * 9, 1);
    const want = forward64(m, m.getWeights(), x);
    expect(maxRelError(m.predict(x), want)).toBeLessThan(TOL);
    expect(maxRelError(m.predict(x.slice(0, 37)), want.subarray(0, 5))).toBeLessThan(TOL);
    m.dispose();
  });

  it("inference with unchanged weights never repacks; the first forward after a change repacks once per weight", async () => {
    const m = await smallModel();
    const x = randomF32(37 * 4, 2);
    m.predict(x);
    expect(countPacks(() => { for (let i = 0; i < 5; i++) m.predict(x); m.predict(x.slice(0, 37)); m.predictClasses(x); })).toBe(0);
    const w = m.getWeights();
    expect(countPacks(() => m.setWeights(w))).toBe(0);
    expect(countPacks(() => { m.predict(x); m.predict(x); })).toBe(3);
    m.dispose();
  });

  it("predict after setWeights and setLayerWeights uses the new weights", async () => {
    const m = await smallModel();
    const x = randomF32(37 * 6, 3);
    const before = m.predict(x);
    const w = m.getWeights().map((t) => ({ ...t, data: randomF32(t.data.length, t.data.length, -0.5, 0.5) }));
    m.setWeights(w);
    const after = m.predict(x);
    expect(maxRelError(after, forward64(m, w, x))).toBeLessThan(TOL);
    expect(maxRelError(after, before)).toBeGreaterThan(1e-3);
    const w0 = randomF32(37 * 29, 77, -0.3, 0.3);
    m.setLayerWeights(0, { weight: w0 });
    expect(maxRelError(m.predict(x.slice(0, 37)), forward64(m, m.getWeights(), x.slice(0, 37)))).toBeLessThan(TOL);
    m.dispose();
  });

  it("predict after training steps uses the trained weights", async () => {
    const m = await smallModel();
    const x = randomF32(37 * 32, 4);
    const labels = Int32Array.from({ length: 32 }, (_, i) => i % 5);
    m.predict(x); // packs the initial weights
    await m.fit(x, labels, { epochs: 1, batchSize: 8 });
    const trained = m.getWeights();
    expect(maxRelError(m.predict(x), forward64(m, trained, x))).toBeLessThan(TOL);
    expect(maxRelError(m.predict(x.slice(0, 37)), forward64(m, trained, x.slice(0, 37)))).toBeLessThan(TOL);
    // The loss computed during training used repacked weights too: a fresh model with these weights agrees.
    const fresh = await smallModel();
    fresh.setWeights(trained);
    expect(Array.from(fresh.predict(x))).toEqual(Array.from(m.predict(x)));
    m.dispose();
    fresh.dispose();
  });

  it("training matches a model that never reuses a packed copy (every step rebuilt from saved weights)", async () => {
    // Two identical models: one trains 4 batches in one fit; the other fits one batch at a time
    // and is rebuilt from its weights between batches, so it always packs fresh weights.
    const x = randomF32(37 * 16, 5);
    const labels = Int32Array.from({ length: 16 }, (_, i) => (i * 3) % 5);
    const a = await smallModel();
    await a.fit(x, labels, { epochs: 1, batchSize: 4, shuffle: false });
    let b = await smallModel();
    for (let s = 0; s < 4; s++) {
      await b.fit(x.subarray(s * 4 * 37, (s + 1) * 4 * 37), labels.subarray(s * 4, (s + 1) * 4), { epochs: 1, batchSize: 4, shuffle: false });
      const bytes = b.save({ optimizer: true });
      b.dispose();
      b = await load(bytes);
    }
    const [wa, wb] = [a.getWeights(), b.getWeights()];
    for (let i = 0; i < wa.length; i++) expect(Array.from(wb[i].data)).toEqual(Array.from(wa[i].data));
    a.dispose();
    b.dispose();
  });

  it("early stopping's restored best weights are the ones predict uses", async () => {
    const m = await smallModel();
    const x = randomF32(37 * 40, 6);
    const labels = Int32Array.from({ length: 40 }, (_, i) => i % 5);
    const h = await m.fit(x, labels, {
      epochs: 12, batchSize: 8, validationSplit: 0.25,
      earlyStopping: { patience: 2, restoreBestWeights: true },
    });
    expect(h.epochs).toBeGreaterThan(0);
    expect(maxRelError(m.predict(x), forward64(m, m.getWeights(), x))).toBeLessThan(TOL);
    m.dispose();
  });

  it("a loaded model predicts with its file's weights", async () => {
    const m = await mlp([37, 16, 5], { activation: "relu", seed: 9 });
    m.compile({});
    const x = randomF32(37 * 3, 7);
    const labels = Int32Array.from([0, 1, 2]);
    await m.fit(x, labels, { epochs: 2, batchSize: 3 });
    const loaded = await load(m.save());
    expect(Array.from(loaded.predict(x))).toEqual(Array.from(m.predict(x)));
    m.dispose();
    loaded.dispose();
  });
});
