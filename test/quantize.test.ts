// model.quantize() and QuantizedModel: int8 predictions against the float model
// they came from, within the quantisation error; every hidden activation and
// maxout; the same bits on both SIMD builds and any thread count; the state;
// errors; and the accuracy kept on Fashion-MNIST. Runs in the default project
// and again in "relaxed-simd", where the two builds are compared.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConfigError, dense, dropout, fitPreprocessing, init, InputError, maxout, QuantizedModel, sequential, StateError,
  type Sequential, type QuantizedModelState,
} from "../src/index.js";
import { spiral, sine, xor } from "../src/data/toy.js";
import { loadFashionMnist } from "../src/node/files.js";
import { createCore, getCore, relaxedSimdSupported, type Core } from "../src/runtime/core.js";
import { predictRows } from "../src/model/predict.js";
import { QuantizedNet } from "../src/model/quantized-net.js";
import { checkQuantizedState } from "../src/model/quantized-state.js";
import type { LayerConfig } from "../src/nn/layers/layer.js";

beforeAll(async () => { await init(); });

const data = spiral({ pointsPerClass: 200, classes: 3, seed: 3 });
const calibration = { data: data.x.subarray(0, 300 * 2), rows: 300, cols: 2 };

/**
 * A spiral classifier with these hidden layers, trained briefly (enough for classes to mean something). Its output is
 * logits (a linear layer read by the cross-entropy loss), so predictions compare where the quantisation error is linear:
 * a softmax would turn a small error in a steep logit into a large one in a probability.
 */
async function trained(hidden: LayerConfig[], epochs = 60): Promise<Sequential> {
  const m = await sequential({ inputs: 2, layers: [...hidden, dense(3)], seed: 5 });
  m.compile({ loss: "categoricalCrossentropy", optimizer: { type: "adam", learningRate: 0.02 }, metrics: ["accuracy"] });
  await m.fit(data.x, data.labels, { epochs, batchSize: 32 });
  return m;
}

/**
 * The quantisation error bound these tests allow, as a fraction of the float outputs' range. Codes are 7 bits:
 * each layer's input is within half a step (1/254 of its range) and each weight within half a step (1/254 of its
 * column's largest), so each layer adds about 2·(1/254)·√fan-in of relative error (the rounding errors are
 * independent) — about 3% for fan-in 32 — and three layers compound to under 10%.
 */
const TOLERANCE = 0.1;

function maxError(a: Float32Array, b: Float32Array): { error: number; range: number } {
  let error = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    error = Math.max(error, Math.abs(a[i] - b[i]));
    lo = Math.min(lo, a[i]);
    hi = Math.max(hi, a[i]);
  }
  return { error, range: hi - lo };
}

function agreement(a: Int32Array, b: Int32Array): number {
  return a.reduce((n, v, i) => n + (v === b[i] ? 1 : 0), 0) / a.length;
}

