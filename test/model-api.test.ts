// The public API as a user meets it: shapes in and out, repeatability,
// training options, weights access, and a clear error for every misuse.
import { beforeAll, describe, expect, it } from "vitest";
import {
  ConfigError, dense, dropout, init, InputError, maxout, mlp, Sequential, sequential, StateError, type NamedTensor,
} from "../src/index.js";
import { spiral } from "../src/data/toy.js";
import { randomF32 } from "./helpers.js";

beforeAll(async () => { await init(); });

const small = () => new Sequential({ inputs: 3, layers: [dense(4, "relu"), dense(2, "softmax")], seed: 9 });

describe("building models", () => {
  it("mlp() with two sizes is a single-layer classifier", async () => {
    const m = await mlp([5, 3], { seed: 1 });
    expect(m.toConfig().layers).toEqual([{ type: "dense", units: 3, activation: "softmax", initializer: "glorotUniform" }]);
    expect(m.parameterCount).toBe(5 * 3 + 3);
    m.dispose();
  });

  it("maxout has pieces times the weights of a dense layer", async () => {
    const m = await sequential({ inputs: 4, layers: [maxout(6, 3), dense(2, "softmax")], seed: 1 });
    const w = m.getWeights();
    expect(w.map((t) => [t.name, t.shape])).toEqual([
      ["layers.0.weight", [4, 18]], ["layers.1.weight", [6, 2]], ["layers.0.bias", [18]], ["layers.1.bias", [2]],
    ]);
    m.dispose();
  });

  it("initialisers scale with fan-in and fan-out (Glorot, He)", async () => {
    const std = (t: NamedTensor) => Math.sqrt(t.data.reduce((a, v) => a + v * v, 0) / t.data.length);
    const glorot = await sequential({ inputs: 400, layers: [dense(200, { activation: "sigmoid", initializer: "glorotNormal" })], seed: 2 });
    const he = await sequential({ inputs: 400, layers: [dense(200, { activation: "relu" })], seed: 2 });
    expect(std(glorot.getWeights()[0])).toBeCloseTo(Math.sqrt(2 / 600), 2);
    expect(std(he.getWeights()[0])).toBeCloseTo(Math.sqrt(2 / 400), 2);
    expect(he.toConfig().layers[0].initializer).toBe("heNormal");
    glorot.dispose();
    he.dispose();
  });

  it("summary lists layers and parameter counts", () => {
    const m = small();
    const text = m.summary({ printFn: () => {} });
    expect(text).toMatch(/^layers\.0 \(dense, relu\) +\(None, 4\) +16$/m);
    expect(text).toContain("Total params: 26");
    m.dispose();
  });
});

describe("predict", () => {
  it("returns the same batch shape it is given", () => {
    const m = small();
    const x = randomF32(9, 1);
    const flat = m.predict(x);
    expect(flat).toBeInstanceOf(Float32Array);
    expect(flat.length).toBe(6);
    const rows = m.predict([[x[0], x[1], x[2]], [x[3], x[4], x[5]]]);
    expect(rows).toHaveLength(2);
    expect(rows[1][0]).toBe(flat[2]);
    const one = m.predict([x[6], x[7], x[8]]);
    expect(one).toEqual([flat[4], flat[5]]);
    const mat = m.predict({ data: x, rows: 3, cols: 3 });
    expect(mat.rows).toBe(3);
    expect(Array.from(mat.data)).toEqual(Array.from(flat));
    for (let r = 0; r < 3; r++) expect(flat[2 * r] + flat[2 * r + 1]).toBeCloseTo(1, 6);
    m.dispose();
  });

  it("streams batches larger than one chunk with the same result as row by row", () => {
    const m = small();
    const x = randomF32(3 * 2500, 2);
    const all = m.predict(x);
    for (const r of [0, 1023, 1024, 2499]) {
      const one = m.predict(x.slice(3 * r, 3 * r + 3));
      expect(Array.from(all.subarray(2 * r, 2 * r + 2))).toEqual(Array.from(one));
    }
    expect(Array.from(m.predictClasses(x.slice(0, 6)))).toEqual([all[0] >= all[1] ? 0 : 1, all[2] >= all[3] ? 0 : 1]);
    m.dispose();
  });
});

