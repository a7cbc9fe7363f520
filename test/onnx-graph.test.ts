// ONNX graph import on hand-built graphs (plain data, no bytes): each operator
// in each opset form becomes the layer, activation or preprocessing it means,
// every graph wasmlp cannot run is refused with a message naming the node, and
// a model's own export comes back with the same layers, weights and
// preprocessing, predicting bit for bit what the original predicts.
import { beforeAll, describe, expect, it } from "vitest";
import { ModelFileError } from "../src/errors.js";
import { buildImported } from "../src/io/import/build.js";
import { decodeOnnx } from "../src/io/onnx/decode.js";
import { importOnnxGraph } from "../src/io/onnx/graph.js";
import type { OnnxAttribute, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo } from "../src/io/onnx/onnx-model.js";
import { dense as denseLayer, dropout, init, maxout, scaling, Sequential, type LayerConfig, type Preprocessing } from "../src/index.js";
import { randomF32 } from "./helpers.js";

// ---- building graphs -------------------------------------------------------

const floats = (name: string, dims: number[], values: number[]): OnnxTensor => ({ name, dims, dataType: 1, floats: Float32Array.from(values) });
const int64s = (name: string, values: number[]): OnnxTensor => ({ name, dims: [values.length], dataType: 7, ints: values });
const int = (name: string, i: number): OnnxAttribute => ({ name, type: 2, i });
const float = (name: string, f: number): OnnxAttribute => ({ name, type: 1, f: Math.fround(f) });
const ints = (name: string, v: number[]): OnnxAttribute => ({ name, type: 7, ints: v });

/** A node named after its output, as our exporter and most converters write them. */
function node(opType: string, inputs: string[], output: string | string[], attributes: OnnxAttribute[] = [], name?: string): OnnxNode {
  const outputs = typeof output === "string" ? [output] : output;
  return { name: name ?? outputs[0], opType, domain: "", inputs, outputs, attributes };
}

interface GraphOptions {
  opset?: number;
  shape?: (number | string | null)[] | null;
  inputs?: OnnxValueInfo[];
  output?: string;
  producer?: [string, string];
}

/** A model from nodes and initializers; the input is "x" of [batch, 4] and the output the last node's first output, unless told. */
function model(nodes: OnnxNode[], initializers: OnnxTensor[], o: GraphOptions = {}): OnnxModel {
  const shape = o.shape === null ? undefined : (o.shape ?? ["batch", 4]);
  return {
    irVersion: 8,
    producerName: o.producer?.[0] ?? "",
    producerVersion: o.producer?.[1] ?? "",
    opsets: [{ domain: "", version: o.opset ?? 17 }],
    graph: {
      name: "g",
      nodes,
      initializers,
      inputs: o.inputs ?? [{ name: "x", elemType: 1, shape }],
      outputs: [{ name: o.output ?? nodes.at(-1)!.outputs[0] }],
    },
  };
}

/** Values 1, 2, 3 … scaled, for weights that are all different. */
const ramp = (n: number, scale = 0.1, from = 1) => Array.from({ length: n }, (_, i) => (from + i) * scale);

/** W [4, 3] and b [3] of a first dense layer. */
const W = floats("W", [4, 3], ramp(12));
const B = floats("b", [3], [0.5, -0.5, 0.25]);

/** Gemm x·W + b, then `tail`. */
const dense = (tail: OnnxNode[] = [], opts: GraphOptions = {}, extra: OnnxTensor[] = []) =>
  model([node("Gemm", ["x", "W", "b"], "z"), ...tail], [W, B, ...extra], opts);

const weight = (m: ReturnType<typeof importOnnxGraph>, name: string) => Array.from(m.weights.find((w) => w.name === name)!.data);
const f32 = (values: number[]) => Array.from(Float32Array.from(values));

function refuses(m: OnnxModel, message: string | RegExp): void {
  expect(() => importOnnxGraph(m)).toThrow(ModelFileError);
  expect(() => importOnnxGraph(m)).toThrow(message);
}

// ---- weighted layers ---------------------------------------------------------

