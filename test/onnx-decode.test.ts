// The ONNX decoder against hand-built protobuf bytes (every wire type, packed and
// unpacked repeated fields, each way a tensor stores its values, external data,
// every refusal with its message), against our own export, and, where Python's
// onnx package is installed, against tensors onnx.helper writes and numpy reads.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dense, init, maxout, ModelFileError, ONNX_OPSET, Sequential } from "../src/index.js";
import { decodeOnnx, type DecodeOptions } from "../src/io/onnx/decode.js";
import type { OnnxModel, OnnxTensor } from "../src/io/onnx/onnx-model.js";
import { cat, fixed32, fixed64, int, key, len, str, varint, type Bytes } from "./protobuf-bytes.js";

const f32le = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);
const f64le = (values: number[]) => new Uint8Array(Float64Array.from(values).buffer);
const i64le = (values: (number | bigint)[]) => new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer);

const FLOAT = 1;
const INT32 = 6;
const INT64 = 7;
const FLOAT16 = 10;
const DOUBLE = 11;

/** TensorProto bytes: dims (unpacked), data_type, name, then whatever data fields are given. */
const tensor = (name: string, dims: number[], type: number, ...data: Bytes[]) =>
  cat(...dims.map((d) => int(1, d)), int(2, type), str(8, name), ...data);
const externalEntry = (k: string, v: string) => len(13, str(1, k), str(2, v));
/** A node computing y from x and the initializer "w". */
const matmul = cat(str(1, "x"), str(1, "w"), str(2, "y"), str(3, "mm"), str(4, "MatMul"));
/** ModelProto bytes around graph fields. */
const model = (...graph: Bytes[]) => cat(int(1, 9), str(2, "hand"), len(7, ...graph), len(8, str(1, ""), int(2, 17)));
/** A model whose one initializer "w" is the given TensorProto. */
const withTensor = (t: Uint8Array) => model(len(1, matmul), str(2, "g"), len(5, t));

const decodeTensor = async (t: Uint8Array, options?: DecodeOptions): Promise<OnnxTensor> =>
  (await decodeOnnx(withTensor(t), options)).graph.initializers[0];

/** Decoding must fail with a ModelFileError whose message matches. */
async function refuse(bytes: Uint8Array, message: RegExp | string, options?: DecodeOptions): Promise<void> {
  const e = await decodeOnnx(bytes, options).then(() => undefined, (err: unknown) => err);
  expect(e, `decoded without error; expected ${message}`).toBeInstanceOf(ModelFileError);
  if (typeof message === "string") expect((e as Error).message).toBe(message);
  else expect((e as Error).message).toMatch(message);
}

/** An IEEE half's value in float64, rebuilt from its bits as a float64 bit pattern (normal) or m·2^−24 (subnormal). */
function halfReference(bits: number): number {
  const sign = bits >> 15;
  const e = (bits >> 10) & 31;
  const m = bits & 1023;
  if (e === 0) return (sign ? -1 : 1) * m / 16777216;
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, (sign << 31) | ((e === 31 ? 2047 : e - 15 + 1023) << 20) | (m << 10));
  return view.getFloat64(0);
}

