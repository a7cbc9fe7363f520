// The container against the safetensors format itself: files written by wasmlp
// are read by an independent parser written here, files written by other tools
// (unpadded, reordered, other dtypes) are read by ours, and every kind of
// malformed header is refused with a message saying what and where.
import { beforeAll, describe, expect, it } from "vitest";
import * as fc from "fast-check";
import { dense, decodeModel, init, maxout, ModelFileError, parseSafetensors, Sequential } from "../src/index.js";
import { encodeSafetensors, readF32 } from "../src/io/safetensors.js";

beforeAll(async () => { await init(); });

/** An independent reader following the format description: u64 LE length, JSON header, raw little-endian data. */
function readSafetensorsIndependently(file: Uint8Array) {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.toString("utf8", 8, 8 + n)) as Record<string, unknown>;
  const base = 8 + n;
  const sizes: Record<string, number> = { F32: 4, F16: 2, I32: 4, U8: 1 };
  const tensors = Object.entries(header).filter(([k]) => k !== "__metadata__").map(([name, v]) => {
    const { dtype, shape, data_offsets: [begin, end] } = v as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const count = shape.reduce((a, b) => a * b, 1);
    expect(end - begin).toBe(count * sizes[dtype]);
    // Bit patterns, read as integers: going through a JS number would quieten signalling NaNs.
    const bits = dtype === "F32" ? Array.from({ length: count }, (_, i) => buf.readUInt32LE(base + begin + 4 * i)) : undefined;
    return { name, dtype, shape, begin, end, bits };
  });
  return { headerLength: n, metadata: header.__metadata__ as Record<string, string> | undefined, tensors, dataLength: buf.length - base };
}

/** A safetensors file built by hand, as another writer might: any header text, any data. */
function rawFile(header: string | object, data: Uint8Array = new Uint8Array(0), pad = 0): Uint8Array {
  const json = new TextEncoder().encode((typeof header === "string" ? header : JSON.stringify(header)) + " ".repeat(pad));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));

describe("files written by wasmlp", () => {
  it("read back by an independent parser: aligned header, F32 tensors contiguous in header order, string metadata", () => {
    const m = new Sequential({ inputs: 3, layers: [maxout(4, 3), dense(2, "softmax")], seed: 1 }).compile({ optimizer: "adam" });
    const bytes = m.save({ optimizer: true });
    const f = readSafetensorsIndependently(bytes);
    expect(f.headerLength % 8).toBe(0);
    expect(Object.values(f.metadata!).every((v) => typeof v === "string")).toBe(true);
    expect(f.tensors.map((t) => t.name)).toEqual([
      "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
      ...["m", "v"].flatMap((s) => ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"].map((n) => `optimizer.${s}.${n}`)),
    ]);
    let at = 0;
    for (const t of f.tensors) {
      expect(t.dtype).toBe("F32");
      expect(t.begin).toBe(at);
      at = t.end;
    }
    expect(at).toBe(f.dataLength);
    const weights = m.getWeights();
    for (const w of weights) {
      const t = f.tensors.find((x) => x.name === w.name)!;
      expect(t.shape).toEqual(w.shape);
      expect(t.bits).toEqual(bitsOf(w.data));
    }
    expect(f.tensors.find((t) => t.name === "layers.0.weight")!.shape).toEqual([3, 12]);
    m.dispose();
  });

  it("round-trips any tensors and metadata through our writer and both readers (property)", () => {
    const name = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== "__metadata__");
    const tensor = fc.record({
      shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
      seed: fc.integer(),
    });
    fc.assert(fc.property(fc.uniqueArray(fc.tuple(name, tensor), { selector: ([n]) => n, maxLength: 6 }), fc.dictionary(fc.string(), fc.string()), (specs, metadata) => {
      const tensors = specs.map(([n, { shape, seed }]) => {
        const count = shape.reduce((a, b) => a * b, 1);
        const data = new Float32Array(new Uint32Array(count).map((_, i) => Math.imul(seed ^ i, 2654435761) >>> 0).buffer);
        return { name: n, shape, data };
      });
      const bytes = encodeSafetensors(tensors, metadata);
      const ours = parseSafetensors(bytes);
      const theirs = readSafetensorsIndependently(bytes);
      expect({ ...ours.metadata }).toEqual(metadata);
      expect(theirs.metadata).toEqual(metadata);
      // Integer-like names come first when JSON is parsed into objects, so tensors are matched by name.
      expect(ours.tensors.length).toBe(tensors.length);
      for (const t of tensors) {
        const mine = ours.tensors.find((x) => x.name === t.name)!;
        expect(mine.shape).toEqual(t.shape);
        expect(bitsOf(readF32(ours, mine))).toEqual(bitsOf(t.data));
        expect(theirs.tensors.find((x) => x.name === t.name)!.bits).toEqual(bitsOf(t.data));
      }
      const text = new TextDecoder().decode(bytes.subarray(8, ours.dataStart));
      // A key starts after '{' or ','; inside another key the same characters are escaped ("\"valu" holds "valu").
      const keyAt = (key: string) => [`{${key}`, `,${key}`].map((k) => text.indexOf(`${k}:{"dtype"`)).filter((i) => i >= 0)[0];
      const positions = tensors.map((t) => keyAt(JSON.stringify(t.name)));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }), { numRuns: 300 });
  });

  it("reads each tensor by its own name when one name holds another's quoted form", () => {
    const tensors = [{ name: '"valu', shape: [1], data: Float32Array.of(1) }, { name: "valu", shape: [1], data: Float32Array.of(2) }];
    const f = parseSafetensors(encodeSafetensors(tensors, {}));
    expect(tensors.map((t) => readF32(f, f.tensors.find((x) => x.name === t.name)!)[0])).toEqual([1, 2]);
  });
});

