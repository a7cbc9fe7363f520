// Regression metrics (mae, mse) and the metric names compile() accepts: each metric against a float64
// reference computed from predict()'s outputs, and the same values wherever fit() and evaluate() report them.
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, dense, init, Sequential, type BatchLogs, type EpochLogs } from "../src/index.js";
import { fitTargetScaling } from "../src/nn/preprocessing.js";
import { randomF32 } from "./helpers.js";

beforeAll(async () => { await init(); });

const ROWS = 53;
const x = randomF32(ROWS * 3, 11, -2, 2);
const y = randomF32(ROWS * 2, 12, -1, 1);
const regression = () => new Sequential({ inputs: 3, layers: [dense(6, "tanh"), dense(2, "linear")], seed: 4 });

/** Mean absolute and squared error of predict()'s outputs, in float64. */
function reference(m: Sequential, inputs: Float32Array, targets: Float32Array): { mae: number; mse: number } {
  const out = m.predict(inputs);
  let abs = 0, sq = 0;
  for (let i = 0; i < out.length; i++) {
    const d = out[i] - targets[i];
    abs += Math.abs(d);
    sq += d * d;
  }
  return { mae: abs / out.length, mse: sq / out.length };
}

describe("regression metrics", () => {
  it("evaluate() reports mae and mse equal to a float64 reference; mse is the loss when there is no penalty", () => {
    const m = regression().compile({ metrics: ["mse", "mae"] });
    const ref = reference(m, x, y);
    const e = m.evaluate(x, y);
    expect(Object.keys(e).sort()).toEqual(["loss", "mae", "mse"]);
    expect(Math.abs(e.mae! - ref.mae)).toBeLessThanOrEqual(1e-6 * ref.mae);
    expect(Math.abs(e.mse! - ref.mse)).toBeLessThanOrEqual(1e-6 * ref.mse);
    expect(e.mse).toBeCloseTo(e.loss, 6);
    m.dispose();
  });

  it("with targets learnt standardised, mae and mse are in the targets' own units, as predict() gives outputs", async () => {
    const m = regression().compile({ metrics: ["mae", "mse"] });
    const raw = Float32Array.from(y, (v, i) => (i % 2 ? 300 + 80 * v : -5 + 0.5 * v));
    m.setPreprocessing({ method: "none", scale: 1, offset: 0, target: { name: "y", ...fitTargetScaling(raw, 2) } });
    await m.fit(x, raw, { epochs: 2, batchSize: 16 });
    const ref = reference(m, x, raw);
    const e = m.evaluate(x, raw);
    expect(Math.abs(e.mae! - ref.mae)).toBeLessThanOrEqual(1e-5 * ref.mae);
    expect(Math.abs(e.mse! - ref.mse)).toBeLessThanOrEqual(1e-5 * ref.mse);
    m.dispose();
  });

  it("fit() reports them in the history, the batch and epoch logs and the verbose line, on validation data too", async () => {
    const m = regression().compile({ metrics: ["mae", "mse"], optimizer: { type: "sgd", learningRate: 0.01 } });
    const batches: BatchLogs[] = [];
    const epochs: EpochLogs[] = [];
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => lines.push(line);
    try {
      const xv = x.subarray(0, 20 * 3), yv = y.subarray(0, 20 * 2);
      const history = await m.fit(x, y, {
        epochs: 2, batchSize: 16, verbose: true, validationData: [xv, yv],
        callbacks: { onBatchEnd: (_b, logs) => { batches.push(logs); }, onEpochEnd: (_e, logs) => { epochs.push({ ...logs }); } },
      });
      expect(history.mae).toHaveLength(2);
      expect(history.mse).toHaveLength(2);
      expect(history.valMae).toHaveLength(2);
      expect(history.valMse).toHaveLength(2);
      expect(history.accuracy).toBeUndefined();
      expect(batches[0]).toEqual({ loss: expect.any(Number), mae: expect.any(Number), mse: expect.any(Number), size: 16 });
      // The last epoch's validation figures are those of the final weights.
      const ref = reference(m, xv, yv);
      expect(Math.abs(epochs[1].valMae! - ref.mae)).toBeLessThanOrEqual(1e-6 * ref.mae);
      expect(Math.abs(history.valMse![1] - ref.mse)).toBeLessThanOrEqual(1e-6 * ref.mse);
      // An epoch's mae is the row-weighted mean of its batches' (53 rows: 16, 16, 16, 5).
      const mean = batches.slice(4).reduce((s, b) => s + b.mae! * b.size, 0) / ROWS;
      expect(history.mae![1]).toBeCloseTo(mean, 10);
      expect(lines[1]).toMatch(/^epoch 2\/2 {2}loss \S+ {2}mae \S+ {2}mse \S+ {2}val loss \S+ {2}val mae \S+ {2}val mse \S+$/);
    } finally {
      console.log = log;
    }
    m.dispose();
  });

  it("early stopping and checkpoints can watch valMae; a metric that is not compiled is refused", async () => {
    const m = regression().compile({ metrics: ["mae"] });
    const history = await m.fit(x, y, { epochs: 3, validationSplit: 0.25, earlyStopping: { monitor: "valMae", patience: 1 } });
    expect(history.valMae!.length).toBe(history.epochs);
    await expect(m.fit(x, y, { epochs: 1, validationSplit: 0.25, earlyStopping: { monitor: "valMse" } }))
      .rejects.toThrow(/monitors 'valMse', which is not computed; add metrics: \['mse'\] to compile\(\)/);
    m.dispose();
  });
});

describe("metric names", () => {
  it("Keras's spellings are read as the canonical names, each once, in a fixed order", () => {
    const m = regression().compile({ metrics: ["mean_squared_error", "mean_absolute_error", "mae", "meanSquaredError"] });
    expect(m.state().compile!.metrics).toEqual(["mae", "mse"]);
    m.dispose();
    const c = new Sequential({ inputs: 3, layers: [dense(2, "softmax")] }).compile({ metrics: ["acc"] });
    expect(c.state().compile!.metrics).toEqual(["accuracy"]);
    expect(Object.keys(c.evaluate(x, Int32Array.from({ length: ROWS }, (_, i) => i % 2)))).toEqual(["loss", "accuracy"]);
    c.dispose();
  });

  it("refuses accuracy on value outputs and mae / mse on outputs a cross-entropy loss reads as logits", () => {
    expect(() => regression().compile({ metrics: ["acc"] })).toThrow(ConfigError);
    const sigmoid = new Sequential({ inputs: 3, layers: [dense(1, "sigmoid")] });
    expect(() => sigmoid.compile({ metrics: ["mse"] })).toThrow(/metric 'mse' compares output values with targets, but loss 'binaryCrossentropy'/);
    // Under a squared error, a sigmoid output's values are what the loss compares, so both kinds of metric apply.
    expect(() => sigmoid.compile({ loss: "meanSquaredError", metrics: ["accuracy", "mae"] })).not.toThrow();
    sigmoid.dispose();
  });
});

describe("saved settings", () => {
  it("a state (or model file) from before, with accuracy on a regression, still loads, without that metric", () => {
    const m = regression().compile({ metrics: ["mae"] });
    const state = m.state();
    const old = { ...state, compile: { ...state.compile!, metrics: ["accuracy", "mae"] } };
    const loaded = regression();
    loaded.loadState(old as never);
    expect(loaded.state().compile!.metrics).toEqual(["mae"]);
    expect(() => loaded.compile({ metrics: ["accuracy"] })).toThrow(ConfigError);
    m.dispose();
    loaded.dispose();
  });
});
