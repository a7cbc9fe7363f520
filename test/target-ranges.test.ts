// Cross-entropy is a loss only for targets in [0, 1]: anything else is refused by row and column before
// training, evaluation or a gradient computes anything; integer 0/1 labels are read as Keras reads them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dense, getCore, init, InputError, Sequential, setThreads } from "../src/index.js";
import { xor } from "../src/data/toy.js";

beforeAll(async () => { await init(); await setThreads(1); });
afterAll(async () => { await setThreads(2); });

const data = xor();
const sigmoidModel = (units = 1) => new Sequential({ inputs: 2, layers: [dense(4, "tanh"), dense(units, "sigmoid")], seed: 2 })
  .compile({ optimizer: { type: "adam", learningRate: 0.05 }, metrics: ["accuracy"] });

/** Counts the core's loss and optimizer kernel calls during `f` (one thread, so every call goes through core.raw). */
function lossAndStepCalls(f: () => unknown): number {
  const core = getCore() as unknown as { raw: Record<string, (...a: unknown[]) => unknown> };
  const raw = core.raw;
  let calls = 0;
  core.raw = Object.fromEntries(Object.entries(raw).map(([k, v]) =>
    [k, typeof v === "function" && /^(sigmoid_binary|adam_|gemm_)/.test(k) ? (...a: unknown[]) => { calls++; return v(...a); } : v]));
  try {
    f();
  } catch {
    // the caller checks the error separately
  } finally {
    core.raw = raw;
  }
  return calls;
}

describe("binary cross-entropy targets", () => {
  const bad: { what: string; y: unknown; message: RegExp }[] = [
    { what: "a label 2 in a number[]", y: [0, 1, 2, 0], message: /^y contains 2 at row 2, column 0: loss 'binaryCrossentropy' needs targets in \[0, 1\] \(0\/1 labels or probabilities; class indices 0\.\.k−1 need a softmax output of k units\)$/ },
    { what: "a 7 in rows", y: [[0], [1], [7], [0]], message: /^y contains 7 at row 2, column 0: loss 'binaryCrossentropy' needs targets in \[0, 1\]/ },
    { what: "a negative value in a Float32Array", y: Float32Array.of(0, 1, 1, -0.5), message: /^y contains -0\.5 at row 3, column 0/ },
    { what: "a 5 in an Int32Array", y: Int32Array.of(0, 5, 1, 0), message: /^y contains 5 at row 1, column 0/ },
    { what: "a 255 in a Uint8Array", y: Uint8Array.of(0, 1, 255, 0), message: /^y contains 255 at row 2, column 0/ },
    { what: "NaN", y: [0, NaN, 1, 0], message: /^y contains NaN at row 1, column 0: inputs and targets must be finite numbers/ },
    { what: "Infinity", y: [0, 1, Infinity, 0], message: /^y contains Infinity at row 2, column 0: inputs and targets must be finite/ },
  ];
  for (const c of bad) {
    it(`fit, evaluate and computeGradients refuse ${c.what}, naming the row, before any loss or update runs`, async () => {
      const m = sigmoidModel();
      const before = m.getWeights();
      await expect(m.fit(data.x, c.y as never, { epochs: 1 })).rejects.toThrow(c.message);
      await expect(m.fit(data.x, c.y as never, { epochs: 1 })).rejects.toBeInstanceOf(InputError);
      expect(() => m.evaluate(data.x, c.y as never)).toThrow(c.message);
      expect(() => m.computeGradients(data.x, c.y as never)).toThrow(c.message);
      expect(lossAndStepCalls(() => m.evaluate(data.x, c.y as never))).toBe(0);
      expect(m.getWeights()).toEqual(before);
      m.dispose();
    });
  }

  it("validationData's targets are checked the same way, under their own name", async () => {
    const m = sigmoidModel();
    await expect(m.fit(data.x, data.targets!, { epochs: 1, validationData: [data.x, [0, 1, 5, 0]] }))
      .rejects.toThrow(/^validationData\[1\] contains 5 at row 2, column 0: loss 'binaryCrossentropy' needs targets in \[0, 1\]/);
    m.dispose();
  });

  it("several sigmoid outputs: the message names the row and the column", () => {
    const m = sigmoidModel(3);
    const y = [[0, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 3]];
    expect(() => m.evaluate(data.x, y)).toThrow(/^y contains 3 at row 3, column 2/);
    m.dispose();
  });

  it("integer 0/1 labels (Int32Array, Uint8Array, number[]) train a one-unit sigmoid model as float targets do", async () => {
    const losses: number[] = [];
    for (const y of [data.targets!, Int32Array.of(0, 1, 1, 0), Uint8Array.of(0, 1, 1, 0), [0, 1, 1, 0]]) {
      const m = sigmoidModel();
      const history = await m.fit(data.x, y as never, { epochs: 3, batchSize: 4 });
      losses.push(history.loss[2]);
      expect(m.evaluate(data.x, y as never).loss).toBeGreaterThan(0);
      m.dispose();
    }
    expect(new Set(losses).size).toBe(1);
  });

  it("probabilities in [0, 1], the bounds included, are accepted and give a positive loss", () => {
    const m = sigmoidModel();
    expect(m.evaluate(data.x, [0, 1, 0.25, 0.999]).loss).toBeGreaterThan(0);
    // The counter sees the kernels a good call runs, so its zero above means something.
    expect(lossAndStepCalls(() => m.evaluate(data.x, [0, 1, 1, 0]))).toBeGreaterThan(0);
    m.dispose();
  });
});

describe("categorical cross-entropy targets", () => {
  it("one-hot or probability rows outside [0, 1] are refused by row and column; class indices keep their own check", () => {
    const m = new Sequential({ inputs: 2, layers: [dense(3, "softmax")], seed: 1 }).compile({});
    expect(() => m.evaluate(data.x, [[1, 0, 0], [0, 1, 0], [0, -1, 2], [0, 0, 1]]))
      .toThrow(/^y contains -1 at row 2, column 1: loss 'categoricalCrossentropy' needs targets in \[0, 1\] \(one-hot rows or class probabilities/);
    expect(() => m.evaluate(data.x, [0, 1, 3, 2])).toThrow(/^y\[2\] = 3 is out of range: class indices must be in 0\.\.2/);
    expect(m.evaluate(data.x, [[1, 0, 0], [0, 0.5, 0.5], [0, 0, 1], [0.25, 0.25, 0.5]]).loss).toBeGreaterThan(0);
    m.dispose();
  });
});

describe("integer targets for value outputs", () => {
  it("are read as floats when they fill rows × outputs, and otherwise refused with both counts", () => {
    const m = new Sequential({ inputs: 2, layers: [dense(2, "linear")], seed: 1 }).compile({});
    const asFloats = m.evaluate(data.x, Float32Array.of(0, 1, 2, 3, 4, 5, 6, 7)).loss;
    expect(m.evaluate(data.x, Int16Array.of(0, 1, 2, 3, 4, 5, 6, 7)).loss).toBe(asFloats);
    expect(() => m.evaluate(data.x, Int32Array.of(0, 1, 1, 0))).toThrow(InputError);
    expect(() => m.evaluate(data.x, Int32Array.of(0, 1, 1, 0)))
      .toThrow(/^y is a Int32Array of 4 values; this loss expects 4 rows × 2 outputs = 8 target values \(a typed array or an array of rows\)$/);
    m.dispose();
  });
});