describe("decodeOnnx: the model, graph, nodes and attributes", () => {
  it("reads every field of a hand-built model, skipping unknown fields of each wire type", async () => {
    const unknown = cat(int(99, 5), fixed64(98, 1.5), str(97, "skip me"), fixed32(96, 2));
    const attributes = [
      len(5, str(1, "alpha"), fixed32(2, 0.25), int(20, 1)),
      len(5, str(1, "axis"), int(3, -1), int(20, 2)),
      len(5, str(1, "mode"), str(4, "constant"), int(20, 3)),
      len(5, str(1, "scales"), len(7, f32le([0.5, 2])), fixed32(7, 3), int(20, 6)),
      len(5, str(1, "perm"), len(8, varint(1), varint(0), varint(-5)), int(8, 2 ** 40), int(20, 7)),
      len(5, str(1, "names"), str(9, "a"), str(9, "b"), int(20, 8)),
      len(5, str(1, "value"), len(5, tensor("c", [2], FLOAT, len(4, f32le([1, 2])))), int(20, 4)),
      len(5, str(1, "body"), len(6, [0xff, 0xff, 0xff]), int(20, 5)),
      len(5, str(1, "typeless"), int(3, 7)),
    ];
    const node = cat(str(1, "x"), str(1, ""), str(2, "y"), str(3, "n0"), str(4, "Custom"), str(7, "ai.example"), unknown, ...attributes);
    const input = len(11, str(1, "x"), len(2, len(1, int(1, FLOAT), len(2, len(1, str(2, "batch")), len(1, int(1, 3)), len(1)))));
    const output = len(12, str(1, "y"), len(2, len(4, str(1, "a sequence type"))));
    const bytes = cat(unknown, int(1, 8), str(2, "maker"), str(3, "1.2"), int(5, 3), str(6, "doc"),
      len(7, len(1, node), str(2, "main"), input, output, len(13, str(1, "v")), unknown),
      len(8, str(1, ""), int(2, 18)), len(8, str(1, "ai.onnx.ml"), int(2, 3)), unknown);
    const m = await decodeOnnx(bytes);
    expect(m.irVersion).toBe(8);
    expect(m.producerName).toBe("maker");
    expect(m.producerVersion).toBe("1.2");
    expect(m.opsets).toEqual([{ domain: "", version: 18 }, { domain: "ai.onnx.ml", version: 3 }]);
    expect(m.graph.name).toBe("main");
    expect(m.graph.inputs).toEqual([{ name: "x", elemType: FLOAT, shape: ["batch", 3, null] }]);
    expect(m.graph.outputs).toEqual([{ name: "y" }]);
    const [n] = m.graph.nodes;
    expect({ ...n, attributes: undefined }).toEqual({ name: "n0", opType: "Custom", domain: "ai.example", inputs: ["x", ""], outputs: ["y"], attributes: undefined });
    expect(n.attributes).toEqual([
      { name: "alpha", type: 1, f: 0.25 },
      { name: "axis", type: 2, i: -1 },
      { name: "mode", type: 3, s: "constant" },
      { name: "scales", type: 6, floats: [0.5, 2, 3] },
      { name: "perm", type: 7, ints: [1, 0, -5, 2 ** 40] },
      { name: "names", type: 8, strings: ["a", "b"] },
      { name: "value", type: 4, t: { name: "c", dims: [2], dataType: FLOAT, floats: Float32Array.of(1, 2) } },
      // A subgraph is skipped, not entered: its bytes here are not even a valid message.
      { name: "body", type: 5 },
      // No type field (IR version 1): typed by the value field present.
      { name: "typeless", type: 2, i: 7 },
    ]);
  });

  it("decodes our own export: every node, attribute, initializer and value", async () => {
    await init();
    const m = new Sequential({ inputs: 3, layers: [maxout(4, 2), dense(5, { activation: "leakyRelu", alpha: 0.2 }), dense(2, "softmax")], seed: 4 });
    const decoded = await decodeOnnx(m.toONNX());
    expect(decoded.irVersion).toBe(10);
    expect(decoded.producerName).toBe("wasmlp");
    expect(decoded.opsets).toEqual([{ domain: "", version: ONNX_OPSET }]);
    const g = decoded.graph;
    expect(g.name).toBe("wasmlp");
    expect(g.inputs).toEqual([{ name: "input", elemType: FLOAT, shape: ["batch", 3] }]);
    expect(g.outputs).toEqual([{ name: "output", elemType: FLOAT, shape: ["batch", 2] }]);
    expect(g.nodes.map((n) => [n.opType, n.domain, n.inputs, n.outputs])).toEqual([
      ["Gemm", "", ["input", "layers.0.weight", "layers.0.bias"], ["layers.0.z"]],
      ["Reshape", "", ["layers.0.z", "layers.0.groups"], ["layers.0.pieces"]],
      ["ReduceMax", "", ["layers.0.pieces", "layers.0.axes"], ["layers.0.out"]],
      ["Gemm", "", ["layers.0.out", "layers.1.weight", "layers.1.bias"], ["layers.1.z"]],
      ["LeakyRelu", "", ["layers.1.z"], ["layers.1.out"]],
      ["Gemm", "", ["layers.1.out", "layers.2.weight", "layers.2.bias"], ["layers.2.z"]],
      ["Softmax", "", ["layers.2.z"], ["layers.2.out"]],
      ["Identity", "", ["layers.2.out"], ["output"]],
    ]);
    expect(g.nodes.flatMap((n) => n.attributes)).toEqual([
      { name: "keepdims", type: 2, i: 0 },
      { name: "alpha", type: 1, f: Math.fround(0.2) },
      { name: "axis", type: 2, i: -1 },
    ]);
    const byName = new Map(g.initializers.map((t) => [t.name, t]));
    expect(byName.get("layers.0.groups")).toEqual({ name: "layers.0.groups", dims: [3], dataType: INT64, ints: [0, 4, 2] });
    expect(byName.get("layers.0.axes")).toEqual({ name: "layers.0.axes", dims: [1], dataType: INT64, ints: [2] });
    for (const w of m.getWeights()) {
      const t = byName.get(w.name)!;
      expect(t.dims, w.name).toEqual(w.shape);
      expect(t.dataType).toBe(FLOAT);
      expect(new Uint32Array(t.floats!.buffer, t.floats!.byteOffset, t.floats!.length)).toEqual(new Uint32Array(w.data.buffer, w.data.byteOffset, w.data.length));
    }
    expect(g.initializers).toHaveLength(m.getWeights().length + 2);
    m.dispose();
  });

  it("reads a model from a Node Buffer sharing a pool, at an odd offset", async () => {
    const bytes = withTensor(tensor("w", [3], FLOAT, len(9, f32le([1.5, -2, 3]))));
    const pooled = Buffer.alloc(bytes.length + 3);
    pooled.set(bytes, 3);
    const t = (await decodeOnnx(pooled.subarray(3))).graph.initializers[0];
    expect(t.floats).toEqual(Float32Array.of(1.5, -2, 3));
  });

  it("raw_data reads the same at every alignment in the file, and the values do not share the file's memory", async () => {
    const cases: [number, Uint8Array, unknown][] = [
      [FLOAT, f32le([1.5, -2, 3]), Float32Array.of(1.5, -2, 3)],
      [DOUBLE, f64le([0.1, -2, 1e300]), Float32Array.of(0.1, -2, Infinity)],
      [FLOAT16, new Uint8Array(Uint16Array.of(0x3c00, 0xc000, 0x0001).buffer), Float32Array.of(1, -2, 2 ** -24)],
      [INT32, new Uint8Array(Int32Array.of(1, -2, 3).buffer), [1, -2, 3]],
      [INT64, i64le([1, -2, 2 ** 40]), [1, -2, 2 ** 40]],
    ];
    for (const [type, raw, want] of cases) {
      for (let shift = 0; shift < 8; shift++) {
        // An unknown field of `shift` bytes before the initializer moves its raw_data by as much.
        const bytes = model(len(1, matmul), str(99, "x".repeat(shift)), len(5, tensor("w", [3], type, len(9, raw))));
        const t = (await decodeOnnx(bytes)).graph.initializers[0];
        expect(t.floats ?? t.ints, `type ${type}, shift ${shift}`).toEqual(want);
        bytes.fill(0);
        expect(t.floats ?? t.ints, `type ${type}, shift ${shift}, after the file's bytes changed`).toEqual(want);
      }
    }
  });

  it("names the model in every message when given a name", async () => {
    await refuse(new Uint8Array(0), "model.onnx: not an ONNX model: the file is empty", { name: "model.onnx" });
    await refuse(withTensor(tensor("w", [2], FLOAT, len(9, f32le([1])))), /^m\.onnx: graph\.initializer\[0\] "w": raw_data/, { name: "m.onnx" });
  });
});