describe("training", () => {
  const data = spiral({ pointsPerClass: 40, classes: 3, seed: 4 });

  it("same seed and data give bit-identical weights (with dropout and shuffling)", async () => {
    const run = async () => {
      const m = await sequential({ inputs: 2, layers: [dense(16, "relu"), dropout(0.3), dense(3, "softmax")], seed: 42 });
      m.compile({ optimizer: "adam" });
      await m.fit(data.x, data.labels!, { epochs: 5, batchSize: 16 });
      const w = m.getWeights();
      m.dispose();
      return w;
    };
    const [a, b] = [await run(), await run()];
    for (let i = 0; i < a.length; i++) expect(Buffer.from(a[i].data.buffer).equals(Buffer.from(b[i].data.buffer))).toBe(true);
    const other = await sequential({ inputs: 2, layers: [dense(16, "relu"), dropout(0.3), dense(3, "softmax")], seed: 43 });
    expect(Array.from(other.getWeights()[0].data)).not.toEqual(Array.from(a[0].data));
    other.dispose();
  });

  it("one SGD step moves every weight by −lr·gradient", async () => {
    const m = small();
    m.compile({ optimizer: { type: "sgd", learningRate: 0.5 } });
    const x = randomF32(12, 3);
    const y = Int32Array.from([0, 1, 1, 0]);
    const before = m.getWeights();
    const { gradients } = m.computeGradients(x, y);
    await m.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false });
    const after = m.getWeights();
    for (let t = 0; t < before.length; t++) {
      for (let k = 0; k < before[t].data.length; k++) {
        expect(after[t].data[k]).toBeCloseTo(before[t].data[k] - 0.5 * gradients[t].data[k], 6);
      }
    }
    m.dispose();
  });

  it("every optimizer lowers the loss", async () => {
    for (const type of ["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop"] as const) {
      const m = await mlp([2, 16, 3], { seed: 5 });
      m.compile({ optimizer: { type, learningRate: type.startsWith("adam") || type === "rmsprop" ? 0.01 : 0.1 } });
      const h = await m.fit(data.x, data.labels!, { epochs: 20, batchSize: 30 });
      expect(h.loss[19], type).toBeLessThan(h.loss[0] * 0.9);
      m.dispose();
    }
  });

  it("reports history, validation metrics and callbacks", async () => {
    const m = await mlp([2, 16, 3], { seed: 6 });
    m.compile({ metrics: ["accuracy"] });
    const seen: string[] = [];
    let batches = 0;
    const h = await m.fit(data.x, data.labels!, {
      epochs: 3, batchSize: 25, validationSplit: { fraction: 0.25, from: "end" },
      callbacks: {
        onTrainBegin: () => seen.push("begin"),
        onEpochBegin: (e) => seen.push(`epoch ${e}`),
        onBatchEnd: (_, logs) => { batches++; expect(logs.size).toBeGreaterThan(0); },
        onEpochEnd: (e, logs) => { seen.push(`end ${e}`); expect(logs.valAccuracy).toBeGreaterThanOrEqual(0); },
        onTrainEnd: (hist) => seen.push(`done ${hist.epochs}`),
      },
    });
    expect(seen).toEqual(["begin", "epoch 0", "end 0", "epoch 1", "end 1", "epoch 2", "end 2", "done 3"]);
    expect(batches).toBe(3 * Math.ceil(90 / 25));
    expect(h.loss).toHaveLength(3);
    expect(h.accuracy).toHaveLength(3);
    expect(h.valLoss).toHaveLength(3);
    expect(h.valAccuracy).toHaveLength(3);
    const held = m.evaluate(data.x.subarray(90 * 2), data.labels!.subarray(90));
    expect(held.loss).toBeCloseTo(m.evaluate(data.x.subarray(180), data.labels!.subarray(90)).loss, 10);
    expect(h.valLoss![2]).toBeCloseTo(held.loss, 5);
    m.dispose();
  });

  it("validationData is used instead of a split", async () => {
    const m = await mlp([2, 8, 3], { seed: 7 });
    m.compile();
    const val = spiral({ pointsPerClass: 10, classes: 3, seed: 8 });
    const h = await m.fit(data.x, data.labels!, { epochs: 2, validationData: [val.x, val.labels!] });
    expect(h.valLoss![1]).toBeCloseTo(m.evaluate(val.x, val.labels!).loss, 5);
    m.dispose();
  });

  it("early stopping stops when the monitored metric stalls and restores the best weights", async () => {
    const m = await mlp([2, 32, 3], { seed: 8 });
    m.compile({ optimizer: { type: "sgd", learningRate: 3 } });
    const h = await m.fit(data.x, data.labels!, {
      epochs: 300, batchSize: 10, validationSplit: { fraction: 0.25, from: "end" }, earlyStopping: { patience: 2 },
    });
    expect(h.stoppedEarly).toBe(true);
    expect(h.epochs).toBeLessThan(300);
    const best = Math.min(...h.valLoss!);
    expect(h.bestEpoch).toBe(h.valLoss!.indexOf(best));
    expect(h.epochs).toBe(h.bestEpoch! + 3);
    expect(m.evaluate(data.x.subarray(180), data.labels!.subarray(90)).loss).toBeCloseTo(best, 5);
    m.dispose();
  });

  it("stopTraining set from a callback ends fit after that epoch", async () => {
    const m = await mlp([2, 4, 3], { seed: 1 });
    m.compile();
    const h = await m.fit(data.x, data.labels!, { epochs: 50, callbacks: { onEpochEnd: (e) => { if (e === 2) m.stopTraining = true; } } });
    expect(h.epochs).toBe(3);
    expect(h.stoppedEarly).toBe(true);
    m.dispose();
  });

  it("accepts one-hot targets and arrays of rows", async () => {
    const m = await mlp([2, 8, 3], { seed: 2 });
    m.compile({ metrics: ["accuracy"] });
    const onehot = new Float32Array(data.rows * 3);
    data.labels!.forEach((l, i) => { onehot[i * 3 + l] = 1; });
    const a = m.evaluate(data.x, onehot);
    const b = m.evaluate(data.x, data.labels!);
    expect(a.loss).toBeCloseTo(b.loss, 6);
    expect(a.accuracy).toBe(b.accuracy);
    const rows = Array.from({ length: data.rows }, (_, i) => [data.x[2 * i], data.x[2 * i + 1]]);
    expect(m.evaluate(rows, Array.from(data.labels!)).loss).toBeCloseTo(b.loss, 6);
    m.dispose();
  });

  it("setWeights replaces parameters and changes predictions", () => {
    const m = small();
    const w = m.getWeights();
    for (const t of w) t.data.fill(0);
    m.setWeights(w);
    expect(Array.from(m.predict(new Float32Array([1, 2, 3])))).toEqual([0.5, 0.5]);
    m.dispose();
  });
});