describe("importOnnxGraph: weighted layers", () => {
  it("reads Gemm x·B + C as a dense layer with B's [K, N] weights and C's bias, and records where each node went", () => {
    const m = importOnnxGraph(dense([node("Relu", ["z"], "y")], { producer: ["pytorch", "2.5.0"], opset: 17 }));
    expect(m.config.inputs).toBe(4);
    expect(m.config.layers).toEqual([{ type: "dense", units: 3, activation: "relu" }]);
    expect(weight(m, "layers.0.weight")).toEqual(f32(ramp(12)));
    expect(weight(m, "layers.0.bias")).toEqual([0.5, -0.5, 0.25]);
    expect(m.preprocessing).toBeNull();
    expect(m.origin).toEqual({
      format: "onnx", producer: "pytorch 2.5.0", opset: 17,
      nodes: [{ name: "z", op: "Gemm", became: "layers.0" }, { name: "y", op: "Relu", became: "layers.0 activation" }],
    });
  });

  it("transposes B with transB=1, scales by alpha and beta, and takes C as one value, [N] or [1, N]", () => {
    const wt = floats("Wt", [3, 4], ramp(12)); // [N, K]
    const transposed = [1, 5, 9, 2, 6, 10, 3, 7, 11, 4, 8, 12].map((v) => v * 0.1);
    for (const c of [floats("c", [], [0.5]), floats("c", [1], [0.5]), floats("c", [3], [0.5, 0.5, 0.5]), floats("c", [1, 3], [0.5, 0.5, 0.5])]) {
      const m = importOnnxGraph(model([node("Gemm", ["x", "Wt", "c"], "z", [int("transB", 1), float("alpha", 2), float("beta", 0.5)])], [wt, c]));
      expect(weight(m, "layers.0.weight")).toEqual(f32(transposed.map((v) => 2 * v)));
      expect(weight(m, "layers.0.bias")).toEqual([0.25, 0.25, 0.25]);
    }
  });

  it("reads a Gemm without C as a layer without bias", () => {
    const m = importOnnxGraph(model([node("Gemm", ["x", "W"], "z")], [W]));
    expect(m.config.layers).toEqual([{ type: "dense", units: 3, activation: "linear", useBias: false }]);
    expect(m.weights.map((w) => w.name)).toEqual(["layers.0.weight"]);
  });

  it("reads MatMul by a constant [K, N] and an Add of a vector after it as one layer with that bias", () => {
    const m = importOnnxGraph(model([node("MatMul", ["x", "W"], "h"), node("Add", ["h", "b"], "z"), node("Tanh", ["z"], "y")], [W, B]));
    expect(m.config.layers).toEqual([{ type: "dense", units: 3, activation: "tanh" }]);
    expect(weight(m, "layers.0.weight")).toEqual(f32(ramp(12)));
    expect(weight(m, "layers.0.bias")).toEqual([0.5, -0.5, 0.25]);
    expect(m.origin.nodes.map((n) => n.became)).toEqual(["layers.0", "folded into layers.0", "layers.0 activation"]);
  });

  it("refuses transA=1, a C that differs by row, the data as B, and weights that do not fit the rows", () => {
    refuses(model([node("Gemm", ["x", "W"], "z", [int("transA", 1)])], [W]), 'node "z" (Gemm): transA=1 is not supported; wasmlp reads Gemm with the rows as A (transA=0)');
    refuses(model([node("Gemm", ["x", "W", "c"], "z")], [W, floats("c", [2, 3], ramp(6))]),
      'node "z" (Gemm): bias C of shape [2, 3] is not supported; wasmlp reads a bias of [3], [1, 3] or one value, the same for every row');
    refuses(model([node("Gemm", ["W", "x"], "z")], [W], { shape: ["batch", 3] }), 'node "z" (Gemm): the data must be the first input (A); a Gemm with the data as B is not supported');
    refuses(model([node("MatMul", ["W", "x"], "z")], [W], { shape: ["batch", 3] }), 'node "z" (MatMul): the data must be the first input (x·W)');
    refuses(model([node("MatMul", ["x", "W"], "z")], [W], { shape: ["batch", 5] }), 'the input "x" of shape [batch, 5] has 5 values per row, but the first layer (node "z") takes 4');
    refuses(model([node("MatMul", ["x", "W"], "z")], [W], { shape: ["batch", 2 ** 13, 2 ** 12] }), 'the input "x" of shape [batch, 8192, 4096] has 33554432 values per row, more than the 16777216 wasmlp reads');
    refuses(dense([node("MatMul", ["z", "W"], "y")]), 'node "y" (MatMul): weight "W" of shape [4, 3] takes 4 values per row, but the rows here have 3');
    refuses(model([node("MatMul", ["x", "v"], "z")], [floats("v", [4], ramp(4))]), 'node "z" (MatMul): weight "v" of shape [4] is not a matrix');
  });

  it("refuses weights that are not floating point, naming the initializer", () => {
    refuses(model([node("Gemm", ["x", "Wi"], "z")], [{ name: "Wi", dims: [4, 3], dataType: 7, ints: ramp(12, 1) }]),
      'node "z" (Gemm): weight "Wi" is INT64 (7); weights must be FLOAT, DOUBLE or FLOAT16');
    refuses(dense([node("Add", ["z", "k"], "y")], {}, [{ name: "k", dims: [3], dataType: 6, ints: [1, 2, 3] }]), 'node "y" (Add): constant "k" is INT32 (6)');
  });
});

// ---- activations -------------------------------------------------------------

describe("importOnnxGraph: activations", () => {
  const activationOf = (n: OnnxNode, opset = 17) => importOnnxGraph(dense([n], { opset })).config.layers[0];

  it("reads Relu, Sigmoid, Tanh, Softmax and LogSoftmax", () => {
    for (const [op, activation] of [["Relu", "relu"], ["Sigmoid", "sigmoid"], ["Tanh", "tanh"], ["Softmax", "softmax"], ["LogSoftmax", "logSoftmax"]]) {
      expect(activationOf(node(op, ["z"], "y"))).toMatchObject({ activation });
    }
  });

  it("reads LeakyRelu's alpha as the decimal it was given (default 0.01)", () => {
    expect(activationOf(node("LeakyRelu", ["z"], "y"))).toMatchObject({ activation: "leakyRelu", alpha: 0.01 });
    expect(activationOf(node("LeakyRelu", ["z"], "y", [float("alpha", 0.2)]))).toMatchObject({ activation: "leakyRelu", alpha: 0.2 });
  });

  it("reads Softmax over the row in both opset forms: axis 1 by default before 13 (2-D coercion), -1 from 13; axis 1 or -1 given", () => {
    for (const op of ["Softmax", "LogSoftmax"]) {
      for (const opset of [7, 11, 12, 13, 18, 23]) {
        const activation = op === "Softmax" ? "softmax" : "logSoftmax";
        expect(activationOf(node(op, ["z"], "y"), opset).activation).toBe(activation);
        for (const axis of [1, -1]) expect(activationOf(node(op, ["z"], "y", [int("axis", axis)]), opset).activation).toBe(activation);
      }
    }
  });

  it("refuses a Softmax across the batch", () => {
    for (const opset of [11, 13]) {
      for (const axis of [0, -2]) {
        refuses(dense([node("Softmax", ["z"], "y", [int("axis", axis)])], { opset }),
          `node "y" (Softmax): axis=${axis} is not supported: on rows [batch, n] it normalises across the batch; wasmlp's softmax is over each row (axis 1 or -1)`);
      }
    }
  });
});