describe("files written by other tools", () => {
  it("an unpadded header, tensors listed out of data order, other dtypes and an empty tensor", () => {
    const data = new Uint8Array(4 * 3 + 2 * 2);
    const view = new DataView(data.buffer);
    [1.5, -2, 3.25].forEach((v, i) => view.setFloat32(4 + 4 * i, v, true));
    const bytes = rawFile({
      "b.ψ": { dtype: "F32", shape: [3], data_offsets: [4, 16] },
      half: { dtype: "F16", shape: [2], data_offsets: [0, 4] },
      empty: { dtype: "F32", shape: [0, 5], data_offsets: [16, 16] },
    }, data);
    expect((bytes.length - data.length) % 4).not.toBe(0);
    const f = parseSafetensors(bytes);
    expect(Object.keys(f.metadata)).toEqual([]);
    expect(f.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([["b.ψ", "F32", [3]], ["half", "F16", [2]], ["empty", "F32", [0, 5]]]);
    expect(Array.from(readF32(f, f.tensors[0]))).toEqual([1.5, -2, 3.25]);
    expect(readF32(f, f.tensors[2]).length).toBe(0);
    expect(() => readF32(f, f.tensors[1])).toThrow(/tensor "half": dtype F16, expected F32/);
    expect(() => decodeModel(bytes)).toThrow(/not a wasmlp model: __metadata__ has no "format" \(a plain safetensors file\?\)/);
  });
});

describe("malformed containers are refused with a ModelFileError saying what and where", () => {
  const t = (offsets: [number, number], shape: unknown = [(offsets[1] - offsets[0]) / 4], dtype: unknown = "F32") => ({ dtype, shape, data_offsets: offsets });
  const refuse = (bytes: Uint8Array, message: RegExp, limit?: number) => {
    expect(() => parseSafetensors(bytes, limit)).toThrow(ModelFileError);
    expect(() => parseSafetensors(bytes, limit)).toThrow(message);
  };
  const withLength = (bytes: Uint8Array, low: number, high = 0) => {
    const copy = bytes.slice();
    new DataView(copy.buffer).setUint32(0, low, true);
    new DataView(copy.buffer).setUint32(4, high, true);
    return copy;
  };
  const good = rawFile({ a: t([0, 8]), b: t([8, 12]) }, new Uint8Array(12));

  it("header length: too short a file, huge, over the limit, past the end", () => {
    expect(() => parseSafetensors(good)).not.toThrow();
    refuse(new Uint8Array(5), /file is 5 bytes; a safetensors file starts with an 8-byte header length/);
    refuse(withLength(good, 0, 1), /header length 4294967296 \(bytes 0-7\) exceeds the limit of 100000000 bytes/);
    refuse(withLength(good, 0xffffffff, 0xffffffff), /exceeds the limit/);
    refuse(good, /exceeds the limit of 16 bytes/, 16);
    refuse(withLength(good, good.length), new RegExp(`header length ${good.length} \\(bytes 0-7\\) points past the end of the ${good.length}-byte file`));
  });

  it("header text: not starting with '{', not UTF-8, not JSON, not an object, duplicate keys", () => {
    refuse(rawFile(" {}"), /must be a JSON object starting with '\{'/);
    refuse(rawFile("[1, 2]"), /must be a JSON object starting with '\{'/);
    const badUtf8 = rawFile('{"a":1}');
    badUtf8[10] = 0xff;
    refuse(badUtf8, /header \(bytes 8-15\) is not valid UTF-8/);
    refuse(rawFile('{"a": '), /header \(bytes 8-14\) is not valid JSON/);
    refuse(rawFile('{"a": 1} x'), /is not valid JSON/);
    refuse(rawFile('{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', new Uint8Array(4)),
      /header: the header has the key "a" twice/);
    refuse(rawFile('{"__metadata__": {"k": "1", "k": "2"}}'), /header: "__metadata__" has the key "k" twice/);
    refuse(rawFile('{"__metadata__": {"k": 1}}'), /"__metadata__"."k" must be a string, got number/);
    refuse(rawFile('{"__metadata__": []}'), /"__metadata__" must be an object of strings/);
  });

  it("tensor entries: dtype, shape, element count overflow, offsets", () => {
    refuse(rawFile({ a: t([0, 4], [1], "F33") }, new Uint8Array(4)), /tensor "a": unknown dtype "F33"; known: BOOL, U8/);
    refuse(rawFile({ a: t([0, 4], [-1]) }, new Uint8Array(4)), /tensor "a": shape\[0\] is -1, not a non-negative integer/);
    refuse(rawFile({ a: t([0, 4], [1.5]) }, new Uint8Array(4)), /shape\[0\] is 1.5/);
    refuse(rawFile({ a: t([0, 4], "1") }, new Uint8Array(4)), /shape must be an array/);
    refuse(rawFile({ a: t([0, 4], [2 ** 31, 2 ** 31, 2 ** 31]) }, new Uint8Array(4)), /shape \[2147483648,2147483648,2147483648\] has more elements than can be counted/);
    refuse(rawFile({ a: t([0, 4], [2 ** 26, 2 ** 26]) }, new Uint8Array(4)), /of F32 has more bytes than can be counted/);
    refuse(rawFile({ a: t([0, 4], [1e400]) }, new Uint8Array(4)), /shape\[0\] is null/);
    refuse(rawFile({ a: t([0, 4], [2]) }, new Uint8Array(4)), /tensor "a": shape \[2\] of F32 needs 8 bytes, data offsets \[0, 4\) hold 4/);
    refuse(rawFile({ a: { ...t([0, 4]), data_offsets: [4, 0] } }, new Uint8Array(4)), /data offsets \[4, 0\) end before they begin/);
    refuse(rawFile({ a: { ...t([0, 4]), data_offsets: [0] } }, new Uint8Array(4)), /data_offsets must be \[begin, end\]/);
    refuse(rawFile({ a: { ...t([0, 4]), extra: 1 } }, new Uint8Array(4)), /tensor "a": unknown field "extra"/);
    refuse(rawFile({ "": t([0, 4]) }, new Uint8Array(4)), /a tensor has an empty name/);
    refuse(rawFile({ a: [1] }, new Uint8Array(4)), /tensor "a": expected \{dtype, shape, data_offsets\}/);
  });

  it("coverage: overlap, holes, past the end, trailing bytes", () => {
    refuse(rawFile({ a: t([0, 8]), b: t([4, 12]) }, new Uint8Array(12)), /tensor "b": data offsets \[4, 12\) overlap the previous tensor "a" \[0, 8\)/);
    refuse(rawFile({ a: t([0, 4]), b: t([8, 12]) }, new Uint8Array(12)), /tensor "b": data offsets \[8, 12\) leave a hole of 4 bytes after byte 4/);
    refuse(rawFile({ a: t([4, 8]) }, new Uint8Array(8)), /leave a hole of 4 bytes after byte 0/);
    refuse(rawFile({ a: t([0, 8]), b: t([8, 16]) }, new Uint8Array(12)), /tensor "b": data offsets \[8, 16\) run past the end of the 12-byte data section/);
    refuse(rawFile({ a: t([0, 8]) }, new Uint8Array(12)), /data section has 4 trailing bytes after the last tensor \(ends at 8 of 12\)/);
    refuse(rawFile({}, new Uint8Array(1)), /1 trailing bytes/);
  });
});
