// ONNX export checked by a real runtime: onnxruntime-web's WebAssembly build,
// loaded from node_modules, must compute what predict() computes for every
// activation, maxout, dropout, missing biases, a model without hidden layers and
// the input preprocessing (Mul and Add nodes on the input).
import { beforeAll, describe, expect, it } from "vitest";
import { dense, dropout, init, maxout, ONNX_OPSET, scaling, Sequential, spiral, type LayerConfig, type Preprocessing } from "../src/index.js";
import { maxRelError, randomF32 } from "./helpers.js";
import { runOnnx, useOnnxRuntime } from "./onnx-runtime.js";
import { parse } from "./protobuf-bytes.js";

beforeAll(async () => {
  await init();
  useOnnxRuntime();
});

const CASES: [string, number, LayerConfig[]][] = [
  ["linear", 4, [dense(6, "linear"), dense(3, "linear")]],
  ["relu", 4, [dense(6, "relu"), dense(3, "softmax")]],
  ["leakyRelu α=0.2", 4, [dense(6, { activation: "leakyRelu", alpha: 0.2 }), dense(3, "softmax")]],
  ["leakyRelu default α", 4, [dense(6, "leakyRelu"), dense(2, "sigmoid")]],
  ["sigmoid", 4, [dense(6, "sigmoid"), dense(1, "sigmoid")]],
  ["tanh", 4, [dense(6, "tanh"), dense(2, "tanh")]],
  ["softmax in a hidden layer", 4, [dense(5, "softmax"), dense(3, "relu")]],
  ["maxout k=2 and k=3", 5, [maxout(7, 2), maxout(4, 3), dense(3, "softmax")]],
  ["maxout as the output", 3, [dense(4, "tanh"), maxout(2, 4)]],
  ["dropout (the identity at inference)", 4, [dense(8, "relu"), dropout(0.5), dense(3, "softmax")]],
  ["no biases", 4, [dense(6, { activation: "relu", useBias: false }), maxout(3, 2, { useBias: false }), dense(2, { activation: "linear", useBias: false })]],
  ["no hidden layer", 4, [dense(3, "softmax")]],
  ["logSoftmax output (LogSoftmax)", 4, [dense(6, "relu"), dense(3, "logSoftmax")]],
  ["a single linear unit", 1, [dense(1, "linear")]],
];