// ---- nodes that change nothing at inference ---------------------------------------

describe("importOnnxGraph: pass-through nodes", () => {
  const became = (m: OnnxModel) => importOnnxGraph(m).origin.nodes.map((n) => `${n.op}:${n.became}`);

  it("reads Identity, Cast to FLOAT and Dropout (opset 10 ratio attribute; opset 12 ratio input, training_mode constant false) as nothing", () => {
    expect(became(dense([node("Identity", ["z"], "a"), node("Cast", ["a"], "c", [int("to", 1)]), node("Dropout", ["c"], "y", [float("ratio", 0.5)])], { opset: 10 })))
      .toEqual(["Gemm:layers.0", "Identity:dropped", "Cast:dropped", "Dropout:dropped"]);
    const mode = { name: "mode", dims: [], dataType: 9, ints: [0] };
    expect(became(dense([node("Dropout", ["z", "ratio", "mode"], ["y", ""])], { opset: 12 }, [floats("ratio", [], [0.5]), mode])))
      .toEqual(["Gemm:layers.0", "Dropout:dropped"]);
    expect(became(dense([node("Dropout", ["z", "", "mode"], "y")], { opset: 13 }, [mode]))).toEqual(["Gemm:layers.0", "Dropout:dropped"]);
  });

  it("refuses a Dropout in training mode or whose mask is used, and a Cast to anything but FLOAT", () => {
    refuses(dense([node("Dropout", ["z", "", "mode"], "y")], { opset: 12 }, [{ name: "mode", dims: [], dataType: 9, ints: [1] }]),
      'node "y" (Dropout): training_mode is true; wasmlp imports a model for inference, where Dropout passes its input through');
    refuses(dense([node("Dropout", ["z"], ["d", "mask"]), node("Mul", ["d", "mask"], "y")]), 'node "d" (Dropout): its output "mask" is used; wasmlp reads only a node\'s first output');
    refuses(dense([node("Cast", ["z"], "y", [int("to", 7)])]), 'node "y" (Cast): to=INT64 (7) is not supported; wasmlp computes in float32 and reads only Cast to FLOAT (to=1)');
  });

  it("reads Flatten (axis 1) and Reshape to rows of an input [batch, d1, d2] as rows of d1·d2 inputs", () => {
    const w6 = floats("W6", [6, 2], ramp(12));
    for (const flat of [
      node("Flatten", ["x"], "f"), node("Flatten", ["x"], "f", [int("axis", -2)]),
      node("Reshape", ["x", "s0"], "f"), node("Reshape", ["x", "s1"], "f"), node("Reshape", ["x", "s2"], "f", [int("allowzero", 0)]),
    ]) {
      const m = importOnnxGraph(model([flat, node("Gemm", ["f", "W6"], "y")], [w6, int64s("s0", [0, -1]), int64s("s1", [-1, 6]), int64s("s2", [0, 6])], { shape: ["N", 2, 3] }));
      expect(m.config.inputs).toBe(6);
      expect(m.origin.nodes[0].became).toBe("dropped");
    }
    // A batch size the input fixes may be repeated.
    const fixed = importOnnxGraph(model([node("Reshape", ["x", "s"], "f"), node("Gemm", ["f", "W6"], "y")], [w6, int64s("s", [1, -1])], { shape: [1, 2, 3] }));
    expect(fixed.config.inputs).toBe(6);
  });

  it("refuses a weighted op before the values are rows, a Flatten that is not to rows, and Reshapes that move rows", () => {
    const w6 = floats("W6", [6, 2], ramp(12));
    const grid = (first: OnnxNode[], extra: OnnxTensor[] = []) => model([...first, node("Gemm", [first.at(-1)?.outputs[0] ?? "x", "W6"], "y")], [w6, ...extra], { shape: ["N", 2, 3] });
    refuses(grid([]), 'node "y" (Gemm): Gemm needs rows [batch, n], but the values here are [batch, 2, 3]; add a Flatten (axis 1) before the first layer');
    refuses(grid([node("Flatten", ["x"], "f", [int("axis", 2)])]), 'node "f" (Flatten): axis=2 is not supported; wasmlp reads Flatten to rows [batch, n] (axis 1)');
    refuses(grid([node("Flatten", ["x"], "f", [int("axis", 0)])]), /axis=0 is not supported/);
    for (const s of [[3, -1], [-1, 3], [0, 0, -1], [-1, -1]]) {
      refuses(grid([node("Reshape", ["x", "s"], "f")], [int64s("s", s)]), `node "f" (Reshape): shape [${s.join(", ")}] is not supported for values of 6 columns; wasmlp reads Reshape to rows ([0, -1], [batch, -1] or [-1, 6])`);
    }
    refuses(grid([node("Reshape", ["x", "s"], "f", [int("allowzero", 1)])], [int64s("s", [0, -1])]), /shape \[0, -1\] is not supported/);
  });
});

// ---- per-column affine maps -------------------------------------------------