describe("quantize() against the float model", () => {
  let model: Sequential;
  let q: QuantizedModel;
  beforeAll(async () => {
    model = await trained([dense(32, "relu"), dense(32, "relu")]);
    q = model.quantize({ calibration });
  });
  afterAll(() => { q.dispose(); model.dispose(); });

  it("predicts within the quantisation error and agrees on at least 99% of classes", () => {
    const { error, range } = maxError(model.predict(data.x), q.predict(data.x));
    expect(error).toBeGreaterThan(0); // the int8 path really ran
    expect(error).toBeLessThan(TOLERANCE * range);
    expect(model.evaluate(data.x, data.labels).accuracy).toBeGreaterThan(0.9);
    expect(agreement(model.predictClasses(data.x), q.predictClasses(data.x))).toBeGreaterThanOrEqual(0.99);
  });

  it("takes rows, matrices and one row as predict() does, and keeps the model's widths", () => {
    expect([q.inputs, q.outputs]).toEqual([2, 3]);
    const rows = q.predict([[0.1, -0.3], [0.5, 0.2]]);
    const flat = q.predict(Float32Array.of(0.1, -0.3, 0.5, 0.2));
    expect(rows.flat()).toEqual(Array.from(flat));
    expect(q.predict([0.5, 0.2])).toEqual(rows[1]);
    expect(q.predict({ data: Float32Array.of(0.5, 0.2), rows: 1, cols: 2 }).data).toEqual(flat.subarray(3));
  });

  it("evaluates with the float model's compiled loss and metrics", () => {
    const f = model.evaluate(data.x, data.labels);
    const e = q.evaluate(data.x, data.labels);
    expect(Object.keys(e).sort()).toEqual(["accuracy", "loss"]);
    expect(Math.abs(e.accuracy! - f.accuracy!)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(e.loss - f.loss)).toBeLessThan(0.1 * f.loss + 0.01);
  });

  it("leaves the float model as it was", () => {
    const before = model.getWeights();
    const p = model.predict(data.x);
    model.quantize({ calibration, method: "minmax" }).dispose();
    expect(model.getWeights()).toEqual(before);
    expect(model.predict(data.x)).toEqual(p);
  });

  it("state() rebuilds the same model, and is a copy", () => {
    const s = q.state();
    expect(s.layers.map((l) => [l.type, l.inputs, l.units, l.pieces, l.activation])).toEqual([
      ["dense", 2, 32, 1, "relu"], ["dense", 32, 32, 1, "relu"], ["dense", 32, 3, 1, "linear"],
    ]);
    expect(s.layers[0].weights).toBeInstanceOf(Int8Array);
    expect(s.layers[0].weights.length).toBe(2 * 32);
    expect(Math.max(...s.layers.map((l) => Math.max(...Array.from(l.weights, Math.abs))))).toBe(127);
    // 'auto' (the default) keeps one of the two methods it tries, and says which.
    expect([{ method: "percentile", percentile: 99.99, rows: 300 }, { method: "minmax", rows: 300 }]).toContainEqual(s.calibration);
    expect(s.evaluation).toEqual({ loss: "categoricalCrossentropy", metrics: ["accuracy"] });
    const again = new QuantizedModel(s);
    s.layers[0].weights.fill(0);
    expect(again.predict(data.x)).toEqual(q.predict(data.x));
    expect(q.state().layers[0].weights.some((v) => v !== 0)).toBe(true);
    again.dispose();
  });

  it("layers, preprocessing and summary() describe it as the float model's do, its weights int8 and not trainable", () => {
    expect(q.layers).toEqual(model.layers);
    expect(Object.isFrozen(q.layers) && Object.isFrozen(q.layers[0])).toBe(true);
    expect(q.preprocessing).toBeNull();
    const lines: string[] = [];
    const text = q.summary({ printFn: (l) => lines.push(l) });
    expect(text).toBe(lines.join("\n"));
    const float = model.summary({ printFn: () => {} }).split("\n");
    const total = model.layers.reduce((a, l) => a + l.parameterCount, 0).toLocaleString("en-US");
    // The same layer rows as the float model's table; the totals say the weights no longer train.
    expect(lines.slice(0, 7)).toEqual(float.slice(0, 7));
    expect(lines).toContain(`Total params: ${total}`);
    expect(lines).toContain("Trainable params: 0");
    expect(lines).toContain(`Non-trainable params: ${total}`);
    expect(text).toMatch(new RegExp(`Weights: int8, ${q.weightBytes.toLocaleString("en-US")} bytes packed \\(calibrated by (percentile|minmax) on 300 rows\\)`));
    expect(() => q.summary({ printFn: 3 } as never)).toThrow(ConfigError);
  });

  it("keeps the float model's preprocessing, as a copy", async () => {
    const m = await trained([dense(8, "relu")], 1);
    m.setPreprocessing({ method: "standardize", scale: [0.5, 0.25], offset: [0.1, -0.2] });
    const withPrep = m.quantize({ calibration });
    try {
      expect(withPrep.preprocessing).toEqual(m.preprocessing);
      (withPrep.preprocessing!.scale as number[])[0] = 9;
      expect(withPrep.preprocessing).toEqual(m.preprocessing);
      // Scaled first, then quantised: a NaN given is still named as given.
      expect(() => withPrep.predict([[0.5, 0.5], [0.5, NaN]])).toThrow(/^x contains NaN at row 1, column 1/);
    } finally {
      withPrep.dispose();
      m.dispose();
    }
    expect(() => withPrep.preprocessing).toThrow(StateError);
    expect(() => withPrep.layers).toThrow(StateError);
    expect(() => withPrep.summary()).toThrow(StateError);
  });

  it("min/max and percentile calibration both keep the classes; the percentile narrows the ranges", () => {
    const mm = model.quantize({ calibration, method: "minmax" });
    const pc = model.quantize({ calibration, method: "percentile", percentile: 99 });
    const scales = (m: QuantizedModel) => m.state().layers.map((l) => l.inputScale);
    scales(pc).forEach((s, i) => expect(s).toBeLessThanOrEqual(scales(mm)[i]));
    for (const m of [mm, pc]) expect(agreement(model.predictClasses(data.x), m.predictClasses(data.x))).toBeGreaterThanOrEqual(0.97);
    mm.dispose();
    pc.dispose();
  });

  it("'auto' keeps whichever of percentile and min/max lies closer to the float outputs on the calibration rows", () => {
    const rows = data.x.subarray(0, 300 * 2);
    const want = model.predict(rows);
    const squared = (m: QuantizedModel) => m.predict(rows).reduce((sum, v, i) => sum + (v - want[i]) ** 2, 0);
    for (const percentile of [99.99, 90]) {
      const pc = model.quantize({ calibration, method: "percentile", percentile });
      const mm = model.quantize({ calibration, method: "minmax" });
      const auto = model.quantize({ calibration, percentile });
      const better = squared(mm) < squared(pc) ? mm : pc;
      expect(auto.state().calibration).toEqual(better.state().calibration);
      expect(auto.predict(data.x)).toEqual(better.predict(data.x));
      for (const m of [pc, mm, auto]) m.dispose();
    }
  });
});

