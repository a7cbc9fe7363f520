// ONNX export: the model as an ONNX graph computing the same function as
// predict(). A few dozen lines of protobuf encoding cover the handful of
// messages a feed-forward graph needs, so the package ships no protobuf library.
import { ConfigError } from "../../errors.js";
import type { LayerConfig } from "../../nn/layers/layer.js";
import { registerEncoder } from "../../model/encoders.js";
import type { ModelConfig, NamedTensor } from "../../model/model.js";
import type { Preprocessing } from "../../nn/preprocessing.js";
import { foldTargetScaling } from "./fold.js";

/** ONNX operator set the export targets; every op used has had its current form since opset 18 or earlier. */
export const ONNX_OPSET = 21;
/** IR version that goes with opset 21. */
const IR_VERSION = 10;
const FLOAT = 1;
const INT64 = 7;

/** Appends protobuf fields to a growing buffer; nested messages are encoded first and written as bytes. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** A varint; int64 values, negative ones included, as two's complement in 64 bits. */
  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    this.reserve(10);
    do {
      const byte = Number(v & 0x7fn);
      v >>= 7n;
      this.buf[this.len++] = v ? byte | 0x80 : byte;
    } while (v);
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  int(field: number, value: number): this {
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.raw(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(value.length);
    this.raw(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** A new, empty protobuf message. */
export const msg = () => new ProtoWriter();

/** TensorProto with little-endian raw_data. */
export function tensor(name: string, dims: number[], type: number, raw: Uint8Array): ProtoWriter {
  const t = msg();
  for (const d of dims) t.int(1, d);
  return t.int(2, type).string(8, name).bytes(9, raw);
}

/** A float32 TensorProto. */
export function floatTensor(name: string, dims: number[], data: Float32Array): ProtoWriter {
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length);
  words.forEach((w, i) => view.setUint32(4 * i, w, true));
  return tensor(name, dims, FLOAT, raw);
}

/** A one-dimensional int64 TensorProto. */
export function int64Tensor(name: string, values: number[]): ProtoWriter {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
  return tensor(name, [values.length], INT64, raw);
}

/** ValueInfoProto of a float matrix [batch, width] with a symbolic batch size. */
function floatMatrixInfo(name: string, width: number): ProtoWriter {
  const shape = msg().message(1, msg().string(2, "batch")).message(1, msg().int(1, width));
  return msg().string(1, name).message(2, msg().message(1, msg().int(1, FLOAT).message(2, shape)));
}

/** A node attribute: a float (f) or an int (i). */
export interface Attribute {
  name: string;
  f?: number;
  i?: number;
}

/** A NodeProto named after its one output. */
export function node(op: string, inputs: string[], output: string, attributes: Attribute[] = []): ProtoWriter {
  const n = msg();
  for (const i of inputs) n.string(1, i);
  n.string(2, output).string(3, output).string(4, op);
  for (const a of attributes) {
    const attr = msg().string(1, a.name);
    if (a.f !== undefined) attr.float(2, a.f).int(20, 1);
    else attr.int(3, a.i!).int(20, 2);
    n.message(5, attr);
  }
  return n;
}

/** The ONNX op (and attributes) of a dense activation; undefined for linear. */
export function activationNode(activation: string, alpha: number, input: string, output: string): ProtoWriter | undefined {
  switch (activation) {
    case "linear": return undefined;
    case "relu": return node("Relu", [input], output);
    case "sigmoid": return node("Sigmoid", [input], output);
    case "tanh": return node("Tanh", [input], output);
    case "leakyRelu": return node("LeakyRelu", [input], output, [{ name: "alpha", f: alpha }]);
    case "softmax": return node("Softmax", [input], output, [{ name: "axis", i: -1 }]);
    case "logSoftmax": return node("LogSoftmax", [input], output, [{ name: "axis", i: -1 }]);
    default: throw new ConfigError(`toONNX: activation '${activation}' has no ONNX equivalent`);
  }
}

/**
 * Mul and Add nodes applying the preprocessing x·scale + offset to the input as the core does (a float32 product,
 * then a float32 sum), so that an import gets the preprocessing back rather than weights it was folded into.
 * Returns the name of the preprocessed value.
 */
export function preprocessingNodes(p: Preprocessing | null, nodes: ProtoWriter[], initializers: ProtoWriter[]): string {
  let x = "input";
  const step = (op: string, values: number | number[], neutral: number, tensorName: string, output: string) => {
    if (typeof values === "number" ? values === neutral : values.every((v) => v === neutral)) return;
    // One value for all columns stays a scalar, so that an import gives back the same form.
    const data = typeof values === "number" ? Float32Array.of(values) : Float32Array.from(values);
    initializers.push(floatTensor(tensorName, typeof values === "number" ? [] : [data.length], data));
    nodes.push(node(op, [x, tensorName], output));
    x = output;
  };
  if (p) {
    step("Mul", p.scale, 1, "preprocessing.scale", "preprocessing.scaled");
    step("Add", p.offset, 0, "preprocessing.offset", "preprocessing.out");
  }
  return x;
}

/** An ONNX ModelProto whose graph maps `input` [batch, inputs] to `output` [batch, outputs] like predict(). */
export function encodeOnnx(config: ModelConfig, weights: NamedTensor[], preprocessing: Preprocessing | null): Uint8Array {
  const byName = new Map(weights.map((w) => [w.name, w]));
  const nodes: ProtoWriter[] = [];
  const initializers: ProtoWriter[] = [];
  let x = preprocessingNodes(preprocessing, nodes, initializers);
  let width = config.inputs;
  config.layers.forEach((layer: LayerConfig, i) => {
    if (layer.type === "dropout") return; // the identity at inference
    const w = byName.get(`layers.${i}.weight`)!;
    const b = byName.get(`layers.${i}.bias`);
    initializers.push(floatTensor(w.name, w.shape, w.data));
    if (b) initializers.push(floatTensor(b.name, b.shape, b.data));
    const z = `layers.${i}.z`;
    nodes.push(node("Gemm", b ? [x, w.name, b.name] : [x, w.name], z));
    if (layer.type === "maxout") {
      // Unit j owns columns j·k … j·k+k−1, so [batch, units·k] → [batch, units, k] and a max over the last axis.
      const units = layer.units as number;
      const pieces = layer.pieces as number;
      initializers.push(int64Tensor(`layers.${i}.groups`, [0, units, pieces]));
      initializers.push(int64Tensor(`layers.${i}.axes`, [2]));
      nodes.push(node("Reshape", [z, `layers.${i}.groups`], `layers.${i}.pieces`));
      nodes.push(node("ReduceMax", [`layers.${i}.pieces`, `layers.${i}.axes`], `layers.${i}.out`, [{ name: "keepdims", i: 0 }]));
      x = `layers.${i}.out`;
      width = units;
      return;
    }
    if (layer.type !== "dense") throw new ConfigError(`toONNX: layer type '${layer.type}' has no ONNX export`);
    const act = activationNode(layer.activation as string, (layer.alpha as number | undefined) ?? 0.01, z, `layers.${i}.out`);
    if (act) nodes.push(act);
    x = act ? `layers.${i}.out` : z;
    width = layer.units as number;
  });
  return modelProto(nodes, initializers, x, config.inputs, width);
}

/** The ModelProto of a graph from `input` [batch, inputs] through `nodes` to `output` [batch, outputs], `last` being the value output copies. */
export function modelProto(nodes: ProtoWriter[], initializers: ProtoWriter[], last: string, inputs: number, outputs: number): Uint8Array {
  const graph = msg();
  nodes.push(node("Identity", [last], "output"));
  for (const n of nodes) graph.message(1, n);
  graph.string(2, "wasmlp");
  for (const t of initializers) graph.message(5, t);
  graph.message(11, floatMatrixInfo("input", inputs));
  graph.message(12, floatMatrixInfo("output", outputs));
  return msg()
    .int(1, IR_VERSION)
    .string(2, "wasmlp")
    .message(7, graph)
    .message(8, msg().string(1, "").int(2, ONNX_OPSET))
    .finish();
}

// model.toONNX() reaches this module through the model's encoder registry (see model/encoders.ts).
registerEncoder("onnx", (model) => {
  const { config, weights, preprocessing } = model.state();
  return encodeOnnx(config, foldTargetScaling(config, weights, preprocessing), preprocessing);
});
