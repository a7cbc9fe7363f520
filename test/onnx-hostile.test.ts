// Hostile ONNX files: more than 10,000 seeded mutations of valid ONNX models (our export
// and the exporters' fixtures, one with a side file), from cut bytes to graphs with a
// cycle or a million nodes. Each must be refused with a ModelFileError or load as a
// working model; none may throw anything else, hang, or leave core memory allocated.
// fast-check properties then feed the decoder arbitrary bytes and edited valid files.
import * as fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Core } from "../src/runtime/core.js";
import { dense, getCore, init, maxout, ModelFileError, Sequential } from "../src/index.js";
import { decodeAnyModel, sideFileReader } from "../src/io/load.js";
import { decodeOnnx } from "../src/io/onnx/decode.js";
import { rng, watchPeakAllocation } from "./helpers.js";
import { encode, parse, varint, type Field } from "./protobuf-bytes.js";

const bytesField = (field: number, value: Uint8Array): Field => ({ field, wire: 2, value });
const text = (s: string) => new TextEncoder().encode(s);

type Random = () => number;
const int = (r: Random, n: number) => Math.floor(r() * n);
const pick = <T>(r: Random, xs: readonly T[]): T => xs[int(r, xs.length)];

/** Edits the graph's fields (field 7 of the model). */
function editGraph(bytes: Uint8Array, edit: (graph: Field[]) => void): Uint8Array {
  const model = parse(bytes);
  const g = model.find((f) => f.field === 7)!;
  const graph = parse(g.value as Uint8Array);
  edit(graph);
  g.value = encode(graph);
  return encode(model);
}

/** Edits the fields of one message among the graph's `field` entries (1 nodes, 5 initializers, 11 inputs, 12 outputs), chosen by `r`. */
function editOne(bytes: Uint8Array, r: Random, field: number, edit: (fields: Field[], r: Random) => void, filter: (fields: Field[]) => boolean = () => true): Uint8Array {
  return editGraph(bytes, (graph) => {
    const candidates = graph.filter((f) => f.field === field && filter(parse(f.value as Uint8Array)));
    if (candidates.length === 0) throw new Error("no such message");
    const target = pick(r, candidates);
    const fields = parse(target.value as Uint8Array);
    edit(fields, r);
    target.value = encode(fields);
  });
}

/** A field anywhere in the model (top level, graph, or a node, initializer or value's own fields), for the byte-level mutations. */
function editAnyField(bytes: Uint8Array, r: Random, edit: (f: Field, r: Random) => void): Uint8Array {
  const level = int(r, 3);
  if (level === 0) {
    const model = parse(bytes);
    edit(pick(r, model), r);
    return encode(model);
  }
  if (level === 1) return editGraph(bytes, (graph) => edit(pick(r, graph), r));
  return editOne(bytes, r, pick(r, [1, 5, 11, 12]), (fields) => {
    needs(fields.length > 0);
    edit(pick(r, fields), r);
  });
}

const isInitializer = (name: string) => (fields: Field[]) => fields.some((f) => f.field === 8 && new TextDecoder().decode(f.value as Uint8Array) === name);
const setDims = (fields: Field[], dims: bigint[]): Field[] => [...dims.map((d): Field => ({ field: 1, wire: 0, value: d })), ...fields.filter((f) => f.field !== 1)];
const nodeCopies = (node: Uint8Array, n: number): Uint8Array => {
  const one = encode([bytesField(1, node)]);
  const out = new Uint8Array(one.length * n);
  for (let i = 0; i < n; i++) out.set(one, i * one.length);
  return out;
};

type Mutation = (bytes: Uint8Array, r: Random) => Uint8Array;

/** Gives up on a mutation that does not apply to the field or model drawn (the variant is skipped, not counted). */
function needs(applies: boolean): void {
  if (!applies) throw new Error("does not apply");
}

