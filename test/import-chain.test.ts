import { describe, expect, it } from "vitest";
import { ModelFileError } from "../src/errors.js";
import { ChainBuilder, type ImportedModel } from "../src/io/import/chain.js";

const op = (name: string, kind = "Op") => ({ name, op: kind });
const origin = { format: "test" };

/** What an imported chain computes for one row, in float64: preprocessing, then each layer (linear, relu, maxout). */
function run(m: ImportedModel, row: number[]): number[] {
  const p = m.preprocessing;
  let x = row.map((v, i) => (p ? v * (p.scale as number[])[i] + (p.offset as number[])[i] : v));
  m.config.layers.forEach((layer, li) => {
    const w = m.weights.find((t) => t.name === `layers.${li}.weight`)!;
    const b = m.weights.find((t) => t.name === `layers.${li}.bias`);
    const [n, k] = w.shape;
    let z = Array.from({ length: k }, (_, j) => (b ? b.data[j] : 0) + x.reduce((s, v, i) => s + v * w.data[i * k + j], 0));
    if (layer.type === "maxout") {
      const pieces = layer.pieces as number;
      z = Array.from({ length: k / pieces }, (_, u) => Math.max(...z.slice(u * pieces, u * pieces + pieces)));
    } else if (layer.activation === "relu") z = z.map((v) => Math.max(0, v));
    expect(n).toBe(x.length);
    x = z;
  });
  return x;
}

describe("ChainBuilder", () => {
  it("makes affine maps on the inputs the preprocessing, composed in order", () => {
    const c = new ChainBuilder(2);
    c.affine(op("sub", "Sub"), 1, [-1, -2]);
    c.affine(op("div", "Div"), [0.5, 0.25], 0);
    c.linear(op("fc"), new Float32Array([1, 0, 0, 1]), 2);
    const m = c.finish(origin);
    expect(m.preprocessing).toEqual({ method: "scale", scale: [0.5, 0.25], offset: -0.5 });
    expect(m.config).toEqual({ inputs: 2, layers: [{ type: "dense", units: 2, activation: "linear", useBias: false }], seed: 0 });
    expect(m.origin.nodes.map((n) => n.became)).toEqual(["preprocessing", "preprocessing", "layers.0"]);
  });

  it("keeps weights and biases bit for bit when nothing folds into them", () => {
    const w = new Float32Array([0.1, -0.2, 0.3, 1e-30, 7, Math.PI]);
    const c = new ChainBuilder(3);
    c.linear(op("fc"), w, 2, new Float32Array([0.7, -1e-8]));
    const m = c.finish(origin);
    expect(m.weights[0].data).toEqual(w);
    expect(m.weights[1].data).toEqual(new Float32Array([0.7, -1e-8]));
    expect(m.preprocessing).toBeNull();
  });

  it("folds a map after a linear layer into it and a map after an activation into the next layer, computing the same function", () => {
    const c = new ChainBuilder(3);
    c.linear(op("fc1"), new Float32Array([0.5, -1, 2, 0.25, -0.75, 1.5]), 2);
    c.affine(op("bias", "Add"), 1, [0.1, -0.2]);
    c.affine(op("bn1", "BatchNormalization"), [2, 0.5], [1, -1]);
    c.activation(op("relu", "Relu"), "relu");
    c.affine(op("bn2", "BatchNormalization"), [3, -2], [0.5, 0.25]);
    c.linear(op("fc2"), new Float32Array([1, -1, 0.5, 2]), 2, [0.3, 0.4]);
    const m = c.finish(origin);
    expect(m.config.layers.map((l) => l.type)).toEqual(["dense", "dense"]);
    for (const row of [[1, 2, 3], [-1, 0.5, 0], [0, 0, -4]]) {
      const h = [0, 1].map((j) => [[0.5, -1], [2, 0.25], [-0.75, 1.5]].reduce((s, wr, i) => s + row[i] * wr[j], 0));
      const bn1 = h.map((v, j) => (v + [0.1, -0.2][j]) * [2, 0.5][j] + [1, -1][j]);
      const r = bn1.map((v) => Math.max(0, v)).map((v, j) => v * [3, -2][j] + [0.5, 0.25][j]);
      const want = [0, 1].map((j) => [0.3, 0.4][j] + r[0] * [1, -1][j] + r[1] * [0.5, 2][j]);
      const got = run(m, row);
      got.forEach((v, j) => expect(v).toBeCloseTo(want[j], 5));
    }
    expect(m.origin.nodes.map((n) => n.became)).toEqual([
      "layers.0", "folded into layers.0", "folded into layers.0", "layers.0 activation", "folded into layers.1", "layers.1",
    ]);
  });

  it("groups consecutive columns into maxout units and folds a following map into the next layer", () => {
    const c = new ChainBuilder(1);
    c.linear(op("fc"), new Float32Array([1, -1, 2, -2]), 4);
    c.maxout(op("max", "ReduceMax"), 2);
    expect(c.width).toBe(2);
    c.affine(op("scale", "Mul"), 2, 0);
    c.linear(op("out"), new Float32Array([1, 1]), 1);
    const m = c.finish(origin);
    expect(m.config.layers[0]).toEqual({ type: "maxout", units: 2, pieces: 2, useBias: false });
    expect(run(m, [3])).toEqual([2 * 3 + 2 * 6]);
    expect(run(m, [-3])).toEqual([2 * 3 + 2 * 6]);
  });

  it("names the node in every refusal", () => {
    const refuse = (f: (c: ChainBuilder) => void, message: RegExp) => {
      const c = new ChainBuilder(2);
      expect(() => f(c)).toThrow(ModelFileError);
      expect(() => f(new ChainBuilder(2))).toThrow(message);
    };
    refuse((c) => c.activation(op("r", "Relu"), "relu"), /node "r" \(Relu\): an activation before the first weighted layer/);
    refuse((c) => c.linear(op("fc", "Gemm"), new Float32Array(5), 3), /node "fc" \(Gemm\): weights of 5 values do not make a \[2, 3\] matrix/);
    refuse((c) => c.linear(op("fc"), new Float32Array(4), 2, [1]), /bias of 1 values for 2 units/);
    refuse((c) => c.affine(op("s", "Sub"), 1, [1, 2, 3]), /node "s" \(Sub\): offset of 3 values for 2 columns/);
    refuse((c) => c.affine(op("d", "Div"), [Infinity, 1], 0), /scale holds a value that is not finite/);
    refuse((c) => {
      c.linear(op("fc"), new Float32Array(4), 2);
      c.activation(op("r", "Relu"), "relu");
      c.activation(op("s", "Sigmoid"), "sigmoid");
    }, /node "s" \(Sigmoid\): an activation must follow a linear layer directly/);
    refuse((c) => {
      c.linear(op("fc"), new Float32Array(4), 2);
      c.activation(op("l", "LeakyRelu"), "leakyRelu", 3);
    }, /leaky ReLU slope 3 is not supported/);
    refuse((c) => {
      c.linear(op("fc"), new Float32Array(6), 3);
      c.maxout(op("m", "ReduceMax"), 2);
    }, /maxout of 2 pieces over 3 values/);
    refuse((c) => {
      c.linear(op("fc"), new Float32Array(4), 2);
      c.activation(op("sm", "Softmax"), "softmax");
      c.affine(op("mul", "Mul"), 2, 0);
      c.finish(origin);
    }, /node "mul" \(Mul\): a per-column scaling after the output activation is not supported/);
    refuse((c) => c.finish(origin), /no weighted layer/);
    expect(() => new ChainBuilder(0)).toThrow(/input width must be a positive integer/);
  });
});