describe("errors name the problem and change nothing", () => {
  const expectError = (fn: () => unknown, cls: Function, text: RegExp) => {
    let error: unknown;
    try { fn(); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(cls);
    expect((error as Error).message).toMatch(text);
  };
  const expectReject = async (p: Promise<unknown>, cls: Function, text: RegExp) => {
    const e = await p.then(() => undefined, (err) => err);
    expect(e).toBeInstanceOf(cls);
    expect((e as Error).message).toMatch(text);
  };

  it("wrong row width", () => {
    const m = small();
    expectError(() => m.predict(new Float32Array(4)), InputError, /4 values.*rows of 3 inputs/);
    expectError(() => m.predict([[1, 2]]), InputError, /x\[0\] has 2 values, expected 3/);
    expectError(() => m.predict({ data: new Float32Array(4), rows: 2, cols: 2 }), InputError, /2 columns, expected 3/);
    m.dispose();
  });

  it("ragged rows, strings and Float64Array", () => {
    const m = small();
    expectError(() => m.predict([[1, 2, 3], [1, 2]]), InputError, /x\[1\] has 2 values/);
    expectError(() => m.predict([["1", "2", "3"]] as never), InputError, /x\[0\]\[0\] must be a number, got '1'/);
    expectError(() => m.predict(new Float64Array(3) as never), InputError, /Float64Array.*Float32Array/);
    m.dispose();
  });

  it("rows and labels count mismatch", async () => {
    const m = small().compile();
    await expectReject(m.fit(new Float32Array(9), Int32Array.from([0, 1])), InputError, /2 labels but x has 3 rows/);
    expectError(() => m.evaluate(new Float32Array(9), new Float32Array(4)), InputError, /y has 4 values; expected 3 rows × 2 outputs/);
    m.dispose();
  });

  it("NaN or Infinity in inputs or targets", async () => {
    const m = small().compile({ loss: "mse" });
    const x = new Float32Array(9);
    x[7] = NaN;
    const before = m.getWeights();
    await expectReject(m.fit(x, new Float32Array(6)), InputError, /x contains NaN at row 2, column 1/);
    expect(m.getWeights()).toEqual(before);
    expectError(() => m.predict(x), InputError, /x contains NaN at row 2, column 1/);
    const y = new Float32Array(6);
    y[3] = Infinity;
    expectError(() => m.evaluate(new Float32Array(9), y), InputError, /y contains Infinity at row 1, column 1/);
    m.dispose();
  });

  it("label out of range or not an integer", async () => {
    const m = small().compile();
    await expectReject(m.fit(new Float32Array(6), Int32Array.from([0, 2])), InputError, /y\[1\] = 2 is out of range.*0\.\.1/);
    await expectReject(m.fit(new Float32Array(6), [0, -1]), InputError, /y\[1\] = -1 is out of range/);
    await expectReject(m.fit(new Float32Array(6), [0, 0.5]), InputError, /y\[1\] must be an integer class index/);
    m.dispose();
  });

  it("empty data", async () => {
    const m = small().compile();
    await expectReject(m.fit(new Float32Array(0), new Int32Array(0)), InputError, /x is empty/);
    expectError(() => m.predict([]), InputError, /x is empty/);
    m.dispose();
  });

  it("bad fit options", async () => {
    const m = small().compile();
    const x = new Float32Array(6);
    const y = Int32Array.from([0, 1]);
    await expectReject(m.fit(x, y, { batchSize: 0 }), ConfigError, /batchSize must be an integer ≥ 1, got 0/);
    await expectReject(m.fit(x, y, { batchSize: 2.5 }), ConfigError, /batchSize must be an integer/);
    await expectReject(m.fit(x, y, { epochs: -1 }), ConfigError, /epochs must be an integer ≥ 1/);
    await expectReject(m.fit(x, y, { epoch: 3 } as never), ConfigError, /unknown option 'epoch' \(did you mean 'epochs'\?\)/);
    await expectReject(m.fit(x, y, { validationSplit: 1 }), ConfigError, /validationSplit must be/);
    await expectReject(m.fit(x, y, { validationSplit: 0.1 }), ConfigError, /leaves 0 validation/);
    await expectReject(m.fit(x, y, { earlyStopping: { monitor: "valLoss" } }), ConfigError, /no validation data/);
    await expectReject(m.fit(x, y, { validationData: [x] as never }), InputError, /validationData must be \[x, y\]/);
    m.dispose();
  });

  it("unknown activation, layer, loss, optimizer and initializer names", () => {
    expectError(() => new Sequential({ inputs: 2, layers: [dense(2, "relux" as never)] }), ConfigError, /unknown activation "relux"/);
    expectError(() => new Sequential({ inputs: 2, layers: [{ type: "conv", units: 2 }] }), ConfigError, /unknown layer type "conv"/);
    expectError(() => new Sequential({ inputs: 2, layers: [dense(2, { initializer: "xavier" as never })] }), ConfigError, /unknown initializer "xavier"/);
    const m = small();
    expectError(() => m.compile({ loss: "hinge" as never }), ConfigError, /unknown loss "hinge"/);
    expectError(() => m.compile({ optimizer: "adagrad" as never }), ConfigError, /unknown optimizer "adagrad"/);
    expectError(() => m.compile({ optimizer: { type: "adam", learningRate: 0 } }), ConfigError, /learningRate must be a finite number > 0, got 0/);
    expectError(() => m.compile({ optimizer: { type: "adam", learningRate: NaN } }), ConfigError, /learningRate must be a finite number > 0, got NaN/);
    expectError(() => m.compile({ optimizer: { type: "sgd", beta1: 0.9 } as never }), ConfigError, /unknown option 'beta1'/);
    expectError(() => m.compile({ loss: "binaryCrossentropy" }), ConfigError, /needs a 'sigmoid'/);
    expectError(() => m.compile({ metrics: ["precision" as never] }), ConfigError, /unknown metric "precision"; known: accuracy, mae, mse/);
    expectError(() => m.compile({ l2: -1 }), ConfigError, /l2 must be a finite number ≥ 0/);
    m.dispose();
  });

  it("bad layer sizes and rates", () => {
    expectError(() => new Sequential({ inputs: 0, layers: [dense(2)] }), ConfigError, /inputs must be an integer ≥ 1, got 0/);
    expectError(() => new Sequential({ inputs: 2, layers: [dense(-3)] }), ConfigError, /layers\[0\]: units must be an integer ≥ 1, got -3/);
    expectError(() => new Sequential({ inputs: 2, layers: [dense(1.5)] }), ConfigError, /units must be an integer/);
    expectError(() => new Sequential({ inputs: 2, layers: [dropout(1), dense(2)] }), ConfigError, /layers\[0\]: rate must be a finite number ≥ 0 and < 1, got 1/);
    expectError(() => new Sequential({ inputs: 2, layers: [maxout(3, 1)] }), ConfigError, /pieces must be an integer ≥ 2, got 1/);
    expectError(() => new Sequential({ inputs: 2, layers: [] }), ConfigError, /non-empty array/);
    expectError(() => new Sequential({ inputs: 2, layers: [dense(2)], seeds: 1 } as never), ConfigError, /unknown option 'seeds'/);
  });

  it("training before compile, and a disposed model", async () => {
    const m = small();
    await expectReject(m.fit(new Float32Array(3), [0]), StateError, /call compile\(\) first/);
    expectError(() => m.evaluate(new Float32Array(3), [0]), StateError, /call compile\(\) first/);
    m.dispose();
    expect(m.disposed).toBe(true);
    expectError(() => m.predict(new Float32Array(3)), StateError, /disposed/);
    await expectReject(m.fit(new Float32Array(3), [0]), StateError, /disposed/);
    m.dispose();
  });

  it("a second fit while training is refused", async () => {
    const m = (await mlp([2, 8, 3], { seed: 1 })).compile();
    const d = spiral({ pointsPerClass: 20, seed: 1 });
    // Epochs of resident data run without a pause; an epoch end that waits for a timer keeps this fit going meanwhile.
    const first = m.fit(d.x, d.labels!, { epochs: 3, callbacks: { onEpochEnd: () => new Promise((r) => setTimeout(r, 1)) } });
    await expectReject(m.fit(d.x, d.labels!), StateError, /already training/);
    expectError(() => m.dispose(), StateError, /training/);
    await first;
    m.dispose();
  });

  it("setWeights rejects unknown names, wrong shapes and non-finite values without changing anything", () => {
    const m = small();
    const before = m.getWeights();
    const good = before.map((t) => ({ ...t, data: t.data.map(() => 1) }));
    expectError(() => m.setWeights([...good, { name: "layers.9.weight", shape: [1], data: new Float32Array(1) }]), InputError, /unknown tensor "layers.9.weight"/);
    expectError(() => m.setWeights([{ ...good[0], shape: [4, 3] }]), InputError, /has shape \[3,4\]/);
    const nan = good[0].data.slice();
    nan[2] = NaN;
    expectError(() => m.setWeights([good[1], { ...good[0], data: nan }]), InputError, /contains NaN at index 2/);
    expect(m.getWeights()).toEqual(before);
    m.dispose();
  });
});