describe("every hidden activation and maxout", () => {
  const cases: [string, LayerConfig[], boolean][] = [
    // name, hidden layers, whether the values after them are signed (a zero point above 0)
    ["relu", [dense(24, "relu"), dense(24, "relu")], false],
    ["leakyRelu", [dense(24, { activation: "leakyRelu", alpha: 0.2 }), dense(24, { activation: "leakyRelu", alpha: 0.2 })], true],
    ["sigmoid", [dense(24, "sigmoid"), dense(24, "sigmoid")], false],
    ["tanh", [dense(24, "tanh"), dense(24, "tanh")], true],
    ["linear", [dense(24, "tanh"), dense(24, "linear")], true],
    ["maxout", [maxout(16, 3), dropout(0.1), maxout(16, 2)], true],
  ];
  it.each(cases)("%s: predictions within the quantisation error, classes kept, zero points where values are signed", async (name, hidden, signed) => {
    const model = await trained(hidden, 40);
    const q = model.quantize({ calibration });
    const { error, range } = maxError(model.predict(data.x), q.predict(data.x));
    expect(error).toBeLessThan(TOLERANCE * range);
    expect(agreement(model.predictClasses(data.x), q.predictClasses(data.x))).toBeGreaterThanOrEqual(0.97);
    const layers = q.state().layers;
    expect(layers.length).toBe(3); // dropout is gone
    // The first layer's input (spiral coordinates) is signed; the last layer's input follows the hidden activation.
    expect(layers[0].inputZeroPoint).toBeGreaterThan(0);
    if (signed) expect(layers[2].inputZeroPoint).toBeGreaterThan(0);
    else expect(layers[2].inputZeroPoint).toBe(0);
    if (name === "maxout") expect(layers.map((l) => [l.type, l.pieces])).toEqual([["maxout", 3], ["maxout", 2], ["dense", 1]]);
    if (name === "leakyRelu") expect(layers[0].alpha).toBeCloseTo(0.2, 6);
    q.dispose();
    model.dispose();
  }, 30_000);

  it("sigmoid and linear outputs stay float: XOR classes and a sine regression", async () => {
    const x = xor({ n: 400, noise: 0.05, seed: 2 });
    const bin = await sequential({ inputs: 2, layers: [dense(16, "tanh"), dense(1, "sigmoid")], seed: 3 });
    bin.compile({ optimizer: { type: "adam", learningRate: 0.03 }, metrics: ["accuracy"] });
    await bin.fit(x.x, x.labels, { epochs: 40, batchSize: 32 });
    const qb = bin.quantize({ calibration: { data: x.x, rows: x.rows, cols: 2 } });
    expect(agreement(bin.predictClasses(x.x), qb.predictClasses(x.x))).toBeGreaterThanOrEqual(0.97);
    expect(qb.predictLabels(x.x).data).toEqual(Uint8Array.from(qb.predictClasses(x.x)));
    const s = sine({ n: 300, seed: 1 });
    const reg = await sequential({ inputs: 1, layers: [dense(32, "tanh"), dense(1)], seed: 3 });
    reg.compile({ optimizer: { type: "adam", learningRate: 0.01 }, metrics: ["mae"] });
    await reg.fit(s.x, s.targets, { epochs: 60, batchSize: 32 });
    const qr = reg.quantize({ calibration: s.x });
    const { error, range } = maxError(reg.predict(s.x), qr.predict(s.x));
    expect(error).toBeLessThan(TOLERANCE * range);
    expect(Object.keys(qr.evaluate(s.x, s.targets)).sort()).toEqual(["loss", "mae"]);
    for (const m of [qb, bin, qr, reg]) m.dispose();
  }, 30_000);
});

