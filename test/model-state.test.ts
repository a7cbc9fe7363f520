// A model's public state: state() reads everything that makes a model, and
// loadState() puts it back into a model of the same architecture, exactly
// (training goes on bit for bit), or refuses it whole, leaving the model as it was.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ConfigError, dense, init, InputError, Sequential, StateError, type ModelState } from "../src/index.js";
import { spiral } from "../src/data/toy.js";

beforeAll(async () => { await init(); });

const data = spiral({ pointsPerClass: 30, classes: 3, seed: 4 });
const layers = [dense(8, "tanh"), dense(3, "softmax")];
const build = (seed = 5) => new Sequential({ inputs: 2, layers, seed });
const bits = (m: Sequential) => m.getWeights().map((t) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)));

async function trained(): Promise<Sequential> {
  const m = build().compile({ optimizer: { type: "adam", learningRate: 0.02 }, metrics: ["accuracy"], l2: 1e-4 });
  m.setPreprocessing({ method: "scale", scale: [0.5, 2], offset: [0, 0.1] });
  await m.fit(data.x, data.labels!, { epochs: 2, batchSize: 16 });
  return m;
}

describe("state()", () => {
  it("reports architecture, weights, compile settings, optimizer progress, preprocessing, training record and RNG state", async () => {
    const m = await trained();
    const s = m.state();
    expect(s.config).toEqual(m.toConfig());
    expect(s.weights.map((t) => t.name)).toEqual(m.getWeights().map((t) => t.name));
    expect(s.compile).toEqual({ loss: "categoricalCrossentropy", optimizer: { type: "adam", learningRate: 0.02, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, metrics: ["accuracy"], l2: 1e-4 });
    expect(s.optimizer).toEqual({ type: "adam", steps: 2 * Math.ceil(90 / 16), learningRate: 0.02 });
    expect(s.preprocessing).toEqual({ method: "scale", scale: [0.5, 2], offset: [0, 0.1] });
    expect(s.training).toMatchObject({ epochs: 2, last: { loss: expect.any(Number), accuracy: expect.any(Number) } });
    expect(s.rng).toHaveLength(4);
    const withState = m.state({ optimizer: true });
    expect(withState.optimizer!.state!.map((b) => b.name)).toEqual(["m", "v"]);
    expect(withState.optimizer!.state![0].tensors.map((t) => t.name)).toEqual(s.weights.map((t) => t.name));
    m.dispose();
  });

  it("of an uncompiled model has no compile settings nor optimizer, and learningRate is undefined", () => {
    const m = build();
    expect(m.state({ optimizer: true })).toMatchObject({ compile: null, optimizer: null, preprocessing: null, training: { epochs: 0 } });
    expect(m.learningRate).toBeUndefined();
    m.compile({ optimizer: { type: "sgd", learningRate: 0.3 } });
    expect(m.learningRate).toBe(0.3);
    m.dispose();
  });

  it("is a copy: changing it changes nothing in the model", async () => {
    const m = await trained();
    const s = m.state();
    s.weights[0].data.fill(7);
    s.training.epochs = 99;
    expect(m.state().training.epochs).toBe(2);
    expect(m.getWeights()[0].data[0]).not.toBe(7);
    m.dispose();
  });
});

describe("loadState()", () => {
  it("makes a model that trains on exactly as the original does", async () => {
    const a = await trained();
    const b = build(123);
    b.loadState(a.state({ optimizer: true }));
    expect(bits(b)).toEqual(bits(a));
    expect(b.predict(data.x)).toEqual(a.predict(data.x));
    await a.fit(data.x, data.labels!, { epochs: 2, batchSize: 16 });
    await b.fit(data.x, data.labels!, { epochs: 2, batchSize: 16 });
    expect(bits(b)).toEqual(bits(a));
    const [sa, sb] = [a.state({ optimizer: true }), b.state({ optimizer: true })];
    expect({ ...sb, config: undefined }).toEqual({ ...sa, config: undefined });
    a.dispose();
    b.dispose();
  });

  it("with compile: null keeps the model's own compile settings", async () => {
    const a = await trained();
    const b = build().compile({ optimizer: { type: "adam", learningRate: 0.5 } });
    b.loadState({ ...a.state(), compile: null });
    expect(b.state().compile!.metrics).toEqual([]);
    expect(b.learningRate).toBe(0.02); // the optimizer progress carries the rate
    a.dispose();
    b.dispose();
  });

  it("refuses a state that does not fit and leaves the model as it was", async () => {
    const a = await trained();
    const good = a.state({ optimizer: true });
    const target = build(77).compile();
    const before = target.state({ optimizer: true });
    const nanWeights = good.weights.map((t, i) => (i === 0 ? { ...t, data: Float32Array.from(t.data, (v, j) => (j === 2 ? NaN : v)) } : t));
    const cases: [string, ModelState, new (...a: never[]) => Error, RegExp][] = [
      ["another architecture", { ...good, config: { inputs: 2, layers: [dense(3, "softmax")] } }, ConfigError, /architecture \(inputs and layers\) differs/],
      ["a missing tensor", { ...good, weights: good.weights.slice(1) }, ConfigError, /weights must hold each of layers\.0\.weight/],
      ["a NaN weight", { ...good, weights: nanWeights }, InputError, /loadState: weights: layers\.0\.weight contains NaN at index 2/],
      ["a bad RNG state", { ...good, rng: [0, 0, 0, 0] }, ConfigError, /rng must be four 32-bit unsigned integers, not all zero/],
      ["a bad compile setting", { ...good, compile: { ...good.compile!, l2: -1 } }, ConfigError, /compile: l2 must be a finite number ≥ 0/],
      ["optimizer state of another optimizer", { ...good, optimizer: { ...good.optimizer!, state: good.optimizer!.state!.slice(0, 1) } }, ConfigError, /optimizer: state \[m\] does not match adam's buffers \[m,v\]/],
      ["negative steps", { ...good, optimizer: { ...good.optimizer!, steps: -1 } }, ConfigError, /optimizer\.steps must be an integer ≥ 0/],
      ["a misspelt key", { ...good, wieghts: [] } as never, ConfigError, /loadState: unknown option 'wieghts' \(did you mean 'weights'\?\)/],
      ["a bad training record", { ...good, training: { epochs: 1.5 } }, ConfigError, /training\.epochs must be an integer ≥ 0/],
    ];
    for (const [what, state, error, message] of cases) {
      expect(() => target.loadState(state), what).toThrow(error);
      expect(() => target.loadState(state), what).toThrow(message);
      expect(target.state({ optimizer: true }), what).toEqual(before);
    }
    // With checkFinite: false, a NaN weight is taken as it is (as load() with checkFinite: false does).
    target.loadState({ ...good, weights: nanWeights }, { checkFinite: false });
    expect(target.getWeights()[0].data[2]).toBeNaN();
    a.dispose();
    target.dispose();
  });

  it("optimizer progress into an uncompiled model needs compile settings", async () => {
    const a = await trained();
    const b = build();
    expect(() => b.loadState({ ...a.state(), compile: null })).toThrow(StateError);
    b.loadState(a.state());
    expect(b.state().compile).toEqual(a.state().compile);
    a.dispose();
    b.dispose();
  });

  it("is refused while fit runs; state() is not", async () => {
    const m = await trained();
    let during: ModelState | undefined;
    let refused: unknown;
    await m.fit(data.x, data.labels!, {
      epochs: 1, callbacks: {
        onEpochEnd: () => {
          during = m.state();
          try { m.loadState(during); } catch (e) { refused = e; }
        },
      },
    });
    expect(during?.training.epochs).toBe(3);
    expect(refused).toBeInstanceOf(StateError);
    expect((refused as Error).message).toMatch(/loadState: the model is already training/);
    m.dispose();
  });
});

describe("save()", () => {
  it("takes no path: a string is a ConfigError pointing to saveModel", () => {
    const m = build();
    expect(() => m.save("model.safetensors" as never)).toThrow(ConfigError);
    expect(() => m.save("model.safetensors" as never)).toThrow(/use saveModel\(model, "model\.safetensors"\) from 'wasmlp\/node'/);
    m.dispose();
  });
});

describe("encoders", () => {
  it("save() and toONNX() use the encoders src/io registers; without them, a StateError says what to import", async () => {
    vi.resetModules();
    const fresh = await import("../src/model/encoders.js");
    // A fresh module graph has its own error classes: the class is checked by name.
    expect(() => fresh.encoderFor("onnx", "toONNX")).toThrow(expect.objectContaining({ name: "StateError" }));
    expect(() => fresh.encoderFor("onnx", "toONNX")).toThrow(/toONNX: no onnx encoder is loaded; import wasmlp/);
    let seen: unknown;
    fresh.registerEncoder("wasmlp", (model, options) => { seen = options; return Uint8Array.of(model.state().weights.length); });
    const m = build();
    expect(Array.from(fresh.encoderFor("wasmlp", "save")(m, { optimizer: false }))).toEqual([4]);
    expect(seen).toEqual({ optimizer: false });
    m.dispose();
  });
});