const MUTATIONS: Record<string, Mutation> = {
  "cut anywhere": (b, r) => b.slice(0, int(r, b.length)),
  "cut inside the graph at a field boundary": (b, r) => editGraph(b, (g) => { g.splice(int(r, g.length)); }),
  "cut inside a message, its length kept": (b, r) => editAnyField(b, r, (f, r) => {
    needs(f.wire === 2 && (f.value as Uint8Array).length > 0);
    f.encoded = [...varint((f.value as Uint8Array).length), ...(f.value as Uint8Array).subarray(0, int(r, (f.value as Uint8Array).length))];
  }),
  "bits flipped": (b, r) => {
    const out = b.slice();
    for (let k = 1 + int(r, 3); k > 0; k--) out[int(r, out.length)] ^= 1 << int(r, 8);
    return out;
  },
  "bytes overwritten": (b, r) => {
    const out = b.slice();
    for (let k = 1 + int(r, 4); k > 0; k--) out[int(r, out.length)] = pick(r, [0x00, 0x80, 0xff, 0x7f, 0x0a, 0x12, 0x3a]);
    return out;
  },
  "a varint made huge": (b, r) => editAnyField(b, r, (f, r) => {
    needs(f.wire === 0 || f.wire === 2);
    const huge = pick(r, [2n ** 63n, 2n ** 64n - 1n, 2n ** 53n, 2n ** 32n, 2n ** 31n]);
    f.encoded = f.wire === 2 ? [...varint(huge), ...(f.value as Uint8Array)] : varint(huge);
  }),
  "a varint longer than ten bytes": (b, r) => editAnyField(b, r, (f) => {
    needs(f.wire === 0);
    f.encoded = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
  }),
  "a varint cut at the end of its message": (b, r) => editOne(b, r, pick(r, [1, 5, 11]), (fields) => { fields.push({ field: 1, wire: 0, value: 0n, encoded: [0x80, 0x80] }); }),
  "a wrong wire type": (b, r) => editAnyField(b, r, (f, r) => {
    f.wire = pick(r, [0, 1, 2, 3, 4, 5, 6, 7].filter((w) => w !== f.wire));
    if (f.wire === 0 && !(typeof f.value === "bigint")) f.value = 1n;
    if (f.wire !== 0 && typeof f.value === "bigint") f.value = new Uint8Array(f.wire === 1 ? 8 : 4);
  }),
  "a length past the end of its message": (b, r) => editAnyField(b, r, (f, r) => {
    needs(f.wire === 2);
    f.encoded = [...varint((f.value as Uint8Array).length + 1 + int(r, 100)), ...(f.value as Uint8Array)];
  }),
  "trailing garbage": (b, r) => {
    const out = new Uint8Array(b.length + 1 + int(r, 16));
    out.set(b);
    for (let i = b.length; i < out.length; i++) out[i] = int(r, 256);
    return out;
  },
  "negative or huge dims": (b, r) => editOne(b, r, 5, (t, r) => {
    const dims = t.filter((f) => f.field === 1).map((f) => f.value as bigint);
    dims[int(r, Math.max(dims.length, 1))] = pick(r, [-1n, -(2n ** 40n), 2n ** 62n, 2n ** 53n, 2n ** 31n]);
    t.splice(0, t.length, ...setDims(t, dims));
  }),
  "dims whose product overflows": (b, r) => editOne(b, r, 5, (t, r) => {
    t.splice(0, t.length, ...setDims(t, pick(r, [[2n ** 31n, 2n ** 31n, 2n ** 31n], [2n ** 40n, 2n ** 40n], [2n ** 20n, 2n ** 20n, 2n ** 20n, 0n], [2n ** 26n, 2n ** 26n]])));
  }),
  "dims not matching the data": (b, r) => editOne(b, r, 5, (t, r) => {
    const dims = t.filter((f) => f.field === 1).map((f) => f.value as bigint);
    const choice = int(r, 4);
    if (choice === 0) dims.push(2n);
    else if (choice === 1 && dims.length) dims.pop();
    else if (dims.length) dims[int(r, dims.length)] += pick(r, [1n, -1n]);
    t.splice(0, t.length, ...setDims(t, dims));
  }),
  "raw_data cut or extended": (b, r) => editOne(b, r, 5, (t, r) => {
    const raw = t.find((f) => f.field === 9);
    needs(raw !== undefined);
    const v = raw.value as Uint8Array;
    raw.value = r() < 0.5 ? v.subarray(0, Math.max(0, v.length - pick(r, [1, 2, 4, 8]))) : new Uint8Array([...v, 0, 0, 0, 0]);
  }),
  "data type changed": (b, r) => editOne(b, r, 5, (t, r) => {
    const type = t.find((f) => f.field === 2)!;
    type.value = pick(r, [0n, 2n, 3n, 6n, 7n, 8n, 9n, 10n, 11n, 16n, 99n, 2n ** 40n]);
  }),
  "external data moved outside the side file": (b, r) => editOne(b, r, 5, (t, r) => {
    const entries = t.filter((f) => f.field === 13);
    const f = pick(r, entries);
    const entry = parse(f.value as Uint8Array);
    const key = new TextDecoder().decode(entry[0].value as Uint8Array);
    const values: Record<string, string[]> = {
      offset: ["999999999", "-1", "1e9", "", String(2 ** 60)],
      length: ["0", "3", "999999999", "-1", "0x10"],
      location: ["../model.onnx.data", "/etc/passwd", "missing.data", "a\\..\\b", "", "C:model.onnx.data"],
    };
    needs(key in values);
    entry[1].value = text(pick(r, values[key]));
    f.value = encode(entry);
  }, (t) => t.some((f) => f.field === 13)),
  "a node input nothing produces": (b, r) => editOne(b, r, 1, (n) => {
    const input = n.find((f) => f.field === 1);
    needs(input !== undefined);
    input!.value = text("never.produced");
  }),
  "a cycle": (b) => editGraph(b, (g) => {
    const nodes = g.filter((f) => f.field === 1);
    const first = parse(nodes[0].value as Uint8Array);
    const lastOutput = parse(nodes[nodes.length - 1].value as Uint8Array).find((f) => f.field === 2)!;
    first.find((f) => f.field === 1)!.value = lastOutput.value;
    nodes[0].value = encode(first);
  }),
  "nodes reordered, removed or repeated": (b, r) => editGraph(b, (g) => {
    const at = g.map((f, i) => (f.field === 1 ? i : -1)).filter((i) => i >= 0);
    const i = pick(r, at);
    const choice = int(r, 3);
    if (choice === 0) [g[i], g[at[0]]] = [g[at[0]], g[i]];
    else if (choice === 1) g.splice(i, 1);
    else g.splice(i, 0, g[i]);
  }),
  "an op or attribute changed": (b, r) => editOne(b, r, 1, (n, r) => {
    if (r() < 0.5) {
      const op = n.find((f) => f.field === 4)!;
      op.value = text(pick(r, ["Conv", "Gemm", "MatMul", "Add", "Relu", "Softmax", "Reshape", "constructor", "", "LSTM"]));
      return;
    }
    const attribute = n.find((f) => f.field === 5);
    if (!attribute) return;
    const a = parse(attribute.value as Uint8Array);
    for (const f of a) {
      if (f.field === 3) f.value = pick(r, [5n, -7n, 2n ** 62n, 0n]);
      if (f.field === 2) f.value = new Uint8Array(Float32Array.of(pick(r, [NaN, Infinity, -1, 0, 1e30])).buffer);
      if (f.field === 20) f.value = pick(r, [0n, 1n, 2n, 5n, 11n, 99n]);
    }
    attribute.value = encode(a);
  }),
  "an attribute holding a subgraph or a tensor": (b, r) => editOne(b, r, 1, (n, r) => {
    n.push(bytesField(5, encode([bytesField(1, text("g")), r() < 0.5 ? bytesField(6, new Uint8Array([0xff, 0xff, 0x0a])) : bytesField(5, encode([{ field: 1, wire: 0, value: 2n }, { field: 2, wire: 0, value: 1n }]))])));
  }),
  "graph inputs or outputs changed": (b, r) => editGraph(b, (g) => {
    const at = g.map((f, i) => (f.field === 11 || f.field === 12 ? i : -1)).filter((i) => i >= 0);
    const i = pick(r, at);
    if (r() < 0.5) g.splice(i, 1);
    else g.push(g[i]);
  }),
  "an opset or IR version changed": (b, r) => {
    const model = parse(b);
    const f = pick(r, model.filter((x) => x.field === 1 || x.field === 8));
    if (f.field === 1) f.value = pick(r, [0n, 1n, 3n, 99n, 2n ** 62n]);
    else f.value = encode([bytesField(1, text(pick(r, ["", "ai.onnx", "com.microsoft"]))), { field: 2, wire: 0, value: pick(r, [1n, 6n, 7n, 99n, 0n]) }]);
    return encode(model);
  },
  "a million nodes": (b, r) => {
    const model = parse(b);
    const g = model.find((f) => f.field === 7)!;
    const node = encode([bytesField(1, text("x")), bytesField(2, text("x")), bytesField(4, text(pick(r, ["Relu", "Identity"])))]);
    g.value = new Uint8Array(Buffer.concat([g.value as Uint8Array, nodeCopies(node, 1_000_000)]));
    return encode(model);
  },
};

