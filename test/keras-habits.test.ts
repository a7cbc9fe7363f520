// What Keras and tfjs users reach for first: sample and class weights,
// trainOnBatch, initialEpoch, model.layers, a Keras-style summary(), and
// callbacks as an array of objects. Each against an independent reference
// or a behaviour that only the feature produces.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ConfigError, dense, dropout, init, maxout, Sequential, StateError, type NamedTensor } from "../src/index.js";
import { maxRelError, randomF32, rng } from "./helpers.js";

beforeAll(async () => { await init(); });

const X = randomF32(12 * 3, 5, -2, 2);
const Y = Int32Array.from({ length: 12 }, (_, i) => (i * 7) % 3);
const W = Float32Array.from([0, 1, 2.5, 0.25, 4, 1, 0, 3, 0.5, 1.5, 2, 1]);

/** A softmax classifier, 3 inputs → 3 classes, with plain SGD at `lr` so that a step's change is −lr·gradient. */
function classifier(lr = 1, seed = 4): Sequential {
  const m = new Sequential({ inputs: 3, layers: [dense(5, "tanh"), dense(3, "softmax")], seed });
  m.compile({ optimizer: { type: "sgd", learningRate: lr }, metrics: ["accuracy"] });
  return m;
}

/** Row r of a Float32Array of rows `cols` wide. */
const row = (x: Float32Array, r: number, cols: number) => x.slice(r * cols, (r + 1) * cols);
const flat = (tensors: NamedTensor[]) => Float32Array.from(tensors.flatMap((t) => Array.from(t.data)));

