// Model files as a user meets them: save → load round trips that are bit-exact for
// every layer and activation, optimizer state that resumes training exactly,
// checkpoints written by fit, per-layer weights, and typed errors for bad files.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConfigError, dense, dropout, init, InputError, load, maxout, ModelFileError, parseSafetensors, Sequential, spiral, StateError,
  type CompileOptions, type LayerConfig, type ModelConfig, type NamedTensor,
} from "../src/index.js";
import { decodeModel } from "../src/io/model-file.js";
import { encodeSafetensors, readF32 } from "../src/io/safetensors.js";
import { loadModel, saveModel } from "../src/node/files.js";

let dir: string;
beforeAll(async () => {
  await init();
  dir = await mkdtemp(join(tmpdir(), "wasmlp-model-file-"));
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const data = spiral({ pointsPerClass: 30, classes: 3, seed: 4 });

/** Bit patterns, so that -0 vs 0 and NaN payloads would count as differences. */
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const weightBits = (m: Sequential) => m.getWeights().map((t) => [t.name, t.shape, bits(t.data)]);

/** Every layer type and activation, and the edge cases of the architecture. */
const ARCHITECTURES: [string, LayerConfig[]][] = [
  ["linear", [dense(5, "linear"), dense(3, "softmax")]],
  ["relu", [dense(5, "relu"), dense(3, "softmax")]],
  ["leakyRelu α=0.3", [dense(5, { activation: "leakyRelu", alpha: 0.3 }), dense(3, "softmax")]],
  ["sigmoid", [dense(5, "sigmoid"), dense(3, "softmax")]],
  ["tanh", [dense(5, "tanh"), dense(3, "softmax")]],
  ["maxout k=3 + dropout", [maxout(4, 3), dropout(0.3), dense(3, "softmax")]],
  ["maxout without bias", [maxout(4, 2, { useBias: false }), dense(3, "softmax")]],
  ["dense without bias", [dense(6, { activation: "relu", useBias: false }), dense(3, "softmax")]],
  ["no hidden layer", [dense(3, "softmax")]],
];

const build = (layers: LayerConfig[], seed = 3) => new Sequential({ inputs: 2, layers, seed });

/** Splits a file into its metadata and data section, for comparing two saves of one model. */
function parts(bytes: Uint8Array) {
  const f = parseSafetensors(bytes);
  const training = JSON.parse(f.metadata.training);
  delete training.saved;
  return { metadata: { ...f.metadata, training: JSON.stringify(training) }, data: Array.from(bytes.subarray(f.dataStart)) };
}

describe("save → load", () => {
  for (const [name, layers] of ARCHITECTURES) {
    it(`is bit-exact for ${name}`, async () => {
      const m = build(layers);
      m.compile({ optimizer: { type: "adam", learningRate: 0.01 }, metrics: ["accuracy"] });
      await m.fit(data.x, data.labels!, { epochs: 2, batchSize: 16 });
      for (const optimizer of [false, true]) {
        const bytes = m.save({ optimizer });
        const back = await load(bytes);
        expect(back.toConfig()).toEqual(m.toConfig());
        expect(weightBits(back)).toEqual(weightBits(m));
        expect(bits(back.predict(data.x))).toEqual(bits(m.predict(data.x)));
        expect(back.evaluate(data.x, data.labels!)).toEqual(m.evaluate(data.x, data.labels!));
        expect(parts(back.save({ optimizer }))).toEqual(parts(bytes));
        back.dispose();
      }
      m.dispose();
    });
  }

  for (const optimizer of ["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop"] as const) {
    it(`restores ${optimizer} state, steps and settings`, async () => {
      const m = build([dense(6, "tanh"), dense(3, "softmax")]);
      const compile: CompileOptions = { optimizer: { type: optimizer, learningRate: 0.02 }, l2: 1e-3, metrics: ["accuracy"] };
      m.compile(compile);
      await m.fit(data.x, data.labels!, { epochs: 1, batchSize: 32 });
      const back = await load(m.save({ optimizer: true }));
      const [a, b] = [m.state({ optimizer: true }), back.state({ optimizer: true })];
      expect(b.compile).toEqual(a.compile);
      expect(b.optimizer!.steps).toBe(3);
      expect(b.optimizer!.learningRate).toBe(0.02);
      const state = (s: typeof a) => s.optimizer!.state!.map((buffer) => [buffer.name, buffer.tensors.map((t) => [t.name, bits(t.data)])]);
      expect(state(b)).toEqual(state(a));
      expect(state(b).length).toBe(optimizer === "sgd" ? 0 : optimizer.startsWith("adam") ? 2 : 1);
      expect(b.rng).toEqual(a.rng);
      m.dispose();
      back.dispose();
    });
  }

  it("without optimizer state, a loaded model is compiled afresh; without compile(), not at all", async () => {
    const m = build([dense(4, "relu"), dense(3, "softmax")]);
    const plain = await load(m.save());
    await expect(plain.fit(data.x, data.labels!, { epochs: 1 })).rejects.toThrow(StateError);
    expect(() => m.save({ optimizer: true })).toThrow(/optimizer state was requested but the model is not compiled/);
    m.compile({ optimizer: "rmsprop" });
    await m.fit(data.x, data.labels!, { epochs: 1 });
    const fresh = await load(m.save());
    expect(fresh.state().optimizer).toMatchObject({ steps: 0, type: "rmsprop" });
    for (const x of [m, plain, fresh]) x.dispose();
  });

  it("records the architecture, training and RNG state in __metadata__ as JSON strings", async () => {
    const m = build([maxout(3, 2), dense(3, "softmax")]);
    m.compile({ metrics: ["accuracy"] });
    await m.fit(data.x, data.labels!, { epochs: 3, validationSplit: 0.2 });
    const meta = parseSafetensors(m.save({ optimizer: true })).metadata;
    expect(meta.format).toBe("wasmlp");
    expect(meta.format_version).toBe("1.0");
    expect(JSON.parse(meta.config)).toEqual(m.toConfig());
    expect(JSON.parse(meta.preprocessing)).toBeNull();
    const training = JSON.parse(meta.training);
    expect(training.epochs).toBe(3);
    expect(Object.keys(training.last)).toEqual(["loss", "accuracy", "valLoss", "valAccuracy"]);
    expect(new Date(training.saved).getTime()).toBeGreaterThan(Date.UTC(2024, 0));
    expect(JSON.parse(meta.compile)).toEqual({
      loss: "categoricalCrossentropy", metrics: ["accuracy"], l2: 0,
      optimizer: { type: "adam", learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    });
    expect(JSON.parse(meta.optimizer)).toEqual({ type: "adam", steps: 3 * 3, state: ["m", "v"] });
    expect(JSON.parse(meta.rng)).toHaveLength(4);
    const loaded = await load(m.save());
    expect(loaded.state().training).toEqual(m.state().training);
    m.dispose();
    loaded.dispose();
  });

  it("loads from an ArrayBuffer, a Blob, a file: URL, a fetched URL and, in Node, a path", async () => {
    const m = build([dense(3, "softmax")]);
    const bytes = m.save();
    const path = join(dir, "model.safetensors");
    await saveModel(m, path);
    expect(parts(new Uint8Array(await readFile(path)))).toEqual(parts(bytes));
    // A data: URL goes through fetch(), the path browsers take for http(s) URLs.
    const dataUrl = `data:application/octet-stream;base64,${Buffer.from(bytes).toString("base64")}`;
    const sources = [bytes.slice().buffer, new Blob([bytes.slice()]), pathToFileURL(path), dataUrl];
    for (const source of sources) {
      const back = await load(source as never);
      expect(weightBits(back)).toEqual(weightBits(m));
      back.dispose();
    }
    const fromPath = await loadModel(path);
    expect(weightBits(fromPath)).toEqual(weightBits(m));
    await expect(loadModel(join(dir, "missing.safetensors"))).rejects.toThrow(InputError);
    await expect(load(42 as never)).rejects.toThrow(/expected a Uint8Array, ArrayBuffer, Blob or URL/);
    await expect(load(pathToFileURL(join(dir, "missing.safetensors")))).rejects.toThrow(/cannot read a model from file:.*missing.safetensors/);
    m.dispose();
    fromPath.dispose();
  });

  it("saveModel replaces a file atomically and leaves no temporary file", async () => {
    const m = build([dense(3, "softmax")]);
    const path = join(dir, "atomic.safetensors");
    await writeFile(path, "old contents");
    await saveModel(m, path, { optimizer: false });
    const back = await loadModel(path);
    expect(weightBits(back)).toEqual(weightBits(m));
    expect((await readdir(dir)).filter((f) => f.includes("atomic"))).toEqual(["atomic.safetensors"]);
    await expect(saveModel(m, join(dir, "no-such-dir", "x.safetensors"))).rejects.toThrow(
      new InputError(`cannot write ${join(dir, "no-such-dir", "x.safetensors")}: the folder ${join(dir, "no-such-dir")} does not exist`));
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    m.dispose();
    back.dispose();
  });
});

describe("resuming training", () => {
  const CASES: [string, LayerConfig[], CompileOptions][] = [
    ["adam with dropout", [dense(8, "relu"), dropout(0.25), dense(3, "softmax")], { optimizer: { type: "adam", learningRate: 0.01 }, l2: 1e-4 }],
    ["nesterov with maxout", [maxout(5, 3), dense(3, "softmax")], { optimizer: { type: "nesterov", learningRate: 0.05 } }],
    ["rmsprop, no hidden layer", [dense(3, "softmax")], { optimizer: "rmsprop" }],
  ];
  for (const [name, layers, compile] of CASES) {
    it(`${name}: k epochs, save, load, N−k epochs gives the uninterrupted run's weights bit for bit`, async () => {
      const fit = { batchSize: 16, validationSplit: 0.1 };
      const whole = new Sequential({ inputs: 2, layers, seed: 11 }).compile(compile);
      await whole.fit(data.x, data.labels!, { ...fit, epochs: 7 });

      const first = new Sequential({ inputs: 2, layers, seed: 11 }).compile(compile);
      await first.fit(data.x, data.labels!, { ...fit, epochs: 3 });
      const path = join(dir, "resume.safetensors");
      await saveModel(first, path, { optimizer: true });
      first.dispose();
      const resumed = await loadModel(path);
      await resumed.fit(data.x, data.labels!, { ...fit, epochs: 4 });

      expect(weightBits(resumed)).toEqual(weightBits(whole));
      expect(resumed.state().training.epochs).toBe(7);
      expect(resumed.state().optimizer!.steps).toBe(whole.state().optimizer!.steps);
      whole.dispose();
      resumed.dispose();
    });
  }
});

describe("checkpoints", () => {
  it("fit writes the last epoch and the best one by the monitored metric", async () => {
    const m = build([dense(8, "relu"), dense(3, "softmax")]);
    m.compile({ optimizer: { type: "adam", learningRate: 0.05 }, metrics: ["accuracy"] });
    const saved: { kind: string; epoch: number; bytes: Uint8Array }[] = [];
    const best = join(dir, "best.safetensors");
    const last = join(dir, "last.safetensors");
    const h = await m.fit(data.x, data.labels!, {
      epochs: 8, validationSplit: 0.25, checkpoint: { best, last, monitor: "valAccuracy", onSave: (bytes, kind, epoch) => { saved.push({ kind, epoch, bytes }); } },
    });
    expect(saved.filter((s) => s.kind === "last").map((s) => s.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const bestEpochs = saved.filter((s) => s.kind === "best").map((s) => s.epoch);
    const acc = h.valAccuracy!;
    const improving = acc.map((a, i) => acc.slice(0, i).every((b) => a > b) ? i : -1).filter((i) => i >= 0);
    expect(bestEpochs).toEqual(improving);

    const lastModel = await loadModel(last);
    expect(weightBits(lastModel)).toEqual(weightBits(m));
    expect(lastModel.state().optimizer!.steps).toBe(m.state().optimizer!.steps);
    const bestModel = await loadModel(best);
    const bestEpoch = bestEpochs[bestEpochs.length - 1];
    expect(bestModel.state().training).toEqual({ epochs: bestEpoch + 1, last: expect.objectContaining({ valAccuracy: Math.max(...acc) }) });
    expect(weightBits(bestModel)).toEqual(weightBits(decodeModel(saved.filter((s) => s.kind === "best").pop()!.bytes)));
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    for (const x of [m, lastModel, bestModel]) x.dispose();
  });

  it("checkpoint options are checked before training", async () => {
    const m = build([dense(3, "softmax")]).compile();
    const x = data.x;
    const y = data.labels!;
    await expect(m.fit(x, y, { checkpoint: {} })).rejects.toThrow(/needs a 'last' or 'best' path, or an onSave callback/);
    await expect(m.fit(x, y, { checkpoint: { best: "b", monitor: "valLoss" } })).rejects.toThrow(/no validation data/);
    await expect(m.fit(x, y, { checkpoint: { best: "b", monitor: "accuracy" } })).rejects.toThrow(/add metrics/);
    await expect(m.fit(x, y, { checkpoint: { last: "" } })).rejects.toThrow(/checkpoint.last must be a file path/);
    await expect(m.fit(x, y, { checkpoint: { lats: "x" } as never })).rejects.toThrow(ConfigError);
    expect(m.state().training.epochs).toBe(0);
    m.dispose();
  });
});

describe("per-layer weights", () => {
  it("layerWeights returns shaped copies; setLayerWeights takes them, or bare arrays, back", () => {
    const m = new Sequential({ inputs: 3, layers: [maxout(2, 3), dropout(0.5), dense(2, "linear")], seed: 1 });
    const w0 = m.layerWeights(0);
    expect(w0.weight!.shape).toEqual([3, 6]);
    expect(w0.bias!.shape).toEqual([6]);
    expect(m.layerWeights(1)).toEqual({});
    w0.weight!.data[0] = 42;
    expect(m.layerWeights(0).weight!.data[0]).not.toBe(42);
    m.setLayerWeights(0, { weight: w0.weight });
    expect(m.layerWeights(0).weight!.data[0]).toBe(42);
    m.setLayerWeights(2, { bias: new Float32Array([1, -1]) });
    expect(Array.from(m.layerWeights(2).bias!.data)).toEqual([1, -1]);
    expect(() => m.layerWeights(3)).toThrow(/layer index must be an integer in \[0, 2\], got 3/);
    expect(() => m.setLayerWeights(1, { weight: new Float32Array(1) })).toThrow(/layer 1 has no "weight"; it has no parameters/);
    expect(() => m.setLayerWeights(2, { bias: new Float32Array(3) })).toThrow(/layers.2.bias has shape \[2\]/);
    expect(() => m.setLayerWeights(2, { weight: { shape: [2, 2], data: new Float32Array([0, NaN, 0, 0]) } })).toThrow(/NaN at index 1/);
    m.dispose();
  });

  it("a model built from weights trained elsewhere computes x·W + b", () => {
    const m = new Sequential({ inputs: 2, layers: [dense(3, "relu"), dense(1, "linear")], seed: 1 });
    m.setLayerWeights(0, { weight: { shape: [2, 3], data: new Float32Array([1, 0, -1, 0, 1, 1]) }, bias: new Float32Array([0, 0.5, 0]) });
    m.setLayerWeights(1, { weight: new Float32Array([1, 2, 3]), bias: new Float32Array([-1]) });
    // h = relu([2, 3, 1]) = [2, 3.5, 1] → 2 + 7 + 3 − 1 = 11.
    expect(m.predict([2, 3])).toEqual([11]);
    m.dispose();
  });
});

describe("files that do not fit wasmlp are refused with a ModelFileError", () => {
  /** A valid file's parts, to rebuild with one thing changed. */
  function pieces(m: Sequential, optimizer = false) {
    const f = parseSafetensors(m.save({ optimizer }));
    const tensors: NamedTensor[] = f.tensors.map((t) => ({ name: t.name, shape: t.shape, data: readF32(f, t).slice() }));
    return { metadata: { ...f.metadata }, tensors };
  }
  const model = () => new Sequential({ inputs: 2, layers: [dense(3, "relu"), dense(2, "softmax")], seed: 1 }).compile();
  const refuse = (meta: Record<string, string>, tensors: NamedTensor[], message: RegExp) => {
    expect(() => decodeModel(encodeSafetensors(tensors, meta))).toThrow(ModelFileError);
    expect(() => decodeModel(encodeSafetensors(tensors, meta))).toThrow(message);
  };

  it("a newer major version, an unreleased one, or none", () => {
    const m = model();
    const { metadata, tensors } = pieces(m);
    refuse({ ...metadata, format_version: "2.0" }, tensors, /format version 2.0 is newer than this wasmlp reads \(1.x\); upgrade wasmlp/);
    refuse({ ...metadata, format_version: "0.9" }, tensors, /format version 0.9 was never released/);
    refuse({ ...metadata, format_version: "1" }, tensors, /"format_version" must be "MAJOR.MINOR", got "1"/);
    refuse({ ...metadata, format_version: "01.0" }, tensors, /"format_version" must be "MAJOR.MINOR", got "01.0"/);
    const newerMinor = decodeModel(encodeSafetensors(tensors, { ...metadata, format_version: "1.7", later_feature: "{}" }));
    expect(weightBits(newerMinor)).toEqual(weightBits(m));
    refuse({ ...metadata, format: "pt" }, tensors, /not a wasmlp model: __metadata__ "format" is "pt"/);
    const { format: _, ...noFormat } = metadata;
    refuse(noFormat, tensors, /not a wasmlp model: __metadata__ has no "format"/);
    refuse({ ...metadata, preprocessing: '{"scale": 2}' }, tensors, /"preprocessing": preprocessing: method must be one of/);
    newerMinor.dispose();
    m.dispose();
  });

  it("an architecture that does not match the tensors", () => {
    const m = model();
    const { metadata, tensors } = pieces(m);
    const config = JSON.parse(metadata.config) as ModelConfig;
    const wider = { ...config, layers: [{ ...config.layers[0], units: 4 }, config.layers[1]] };
    refuse({ ...metadata, config: JSON.stringify(wider) }, tensors, /tensor "layers.0.weight": shape \[2,3\] does not match the architecture's \[2,4\]/);
    refuse(metadata, tensors.slice(1), /tensor "layers.0.weight" is missing/);
    refuse(metadata, [...tensors, { name: "extra", shape: [1], data: new Float32Array(1) }], /tensor "extra" is not part of this architecture/);
    refuse({ ...metadata, config: '{"inputs": 2, "layers": [{"type": "conv"}]}' }, tensors, /metadata "config": layers\[0\]: unknown layer type "conv"/);
    const noBias = { ...config, layers: [{ ...config.layers[0], useBias: "no" }, config.layers[1]] };
    refuse({ ...metadata, config: JSON.stringify(noBias) }, tensors, /metadata "config": layers\[0\]: useBias must be true or false, got 'no'/);
    refuse({ ...metadata, config: "{inputs: 2}" }, tensors, /metadata "config" is not valid JSON/);
    refuse({ ...metadata, config: '{"inputs": 0, "layers": [{}]}' }, tensors, /inputs must be a positive integer/);
    const deep = { ...config, layers: [...Array.from({ length: 1023 }, () => ({ type: "dropout", rate: 0 })), ...config.layers] };
    refuse({ ...metadata, config: JSON.stringify(deep) }, tensors, /metadata "config": 1025 layers; model files hold at most 1024/);
    const { config: _, ...noConfig } = metadata;
    refuse(noConfig, tensors, /metadata "config" is missing/);
    m.dispose();
  });

  it("bad compile, optimizer, rng or training metadata", () => {
    const m = model();
    const { metadata, tensors } = pieces(m, true);
    const { optimizer: _o, ...noOptimizer } = metadata;
    refuse({ ...noOptimizer, compile: '{"optimizer": {"type": "adam", "learningRate": -1}}' }, tensors.slice(0, 4),
      /metadata "compile": optimizer 'adam': learningRate must be a finite number > 0, got -1/);
    refuse({ ...metadata, optimizer: '{"type": "sgd", "steps": 1, "state": []}' }, tensors, /type 'sgd' differs from the compiled optimizer 'adam'/);
    refuse({ ...metadata, optimizer: '{"type": "adam", "steps": -1, "state": ["m", "v"]}' }, tensors, /steps must be a non-negative integer/);
    refuse({ ...metadata, optimizer: '{"type": "adam", "steps": 1, "state": ["m"]}' }, tensors, /"optimizer.v.layers.0.weight" is not part of this architecture/);
    const renamed = tensors.map((t) => ({ ...t, name: t.name.replace("optimizer.v.", "optimizer.w.") }));
    refuse({ ...metadata, optimizer: '{"type": "adam", "steps": 1, "state": ["m", "w"]}' }, renamed, /state \[m,w\] does not match adam's buffers \[m,v\]/);
    const { compile: _, ...noCompile } = metadata;
    refuse(noCompile, tensors, /"optimizer" is present but "compile" is not/);
    refuse({ ...metadata, rng: "[0, 0, 0, 0]" }, tensors, /"rng" must be four 32-bit unsigned integers, not all zero/);
    refuse({ ...metadata, training: '{"epochs": "many"}' }, tensors, /"training": epochs must be a non-negative integer/);
    m.dispose();
  });

  it("NaN or infinite weights, unless checkFinite is false; other dtypes", () => {
    const m = model();
    const { metadata, tensors } = pieces(m);
    tensors[1].data[2] = NaN;
    refuse(metadata, tensors, /tensor "layers.0.bias" holds NaN at index 2; weights must be finite/);
    const lenient = decodeModel(encodeSafetensors(tensors, metadata), { checkFinite: false });
    expect(lenient.layerWeights(0).bias!.data[2]).toBeNaN();
    tensors[1].data[2] = -Infinity;
    refuse(metadata, tensors, /holds -Infinity at index 2/);
    expect(() => decodeModel(m.save(), { checkFinit: true } as never)).toThrow(ConfigError);
    lenient.dispose();
    m.dispose();
  });
});