// ---- the bases and the contract ----

let core: Core;
let allocation: ReturnType<typeof watchPeakAllocation>;
const bases: { name: string; bytes: Uint8Array; side: Record<string, Uint8Array> }[] = [];

beforeAll(async () => {
  await init();
  core = getCore();
  allocation = watchPeakAllocation(core);
  const models = [
    new Sequential({ inputs: 3, layers: [dense(4, "relu"), dense(2, "softmax")], seed: 1 }),
    new Sequential({ inputs: 2, layers: [maxout(3, 2), dense(2, { activation: "leakyRelu", alpha: 0.2 }), dense(1, "sigmoid")], seed: 2 }),
  ];
  models[1].setPreprocessing({ method: "standardize", scale: [0.5, 2], offset: [1, -1] });
  models.forEach((m, i) => bases.push({ name: `export ${i}`, bytes: m.toONNX(), side: {} }));
  for (const m of models) m.dispose();
  const dir = new URL("./fixtures/onnx/", import.meta.url);
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const about = JSON.parse(readFileSync(new URL(file, dir), "utf8")) as { model: string; externalData: string[]; outputs?: unknown };
    if (!about.outputs) continue;
    const side = Object.fromEntries(about.externalData.map((f) => [f, new Uint8Array(readFileSync(new URL(f, dir)))]));
    bases.push({ name: about.model, bytes: new Uint8Array(readFileSync(new URL(about.model, dir))), side });
  }
});