describe("sampleWeight and classWeight", () => {
  it("weight the loss and gradient as Keras does: Σ w·loss / rows, checked against float64 sums of per-row gradients", () => {
    const m = classifier(1);
    // Reference from the unweighted path, row by row, summed in float64.
    const p = m.predict(X);
    let loss = 0;
    const grad = new Float64Array(m.parameterCount);
    for (let r = 0; r < 12; r++) {
      loss += (W[r] * -Math.log(p[r * 3 + Y[r]])) / 12;
      const g = flat(m.computeGradients(row(X, r, 3), Y.subarray(r, r + 1)).gradients);
      g.forEach((v, i) => { grad[i] += (W[r] * v) / 12; });
    }
    const before = flat(m.getWeights());
    const r = m.trainOnBatch(X, Y, { sampleWeight: W });
    const step = flat(m.getWeights()).map((v, i) => before[i] - v);
    expect(Math.abs(r.loss - loss) / loss).toBeLessThan(1e-5);
    // SGD at rate 1: the step is the gradient; f32 weights leave it about 1e-5 relative to the largest entry.
    expect(maxRelError(step, grad)).toBeLessThan(1e-3);
    expect(Math.max(...Array.from(grad, Math.abs))).toBeGreaterThan(1e-3);
  });

  it("classWeight weighs each row by its class, the same as the equivalent sampleWeight; both multiply", () => {
    const byClass = [0.5, 3, 1.25];
    const a = classifier(), b = classifier(), c = classifier();
    const ra = a.trainOnBatch(X, Y, { classWeight: { 0: 0.5, 1: 3, 2: 1.25 } });
    const rb = b.trainOnBatch(X, Y, { sampleWeight: Array.from(Y, (y) => byClass[y]) });
    const rc = c.trainOnBatch(X, Y, { classWeight: byClass, sampleWeight: W });
    expect(ra.loss).toBe(rb.loss);
    expect(flat(a.getWeights())).toEqual(flat(b.getWeights()));
    const d = classifier();
    expect(d.trainOnBatch(X, Y, { sampleWeight: Array.from(Y, (y, i) => byClass[y] * W[i]) }).loss).toBeCloseTo(rc.loss, 6);
    // Classes left out weigh 1.
    const e = classifier(), f = classifier();
    expect(e.trainOnBatch(X, Y, { classWeight: { 1: 3 } }).loss).toBe(f.trainOnBatch(X, Y, { classWeight: [1, 3, 1] }).loss);
  });

  it("classWeight needs a classification loss; sampleWeight weights a regression", async () => {
    const m = new Sequential({ inputs: 3, layers: [dense(2)], seed: 1 });
    m.compile({ loss: "meanSquaredError", optimizer: "sgd" });
    const y = randomF32(24, 9);
    const before = m.getWeights();
    await expect(m.fit(X, y, { classWeight: [1, 2] })).rejects.toThrow(/fit: classWeight needs a classification loss .*compiled with 'meanSquaredError'; use sampleWeight/);
    expect(m.getWeights()).toEqual(before);
    // Σ w·(mean squared error of the row) / rows.
    const p = m.predict(X);
    let ref = 0;
    for (let r = 0; r < 12; r++) ref += (W[r] * ((p[2 * r] - y[2 * r]) ** 2 + (p[2 * r + 1] - y[2 * r + 1]) ** 2)) / 2 / 12;
    expect(m.trainOnBatch(X, y, { sampleWeight: W }).loss).toBeCloseTo(ref, 5);
  });

  it("one-hot targets take the class of their largest column", () => {
    const oneHot = new Float32Array(36);
    Y.forEach((y, r) => { oneHot[r * 3 + y] = 1; });
    const a = classifier(), b = classifier();
    expect(a.trainOnBatch(X, oneHot, { classWeight: [2, 0.5, 4] }).loss).toBeCloseTo(b.trainOnBatch(X, Y, { classWeight: [2, 0.5, 4] }).loss, 6);
    expect(maxRelError(flat(a.getWeights()), flat(b.getWeights()))).toBeLessThan(1e-6);
  });

  it("one sigmoid output reads its 0/1 target as the class", () => {
    const t = Float32Array.from(Y, (y) => (y === 1 ? 1 : 0));
    const model = () => {
      const m = new Sequential({ inputs: 3, layers: [dense(4, "relu"), dense(1, "sigmoid")], seed: 2 });
      return m.compile({ optimizer: "sgd" });
    };
    const a = model(), b = model();
    expect(a.trainOnBatch(X, t, { classWeight: [2, 7] }).loss).toBe(b.trainOnBatch(X, t, { sampleWeight: Array.from(t, (v) => (v ? 7 : 2)) }).loss);
  });

  it("shuffling carries each weight with its row: contradicting copies weighted 0 are never learned", async () => {
    // Every point appears twice, labelled 0 (weight 1) and 1 (weight 0); shuffled weights would teach both.
    const n = 64;
    const x = randomF32(n * 2, 11, -1, 1);
    const xx = new Float32Array(n * 4);
    xx.set(x);
    xx.set(x, n * 2);
    const y = Int32Array.from({ length: 2 * n }, (_, i) => (i < n ? 0 : 1));
    const w = Float32Array.from({ length: 2 * n }, (_, i) => (i < n ? 1 : 0));
    const m = new Sequential({ inputs: 2, layers: [dense(8, "relu"), dense(2, "softmax")], seed: 3 });
    m.compile({ optimizer: { type: "adam", learningRate: 0.05 } });
    const h = await m.fit(xx, y, { epochs: 20, batchSize: 16, sampleWeight: w });
    const classes = m.predictClasses(x);
    expect(classes.every((c) => c === 0)).toBe(true);
    // Half the rows weigh 0, so the mean over all rows is at most half the class-0 loss; at the end it is near 0.
    expect(h.loss[h.loss.length - 1]).toBeLessThan(0.05);
  });

  it("a heavily weighted minority class is recalled more", async () => {
    // Two overlapping blobs, one row in ten of class 1: unweighted training mostly answers 0 in the overlap.
    const r = rng(21);
    const n = 600;
    const x = new Float32Array(n * 2);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 10 === 0 ? 1 : 0;
      x[2 * i] = (y[i] ? 0.5 : -0.5) + 1.2 * (r() + r() + r() - 1.5);
      x[2 * i + 1] = 1.2 * (r() + r() + r() - 1.5);
    }
    const recall = async (options: object) => {
      const m = new Sequential({ inputs: 2, layers: [dense(8, "tanh"), dense(2, "softmax")], seed: 6 });
      m.compile({ optimizer: { type: "adam", learningRate: 0.02 } });
      await m.fit(x, y, { epochs: 30, batchSize: 32, ...options });
      const c = m.predictClasses(x);
      let hit = 0;
      for (let i = 0; i < n; i++) if (y[i] === 1 && c[i] === 1) hit++;
      return hit / (n / 10);
    };
    const plain = await recall({});
    const weighted = await recall({ classWeight: { 1: 9 } });
    expect(weighted).toBeGreaterThan(plain + 0.3);
  });

  it("rows held out by validationSplit keep their sample weights but not class weights (as Keras)", async () => {
    const m = classifier(0.1);
    const zero = await m.fit(X, Y, { epochs: 1, validationSplit: 0.25, sampleWeight: new Float32Array(12) });
    expect(zero.loss[0]).toBe(0);
    expect(zero.valLoss![0]).toBe(0);
    const byClass = await m.fit(X, Y, { epochs: 1, validationSplit: 0.25, classWeight: [0, 0, 0] });
    expect(byClass.loss[0]).toBe(0);
    expect(byClass.valLoss![0]).toBeGreaterThan(0.1);
  });
});