describe("importOnnxGraph: per-column affine maps", () => {
  const mean = floats("mean", [4], [1, 2, 3, 4]);
  const std = floats("std", [4], [2, 4, 0.5, 1]);

  it("reads scikit-learn's StandardScaler (Sub mean, Div std) as the preprocessing, 1/std computed in float64", () => {
    const m = importOnnxGraph(model([node("Sub", ["x", "mean"], "c"), node("Div", ["c", "std"], "s"), node("Gemm", ["s", "W", "b"], "y")], [mean, std, W, B]));
    expect(m.preprocessing).toEqual({ method: "scale", scale: [0.5, 0.25, 2, 1], offset: [-0.5, -0.5, -6, -4] });
    expect(weight(m, "layers.0.weight")).toEqual(f32(ramp(12)));
    expect(m.origin.nodes.map((n) => n.became)).toEqual(["preprocessing", "preprocessing", "layers.0"]);
  });

  it("reads Add and Mul with the constant on either side, c − x as x·(−1) + c, and scalars for every column", () => {
    const two = floats("two", [], [2]);
    const row = floats("row", [1, 4], [1, 2, 3, 4]);
    const m = importOnnxGraph(model([
      node("Mul", ["two", "x"], "a"), node("Add", ["row", "a"], "b"), node("Sub", ["two", "b"], "c"), node("Gemm", ["c", "W"], "y"),
    ], [two, row, W]));
    // ((x·2) + r)·(−1) + 2 = −2x + (2 − r)
    expect(m.preprocessing).toEqual({ method: "scale", scale: -2, offset: [1, 0, -1, -2] });
  });

  it("folds an affine map right after a layer into it, and one after an activation into the next layer", () => {
    const m = importOnnxGraph(dense([node("Mul", ["z", "k"], "a"), node("Relu", ["a"], "r"), node("Add", ["r", "one"], "q"), node("MatMul", ["q", "I"], "y")], {},
      [floats("k", [3], [2, 2, 2]), floats("one", [], [1]), floats("I", [3, 1], [1, 1, 1])]));
    expect(weight(m, "layers.0.weight")).toEqual(f32(ramp(12).map((v) => 2 * v)));
    expect(weight(m, "layers.0.bias")).toEqual([1, -1, 0.5]);
    // relu(..)·I + 1·I: the shift 1+1+1 becomes the second layer's bias.
    expect(weight(m, "layers.1.bias")).toEqual([3]);
  });

  it("reads BatchNormalization (epsilon default 1e-5) as γ/√(var+ε) and β − mean·γ/√(var+ε), before the first layer or after one", () => {
    const bn = [floats("g", [4], [1, 2, 1, 1]), floats("be", [4], [0, 1, 0, 0]), floats("mu", [4], [1, 0, 0, 2]), floats("var", [4], [4 - 1e-5, 1 - 1e-5, 0.25 - 1e-5, 1 - 1e-5])];
    const m = importOnnxGraph(model([node("BatchNormalization", ["x", "g", "be", "mu", "var"], "n"), node("Gemm", ["n", "W"], "y")], [...bn, W]));
    const scale = [1, 2, 1, 1].map((g, c) => g / Math.sqrt(Math.fround([4 - 1e-5, 1 - 1e-5, 0.25 - 1e-5, 1 - 1e-5][c]) + 1e-5));
    const offset = [0, 1, 0, 0].map((b, c) => b - [1, 0, 0, 2][c] * scale[c]);
    expect(m.preprocessing!.scale).toEqual(scale);
    expect(m.preprocessing!.offset).toEqual(offset);
    expect(m.preprocessing!.scale).toEqual([0.5, 2, 2, 1].map((v) => expect.closeTo(v, 5)));
    const after = importOnnxGraph(dense([node("BatchNormalization", ["z", "g3", "b3", "m3", "v3"], "y", [float("epsilon", 0.001)])], {},
      [floats("g3", [3], [1, 1, 1]), floats("b3", [3], [0, 0, 0]), floats("m3", [3], [0, 0, 0]), floats("v3", [3], [3.999, 3.999, 3.999])]));
    expect(weight(after, "layers.0.bias")).toEqual([0.25, -0.25, 0.125].map((v) => expect.closeTo(v, 6)));
    expect(weight(after, "layers.0.weight")).toEqual(ramp(12).map((v) => expect.closeTo(v / 2, 6)));
  });

  it("spreads constants and BatchNormalization channels of a [batch, C, d] input over its flattened columns", () => {
    const w6 = floats("W6", [6, 1], ramp(6));
    const bn = [floats("g", [2], [1, 1]), floats("be", [2], [10, 20]), floats("mu", [2], [0, 0]), floats("var", [2], [1 - 1e-5, 1 - 1e-5])];
    const m = importOnnxGraph(model([
      node("BatchNormalization", ["x", "g", "be", "mu", "var"], "n"), node("Mul", ["n", "col"], "m"), node("Flatten", ["m"], "f"), node("Gemm", ["f", "W6"], "y"),
    ], [...bn, floats("col", [3], [1, 2, 3]), w6], { shape: ["N", 2, 3] }));
    // Channel c covers columns 3c … 3c+2; the [3] constant repeats along the channels.
    expect(m.preprocessing!.scale).toEqual([1, 2, 3, 1, 2, 3].map((v) => expect.closeTo(v, 5)));
    expect(m.preprocessing!.offset).toEqual([10, 20, 30, 20, 40, 60].map((v) => expect.closeTo(v, 4)));
  });

  it("refuses x / 0, c / x, a constant that varies by row or does not fit, and BatchNormalization in training mode", () => {
    refuses(dense([node("Div", ["z", "k"], "y")], {}, [floats("k", [3], [1, 0, 2])]), 'node "y" (Div): constant "k" divides by 0');
    refuses(dense([node("Div", ["k", "z"], "y")], {}, [floats("k", [3], [1, 1, 2])]), 'node "y" (Div): a constant divided by the data (c / x) is not supported; wasmlp reads x / c, a per-column scaling');
    refuses(dense([node("Add", ["z", "k"], "y")], {}, [floats("k", [2, 3], ramp(6))]),
      'node "y" (Add): constant "k" of shape [2, 3] varies along the batch axis of values [batch, 3]; wasmlp reads per-column constants');
    refuses(dense([node("Add", ["z", "k"], "y")], {}, [floats("k", [4], ramp(4))]), 'node "y" (Add): constant "k" of shape [4] does not broadcast over values [batch, 3]');
    refuses(dense([node("Add", ["z", "k"], "y")], {}, [floats("k", [1, 1, 3], ramp(3))]), 'node "y" (Add): constant "k" of shape [1, 1, 3] has more axes than the values [batch, 3]');
    const bn = ["g", "be", "mu", "var"].map((n) => floats(n, [3], [1, 1, 1]));
    refuses(dense([node("BatchNormalization", ["z", "g", "be", "mu", "var"], "y", [int("training_mode", 1)])], { opset: 15 }, bn),
      'node "y" (BatchNormalization): training_mode=1 is not supported; wasmlp imports a model for inference, with the stored mean and variance');
    refuses(dense([node("BatchNormalization", ["z", "g", "be", "mu", "var"], ["y", "rm"]), node("Add", ["y", "rm"], "q")], { opset: 9 }, bn),
      'node "y" (BatchNormalization): its output "rm" is used');
  });
});