afterAll(() => allocation.restore());

interface Outcome {
  loaded: boolean;
  ms: number;
  /** Most core bytes allocated while loading, over the file's size. */
  ratio: number;
}

/** Loads one variant as an ONNX file: a ModelFileError, or a model that predicts; core memory in use is unchanged after either. */
async function attempt(bytes: Uint8Array, side: Record<string, Uint8Array>, what: string): Promise<Outcome> {
  const before = core.allocator.bytesInUse;
  allocation.reset();
  const size = bytes.length + Object.values(side).reduce((n, b) => n + b.length, 0);
  const sideFiles = sideFileReader((name) => (Object.hasOwn(side, name) ? side[name] : undefined), "test");
  const t0 = performance.now();
  let model: Sequential;
  try {
    model = await decodeAnyModel(bytes, {}, { name: "hostile.onnx", sideFiles });
  } catch (e) {
    const ms = performance.now() - t0;
    if (!(e instanceof ModelFileError)) throw new Error(`${what}: threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
    expect(e.message.length, what).toBeGreaterThan(10);
    expect(core.allocator.bytesInUse, `${what}: leaked core memory`).toBe(before);
    return { loaded: false, ms, ratio: (allocation.peak() - before) / size };
  }
  const ms = performance.now() - t0;
  const ratio = (allocation.peak() - before) / size;
  const out = model.predict(new Float32Array(model.inputs * 2).fill(0.5));
  expect(out.length, what).toBeGreaterThan(0);
  model.dispose();
  expect(core.allocator.bytesInUse, `${what}: leaked core memory`).toBe(before);
  return { loaded: true, ms, ratio };
}

describe("hostile ONNX files", () => {
  it("10,000+ mutations of valid models: each refused with a ModelFileError or loaded as a working model, none leaking core memory or allocating 4× its size", async () => {
    const r = rng(20261201);
    const names = Object.keys(MUTATIONS);
    const perKind = new Map<string, { rejected: number; loaded: number; slowest: number }>();
    let total = 0;
    let worstRatio = 0;
    const times: number[] = [];
    const started = performance.now();
    for (let i = 0; total < 10_200; i++) {
      const kind = names[i % names.length];
      // A million nodes is 10 MB a variant: a few of them make the point.
      if (kind === "a million nodes" && (perKind.get(kind)?.rejected ?? 0) >= 3) continue;
      const base = bases[i % bases.length];
      let bytes: Uint8Array;
      try {
        bytes = MUTATIONS[kind](base.bytes, r);
      } catch {
        continue; // a structured edit that does not apply to this base (say, no external data)
      }
      const o = await attempt(bytes, base.side, `${kind} of ${base.name} (variant ${i})`);
      const k = perKind.get(kind) ?? { rejected: 0, loaded: 0, slowest: 0 };
      if (o.loaded) k.loaded++;
      else k.rejected++;
      k.slowest = Math.max(k.slowest, o.ms);
      perKind.set(kind, k);
      times.push(o.ms);
      worstRatio = Math.max(worstRatio, o.ratio);
      total++;
    }
    times.sort((a, b) => a - b);
    const rejected = [...perKind.values()].reduce((a, k) => a + k.rejected, 0);
    console.log(`hostile ONNX files: ${total} variants of ${bases.length} models, ${rejected} refused, ${total - rejected} loaded; ` +
      `median ${times[times.length >> 1].toFixed(2)} ms, 99th percentile ${times[Math.floor(times.length * 0.99)].toFixed(1)} ms, slowest ${times[times.length - 1].toFixed(1)} ms; ` +
      `peak core allocation while loading at most ${worstRatio.toFixed(2)}× the file's size (side files included); ` +
      `total ${((performance.now() - started) / 1000).toFixed(1)} s`);
    console.log([...perKind].map(([k, v]) => `  ${k}: ${v.rejected} refused, ${v.loaded} loaded, slowest ${v.slowest.toFixed(1)} ms`).join("\n"));
    expect(total).toBeGreaterThanOrEqual(10_000);
    expect(worstRatio).toBeLessThan(4);
    // A hang guard, not a speed target (that is the benchmark's): a shared machine can stall any one variant.
    expect(times[times.length - 1]).toBeLessThan(1000);
    // Mutations that can never leave a loadable model are always refused.
    for (const kind of ["a varint longer than ten bytes", "a varint cut at the end of its message",
      "negative or huge dims", "dims whose product overflows", "a node input nothing produces", "a cycle", "a million nodes", "external data moved outside the side file"]) {
      expect(perKind.get(kind)?.loaded, kind).toBe(0);
      expect(perKind.get(kind)?.rejected, kind).toBeGreaterThan(0);
    }
    // And some that keep a model whole do load.
    expect(perKind.get("bits flipped")!.loaded).toBeGreaterThan(0);
    expect(perKind.get("an attribute holding a subgraph or a tensor")!.loaded).toBeGreaterThan(0);
  }, 120_000);
});

describe("hostile ONNX files (properties of the decoder)", () => {
  /** Decodes, and fails unless the outcome is a model or a ModelFileError. */
  const decodes = async (bytes: Uint8Array, side: Record<string, Uint8Array> = {}) => {
    try {
      await decodeOnnx(bytes, { external: (location) => side[location] ?? new Uint8Array(0) });
    } catch (e) {
      if (!(e instanceof ModelFileError)) throw new Error(`threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
    }
  };

  it("arbitrary bytes", async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), (bytes) => decodes(bytes)), { numRuns: 2000, seed: 1 });
  });

  it("a valid file with arbitrary byte edits and a cut", async () => {
    const edits = fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 });
    await fc.assert(fc.asyncProperty(fc.nat(), edits, fc.option(fc.nat()), (which, changes, cut) => {
      const base = bases[which % bases.length];
      const bytes = base.bytes.slice(0, cut === null ? base.bytes.length : cut % (base.bytes.length + 1));
      for (const { at, value } of changes) if (bytes.length) bytes[at % bytes.length] = value;
      return decodes(bytes, base.side);
    }), { numRuns: 2000, seed: 2 });
  });
});