describe("trainOnBatch", () => {
  it("steps the optimizer like fit() does: two calls equal two full-batch epochs, Adam state and all", async () => {
    const make = () => {
      const m = new Sequential({ inputs: 3, layers: [dense(5, "relu"), dense(3, "softmax")], seed: 8 });
      return m.compile({ optimizer: { type: "adam", learningRate: 0.03 }, metrics: ["accuracy"] });
    };
    const a = make(), b = make();
    const before = a.evaluate(X, Y);
    const first = a.trainOnBatch(X, Y);
    // The loss and accuracy of the batch before its step (no dropout, so evaluate() sees the same).
    expect(first.loss).toBeCloseTo(before.loss, 6);
    expect(first.accuracy).toBe(before.accuracy);
    a.trainOnBatch(X, Y);
    await b.fit(X, Y, { epochs: 2, batchSize: 12, shuffle: false });
    expect(flat(a.getWeights())).toEqual(flat(b.getWeights()));
    expect(a.state().optimizer!.steps).toBe(2);
  });

  it("is refused while fit() runs, and before compile()", async () => {
    const m = classifier();
    const running = m.fit(X, Y, { epochs: 3 });
    expect(() => m.trainOnBatch(X, Y)).toThrow(StateError);
    await running;
    expect(() => new Sequential({ inputs: 3, layers: [dense(2)] }).trainOnBatch(X, Y)).toThrow(/trainOnBatch: call compile\(\) first/);
  });
});

describe("initialEpoch", () => {
  it("resumes with the true epoch numbers: a 2 + 2 run with a schedule equals one 4-epoch run", async () => {
    const schedule = { type: "exponential", gamma: 0.5 } as const;
    const a = classifier(0.5), b = classifier(0.5);
    await a.fit(X, Y, { epochs: 4, batchSize: 4, learningRateSchedule: schedule });
    await b.fit(X, Y, { epochs: 2, batchSize: 4, learningRateSchedule: schedule });
    const seen: number[] = [];
    const rates: number[] = [];
    const h = await b.fit(X, Y, {
      epochs: 4, initialEpoch: 2, batchSize: 4, learningRateSchedule: schedule,
      callbacks: { onEpochBegin: (e) => seen.push(e), onBatchEnd: () => rates.push(b.learningRate!) },
    });
    expect(seen).toEqual([2, 3]);
    expect(h.epochs).toBe(2);
    expect(rates[0]).toBeCloseTo(0.5 * 0.25, 12);
    expect(flat(b.getWeights())).toEqual(flat(a.getWeights()));
  });

  it("verbose lines count from it", async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((line: string) => { lines.push(line); });
    try {
      await classifier(0.1).fit(X, Y, { epochs: 5, initialEpoch: 3, verbose: true });
    } finally {
      log.mockRestore();
    }
    expect(lines.map((l) => l.split("  ")[0].trim())).toEqual(["epoch 4/5", "epoch 5/5"]);
  });
});