describe("decodeOnnx: tensor values", () => {
  it("FLOAT from raw_data, from packed float_data, from unpacked float_data and from a mixture", async () => {
    const values = [0, -0, 1.5, -3.25, 1e-40, 3.4e38, Infinity, -Infinity];
    const expected = Float32Array.from(values);
    for (const data of [
      len(9, f32le(values)),
      len(4, f32le(values)),
      cat(...values.map((v) => fixed32(4, v))),
      cat(len(4, f32le(values.slice(0, 3))), fixed32(4, values[3]), len(4, f32le(values.slice(4)))),
    ]) {
      const t = await decodeTensor(tensor("w", [2, 4], FLOAT, data));
      expect(t).toEqual({ name: "w", dims: [2, 4], dataType: FLOAT, floats: expected });
    }
    const nan = await decodeTensor(tensor("w", [1], FLOAT, len(9, f32le([NaN]))));
    expect(nan.floats![0]).toBeNaN();
  });

  it("DOUBLE from raw_data and double_data, rounded to float32", async () => {
    const values = [0.1, -1 / 3, 1e300, 1e-300, 2 ** 60 + 1, -0];
    const expected = Float32Array.from(values);
    for (const data of [len(9, f64le(values)), len(10, f64le(values)), cat(...values.map((v) => fixed64(10, v)))]) {
      const t = await decodeTensor(tensor("w", [6], DOUBLE, data));
      expect(t.floats).toEqual(expected);
    }
  });

  it("FLOAT16: every bit pattern from raw_data matches a float64 reference (subnormals, infinities, NaN), in small and large tensors", async () => {
    // 65,536 values convert one by one; more go through a table of all halves.
    for (const n of [65536, 65536 * 2 + 3]) {
      const bits = Uint16Array.from({ length: n }, (_, i) => (i * 40503) & 0xffff);
      const t = await decodeTensor(tensor("w", [n], FLOAT16, len(9, new Uint8Array(bits.buffer))));
      expect(t.floats).toHaveLength(n);
      expect(new Set(bits).size).toBe(65536);
      for (let i = 0; i < n; i++) {
        const want = halfReference(bits[i]);
        if (Number.isNaN(want)) expect(t.floats![i], `bits ${bits[i]}`).toBeNaN();
        else if (!Object.is(t.floats![i], want)) expect(t.floats![i], `bits ${bits[i]}`).toBe(want);
      }
    }
  });

  it("FLOAT16 from int32_data, packed and unpacked (the bit patterns as integers)", async () => {
    const bits = [0x0000, 0x8000, 0x3c00, 0xc100, 0x7bff, 0x03ff, 0x0001, 0x7c00, 0xfc00, 0x2e66];
    for (const data of [len(5, ...bits.map((b) => varint(b))), cat(...bits.map((b) => int(5, b)))]) {
      const t = await decodeTensor(tensor("w", [10], FLOAT16, data));
      expect(Array.from(t.floats!)).toEqual(bits.map(halfReference));
    }
  });

  it("INT64 from raw_data and int64_data (packed and unpacked), negatives as two's complement", async () => {
    const values = [0, -1, 1, -(2 ** 53) + 1, 2 ** 53 - 1, -(2 ** 32), 2 ** 32 + 5, -300];
    for (const data of [len(9, i64le(values)), len(7, ...values.map((v) => varint(v))), cat(...values.map((v) => int(7, v)))]) {
      const t = await decodeTensor(tensor("w", [8], INT64, data));
      expect(t).toEqual({ name: "w", dims: [8], dataType: INT64, ints: values });
    }
  });

  it("INT32 from raw_data and int32_data, negatives as ten-byte varints", async () => {
    const values = [0, -1, 2 ** 31 - 1, -(2 ** 31), 42];
    const raw = new Uint8Array(Int32Array.from(values).buffer);
    for (const data of [len(9, raw), len(5, ...values.map((v) => varint(v))), cat(...values.map((v) => int(5, v)))]) {
      expect((await decodeTensor(tensor("w", [5], INT32, data))).ints).toEqual(values);
    }
  });

  it("BOOL (Dropout's training_mode) as 0 and 1, from raw_data bytes and from int32_data", async () => {
    expect((await decodeTensor(tensor("mode", [3], 9, len(9, Uint8Array.of(0, 1, 7))))).ints).toEqual([0, 1, 1]);
    expect((await decodeTensor(tensor("mode", [2], 9, int(5, 0), int(5, 1)))).ints).toEqual([0, 1]);
    expect((await decodeTensor(tensor("mode", [], 9, len(9, Uint8Array.of(0))))).ints).toEqual([0]);
    await expect(decodeTensor(tensor("mode", [2], 9, len(9, Uint8Array.of(0))))).rejects.toThrow(/raw_data holds 1 bytes; dims \[2\] of BOOL need 2/);
  });

  it("dims packed or not; a scalar (no dims) holds one value, a zero dim none", async () => {
    expect((await decodeTensor(cat(len(1, varint(2), varint(3)), int(2, FLOAT), str(8, "w"), len(9, f32le([1, 2, 3, 4, 5, 6]))))).dims).toEqual([2, 3]);
    expect(await decodeTensor(tensor("w", [], FLOAT, len(9, f32le([7]))))).toEqual({ name: "w", dims: [], dataType: FLOAT, floats: Float32Array.of(7) });
    expect(await decodeTensor(tensor("w", [3, 0], FLOAT))).toEqual({ name: "w", dims: [3, 0], dataType: FLOAT, floats: new Float32Array(0) });
  });

  it("other data types keep their dims and type but no values", async () => {
    for (const type of [2, 3, 8, 16, 0, 99]) {
      expect(await decodeTensor(tensor("w", [2, 2], type, len(9, [1, 2, 3])))).toEqual({ name: "w", dims: [2, 2], dataType: type });
    }
  });

  it("a varint of ten bytes is read in full; an eleventh byte or a cut varint is refused", async () => {
    expect((await decodeTensor(tensor("w", [1], INT64, cat(key(7, 0), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])))).ints).toEqual([-1]);
    await refuse(withTensor(tensor("w", [1], INT64, cat(key(7, 0), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x01]))),
      /graph\.initializer\[0\] "w": a varint is longer than 10 bytes \(byte \d+\)/);
    const cut = withTensor(tensor("w", [1], INT64, cat(key(7, 0), [0x80])));
    await refuse(cut, /graph\.initializer\[0\] "w": a varint runs past the end of the message/);
  });
});

