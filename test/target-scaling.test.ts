// Regression targets learnt standardised: the model keeps the map (in its
// preprocessing, so in its state and its file), fit and evaluate apply it to the
// targets they are given, predict undoes it, and ONNX export folds it into the
// last layer; a bad map is refused by name.
import { beforeAll, describe, expect, it } from "vitest";
import { decodeModel } from "../src/io/model-file.js";
import { foldTargetScaling } from "../src/io/onnx/fold.js";
import { fitTargetScaling, init, InputError, mlp, Sequential, type Preprocessing } from "../src/index.js";
import { rng } from "./helpers.js";

beforeAll(async () => { await init(); });

// y = 1000 + 300·sin(2x₀) + 200·x₁: targets in the hundreds and thousands, as raw scores are.
const rows = 400;
const random = rng(7);
const x = Float32Array.from({ length: rows * 2 }, () => 2 * random() - 1);
const y = Float32Array.from({ length: rows }, (_, r) => 1000 + 300 * Math.sin(2 * x[2 * r]) + 200 * x[2 * r + 1]);

function rmse(a: Float32Array, b: Float32Array): number {
  return Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length);
}

async function trained(withScaling: boolean): Promise<Sequential> {
  const m = await mlp([2, 32, 1], { seed: 3, output: "linear" });
  m.compile({ loss: "mse", optimizer: { type: "adam", learningRate: 0.01 } });
  if (withScaling) m.setPreprocessing({ method: "none", scale: 1, offset: 0, target: { name: "y", ...fitTargetScaling(y, 1) } });
  await m.fit(x, y, { epochs: 40 });
  return m;
}

describe("target scaling", () => {
  it("fitTargetScaling standardises each column", () => {
    const t = fitTargetScaling(Float32Array.of(1, 10, 3, 30), 2);
    expect(t.scale[0]).toBeCloseTo(1, 6);
    expect(t.offset[0]).toBeCloseTo(-2, 6);
    expect(t.scale[1]).toBeCloseTo(1 / 10, 6);
    expect(t.offset[1]).toBeCloseTo(-2, 6);
  });

  it("trains far better than raw targets, predicts in the targets' units, and evaluates in the learnt units", async () => {
    const scaled = await trained(true);
    const raw = await trained(false);
    const spread = Math.sqrt(y.reduce((s, v) => s + (v - 1000) ** 2, 0) / rows);
    const [ours, theirs] = [rmse(scaled.predict(x), y), rmse(raw.predict(x), y)];
    expect(ours).toBeLessThan(0.1 * spread);
    expect(theirs).toBeGreaterThan(5 * ours);
    const s = scaled.preprocessing!.target!.scale![0];
    expect(scaled.evaluate(x, y).loss).toBeCloseTo((ours * s) ** 2, 3);
    scaled.dispose();
    raw.dispose();
  });

  it("is part of the model's state and file; a file without it loads as before", async () => {
    const m = await trained(true);
    const copy = decodeModel(m.save());
    expect(copy.preprocessing!.target).toEqual(m.preprocessing!.target);
    expect(copy.predict(x)).toEqual(m.predict(x));
    expect(m.state().preprocessing!.target!.offset).toEqual(m.preprocessing!.target!.offset);
    m.setPreprocessing(null);
    expect(decodeModel(m.save()).preprocessing).toBeNull();
    copy.dispose();
    m.dispose();
  });

  it("folds into the last layer for export: the folded weights without the map predict the same", async () => {
    const m = await trained(true);
    const plain = new Sequential(m.toConfig());
    plain.setWeights(foldTargetScaling(m.toConfig(), m.getWeights(), m.preprocessing));
    const a = m.predict(x);
    const b = plain.predict(x);
    expect(rmse(a, b)).toBeLessThan(1e-3);
    plain.dispose();
    m.dispose();
  });

  it("refuses a map that cannot be undone or does not fit the model", async () => {
    const m = await mlp([2, 4, 1], { seed: 1, output: "linear" });
    const set = (target: object) => () => m.setPreprocessing({ method: "none", scale: 1, offset: 0, target: { name: "y", ...target } } as Preprocessing);
    expect(set({ scale: [0], offset: [1] })).toThrow(new InputError("preprocessing: target.scale[0] is 0; predictions could not be mapped back"));
    expect(set({ scale: [1, 2], offset: [0, 0] })).toThrow(/preprocessing: target\.scale has 2 values; the model has 1 outputs/);
    expect(set({ scale: [1] })).toThrow(/preprocessing: target: scale and offset must both be arrays of numbers, one per output/);
    expect(set({ scale: [1], offset: [0], classes: ["a", "b"] })).toThrow(/a target with classes has none/);
    expect(set({ scale: [1], offset: [NaN] })).toThrow(/target\.offset\[0\] must be a finite number/);
    expect(m.preprocessing).toBeNull();
    // loadState checks the map against the model before writing anything.
    const state = m.state();
    const weights = m.getWeights();
    const bad = { ...state, weights: weights.map((t) => ({ ...t, data: t.data.map(() => 0.5) })),
      preprocessing: { method: "none" as const, scale: 1, offset: 0, target: { name: "y", scale: [1, 2], offset: [0, 0] } } };
    expect(() => m.loadState(bad)).toThrow(/target\.scale has 2 values; the model has 1 outputs/);
    expect(m.getWeights()).toEqual(weights);
    m.dispose();
  });
});