// ---- maxout ---------------------------------------------------------------

describe("importOnnxGraph: the maxout pattern", () => {
  /** Gemm to 6 values, Reshape [0, 3, 2], ReduceMax over the pieces. */
  const maxoutGraph = (opset: number, reduce: OnnxNode, extra: OnnxTensor[] = [], shape = [0, 3, 2]) => model(
    [node("Gemm", ["x", "W6", "b6"], "z"), node("Reshape", ["z", "g"], "p"), reduce],
    [floats("W6", [4, 6], ramp(24)), floats("b6", [6], ramp(6)), int64s("g", shape), ...extra], { opset },
  );

  it("reads Gemm → Reshape [0, units, pieces] → ReduceMax(axis 2, keepdims 0): axes an attribute before opset 18, an input from 18", () => {
    const before = importOnnxGraph(maxoutGraph(17, node("ReduceMax", ["p"], "y", [ints("axes", [2]), int("keepdims", 0)])));
    const after = importOnnxGraph(maxoutGraph(18, node("ReduceMax", ["p", "axes"], "y", [int("keepdims", 0)]), [int64s("axes", [-1])]));
    for (const m of [before, after]) {
      expect(m.config.layers).toEqual([{ type: "maxout", units: 3, pieces: 2 }]);
      expect(weight(m, "layers.0.weight")).toEqual(f32(ramp(24)));
      expect(m.origin.nodes.map((n) => n.became)).toEqual(["layers.0", "dropped", "layers.0 maxout"]);
    }
    expect(importOnnxGraph(maxoutGraph(13, node("ReduceMax", ["p"], "y", [ints("axes", [2]), int("keepdims", 0)]), [], [-1, 3, 2])).config.layers[0]).toMatchObject({ pieces: 2 });
  });

  it("refuses keepdims=1, other axes, another op after the Reshape, a lone ReduceMax and a graph ending after the Reshape", () => {
    refuses(maxoutGraph(17, node("ReduceMax", ["p"], "y", [ints("axes", [2])])), 'node "y" (ReduceMax): keepdims=1 is not supported');
    refuses(maxoutGraph(17, node("ReduceMax", ["p"], "y", [ints("axes", [1]), int("keepdims", 0)])), 'node "y" (ReduceMax): axes [1] are not supported');
    refuses(maxoutGraph(18, node("ReduceMax", ["p"], "y", [int("keepdims", 0)])), 'node "y" (ReduceMax): axes (all) are not supported');
    refuses(maxoutGraph(17, node("Relu", ["p"], "y")), 'node "y" (Relu): after the Reshape of node "p", wasmlp reads only the ReduceMax of the maxout pattern');
    refuses(model([node("Gemm", ["x", "W"], "z"), node("ReduceMax", ["z"], "y", [ints("axes", [1]), int("keepdims", 0)])], [W]),
      'node "y": op ReduceMax is not supported; wasmlp imports multilayer perceptrons made of Gemm, MatMul, Add, Sub, Mul, Div, Relu, LeakyRelu, Sigmoid, Tanh, Softmax, LogSoftmax, Identity, Dropout, Flatten, Reshape, Cast, Constant, BatchNormalization (and ReduceMax in the maxout pattern); ReduceMax is read only as maxout');
    const ends = maxoutGraph(17, node("Identity", ["p"], "y"));
    ends.graph.nodes.pop();
    ends.graph.outputs = [{ name: "p" }];
    refuses(ends, 'the graph ends after the Reshape of node "p", with no ReduceMax to complete the maxout pattern');
  });
});

// ---- constants -------------------------------------------------------------