describe("the same bits everywhere", () => {
  let model: Sequential;
  let state: QuantizedModelState;
  const x = spiral({ pointsPerClass: 700, classes: 3, seed: 9 }).x; // 2,100 rows: several chunks of tiles and blocks
  beforeAll(async () => {
    model = await trained([dense(40, "relu"), maxout(20, 2), dense(33, "tanh")], 5);
    const q = model.quantize({ calibration });
    state = q.state();
    q.dispose();
  });
  afterAll(() => model.dispose());

  const run = (core: Core): Float32Array => {
    const net = new QuantizedNet(core, checkQuantizedState(state));
    try {
      return predictRows(net, x, undefined) as Float32Array;
    } finally {
      net.dispose();
    }
  };
  const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

  it.runIf(relaxedSimdSupported())("plain and relaxed builds give bit-identical outputs", async () => {
    const plain = await createCore({ simd: "plain", threads: 1 });
    const relaxed = await createCore({ simd: "relaxed", threads: 1 });
    expect(bits(run(relaxed)).equals(bits(run(plain)))).toBe(true);
  });

  it("one and two threads give bit-identical outputs, and one row the same as in a batch", async () => {
    const core = getCore();
    const before = core.threads;
    try {
      await core.setThreads(1);
      const one = run(core);
      await core.setThreads(2);
      const tasks = core.stats().poolTasks;
      const two = run(core);
      expect(bits(two).equals(bits(one))).toBe(true);
      // The int8 GEMMs were split across the pool, where the core has one (shared memory).
      if (core.shared) expect(core.stats().poolTasks).toBeGreaterThan(tasks);
      const q = new QuantizedModel(state);
      expect(q.predict(x.subarray(2 * 77, 2 * 78))).toEqual(one.subarray(3 * 77, 3 * 78));
      q.dispose();
    } finally {
      await core.setThreads(before);
    }
  });
});

