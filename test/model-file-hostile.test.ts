// Hostile model files: more than 10,000 corrupted variants of small valid files,
// float and quantised, plus fast-check properties over arbitrary bytes and headers. Every variant must
// be refused with a ModelFileError or load exactly what it says; none may crash,
// hang, leak core memory or allocate more than a small multiple of its size.
import * as fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Core } from "../src/runtime/core.js";
import { getCore, init, ModelFileError, parseSafetensors, Sequential, dense, dropout, maxout, spiral } from "../src/index.js";
import { decodeModel } from "../src/io/model-file.js";
import { decodeQuantizedModel, encodeQuantized, isQuantizedFile } from "../src/io/quantized-file.js";
import { readF32, readI8 } from "../src/io/safetensors.js";
import type { QuantizedModel } from "../src/model/quantized-model.js";
import { rng, watchPeakAllocation } from "./helpers.js";

let core: Core;
const bases: { name: string; bytes: Uint8Array }[] = [];
let allocation: ReturnType<typeof watchPeakAllocation>;

beforeAll(async () => {
  await init();
  core = getCore();
  allocation = watchPeakAllocation(core);
  const data = spiral({ pointsPerClass: 10, classes: 2, seed: 1 });
  const a = new Sequential({ inputs: 2, layers: [dense(4, "relu"), dense(2, "softmax")], seed: 1 }).compile({ optimizer: "adam" });
  await a.fit(data.x, data.labels!, { epochs: 1 });
  const b = new Sequential({ inputs: 2, layers: [maxout(3, 2, { useBias: false }), dropout(0.2), dense(1, { activation: "leakyRelu", alpha: 0.2 })], seed: 2 })
    .compile({ optimizer: { type: "momentum", learningRate: 0.1 }, loss: "meanSquaredError", metrics: [] });
  const c = new Sequential({ inputs: 3, layers: [dense(2, "tanh")], seed: 3 });
  bases.push({ name: "dense+adam state", bytes: a.save({ optimizer: true }) }, { name: "maxout+dropout", bytes: b.save() }, { name: "single layer", bytes: c.save() });
  // Quantised files (format 1.1) of the same models: I8 weights and zero points beside F32 scales and biases.
  const x = { data: data.x, rows: data.x.length / 2, cols: 2 };
  const quantized = [a.quantize({ calibration: x }), b.quantize({ calibration: x, method: "minmax" }), c.quantize({ calibration: { data: new Float32Array(30).map((_, i) => Math.sin(i)), rows: 10, cols: 3 } })];
  bases.push(...quantized.map((q, i) => ({ name: `int8 ${["dense", "maxout", "single layer"][i]}`, bytes: encodeQuantized(q.state()) })));
  for (const q of quantized) q.dispose();
  for (const m of [a, b, c]) m.dispose();
});

afterAll(() => allocation.restore());

interface Outcome {
  loaded: boolean;
  message?: string;
  /** Most core bytes allocated while loading, over the file's size. */
  ratio: number;
  ms: number;
}