describe("importOnnxGraph: Constant nodes", () => {
  it("reads value, value_float, value_floats, value_int and value_ints", () => {
    const m = importOnnxGraph(model([
      node("Constant", [], "w", [{ name: "value", type: 4, t: floats("", [4, 3], ramp(12)) }]),
      node("Constant", [], "half", [float("value_float", 0.5)]),
      node("Constant", [], "shift", [{ name: "value_floats", type: 6, floats: [1, 2, 3] }]),
      node("Constant", [], "shape", [ints("value_ints", [0, -1])]),
      node("Constant", [], "ax", [int("value_int", 1)]),
      node("Mul", ["x", "half"], "a"), node("Reshape", ["a", "shape"], "r"), node("MatMul", ["r", "w"], "z"), node("Add", ["z", "shift"], "s"),
      node("Softmax", ["s"], "y", [int("axis", 1)]),
    ], []));
    expect(m.preprocessing).toEqual({ method: "scale", scale: 0.5, offset: 0 });
    expect(weight(m, "layers.0.weight")).toEqual(f32(ramp(12)));
    expect(weight(m, "layers.0.bias")).toEqual([1, 2, 3]);
    expect(m.origin.nodes.map((n) => n.op)).toEqual(["Mul", "Reshape", "MatMul", "Add", "Softmax"]);
  });

  it("reads a Cast to FLOAT (or Identity) of a FLOAT16, DOUBLE or integer initializer as that constant", () => {
    const half: OnnxTensor = { ...floats("w_half", [4, 3], ramp(12)), dataType: 10 };
    const double: OnnxTensor = { ...floats("b_double", [3], [0.5, -0.5, 0.25]), dataType: 11 };
    const m = importOnnxGraph(model([
      node("Cast", ["w_half"], "w", [int("to", 1)]), node("MatMul", ["x", "w"], "h"),
      node("Cast", ["b_double"], "b32", [int("to", 1)]), node("Identity", ["b32"], "b_same"), node("Add", ["h", "b_same"], "z"),
      node("Cast", ["one_int"], "one", [int("to", 1)]), node("Mul", ["z", "one"], "y"),
    ], [half, double, { name: "one_int", dims: [], dataType: 7, ints: [2] }]));
    expect(weight(m, "layers.0.weight")).toEqual(f32(ramp(12).map((v) => 2 * v)));
    expect(weight(m, "layers.0.bias")).toEqual([1, -1, 0.5]);
    expect(m.origin.nodes.map((n) => n.op)).toEqual(["MatMul", "Add", "Mul"]);
    refuses(dense([node("Cast", ["b"], "bi", [int("to", 7)]), node("Add", ["z", "bi"], "y")]), 'node "y" (Add): input "bi" is computed (output of "bi")');
  });

  it("refuses a sparse or string constant and a Constant without a value", () => {
    refuses(dense([node("Constant", [], "k", [{ name: "sparse_value", type: 11 }]), node("Add", ["z", "k"], "y")]),
      'node "k" (Constant): a constant given as sparse_value is not supported; wasmlp reads value, value_float(s) and value_int(s)');
    refuses(dense([node("Constant", [], "k"), node("Add", ["z", "k"], "y")]), 'node "k" (Constant): it holds no value');
  });
});

// ---- inputs, outputs and the graph's shape ------------------------------------