describe("toONNX", () => {
  for (const [name, inputs, layers] of CASES) {
    it(`matches predict within 1e-5: ${name}`, async () => {
      const m = new Sequential({ inputs, layers, seed: 7 });
      const x = randomF32(37 * inputs, 3, -3, 3);
      const expected = m.predict(x);
      const got = await runOnnx(m.toONNX(), x, inputs);
      expect(got.length).toBe(expected.length);
      expect(maxRelError(got, expected)).toBeLessThan(1e-5);
      m.dispose();
    });
  }

  it("matches a trained model, whose weights are not at initial scale", async () => {
    const data = spiral({ pointsPerClass: 40, classes: 3, seed: 2 });
    const m = new Sequential({ inputs: 2, layers: [maxout(16, 3), dense(16, { activation: "leakyRelu", alpha: 0.05 }), dense(3, "softmax")], seed: 2 });
    m.compile({ optimizer: { type: "adam", learningRate: 0.03 } });
    await m.fit(data.x, data.labels!, { epochs: 30 });
    expect(maxRelError(await runOnnx(m.toONNX(), data.x, 2), m.predict(data.x))).toBeLessThan(1e-5);
    m.dispose();
  });

  const PREPROCESSING: [string, Preprocessing][] = [
    ["per column", { method: "standardize", scale: [0.5, 2, 0.1, 1], offset: [1, -2, 0.3, 0] }],
    ["one scale for all columns", scaling(1 / 255)],
    ["an offset only", { method: "none", scale: 1, offset: [0, 1, -1, 0.5] }],
  ];
  for (const [name, p] of PREPROCESSING) {
    it(`applies the preprocessing to the input as predict does, before a first layer without bias too: ${name}`, async () => {
      const m = new Sequential({ inputs: 4, layers: [dense(6, { activation: "relu", useBias: false }), dense(3, "softmax")], seed: 4 });
      m.setPreprocessing(p);
      const x = randomF32(19 * 4, 6, -5, 5);
      expect(maxRelError(await runOnnx(m.toONNX(), x, 4), m.predict(x))).toBeLessThan(1e-5);
      m.dispose();
    });
  }

  it("writes the preprocessing as Mul and Add nodes on the input, leaving the first layer's weights as they are", () => {
    const m = new Sequential({ inputs: 3, layers: [dense(2, "softmax")], seed: 1 });
    m.setPreprocessing({ method: "minmax", scale: 0.5, offset: [1, 2, 3] });
    const graph = decode(decode(m.toONNX()).get(7)![0] as Uint8Array);
    const nodes = graph.get(1)!.map((n) => decode(n as Uint8Array));
    expect(nodes.map((n) => text(n.get(4)![0]))).toEqual(["Mul", "Add", "Gemm", "Softmax", "Identity"]);
    expect(nodes.map((n) => n.get(1)!.map(text))).toEqual([
      ["input", "preprocessing.scale"], ["preprocessing.scaled", "preprocessing.offset"], ["preprocessing.out", "layers.0.weight", "layers.0.bias"],
      ["layers.0.z"], ["layers.0.out"],
    ]);
    const tensors = new Map(graph.get(5)!.map((t) => decode(t as Uint8Array)).map((t) => [text(t.get(8)![0]), t]));
    // One scale for all columns is a scalar (no dims); the offsets are a vector.
    expect(tensors.get("preprocessing.scale")!.get(1)).toBeUndefined();
    expect(new Float32Array((tensors.get("preprocessing.scale")!.get(9)![0] as Uint8Array).slice().buffer)).toEqual(Float32Array.of(0.5));
    expect(tensors.get("preprocessing.offset")!.get(1)).toEqual([3n]);
    const w = tensors.get("layers.0.weight")!.get(9)![0] as Uint8Array;
    expect(new Float32Array(w.slice().buffer)).toEqual(m.getWeights().find((t) => t.name === "layers.0.weight")!.data);
    m.dispose();
  });

  it("is a ModelProto with the current opset, the model's tensor names and a symbolic batch", () => {
    const m = new Sequential({ inputs: 3, layers: [maxout(2, 2), dense(2, "softmax")], seed: 1 });
    const model = decode(m.toONNX());
    expect(model.get(1)).toEqual([10n]);
    expect(text(model.get(2)![0])).toBe("wasmlp");
    const opset = decode(model.get(8)![0] as Uint8Array);
    expect(opset.get(2)).toEqual([BigInt(ONNX_OPSET)]);
    const graph = decode(model.get(7)![0] as Uint8Array);
    const initializers = graph.get(5)!.map((t) => text(decode(t as Uint8Array).get(8)![0]));
    expect(initializers).toEqual(["layers.0.weight", "layers.0.bias", "layers.0.groups", "layers.0.axes", "layers.1.weight", "layers.1.bias"]);
    const ops = graph.get(1)!.map((n) => text(decode(n as Uint8Array).get(4)![0]));
    expect(ops).toEqual(["Gemm", "Reshape", "ReduceMax", "Gemm", "Softmax", "Identity"]);
    const input = decode(graph.get(11)![0] as Uint8Array);
    expect(text(input.get(1)![0])).toBe("input");
    m.dispose();
  });
});

/** A message's fields by number (varints as bigint, other values as bytes), from the test's own protobuf reader. */
function decode(bytes: Uint8Array): Map<number, (bigint | Uint8Array)[]> {
  const fields = new Map<number, (bigint | Uint8Array)[]>();
  for (const { field, value } of parse(bytes)) fields.set(field, [...(fields.get(field) ?? []), value]);
  return fields;
}

const text = (v: bigint | Uint8Array) => new TextDecoder().decode(v as Uint8Array);