/** Loads one variant and checks the contract: a ModelFileError, or a model holding exactly the file's tensors; no leak. */
function attempt(bytes: Uint8Array, what: string): Outcome {
  const before = core.allocator.bytesInUse;
  allocation.reset();
  const t0 = performance.now();
  let model: Sequential | QuantizedModel | undefined;
  try {
    model = quantized(bytes) ? decodeQuantizedModel(bytes) : decodeModel(bytes);
  } catch (e) {
    const ms = performance.now() - t0;
    if (!(e instanceof ModelFileError)) throw new Error(`${what}: threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
    expect(e.message.length, what).toBeGreaterThan(10);
    expect(core.allocator.bytesInUse, `${what}: leaked core memory`).toBe(before);
    expect(allocation.peak() - before, `${what}: allocated while failing`).toBeLessThan(4 * bytes.length + 1);
    // An empty variant allocates nothing; its ratio is 0, not 0/0.
    return { loaded: false, message: e.message, ratio: (allocation.peak() - before) / Math.max(bytes.length, 1), ms };
  }
  const ms = performance.now() - t0;
  const ratio = (allocation.peak() - before) / Math.max(bytes.length, 1);
  expect(ratio, `${what}: allocated ${allocation.peak() - before} bytes`).toBeLessThan(4);
  const file = parseSafetensors(bytes);
  const tensor = (name: string) => file.tensors.find((x) => x.name === name)!;
  const f32Bits = (a: Float32Array) => new Uint32Array(a.slice().buffer).join();
  if (model instanceof Sequential) {
    for (const w of model.getWeights()) expect(f32Bits(w.data), `${what}: ${w.name}`).toBe(f32Bits(readF32(file, tensor(w.name))));
  } else {
    model.state().layers.forEach((l, i) => {
      expect(l.weights.join(), `${what}: layer ${i} weights`).toBe(readI8(file, tensor(`layers.${i}.weight`)).join());
      expect(f32Bits(l.weightScales), `${what}: layer ${i} scales`).toBe(f32Bits(readF32(file, tensor(`layers.${i}.weight_scale`))));
      expect(f32Bits(l.bias), `${what}: layer ${i} bias`).toBe(f32Bits(readF32(file, tensor(`layers.${i}.bias`))));
      expect(l.inputZeroPoint, `${what}: layer ${i} zero point`).toBe(readI8(file, tensor(`layers.${i}.input_zero_point`))[0]);
    });
  }
  model.predict(new Float32Array(model.inputs * 2));
  model.dispose();
  expect(core.allocator.bytesInUse, `${what}: leaked core memory`).toBe(before);
  return { loaded: true, ratio, ms };
}

/** Whether the bytes are a quantised file, so that it goes to the quantised reader (which checks it all again). */
function quantized(bytes: Uint8Array): boolean {
  try {
    return isQuantizedFile(parseSafetensors(bytes));
  } catch {
    return false;
  }
}

/** Splits a file into header object and data so structured mutations can rebuild it. */
function split(bytes: Uint8Array): { header: Record<string, any>; data: Uint8Array } {
  const f = parseSafetensors(bytes);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, f.dataStart)));
  return { header, data: bytes.subarray(f.dataStart) };
}

function join(headerText: string, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

type Mutation = (bytes: Uint8Array, r: () => number) => Uint8Array;
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: () => number, n: number) => Math.floor(r() * n);
const headerEnd = (bytes: Uint8Array) => 8 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);

/** Edits one tensor entry of the header. */
const tensorEdit = (edit: (t: any, r: () => number, h: Record<string, any>) => void): Mutation => (bytes, r) => {
  const { header, data } = split(bytes);
  const names = Object.keys(header).filter((k) => k !== "__metadata__");
  edit(header[pick(r, names)], r, header);
  return join(JSON.stringify(header), data);
};

/** Edits one metadata value (a JSON string) of the header. */
const metaEdit = (key: string, values: unknown[]): Mutation => (bytes, r) => {
  const { header, data } = split(bytes);
  const v = pick(r, values);
  if (v === undefined) delete header.__metadata__[key];
  else header.__metadata__[key] = typeof v === "function" ? v(header.__metadata__[key], r) : v;
  return join(JSON.stringify(header), data);
};

/** Edits the model config through a function of the parsed config. */
const configEdit = (edit: (c: any, r: () => number) => void): Mutation => metaEdit("config", [(text: string, r: () => number) => {
  const c = JSON.parse(text);
  edit(c, r);
  return JSON.stringify(c);
}]);

const MUTATIONS: Record<string, Mutation> = {
  truncated: (b, r) => b.slice(0, int(r, b.length)),
  "bits flipped anywhere": (b, r) => {
    const out = b.slice();
    for (let k = 1 + int(r, 3); k > 0; k--) out[int(r, out.length)] ^= 1 << int(r, 8);
    return out;
  },
  "bits flipped in the header": (b, r) => {
    const out = b.slice();
    out[int(r, headerEnd(b))] ^= 1 << int(r, 8);
    return out;
  },
  "JSON characters written into the header": (b, r) => {
    const out = b.slice();
    for (let k = 1 + int(r, 2); k > 0; k--) out[8 + int(r, headerEnd(b) - 8)] = pick(r, [...'{}[]":,0123456789-.eE ntfa\\'].map((c) => c.charCodeAt(0)));
    return out;
  },
  "data bits flipped (NaN, Inf or other weights)": (b, r) => {
    const out = b.slice();
    const start = headerEnd(b);
    out[start + int(r, out.length - start)] ^= 1 << int(r, 8);
    return out;
  },
  "NaN or Inf written into a weight": (b, r) => {
    const out = b.slice();
    const start = headerEnd(b);
    const at = start + 4 * int(r, (out.length - start) / 4);
    new DataView(out.buffer).setUint32(at, pick(r, [0x7fc00000, 0x7f800000, 0xff800000, 0x7f800001, 0xffffffff]), true);
    return out;
  },
  "header length huge": (b, r) => {
    const out = b.slice();
    const v = new DataView(out.buffer);
    v.setUint32(0, int(r, 2 ** 32), true);
    v.setUint32(4, 1 + int(r, 2 ** 32 - 1), true);
    return out;
  },
  "header length past the end or short": (b, r) => {
    const out = b.slice();
    const n = headerEnd(b) - 8;
    new DataView(out.buffer).setUint32(0, pick(r, [b.length - 8 + 1 + int(r, 1000), n + 1 + int(r, 64), int(r, n), 0, 1, b.length - 8]), true);
    return out;
  },
  "trailing bytes": (b, r) => {
    const out = new Uint8Array(b.length + 1 + int(r, 64));
    out.set(b);
    return out;
  },
  "header not JSON": (b, r) => {
    const out = b.slice();
    for (let i = 9; i < headerEnd(b); i++) out[i] = 32 + int(r, 95);
    return out;
  },
  "header from another file": (b, r) => {
    const other = pick(r, bases).bytes;
    return join(new TextDecoder().decode(other.subarray(8, headerEnd(other))), b.subarray(headerEnd(b)));
  },
  "offsets shifted (overlap, hole, size)": tensorEdit((t, r) => { t.data_offsets[int(r, 2)] += pick(r, [-8, -4, -1, 1, 4, 8, 1e6, 2 ** 53]); }),
  "offsets shifted together": tensorEdit((t, r) => { const d = pick(r, [-4, 4, 8]); t.data_offsets = t.data_offsets.map((o: number) => o + d); }),
  "offsets swapped between tensors": tensorEdit((t, r, h) => {
    const other = h[pick(r, Object.keys(h).filter((k) => k !== "__metadata__"))];
    [t.data_offsets, other.data_offsets] = [other.data_offsets, t.data_offsets];
  }),
  "offsets malformed": tensorEdit((t, r) => { t.data_offsets = pick(r, [[0], [1, 0], [-4, 0], ["0", "4"], null, [0.5, 4.5], [0, 1e400]]); }),
  "shape product overflows": tensorEdit((t, r) => { t.shape = pick(r, [[2 ** 31, 2 ** 31, 2 ** 31], [2 ** 53, 2], [2 ** 40, 2 ** 20], [1e308, 1e308]]); }),
  "shape changed": tensorEdit((t, r) => { t.shape = pick(r, [[...t.shape].reverse(), [...t.shape, 1], t.shape.slice(1), [-1, ...t.shape], [t.shape[0] + 1], "x", [1.5]]); }),
  "dtype changed": tensorEdit((t, r) => { t.dtype = pick(r, ["F16", "BF16", "F64", "I32", "U8", "f32", "F33", "", 4, null]); }),
  "tensor field added": tensorEdit((t) => { t.extra = [1, 2]; }),
  "tensor removed": (b, r) => { const { header, data } = split(b); const k = pick(r, Object.keys(header)); delete header[k]; return join(JSON.stringify(header), data); },
  "tensor renamed": (b, r) => {
    const { header, data } = split(b);
    const k = pick(r, Object.keys(header).filter((x) => x !== "__metadata__"));
    header[pick(r, ["layers.9.weight", "layers.0.kernel", "optimizer.m.layers.0.weight", "__proto__", "", k + " "])] = header[k];
    delete header[k];
    return join(JSON.stringify(header), data);
  },
  "duplicate key": (b, r) => {
    const { header, data } = split(b);
    const k = pick(r, Object.keys(header));
    const text = JSON.stringify(header);
    return join(text.slice(0, -1) + `,${JSON.stringify(k)}:${JSON.stringify(header[k])}}`, data);
  },
  "metadata not strings": (b, r) => {
    const { header, data } = split(b);
    const k = pick(r, Object.keys(header.__metadata__));
    header.__metadata__[k] = pick(r, [JSON.parse(header.__metadata__[k]), 1, null, [], {}]);
    return join(JSON.stringify(header), data);
  },
  "wrong format": metaEdit("format", ["pt", "wasmlp2", "", undefined]),
  "wrong version": metaEdit("format_version", ["2.0", "1.9", "0.1", "abc", "", "1.0.0", "10.0", "01.0", "1e3.0", undefined]),
  "config not JSON": metaEdit("config", ["{", "null", "[]", "1", '"x"', "{}", undefined]),
  "config: units changed": configEdit((c, r) => { const l = pick(r, c.layers) as any; if (l.units) l.units += pick(r, [-1, 1, 1e9, 1.5]); }),
  "config: layer type changed": configEdit((c, r) => { pick(r, c.layers as any[]).type = pick(r, ["dense", "maxout", "dropout", "conv", "__proto__", "toString"]); }),
  "config: layers dropped or duplicated": configEdit((c, r) => { if (r() < 0.5) c.layers.pop(); else c.layers.push(c.layers[0]); }),
  "config: inputs changed": configEdit((c, r) => { c.inputs = pick(r, [c.inputs + 1, 0, -1, 2 ** 53, "2", null]); }),
  "config: bad options": configEdit((c, r) => { Object.assign(pick(r, c.layers as any[]), pick(r, [{ alpha: 5 }, { activation: "gelu" }, { pieces: 1 }, { rate: 1 }, { useBias: "no" }, { initializer: "ones" }, { extra: 1 }])); }),
  "config: seed changed": configEdit((c, r) => { c.seed = pick(r, [0, 2 ** 53, -1, 1.5, "7"]); }),
  "compile changed": metaEdit("compile", ['{"optimizer": "sgd"}', '{"optimizer": {"type": "adam", "learningRate": 0}}', '{"loss": "hinge"}', '{"l2": -1}', '{"metrics": ["f1"]}', '{"bogus": 1}', "[]", "{", undefined]),
  "optimizer metadata changed": metaEdit("optimizer", ['{"type": "adam", "steps": -1, "state": ["m", "v"]}', '{"type": "adam", "steps": 1.5, "state": ["m", "v"]}',
    '{"type": "adam", "steps": 3, "state": ["m", "m"]}', '{"type": "adam", "steps": 3, "state": []}', '{"type": "sgd", "steps": 3, "state": []}', '{"type": "adam", "steps": 1e300, "state": ["m", "v"]}', "{}", undefined]),
  "rng changed": metaEdit("rng", ["[0,0,0,0]", "[1,2,3]", "[1,2,3,4294967296]", "[-1,2,3,4]", "[1,2,3,4]", "{}", undefined]),
  "training changed": metaEdit("training", ['{"epochs": -1}', '{"epochs": 1, "last": {"loss": "x"}}', '{"epochs": 5, "last": null}', "[]", undefined]),
  "quantization changed": metaEdit("quantization", ['{"calibration": {"method": "minmax", "rows": 0}, "evaluation": null}', '{"calibration": {"method": "percentile", "rows": 5}}',
    '{"calibration": {"method": "minmax", "rows": 5}, "evaluation": {"loss": "meanSquaredError", "metrics": ["mae"]}}', "{}", "[]", "{", undefined]),
  "preprocessing set": metaEdit("preprocessing", ['{"scale": 2}', "[]", "0", "null", undefined]),
};

describe("hostile model files", () => {
  it("10,000+ corrupted variants: each refused with a ModelFileError or loaded exactly as written", () => {
    const r = rng(20240601);
    const names = Object.keys(MUTATIONS);
    const perKind = new Map<string, { rejected: number; loaded: number }>();
    let worstRatio = 0;
    let worstMs = 0;
    let total = 0;
    const started = performance.now();
    const memory = core.memory.buffer.byteLength;
    for (let i = 0; i < 10_500; i++) {
      const base = bases[i % bases.length];
      const kind = names[i % names.length];
      let bytes: Uint8Array;
      try {
        bytes = MUTATIONS[kind](base.bytes, r);
      } catch {
        continue; // a structured edit that does not apply to this base (e.g. no tensor to pick)
      }
      const o = attempt(bytes, `${kind} of ${base.name} (variant ${i})`);
      const k = perKind.get(kind) ?? { rejected: 0, loaded: 0 };
      if (o.loaded) k.loaded++;
      else k.rejected++;
      perKind.set(kind, k);
      worstRatio = Math.max(worstRatio, o.ratio);
      worstMs = Math.max(worstMs, o.ms);
      total++;
    }
    const elapsed = performance.now() - started;
    const rejected = [...perKind.values()].reduce((a, k) => a + k.rejected, 0);
    console.log(`hostile files: ${total} variants, ${rejected} rejected, ${total - rejected} loaded; ` +
      `peak core allocation while loading at most ${worstRatio.toFixed(2)}× the file size; slowest ${worstMs.toFixed(1)} ms; total ${(elapsed / 1000).toFixed(1)} s; ` +
      `core memory grew ${core.memory.buffer.byteLength - memory} bytes`);
    console.log([...perKind].map(([k, v]) => `  ${k}: ${v.rejected} rejected, ${v.loaded} loaded`).join("\n"));
    expect(total).toBeGreaterThanOrEqual(10_000);
    expect(worstRatio).toBeLessThan(4);
    expect(worstMs).toBeLessThan(500);
    // Kinds that can never leave a valid file must never load.
    for (const kind of ["truncated", "header length huge", "header length past the end or short", "trailing bytes", "header not JSON",
      "shape product overflows", "duplicate key", "offsets malformed", "tensor field added", "wrong format", "config not JSON", "dtype changed"]) {
      expect(perKind.get(kind)?.loaded, kind).toBe(0);
    }
    // And the mutations that keep a file valid do load.
    expect(perKind.get("offsets swapped between tensors")!.loaded).toBeGreaterThan(0);
    expect(perKind.get("data bits flipped (NaN, Inf or other weights)")!.loaded).toBeGreaterThan(0);
  }, 60_000);

  it("a header length of 2^63 or a multi-gigabyte shape costs no allocation", () => {
    const { header, data } = split(bases[0].bytes);
    header["layers.0.weight"].shape = [2 ** 26, 2 ** 26];
    const heap = process.memoryUsage().arrayBuffers;
    const bytes = bases[0].bytes.slice();
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 63n, true);
    for (let i = 0; i < 1000; i++) {
      expect(() => decodeModel(bytes)).toThrow(/exceeds the limit/);
      expect(() => decodeModel(join(JSON.stringify(header), data))).toThrow(/more bytes than can be counted/);
    }
    expect(process.memoryUsage().arrayBuffers - heap).toBeLessThan(16 << 20);
  });
});

describe("hostile model files (properties)", () => {
  const outcome = (bytes: Uint8Array) => attempt(bytes, `bytes ${Buffer.from(bytes.subarray(0, 64)).toString("hex")}…`);

  it("arbitrary bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => { outcome(bytes); }), { numRuns: 1000, seed: 1 });
  });

  it("arbitrary JSON headers over arbitrary data", () => {
    fc.assert(fc.property(fc.json({ maxDepth: 4 }), fc.uint8Array({ maxLength: 64 }), (text, data) => { outcome(join(text, data)); }),
      { numRuns: 1000, seed: 2 });
  });

  it("arbitrary tensor entries and metadata values in a valid file", () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(0, -1, 2 ** 53, 1e300, "F32", [0, 4], [2, 4]));
    fc.assert(fc.property(fc.nat(), fc.nat(), fc.constantFrom("dtype", "shape", "data_offsets"), value, fc.boolean(), (which, key, field, v, meta) => {
      const { header, data } = split(bases[which % bases.length].bytes);
      if (meta) {
        const keys = Object.keys(header.__metadata__);
        header.__metadata__[keys[key % keys.length]] = JSON.stringify(v);
      } else {
        const names = Object.keys(header).filter((k) => k !== "__metadata__");
        header[names[key % names.length]][field] = v;
      }
      outcome(join(JSON.stringify(header), data));
    }), { numRuns: 1500, seed: 3 });
  });

  it("a valid file with arbitrary byte edits and a cut", () => {
    const edits = fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 });
    fc.assert(fc.property(fc.nat(), edits, fc.option(fc.nat()), (which, changes, cut) => {
      const base = bases[which % bases.length].bytes;
      const bytes = base.slice(0, cut === null ? base.length : cut % (base.length + 1));
      for (const { at, value } of changes) if (bytes.length) bytes[at % bytes.length] = value;
      outcome(bytes);
    }), { numRuns: 1500, seed: 4 });
  });
});