describe("importOnnxGraph: the graph", () => {
  it("refuses an unsupported op with the list of those wasmlp reads and what to do, naming a node without a name by its output", () => {
    const conv = model([node("Conv", ["x", "W"], "c", [], "conv_0"), node("Gemm", ["c", "W"], "y")], [W]);
    // Named before the input's shape is checked against the first layer (36 values per row, not 4).
    conv.graph.inputs[0].shape = ["N", 1, 6, 6];
    refuses(conv, 'node "conv_0": op Conv is not supported; wasmlp imports multilayer perceptrons made of Gemm, MatMul, Add, Sub, Mul, Div, Relu, LeakyRelu, Sigmoid, Tanh, Softmax, LogSoftmax, Identity, Dropout, Flatten, Reshape, Cast, Constant, BatchNormalization (and ReduceMax in the maxout pattern); export the model\'s dense part, or flatten before the first layer');
    refuses(dense([node("Elu", ["z"], "y", [], "")]), /^node #1 \(output "y"\): op Elu is not supported; .*; wasmlp's activations are Relu, LeakyRelu, Sigmoid, Tanh, Softmax and LogSoftmax$/);
    refuses(dense([node("constructor", ["z"], "y")]), /^node "y": op constructor is not supported; .*\(and ReduceMax in the maxout pattern\)$/);
    refuses(dense([node("Transpose", ["z"], "y", [], "")]), /^node #1 \(output "y"\): op Transpose is not supported; .*\(and ReduceMax in the maxout pattern\)$/);
    refuses(dense([node("Relu", ["z"], "a"), node("Cast", ["a"], "y", [int("to", 11)], "")]), 'node #2 (output "y") (Cast): to=DOUBLE (11) is not supported');
  });

  it("refuses operators of other domains, with the standard form of scikit-learn's Scaler", () => {
    const scaler = { ...node("Scaler", ["x"], "s", [{ name: "offset", type: 6, floats: [0, 0, 0, 0] }]), domain: "ai.onnx.ml" };
    refuses(model([scaler, node("Gemm", ["s", "W"], "y")], [W]),
      'node "s": op ai.onnx.ml.Scaler is from domain "ai.onnx.ml", which wasmlp does not read; convert the scaler with skl2onnx\'s options={StandardScaler: {"div": "div"}}, which writes standard Sub and Div nodes');
    refuses(dense([{ ...node("Fused", ["z"], "y"), domain: "com.microsoft" }]), 'node "y": op com.microsoft.Fused is from domain "com.microsoft", which wasmlp does not read');
  });

  it("takes initializers listed among the graph inputs (IR version 3) as weights", () => {
    const m = importOnnxGraph(dense([], { inputs: [{ name: "x", elemType: 1, shape: ["batch", 4] }, { name: "W", elemType: 1, shape: [4, 3] }, { name: "b", elemType: 1, shape: [3] }] }));
    expect(m.config.inputs).toBe(4);
  });

  it("reads the input's batch as a name, -1, 0, unknown or fixed; infers the width from the first layer when the input has no shape", () => {
    for (const batch of ["N", -1, 0, null, 1, 32]) expect(importOnnxGraph(dense([], { shape: [batch, 4] })).config.inputs).toBe(4);
    expect(importOnnxGraph(dense([], { shape: null })).config.inputs).toBe(4);
    expect(importOnnxGraph(dense([], { shape: ["batch", "features"] })).config.inputs).toBe(4);
    const wt = floats("Wt", [3, 5], ramp(15));
    expect(importOnnxGraph(model([node("Flatten", ["x"], "f"), node("Gemm", ["f", "Wt"], "y", [int("transB", 1)])], [wt], { shape: null })).config.inputs).toBe(5);
    refuses(model([node("Relu", ["x"], "y")], [], { shape: null }), 'the input "x" has no shape, and no Gemm or MatMul with a weight matrix follows it to tell its width');
    refuses(dense([], { shape: [4] }), 'the input "x" has shape [4], one axis; wasmlp reads a batch of rows [batch, n] or [batch, d1, d2, …]');
  });

  it("takes a float input, or another type cast to FLOAT first", () => {
    const typed = (elemType: number, first: OnnxNode[]) => model([...first, node("Gemm", [first.at(-1)?.outputs[0] ?? "x", "W"], "y")], [W], { inputs: [{ name: "x", elemType, shape: ["N", 4] }] });
    expect(importOnnxGraph(typed(11, [node("Cast", ["x"], "c", [int("to", 1)])])).config.inputs).toBe(4);
    refuses(typed(11, []), `the input "x" is DOUBLE (11); wasmlp's models take float32 rows (FLOAT), or a Cast to FLOAT first`);
  });

  it("reads opsets 7 to 23 of the standard domain, by either name, and refuses others", () => {
    const at = (opsets: OnnxModel["opsets"]) => ({ ...dense(), opsets });
    expect(importOnnxGraph(at([{ domain: "ai.onnx.ml", version: 3 }, { domain: "ai.onnx", version: 9 }])).origin.opset).toBe(9);
    expect(importOnnxGraph(at([{ domain: "", version: 23 }])).origin).toEqual({ format: "onnx", opset: 23, nodes: expect.any(Array) });
    refuses(at([{ domain: "", version: 6 }]), "opset 6 is older than 7, the oldest wasmlp reads; export the model again with a newer opset");
    refuses(at([{ domain: "", version: 24 }]), "opset 24 is newer than 23, the newest wasmlp reads; export the model with opset 23 or older");
    refuses(at([{ domain: "ai.onnx.ml", version: 3 }]), 'the model imports no opset of the standard operators (domain ""), so their definitions are unknown');
  });

  it("refuses several inputs or outputs", () => {
    refuses(dense([], { inputs: [{ name: "x", elemType: 1, shape: ["N", 4] }, { name: "mask", elemType: 1, shape: ["N", 4] }] }),
      'the graph has 2 inputs ("x", "mask"); wasmlp imports models with one input, a batch of rows');
    const two = dense([node("Relu", ["z"], "y")]);
    two.graph.outputs.push({ name: "z" });
    refuses(two, 'the graph has 2 outputs ("y", "z"); wasmlp imports models with one output');
  });

  it("refuses a branch, a value nothing reads, an input nothing produces, a node off the chain and a cycle", () => {
    refuses(dense([node("Relu", ["z"], "a"), node("Sigmoid", ["z"], "s"), node("Add", ["a", "s"], "y")]),
      'value "z" is read 2 times (by node "a", node "s"); wasmlp imports a single chain of layers, in which each value feeds only the next node');
    refuses(dense([node("Mul", ["z", "z"], "y")]), 'value "z" is read 2 times (by node "y")');
    refuses(dense([node("Relu", ["z"], "y")], { output: "z" }), 'value "z" is read 2 times (by node "y", the graph output)');
    refuses(model([node("Shape", ["x"], "s"), node("Reshape", ["x", "s"], "r"), node("Gemm", ["r", "W"], "y")], [W]),
      /is read 2 times .*; a Reshape whose shape is computed from the data \(x\.view\(x\.size\(0\), -1\)\) is not read: flatten with torch\.flatten\(x, 1\) or nn\.Flatten\(\)/);
    refuses(dense([node("Relu", ["z"], "y")], { output: "q" }), 'value "y" (output of "y") leads nowhere: no node reads it and it is not the graph output "q"');
    refuses(dense([node("Add", ["z", "ghost"], "y")]), 'node "y" (Add): input "ghost" is never produced: it is not the graph input, an initializer, a Constant or a node\'s output');
    refuses(dense([node("Relu", ["z"], "y"), node("Tanh", ["b"], "t")], { output: "y" }), 'node "t" (Tanh): it is not on the chain from the input "x" to the output "y"; wasmlp imports a single chain of layers');
    refuses(dense([node("Add", ["z", "c2"], "c1"), node("Relu", ["c1"], "c2")], { output: "c2" }), /input "c2" is computed \(output of "c2"\); beside the data, wasmlp reads only constants/);
    refuses(dense([node("Relu", ["z"], "y"), node("Tanh", ["c2"], "c1"), node("Sigmoid", ["c1"], "c2")], { output: "y" }), 'node "c1" (Tanh): it is not on the chain from the input "x" to the output "y"');
    refuses(dense([node("Relu", ["z"], "y"), node("Relu", ["y"], "y")]), 'node "y": its output "y" is also produced elsewhere in the graph');
  });

  it("refuses nodes that lack an input they need or hold one of the wrong kind", () => {
    refuses(model([node("Gemm", ["x", "W"], "z", [int("transB", 2)])], [W]), 'node "z" (Gemm): transB=2 is not supported; it must be 0 or 1');
    refuses(model([node("Gemm", ["x"], "z")], []), 'node "z" (Gemm): it has no B input');
    refuses(model([node("MatMul", ["x"], "z")], []), 'node "z" (MatMul): it has no second input');
    refuses(dense([node("Add", ["z"], "y")]), 'node "y" (Add): it has no second input');
    refuses(model([node("Gemm", ["x", "Wv"], "z")], [floats("Wv", [4, 3], ramp(6))]), 'node "z" (Gemm): weight "Wv" of shape [4, 3] is not a matrix');
    refuses(dense([node("Reshape", ["z"], "y")]), 'node "y" (Reshape): it has no shape input');
    refuses(dense([node("Reshape", ["z", "s"], "y")], {}, [floats("s", [2], [0, -1])]), 'node "y" (Reshape): shape "s" is FLOAT (1); it must be INT64 or INT32');
    const bn = ["g", "be", "mu", "var"].map((n) => floats(n, [3], [1, 1, 1]));
    refuses(dense([node("BatchNormalization", ["g", "z", "be", "mu", "var"], "y")], {}, bn), 'node "y" (BatchNormalization): the data must be its first input X');
    refuses(dense([node("BatchNormalization", ["z", "g", "be", "mu"], "y")], {}, bn), 'node "y" (BatchNormalization): it has no var input');
    refuses(dense([node("BatchNormalization", ["z", "g", "be", "mu", "v2"], "y")], {}, [...bn, floats("v2", [2], [1, 1])]), 'node "y" (BatchNormalization): scale, B, mean and var differ in length');
    refuses(dense([node("Dropout", ["z", "", "mode"], "y")], { opset: 12 }, [{ name: "mode", dims: [], dataType: 9 }]),
      'node "y" (Dropout): training_mode "mode" of BOOL (9) cannot be read; it must be a constant false');
    refuses(model([node("Add", ["x", "k"], "a"), node("Gemm", ["a", "W"], "y")], [W, floats("k", [2, 4], ramp(8))], { shape: null }),
      'node "a" (Add): constant "k" of shape [2, 4] does not apply per column to rows of 4 values (the input\'s shape is not given)');
    refuses(dense([node("LeakyRelu", ["z"], "y", [float("alpha", 1.5)])]), 'node "y" (LeakyRelu): leaky ReLU slope 1.5 is not supported');
  });

  it("refuses a graph without a weighted layer", () => {
    refuses(model([node("Identity", ["x"], "y")], []), "the model has no weighted layer (Gemm, MatMul or Dense); wasmlp imports multilayer perceptrons");
  });
});

// ---- round trip ----------------------------------------------------------------

describe("importOnnxGraph: a model's own toONNX()", () => {
  beforeAll(async () => { await init(); });

  const standardize: Preprocessing = { method: "standardize", scale: [0.5, 2, 0.1, 1 / 3], offset: [1, -2, 0.3, 0] };
  const CASES: [string, number, LayerConfig[], Preprocessing | null][] = [
    ["dense layers with per-column preprocessing", 4, [denseLayer(6, { activation: "leakyRelu", alpha: 0.2 }), denseLayer(5, "tanh"), denseLayer(3, "softmax")], standardize],
    ["maxout without biases and one scale for all columns", 3, [maxout(4, 3, { useBias: false }), denseLayer(2, { activation: "sigmoid", useBias: false })], scaling(1 / 255)],
    ["an offset only, dropout and a logSoftmax output", 4, [denseLayer(8, "relu"), dropout(0.5), maxout(3, 2), denseLayer(3, "logSoftmax")], { method: "none", scale: 1, offset: [0, 1, -1, 0.5] }],
    ["no preprocessing and a linear output", 2, [denseLayer(3, "relu"), denseLayer(1, "linear")], null],
  ];

  /** What a layer is, without the training-only fields (initializer) an import cannot know. */
  const shape = (l: LayerConfig) => {
    const { initializer: _, ...rest } = l as LayerConfig & { initializer?: string };
    return rest;
  };

  for (const [name, inputs, layers, preprocessing] of CASES) {
    it(`gives back the layers, the weights and the preprocessing, predicting bit for bit the same: ${name}`, async () => {
      const m = new Sequential({ inputs, layers, seed: 3 });
      if (preprocessing) m.setPreprocessing(preprocessing);
      const imported = importOnnxGraph(await decodeOnnx(m.toONNX()));
      const kept = m.toConfig().layers.filter((l) => l.type !== "dropout");
      expect(imported.config.inputs).toBe(inputs);
      expect(imported.config.layers).toEqual(kept.map(shape));
      // Weights by position: the export drops dropout layers, so later indices shift down.
      const named = (ws: { name: string; data: Float32Array }[], i: number, part: string) => ws.find((w) => w.name === `layers.${i}.${part}`)?.data;
      const original = m.toConfig().layers.map((l, i) => [l, i] as const).filter(([l]) => l.type !== "dropout").map(([, i]) => i);
      original.forEach((i, k) => {
        for (const part of ["weight", "bias"]) expect(named(imported.weights, k, part)).toEqual(named(m.getWeights(), i, part));
      });
      const columns = (v: number | number[]) => Array.from(Float32Array.from(typeof v === "number" ? new Array<number>(inputs).fill(v) : v));
      if (preprocessing) {
        // Values as float32, the form the export writes; one value for all columns comes back as one number.
        expect(columns(imported.preprocessing!.scale)).toEqual(columns(preprocessing.scale));
        expect(columns(imported.preprocessing!.offset)).toEqual(columns(preprocessing.offset));
        expect(typeof imported.preprocessing!.scale).toBe(typeof preprocessing.scale);
      } else expect(imported.preprocessing).toBeNull();
      const copy = buildImported(imported);
      const x = randomF32(23 * inputs, 5, -4, 4);
      expect(copy.predict(x)).toEqual(m.predict(x));
      m.dispose();
      copy.dispose();
    });
  }
});
