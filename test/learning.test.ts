// The classic lessons, as tests: a hidden layer solves XOR and the spiral where a
// single-layer classifier cannot; a hidden layer fits a smooth function; and a
// small network learns real images.
import { beforeAll, describe, expect, it } from "vitest";
import { init, mlp } from "../src/index.js";
import { sine, spiral, xor } from "../src/data/toy.js";
import { loadFashionMnist } from "../src/node/files.js";

beforeAll(async () => { await init(); });

describe("learning", () => {
  it("XOR reaches 100% with a 2-4-1 network", async () => {
    const d = xor();
    const model = await mlp([2, 4, 1], { activation: "tanh", output: "sigmoid", seed: 3 });
    model.compile({ loss: "binaryCrossentropy", optimizer: { type: "adam", learningRate: 0.05 }, metrics: ["accuracy"] });
    await model.fit(d.x, d.targets!, { epochs: 500, batchSize: 4 });
    const p = model.predict(d.x);
    expect(Array.from(p, (v) => (v > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
    expect(model.evaluate(d.x, d.targets!).accuracy).toBe(1);
    model.dispose();
  });

  it("the spiral needs a hidden layer: ≥ 98% with 100 ReLU units, about 50% without", async () => {
    const d = spiral({ pointsPerClass: 100, classes: 3, seed: 1 });
    const hidden = await mlp([2, 100, 3], { activation: "relu", seed: 1 });
    hidden.compile({ optimizer: { type: "adam", learningRate: 0.02 }, metrics: ["accuracy"], l2: 1e-4 });
    await hidden.fit(d.x, d.labels!, { epochs: 300, batchSize: 300 });
    const linear = await mlp([2, 3], { seed: 1 });
    linear.compile({ optimizer: { type: "adam", learningRate: 0.02 }, metrics: ["accuracy"] });
    await linear.fit(d.x, d.labels!, { epochs: 300, batchSize: 300 });
    const withHidden = hidden.evaluate(d.x, d.labels!).accuracy!;
    const without = linear.evaluate(d.x, d.labels!).accuracy!;
    expect(withHidden).toBeGreaterThanOrEqual(0.98);
    expect(without).toBeGreaterThan(0.4);
    expect(without).toBeLessThan(0.6);
    hidden.dispose();
    linear.dispose();
  });

  it("fits sin on [-π, π] with MSE", async () => {
    const d = sine({ n: 200, seed: 2 });
    const model = await mlp([1, 32, 1], { activation: "tanh", output: "linear", seed: 2 });
    model.compile({ loss: "meanSquaredError", optimizer: { type: "adam", learningRate: 0.01 } });
    await model.fit(d.x, d.targets!, { epochs: 400, batchSize: 32 });
    expect(model.evaluate(d.x, d.targets!).loss).toBeLessThan(2e-3);
    const grid = Float32Array.from({ length: 50 }, (_, i) => -Math.PI + (2 * Math.PI * i) / 49);
    const p = model.predict(grid);
    const worst = Math.max(...Array.from(grid, (v, i) => Math.abs(p[i] - Math.sin(v))));
    expect(worst).toBeLessThan(0.1);
    model.dispose();
  });

  it("learns Fashion-MNIST: ≥ 82% test accuracy with 784-128-10 ReLU", async () => {
    const { train, test } = await loadFashionMnist(new URL("./fixtures/fashion-mnist", import.meta.url).pathname);
    const scale = (x: Uint8Array) => Float32Array.from(x, (v) => v / 255);
    const model = await mlp([784, 128, 10], { activation: "relu", seed: 1 });
    model.compile({ optimizer: { type: "adam", learningRate: 1e-3 }, metrics: ["accuracy"] });
    const history = await model.fit(scale(train.x), train.labels, { epochs: 5, batchSize: 64 });
    expect(history.loss[4]).toBeLessThan(history.loss[0]);
    const { accuracy } = model.evaluate(scale(test.x), test.labels);
    expect(accuracy).toBeGreaterThanOrEqual(0.82);
    model.dispose();
  }, 60_000);
});