describe("decodeOnnx: refusals", () => {
  const raw3 = len(9, f32le([1, 2, 3]));
  const cases: [string, Uint8Array, RegExp | string][] = [
    ["an empty file", new Uint8Array(0), "not an ONNX model: the file is empty"],
    ["JSON text", new TextEncoder().encode('{"format": "x"}'), "not an ONNX model: field 15 is a group (wire type 3), an encoding ONNX never uses (byte 0); the bytes look like JSON text"],
    ["no graph", cat(int(1, 8), str(2, "x")), "not an ONNX model: there is no graph (a ModelProto holds it in field 7)"],
    ["a truncated top level", model(len(1, matmul)).subarray(0, 10), "not an ONNX model: field 7 claims 23 bytes; the message has 0 left (byte 9)"],
    ["wire type 4", cat(key(7, 4), [0]), "not an ONNX model: field 7 is a group (wire type 4), an encoding ONNX never uses (byte 0)"],
    ["wire type 6", cat(key(7, 6), [0]), "not an ONNX model: field 7 has wire type 6, which protobuf does not define (byte 0)"],
    ["field number 0", cat([0x02, 0x00], len(7)), /^not an ONNX model: field key 2 names no field \(byte 0\)$/],
    ["a graph of the wrong wire type", cat(int(7, 1)), /^not an ONNX model: graph \(field 7\) is varint, expected length-delimited/],
    ["an ir_version beyond 2^53", cat(int(1, 2n ** 60n), len(7)), /^not an ONNX model: int64 value 1152921504606846976 is beyond ±\(2\^53 − 1\)/],
    ["a node input of the wrong wire type", model(len(1, int(1, 5))), /^graph\.node\[0\]: input \(field 1\) is varint, expected length-delimited/],
    ["a length past the end of a node", model(len(1, cat(key(4, 2), varint(50), [65]))), /^graph\.node\[0\]: field 4 claims 50 bytes; the message has 1 left/],
    ["raw_data of the wrong size", withTensor(tensor("fc1.weight", [10, 20], FLOAT, len(9, new Uint8Array(400)))),
      'graph.initializer[0] "fc1.weight": raw_data holds 400 bytes; dims [10, 20] of FLOAT need 800'],
    ["float_data of the wrong count", withTensor(tensor("w", [2, 2], FLOAT, len(4, f32le([1, 2, 3])))), 'graph.initializer[0] "w": float_data holds 3 values; dims [2, 2] of FLOAT need 4'],
    ["no data at all", withTensor(tensor("w", [2], FLOAT)), 'graph.initializer[0] "w": float_data holds 0 values; dims [2] of FLOAT need 2 (and there is no raw_data)'],
    ["FLOAT16 in float_data", withTensor(tensor("w", [3], FLOAT16, len(4, f32le([1, 2, 3])))), /int32_data holds 0 values; dims \[3\] of FLOAT16 need 3/],
    ["a packed float run not a multiple of 4", withTensor(tensor("w", [1], FLOAT, len(4, [0, 0, 0, 0, 0]))), /float_data is a packed run of 5 bytes, not a multiple of 4/],
    ["a packed varint run ending inside a varint", withTensor(tensor("w", [1], INT64, len(7, [0x80]))), /int64_data is a packed run of varints that ends inside a varint/],
    ["float_data as varints", withTensor(tensor("w", [1], FLOAT, int(4, 1))), /float_data \(field 4\) is varint, expected fixed32/],
    ["a negative dim", withTensor(tensor("w", [3, -1], FLOAT, raw3)), 'graph.initializer[0] "w": dims [3, -1] include a negative size'],
    ["dims whose product overflows", withTensor(tensor("w", [2 ** 31, 2 ** 31, 2 ** 31], FLOAT, raw3)), /dims \[2147483648, 2147483648, 2147483648\] describe more than 2\^40 elements/],
    ["nine dims", withTensor(tensor("w", [1, 1, 1, 1, 1, 1, 1, 1, 1], FLOAT, len(9, f32le([1])))), /^graph\.initializer\[0\]: has more than 8 dims/],
    ["an INT64 beyond 2^53 in raw_data", withTensor(tensor("w", [2], INT64, len(9, i64le([1, 2n ** 62n])))), /"w": value 1 is beyond ±\(2\^53 − 1\)/],
    ["an INT64 beyond 2^53 in int64_data", withTensor(tensor("w", [1], INT64, int(7, -(2n ** 60n)))), /"w": int64 value -1152921504606846976 is beyond/],
    ["an unknown data_location", withTensor(tensor("w", [3], FLOAT, raw3, int(14, 2))), /data_location is 2; ONNX defines 0 \(in the file\) and 1 \(external\)/],
    ["a segment", withTensor(tensor("w", [3], FLOAT, raw3, len(3, int(1, 0), int(2, 3)))), /"w": is one segment of a larger tensor/],
    ["a sparse initializer", model(len(1, matmul), len(15, len(1, tensor("w", [1], FLOAT, len(9, f32le([1])))))), "graph: 1 sparse initializers; wasmlp reads dense initializers only"],
    ["a reference to a function attribute", model(len(1, str(3, "n"), len(5, str(1, "alpha"), str(21, "a"), int(20, 1)))),
      /^graph\.node\[0\] "n" attribute\[0\] "alpha": refers to the attribute "a" of an enclosing function/],
    ["an attribute ints element beyond 2^53", model(len(1, len(5, str(1, "perm"), int(8, 2n ** 62n)))), /attribute\[0\] "perm": int64 value 4611686018427387904 is beyond/],
    ["a value of rank 9", model(len(11, str(1, "x"), len(2, len(1, len(2, ...Array.from({ length: 9 }, () => len(1, int(1, 1)))))))), /^graph\.input\[0\] "x" type shape: has more than 8 dims/],
    ["a float cut short", model(len(1, len(5, str(1, "alpha"), key(2, 5), [0, 0]))), /^graph\.node\[0\] attribute\[0\] "alpha": field 2 needs 4 bytes; the message has 2 left/],
    ["a double cut short", withTensor(tensor("w", [1], DOUBLE, key(10, 1), [0, 0, 0])), /^graph\.initializer\[0\] "w": field 10 needs 8 bytes; the message has 3 left/],
    ["1,001 operator sets", cat(len(7), ...Array.from({ length: 1001 }, () => len(8, int(2, 1)))), /^not an ONNX model: imports more than 1000 operator sets/],
  ];
  for (const [what, bytes, message] of cases) it(what, () => refuse(bytes, message));

  it("bytes that are not a Uint8Array", () => refuse("model.onnx" as unknown as Uint8Array, "expected the model as a Uint8Array"));

  it("100,001 nodes or initializers are refused before any is decoded", async () => {
    const node = len(1, str(4, "Relu"));
    const nodes = new Uint8Array(node.length * 100_001);
    for (let i = 0; i < 100_001; i++) nodes.set(node, i * node.length);
    await refuse(model(nodes), "graph: more than 100,000 nodes; wasmlp reads graphs of up to that many (a multilayer perceptron needs a few per layer)");
    const init = len(5);
    const inits = new Uint8Array(init.length * 100_001);
    for (let i = 0; i < 100_001; i++) inits.set(init, i * init.length);
    await refuse(model(inits), /^graph: more than 100,000 initializers; wasmlp reads graphs of up to that many/);
    // One node short of the cap decodes.
    expect((await decodeOnnx(model(nodes.subarray(node.length)))).graph.nodes).toHaveLength(100_000);
  });

  it("dims claiming 2^26 values, or a length of 2^62, are refused without allocating for them", async () => {
    const claims = [
      withTensor(tensor("w", [2 ** 13, 2 ** 13], FLOAT, len(4, f32le([1])))),
      withTensor(tensor("w", [2 ** 26], INT64, int(7, 1))),
      withTensor(tensor("w", [2 ** 26], DOUBLE, len(9, new Uint8Array(8)))),
      cat(int(1, 8), key(2, 2), varint(2n ** 62n), [65]),
    ];
    const base = process.memoryUsage().arrayBuffers;
    let most = 0;
    for (let i = 0; i < 200; i++) {
      for (const bytes of claims) {
        await expect(decodeOnnx(bytes)).rejects.toThrow(ModelFileError);
        most = Math.max(most, process.memoryUsage().arrayBuffers - base);
      }
    }
    expect(most).toBeLessThan(16 << 20);
  });

  it("a million node inputs are refused", async () => {
    const input = str(1, "x");
    const inputs = new Uint8Array(input.length * 1_000_001);
    for (let i = 0; i < 1_000_001; i++) inputs.set(input, i * input.length);
    await refuse(model(len(1, str(4, "Concat"), inputs)), /^graph\.node\[0\]: the graph's nodes hold more than 1,000,000 inputs, outputs and attributes/);
  });
});

describe("decodeOnnx: external data", () => {
  const values = [1, -2, 3.5, 4, 5, 6];
  /** A side file with 8 bytes of something else, then the six values, then 4 more bytes. */
  const side = cat(new Uint8Array(8).fill(9), f32le(values), [1, 2, 3, 4]);
  const external = (dims: number[], ...entries: [string, string][]) =>
    tensor("w", dims, FLOAT, int(14, 1), ...entries.map(([k, v]) => externalEntry(k, v)));

  it("reads values at an offset and length, asks for each side file once, and awaits an async reader", async () => {
    const asked: string[] = [];
    const bytes = model(len(1, matmul),
      len(5, external([2, 3], ["location", "weights.bin"], ["offset", "8"], ["length", "24"], ["checksum", "ignored"])),
      len(5, tensor("v", [2], FLOAT, int(14, 1), externalEntry("location", "weights.bin"), externalEntry("offset", "16"), externalEntry("length", "8"))),
      len(5, tensor("u", [1], FLOAT, int(14, 1), externalEntry("location", "sub/dir/other.bin"))));
    const files: Record<string, Uint8Array> = { "weights.bin": side, "sub/dir/other.bin": f32le([7]) };
    const m = await decodeOnnx(bytes, { external: async (location) => (asked.push(location), files[location]) });
    expect(asked).toEqual(["weights.bin", "sub/dir/other.bin"]);
    expect(m.graph.initializers.map((t) => Array.from(t.floats!))).toEqual([values, [3.5, 4], [7]]);
  });

  it("without a length, reads to the end of the side file", async () => {
    const t = await decodeTensor(external([2, 3], ["location", "w.bin"], ["offset", "8"]), { external: () => side.subarray(0, 32) });
    expect(Array.from(t.floats!)).toEqual(values);
  });

  it("refuses offsets and lengths outside the side file or not matching the dims", async () => {
    const read = { external: () => side };
    await refuse(withTensor(external([2, 3], ["location", "w.bin"], ["offset", "37"])), 'graph.initializer[0] "w": offset 37 is past the end of "w.bin" (36 bytes)', read);
    await refuse(withTensor(external([2, 3], ["location", "w.bin"], ["offset", "20"], ["length", "24"])),
      'graph.initializer[0] "w": 24 bytes at offset 20 run past the end of "w.bin" (36 bytes)', read);
    await refuse(withTensor(external([2, 3], ["location", "w.bin"], ["offset", "8"])),
      'graph.initializer[0] "w": "w.bin" holds 28 bytes for it at offset 8; dims [2, 3] of FLOAT need 24', read);
    await refuse(withTensor(external([2, 3], ["location", "w.bin"], ["offset", "-8"])), /external data offset "-8" is not a byte count/, read);
    await refuse(withTensor(external([2, 3], ["location", "w.bin"], ["length", "1e3"])), /external data length "1e3" is not a byte count/, read);
  });

  it("refuses locations that leave the model's folder, before reading anything", async () => {
    let asked = 0;
    const read = { external: () => (asked++, side) };
    for (const location of ["../w.bin", "a/../../w.bin", "/etc/passwd", "..\\w.bin", "a\\b.bin", "C:w.bin", "w.bin\0.txt", "a//b.bin"]) {
      await refuse(withTensor(external([6], ["location", location])), /^graph\.initializer\[0\] "w": external data location ".*" (leaves the model's folder|is absolute or a URL|holds a (backslash|NUL character)|names no file); side files must sit beside the model or below it$/, read);
    }
    await refuse(withTensor(external([6])), 'graph.initializer[0] "w": data_location is EXTERNAL but external_data names no location', read);
    expect(asked).toBe(0);
  });

  it("without a reader, says how to give one", async () => {
    await refuse(withTensor(external([6], ["location", "model.onnx.data"])), 'graph.initializer[0] "w": its values are in the side file "model.onnx.data"; ' +
      'in Node, load the model with loadModel(path), which reads side files beside it, or pass the file to load(bytes, { externalData: { "model.onnx.data": sideFileBytes } })');
  });

  it("a reader that fails or gives no bytes is a ModelFileError; its own ModelFileError passes through", async () => {
    const bytes = withTensor(external([6], ["location", "w.bin"]));
    await refuse(bytes, 'graph.initializer[0] "w": its side file "w.bin" could not be read: ENOENT', { external: () => { throw new Error("ENOENT"); } });
    await refuse(bytes, 'graph.initializer[0] "w": reading the side file "w.bin" gave no bytes', { external: () => "text" as unknown as Uint8Array });
    await refuse(bytes, "no such side file", { external: () => Promise.reject(new ModelFileError("no such side file")) });
  });
});

// ---- Python's onnx package as the reference, where it is installed ----

const PYTHON = existsSync(".cache/venv/bin/python3") ? ".cache/venv/bin/python3" : "python3";
const python = (code: string) => spawnSync(PYTHON, ["-c", code], { encoding: "utf8", timeout: 120_000 });
const withOnnx = python("import onnx, numpy").status === 0;
// CI installs the packages and sets this, so there the check cannot skip.
if (process.env.WASMLP_REQUIRE_PYTHON && !withOnnx) throw new Error(`WASMLP_REQUIRE_PYTHON is set but ${PYTHON} lacks onnx or numpy`);

describe("decodeOnnx against Python's onnx", () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "wasmlp-onnx-decode-")); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it.skipIf(!withOnnx)("tensors onnx.helper writes (float_data, double_data, FLOAT16, INT64, external data) decode to numpy's values", async () => {
    const path = join(dir, "model.onnx");
    const run = python(`
import json, numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
rng = np.random.default_rng(3)
w = rng.standard_normal((3, 4)).astype(np.float32)
d = rng.standard_normal(7) * 1e3
h = np.concatenate([np.array([0, -0.0, 1, -2.5, 65504, 6.1e-5, 5.96e-8, np.inf, -np.inf, np.nan, 0.1]), rng.standard_normal(20)]).astype(np.float16)
i = np.array([-1, -2**40, 2**53 - 1, 0, 7], dtype=np.int64)
big = rng.standard_normal((64, 32)).astype(np.float32)
big2 = rng.standard_normal((40, 16)).astype(np.float32)
tensors = [
    helper.make_tensor("float_data", TensorProto.FLOAT, w.shape, w.ravel().tolist()),
    helper.make_tensor("double_data", TensorProto.DOUBLE, d.shape, d.tolist()),
    helper.make_tensor("half_int32_data", TensorProto.FLOAT16, h.shape, h),
    numpy_helper.from_array(h, "half_raw"),
    helper.make_tensor("int64_data", TensorProto.INT64, i.shape, i.tolist()),
    numpy_helper.from_array(i, "int64_raw"),
    numpy_helper.from_array(d, "double_raw"),
    numpy_helper.from_array(big, "external"),
    numpy_helper.from_array(big2, "external2"),
]
x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])
graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"], name="id")], "g", [x], [y], initializer=tensors)
model = helper.make_model(graph, producer_name="onnx-helper", opset_imports=[helper.make_opsetid("", 13)])
onnx.save_model(model, ${JSON.stringify(path)}, save_as_external_data=True, all_tensors_to_one_file=True, location="weights.bin", size_threshold=1024)
loaded = onnx.load(${JSON.stringify(path)})
out = {}
for t in loaded.graph.initializer:
    a = numpy_helper.to_array(t)
    if a.dtype == np.int64:
        out[t.name] = {"dims": list(a.shape), "ints": a.ravel().tolist()}
    else:
        out[t.name] = {"dims": list(a.shape), "bits": a.astype(np.float32).ravel().view(np.uint32).tolist()}
print(json.dumps({"ir": loaded.ir_version, "tensors": out}))
`);
    expect(run.stderr).toBe("");
    const want = JSON.parse(run.stdout) as { ir: number; tensors: Record<string, { dims: number[]; ints?: number[]; bits?: number[] }> };
    const asked: string[] = [];
    const m: OnnxModel = await decodeOnnx(await readFile(path), { external: (location) => (asked.push(location), readFile(join(dir, location))) });
    expect(asked).toEqual(["weights.bin"]);
    expect(m.irVersion).toBe(want.ir);
    expect(m.producerName).toBe("onnx-helper");
    expect(m.graph.inputs).toEqual([{ name: "x", elemType: FLOAT, shape: ["batch", 4] }]);
    expect(m.graph.initializers.map((t) => t.name).sort()).toEqual(Object.keys(want.tensors).sort());
    for (const t of m.graph.initializers) {
      const w = want.tensors[t.name];
      expect(t.dims, t.name).toEqual(w.dims);
      if (w.ints) {
        expect(t.ints, t.name).toEqual(w.ints);
        continue;
      }
      const got = new Uint32Array(t.floats!.buffer, t.floats!.byteOffset, t.floats!.length);
      expect(got.length, t.name).toBe(w.bits!.length);
      // NaN payloads may differ; every other value must match bit for bit.
      const isNaN32 = (b: number) => (b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0;
      w.bits!.forEach((b, k) => expect(isNaN32(got[k]) && isNaN32(b) ? b : got[k], `${t.name}[${k}]`).toBe(b));
    }
  });
});
