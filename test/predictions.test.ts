// predictClasses, predictLabels and the accuracy metric read a model's outputs the same way, for every kind of output.
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, dense, init, Sequential, type ActivationName, type CompileOptions } from "../src/index.js";
import { xor } from "../src/data/toy.js";
import { randomF32, rng } from "./helpers.js";

beforeAll(async () => { await init(); });

const ROWS = 61;
const x = randomF32(ROWS * 3, 5, -2, 2);
const model = (units: number, activation: ActivationName, compile: CompileOptions) =>
  new Sequential({ inputs: 3, layers: [dense(8, "tanh"), dense(units, activation)], seed: 3 }).compile(compile);
const labelsBelow = (n: number, classes: number, seed: number) => { const r = rng(seed); return Int32Array.from({ length: n }, () => Math.floor(r() * classes)); };
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe("classes from outputs", () => {
  // Reference classes from predict()'s outputs, read in JavaScript: argmax, or probability ≥ 0.5.
  const cases: { what: string; units: number; activation: ActivationName; compile: CompileOptions; ref: (row: number[]) => number }[] = [
    { what: "softmax", units: 3, activation: "softmax", compile: { metrics: ["accuracy"] }, ref: (r) => r.indexOf(Math.max(...r)) },
    { what: "linear logits under categoricalCrossentropy", units: 3, activation: "linear", compile: { loss: "categoricalCrossentropy", metrics: ["acc"] }, ref: (r) => r.indexOf(Math.max(...r)) },
    { what: "one sigmoid unit", units: 1, activation: "sigmoid", compile: { metrics: ["accuracy"] }, ref: (r) => Number(r[0] >= 0.5) },
    { what: "one sigmoid unit under meanSquaredError", units: 1, activation: "sigmoid", compile: { loss: "mse", metrics: ["accuracy"] }, ref: (r) => Number(r[0] >= 0.5) },
    { what: "one linear logit under binaryCrossentropy", units: 1, activation: "linear", compile: { loss: "binaryCrossentropy", metrics: ["accuracy"] }, ref: (r) => Number(sigmoid(r[0]) >= 0.5) },
  ];
  for (const c of cases) {
    it(`${c.what}: predictClasses reads predict()'s outputs, and evaluate's accuracy counts the same classes`, () => {
      const m = model(c.units, c.activation, c.compile);
      const ref = (m.predict(Array.from({ length: ROWS }, (_, r) => Array.from(x.subarray(r * 3, r * 3 + 3)))) as number[][]).map(c.ref);
      const classes = m.predictClasses(x);
      expect(Array.from(classes)).toEqual(ref);
      expect(new Set(ref).size, "the outputs name more than one class, so a constant answer would fail").toBeGreaterThan(1);
      const labels = labelsBelow(ROWS, Math.max(c.units, 2), c.units);
      const y = c.units === 1 ? Float32Array.from(labels) : labels;
      const hits = ref.filter((k, i) => k === labels[i]).length;
      expect(m.evaluate(x, y).accuracy).toBeCloseTo(hits / ROWS, 12);
      m.dispose();
    });
  }

  it("a one-unit sigmoid XOR model predicts the XOR labels it is 100% accurate on", async () => {
    const data = xor();
    const m = new Sequential({ inputs: 2, layers: [dense(8, "tanh"), dense(1, "sigmoid")], seed: 1 })
      .compile({ optimizer: { type: "adam", learningRate: 0.05 }, metrics: ["accuracy"] });
    await m.fit(data.x, data.targets!, { epochs: 300, batchSize: 4 });
    expect(m.evaluate(data.x, data.targets!).accuracy).toBe(1);
    expect(Array.from(m.predictClasses(data.x))).toEqual([0, 1, 1, 0]);
    m.dispose();
  });

  it("several sigmoid units are labels: predictClasses refuses and points to predictLabels, whose 0/1 matrix accuracy counts", () => {
    const m = model(4, "sigmoid", { metrics: ["accuracy"] });
    expect(() => m.predictClasses(x)).toThrow(ConfigError);
    expect(() => m.predictClasses(x)).toThrow(/multi-label.*predictLabels\(x, \{ threshold \}\)/);
    const out = m.predict(x);
    for (const threshold of [0.5, 0.3, 0.7]) {
      const labels = m.predictLabels(x, { threshold });
      expect([labels.rows, labels.cols]).toEqual([ROWS, 4]);
      expect(labels.data).toBeInstanceOf(Uint8Array);
      expect(Array.from(labels.data)).toEqual(Array.from(out, (p) => Number(p >= Math.fround(threshold))));
    }
    const t = Float32Array.from(labelsBelow(ROWS * 4, 2, 17));
    const predicted = m.predictLabels(x).data;
    const hits = predicted.filter((v, i) => v === t[i]).length;
    expect(m.evaluate(x, t).accuracy).toBeCloseTo(hits / (ROWS * 4), 12);
    m.dispose();
  });

  it("linear logits under binaryCrossentropy: predictLabels thresholds the probability, not the logit", () => {
    const m = model(3, "linear", { loss: "binaryCrossentropy" });
    const z = m.predict(x);
    expect(Array.from(m.predictLabels(x, { threshold: 0.7 }).data)).toEqual(Array.from(z, (v) => Number(sigmoid(v) >= 0.7)));
    m.dispose();
  });

  it("value outputs have no classes: predictClasses, predictLabels and compile's accuracy refuse them with a ConfigError", () => {
    const m = model(1, "linear", {});
    expect(() => m.predictClasses(x)).toThrow(/'linear' output with loss 'meanSquaredError' predicts values, not classes; use predict\(\)/);
    expect(() => m.predictLabels(x)).toThrow(ConfigError);
    expect(() => m.compile({ metrics: ["accuracy"] })).toThrow(/metric 'accuracy' needs class outputs.*use metrics: \['mae'\] or \['mse'\]/);
    const uncompiled = new Sequential({ inputs: 3, layers: [dense(2, "linear")] });
    expect(() => uncompiled.predictClasses(x)).toThrow(/'linear' output predicts values/);
    uncompiled.dispose();
    m.dispose();
  });

  it("predictLabels refuses a softmax output, a threshold outside (0, 1) and unknown options, before running the model", () => {
    const soft = model(3, "softmax", {});
    expect(() => soft.predictLabels(x)).toThrow(/names one class per row; use predictClasses\(\)/);
    soft.dispose();
    const m = model(2, "sigmoid", {});
    for (const threshold of [0, 1, -0.5, NaN, "0.5"]) {
      expect(() => m.predictLabels(x, { threshold } as never)).toThrow(/threshold must be a probability in \(0, 1\)/);
    }
    expect(() => m.predictLabels(x, { treshold: 0.5 } as never)).toThrow(ConfigError);
    m.dispose();
  });
});

describe("the command line's classification report", () => {
  it("scores a one-sigmoid-unit model as two classes, with the accuracy evaluate() reports, compiled with accuracy or not", async () => {
    const { classificationReport } = await import("../src/cli/evaluate.js");
    const data = xor({ n: 64, seed: 3 });
    for (const metrics of [["accuracy" as const], []]) {
      const m = new Sequential({ inputs: 2, layers: [dense(6, "tanh"), dense(1, "sigmoid")], seed: 5 }).compile({ metrics });
      const loaded = { kind: "csv" as const, description: "xor", x: { data: data.x, rows: data.rows, cols: 2 }, labels: data.labels, task: "classification" as const };
      const report = classificationReport(m, loaded, ["no", "yes"]);
      expect(report.confusionMatrix.length).toBe(2);
      expect(report.confusionMatrix.flat().reduce((a, b) => a + b)).toBe(64);
      const predicted = m.predictClasses(data.x);
      expect(report.accuracy).toBeCloseTo(predicted.filter((k, i) => k === data.labels[i]).length / 64, 12);
      if (metrics.length) expect(report.accuracy).toBeCloseTo(m.evaluate(data.x, data.labels).accuracy!, 12);
      m.dispose();
    }
  });
});