describe("errors", () => {
  let model: Sequential;
  beforeAll(async () => { model = await trained([dense(8, "relu")], 1); });
  afterAll(() => model.dispose());

  it.each([
    ["no options", () => model.quantize(undefined as never), ConfigError, /expected options/],
    ["an unknown option", () => model.quantize({ calibration, steps: 3 } as never), ConfigError, /unknown option 'steps'/],
    ["no calibration rows", () => model.quantize({} as never), InputError, /calibration/],
    ["rows of the wrong width", () => model.quantize({ calibration: [[1, 2, 3]] }), InputError, /calibration/],
    ["a non-finite calibration value", () => model.quantize({ calibration: [[0, NaN]] }), InputError, /calibration/],
    ["an unknown method", () => model.quantize({ calibration, method: "kl" as never }), ConfigError, /method must be one of 'auto', 'minmax', 'percentile'/],
    ["a percentile of 50", () => model.quantize({ calibration, percentile: 50 }), ConfigError, /above 50/],
    ["a percentile above 100", () => model.quantize({ calibration, percentile: 101 }), ConfigError, /percentile must be/],
    ["a percentile with min/max", () => model.quantize({ calibration, method: "minmax", percentile: 99 }), ConfigError, /percentile applies to methods 'percentile' and 'auto' only/],
  ])("%s is refused and changes nothing", (_, call, type, message) => {
    const before = model.getWeights();
    expect(call).toThrow(type);
    expect(call).toThrow(message);
    expect(model.getWeights()).toEqual(before);
  });

  it("a quantised model only runs inference", () => {
    const q = model.quantize({ calibration });
    expect(() => q.fit()).toThrow(StateError);
    expect(() => q.fit()).toThrow(/only runs inference.*quantize\(\) it again/);
    expect(() => q.compile()).toThrow(StateError);
    expect(() => q.predict([[1, 2, 3]])).toThrow(InputError);
    q.dispose();
    expect(q.disposed).toBe(true);
    expect(() => q.predict(data.x)).toThrow(StateError);
    expect(() => q.state()).toThrow(StateError);
  });

  it("a non-finite input is named by row and column, in any chunk and by every kind of prediction", () => {
    const q = model.quantize({ calibration });
    try {
      // Row 1030 lies in the second chunk of 1,024 rows.
      for (const [row, col, value] of [[0, 0, NaN], [1030, 1, Infinity], [1299, 0, -Infinity]] as const) {
        const x = new Float32Array(1300 * 2).fill(0.5);
        x[row * 2 + col] = value;
        const message = new RegExp(`^x contains ${value} at row ${row}, column ${col}: inputs and targets must be finite`);
        expect(() => q.predict(x)).toThrow(InputError);
        expect(() => q.predict(x)).toThrow(message);
        expect(() => q.predictClasses(x)).toThrow(message);
      }
    } finally {
      q.dispose();
    }
  });

  it("a finite input too large for the input scale reads as the largest code, not as an error", () => {
    const q = model.quantize({ calibration });
    try {
      // 3e38 times any input scale above 1.2 overflows to Infinity inside the kernel; 1e30 stays finite. Both clamp.
      const huge = Array.from(q.predict([3e38, 0.5]));
      expect(huge.every(Number.isFinite)).toBe(true);
      expect(huge).toEqual(Array.from(q.predict([1e30, 0.5])));
    } finally {
      q.dispose();
    }
  });

  it("a disposed float model cannot be quantised", async () => {
    const m = await trained([dense(4, "relu")], 1);
    m.dispose();
    expect(() => m.quantize({ calibration })).toThrow(StateError);
  });

  it("a state is checked whole before a model is built from it", () => {
    const q = model.quantize({ calibration });
    const good = q.state();
    q.dispose();
    const bad = (change: (s: QuantizedModelState) => void): QuantizedModelState => {
      const s = structuredClone(good);
      change(s);
      return s;
    };
    const cases: [QuantizedModelState, RegExp][] = [
      [bad((s) => { s.layers[0].weights[0] = -128; }), /found −128/],
      [bad((s) => { s.layers[1].weights = new Int8Array(3); }), /weights must be a Int8Array of length 24/],
      [bad((s) => { s.layers[0].inputZeroPoint = 200; }), /inputZeroPoint must be an integer in \[0, 127\]/],
      [bad((s) => { s.layers[1].inputScale = 0; }), /inputScale must be a finite number > 0/],
      [bad((s) => { s.layers[0].weightScales[2] = NaN; }), /weightScales must be finite and positive/],
      [bad((s) => { s.layers[1].inputs = 9; }), /inputs is 9 but the layer before gives 8/],
      [bad((s) => { s.outputs = 4; }), /outputs is 4 but the last layer has 3 units/],
      [bad((s) => { s.layers[0].activation = "softmax"; }), /only the last layer may have it/],
      [bad((s) => { s.calibration.method = "kl" as never; }), /calibration.method/],
    ];
    for (const [s, message] of cases) {
      expect(() => new QuantizedModel(s)).toThrow(ConfigError);
      expect(() => new QuantizedModel(s)).toThrow(message);
    }
  });
});

describe("accuracy on Fashion-MNIST", () => {
  it("the README's recipe model (784-512-256-10) loses at most 0.3 points of test accuracy when quantised", async () => {
    const { train, test } = await loadFashionMnist(new URL("./fixtures/fashion-mnist", import.meta.url).pathname);
    const X = { data: train.x, rows: train.rows, cols: 784 };
    const T = { data: test.x, rows: test.rows, cols: 784 };
    // The recipe of docs/cli.md (dropout 0.3, pixels standardised per position, Adam, batch 128, cosine), for 3 epochs:
    // the drop is what is tested, not the accuracy itself.
    const model = await sequential({
      inputs: 784, layers: [dense(512, "relu"), dropout(0.3), dense(256, "relu"), dropout(0.3), dense(10, "softmax")], seed: 1,
    });
    model.setPreprocessing(fitPreprocessing(X, { method: "standardize" }));
    model.compile({ metrics: ["accuracy"] });
    await model.fit(X, train.labels, { epochs: 3, batchSize: 128, learningRateSchedule: { type: "cosine" } });
    const q = model.quantize({ calibration: { data: train.x.subarray(0, 1000 * 784), rows: 1000, cols: 784 } });
    const float = model.evaluate(T, test.labels).accuracy!;
    const int8 = q.evaluate(T, test.labels).accuracy!;
    expect(float).toBeGreaterThan(0.8);
    expect(100 * (float - int8)).toBeLessThanOrEqual(0.3);
    expect(agreement(model.predictClasses(T), q.predictClasses(T))).toBeGreaterThanOrEqual(0.98);
    q.dispose();
    model.dispose();
  }, 60_000);
});