describe("model.layers", () => {
  it("describes each layer, read-only", () => {
    const m = new Sequential({ inputs: 3, layers: [dense(4, "relu"), dropout(0.25), maxout(3, 2), dense(2, "softmax")] });
    expect(m.layers).toEqual([
      { name: "layers.0", kind: "dense", units: 4, activation: "relu", parameterCount: 16 },
      { name: "layers.1", kind: "dropout", units: 4, activation: null, parameterCount: 0, rate: 0.25 },
      { name: "layers.2", kind: "maxout", units: 3, activation: null, parameterCount: 30, pieces: 2 },
      { name: "layers.3", kind: "dense", units: 2, activation: "softmax", parameterCount: 8 },
    ]);
    expect(m.layers.reduce((a, l) => a + l.parameterCount, 0)).toBe(m.parameterCount);
    expect(Object.isFrozen(m.layers) && m.layers.every(Object.isFrozen)).toBe(true);
    expect(() => { (m.layers as unknown as unknown[]).push({}); }).toThrow(TypeError);
  });
});

describe("summary()", () => {
  const m = () => new Sequential({ inputs: 3, layers: [dense(4, "relu"), dropout(0.5), dense(300, "softmax")] });

  it("prints a Keras-style table through printFn and returns its text", () => {
    const lines: string[] = [];
    const text = m().summary({ printFn: (l) => lines.push(l) });
    expect(text).toBe(lines.join("\n"));
    expect(lines[2]).toMatch(/^Layer \(type\) +Output Shape +Param #$/);
    expect(lines).toContainEqual(expect.stringMatching(/^layers\.0 \(dense, relu\) +\(None, 4\) +16$/));
    expect(lines).toContainEqual(expect.stringMatching(/^layers\.1 \(dropout, rate 0\.5\) +\(None, 4\) +0$/));
    expect(lines).toContainEqual(expect.stringMatching(/^layers\.2 \(dense, softmax\) +\(None, 300\) +1,500$/));
    expect(lines.slice(-4, -1)).toEqual(["Total params: 1,516", "Trainable params: 1,516", "Non-trainable params: 0"]);
  });

  it("prints with console.log by default; a printFn that is not a function is a ConfigError", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const text = m().summary();
      expect(log.mock.calls.map((c) => c[0]).join("\n")).toBe(text);
    } finally {
      log.mockRestore();
    }
    expect(() => m().summary({ printFn: "log" } as never)).toThrow(ConfigError);
    expect(() => m().summary({ print: console.log } as never)).toThrow(/summary: unknown option 'print' \(did you mean 'printFn'\?\)/);
  });
});

describe("callbacks as an array of objects", () => {
  it("calls each object's hooks in order, and honours model.stopTraining set by any of them", async () => {
    const m = classifier(0.1);
    const calls: string[] = [];
    const h = await m.fit(X, Y, {
      epochs: 5,
      callbacks: [
        { onTrainBegin: () => calls.push("a:begin"), onEpochEnd: (e) => { calls.push(`a:${e}`); } },
        { onEpochEnd: (e) => { calls.push(`b:${e}`); if (e === 1) m.stopTraining = true; }, onTrainEnd: () => calls.push("b:end") },
      ],
    });
    expect(calls).toEqual(["a:begin", "a:0", "b:0", "a:1", "b:1", "b:end"]);
    expect(h.epochs).toBe(2);
    expect(h.stoppedEarly).toBe(true);
  });

  it("checks every object's keys, naming the object and suggesting the hook", async () => {
    const m = classifier();
    await expect(m.fit(X, Y, { callbacks: [{ onEpochEnd: () => {} }, { onEpochEnds: () => {} }] as never })).rejects.toThrow(
      /fit: callbacks\[1\]: unknown option 'onEpochEnds' \(did you mean 'onEpochEnd'\?\)/);
    await expect(m.fit(X, Y, { callbacks: [{ onBatchBegin: () => {} }] as never })).rejects.toThrow(
      /fit: callbacks\[0\]: fit\(\) does not call 'onBatchBegin'; use onBatchEnd/);
    await expect(m.fit(X, Y, { callbacks: [5] as never })).rejects.toThrow(/fit: callbacks\[0\]: options must be an object, got 5/);
  });
});
