// QuantizedModel has the float model's methods where they apply: save() gives the
// format 1.1 bytes that loadQuantized and loadQuantizedModel read back to the
// same bits; toONNX() the QDQ graph, which onnxruntime-web runs within the
// quantisation error; predictStream and predictTransform give predict()'s and
// predictClasses()'s results batch by batch, in order. Training calls and every
// call on a disposed model are a StateError saying why, and change nothing.
import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  ConfigError, dense, encodeQuantized, encodeQuantizedOnnx, fitPreprocessing, getCore, init, loadQuantized, maxout, Sequential, spiral, StateError,
  type Predictor, type QuantizedModel, type StreamBatch,
} from "../src/index.js";
import { loadQuantizedModel } from "../src/node/files.js";
import { runOnnx, useOnnxRuntime } from "./onnx-runtime.js";
import { scratchDir } from "./helpers.js";

let scratch: Awaited<ReturnType<typeof scratchDir>>;
let float: Sequential;
let q: QuantizedModel;
const data = spiral({ pointsPerClass: 400, classes: 3, seed: 7 }); // 1,200 rows: more than one core chunk
const hex = (a: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

beforeAll(async () => {
  await init();
  useOnnxRuntime();
  scratch = await scratchDir("quantized-model-io");
  float = new Sequential({ inputs: 2, layers: [dense(16, "relu"), maxout(6, 2), dense(3, "softmax")], seed: 2 });
  float.setPreprocessing(fitPreprocessing({ data: data.x, rows: data.x.length / 2, cols: 2 }, { method: "standardize" }));
  float.compile({ optimizer: "adam", metrics: ["accuracy"] });
  await float.fit(data.x, data.labels!, { epochs: 4 });
  q = float.quantize({ calibration: data.x });
});
afterAll(async () => {
  for (const m of [float, q]) m.dispose();
  await scratch.remove();
});

/** The rows of `x` (2 columns) cut into batches of the given sizes, in turn. */
function batches(x: Float32Array, sizes: number[]): Float32Array[] {
  const out: Float32Array[] = [];
  for (let r = 0, i = 0; 2 * r < x.length; i++) {
    const rows = Math.min(sizes[i % sizes.length], x.length / 2 - r);
    out.push(x.slice(2 * r, 2 * (r + rows)));
    r += rows;
  }
  return out;
}

function concat<T extends Float32Array | Int32Array>(parts: T[], make: (n: number) => T): T {
  const out = make(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of it) out.push(b);
  return out;
}

/** What a web stream gives, read to its end. */
async function readAll<T>(stream: ReadableStream<T>): Promise<T[]> {
  const reader = stream.getReader();
  const out: T[] = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) out.push(r.value);
  return out;
}

describe("QuantizedModel.save()", () => {
  it("gives the format 1.1 bytes of its state, which loadQuantized reads back to the same bits", async () => {
    const bytes = q.save();
    expect(Buffer.from(bytes).equals(Buffer.from(encodeQuantized(q.state())))).toBe(true);
    const copy = await loadQuantized(bytes);
    expect(hex(copy.predict(data.x))).toBe(hex(q.predict(data.x)));
    expect(hex(copy.predictClasses(data.x))).toBe(hex(q.predictClasses(data.x)));
    expect(copy.evaluate(data.x, data.labels!)).toEqual(q.evaluate(data.x, data.labels!));
    copy.dispose();
  });

  it("written to a file, loadQuantizedModel reads it back to the same bits", async () => {
    const path = scratch.at("model.int8.safetensors");
    await writeFile(path, q.save());
    const copy = await loadQuantizedModel(path);
    expect(hex(copy.predict(data.x))).toBe(hex(q.predict(data.x)));
    expect(copy.state().calibration).toEqual(q.state().calibration);
    copy.dispose();
  });

  it("a path or options are a ConfigError naming what to use, and nothing is written", () => {
    const inUse = getCore().allocator.bytesInUse;
    const save = q.save as (given: unknown) => Uint8Array;
    expect(() => save.call(q, "model.safetensors")).toThrow(ConfigError);
    expect(() => save.call(q, "model.safetensors")).toThrow(`save: model.save() returns the file's bytes and takes no path; to write a file, use saveQuantizedModel(model, "model.safetensors") from 'wasmlp/node'`);
    expect(() => save.call(q, { optimizer: true })).toThrow(ConfigError);
    expect(() => save.call(q, { optimizer: true })).toThrow(/save: an int8 model's save\(\) takes no options \(it has no optimizer state\), got/);
    expect(getCore().allocator.bytesInUse).toBe(inUse);
  });
});

describe("the int8 encoders", () => {
  it("are registered by src/io; without it, save() and toONNX() would be a StateError saying what to import", async () => {
    vi.resetModules();
    const fresh = await import("../src/model/encoders.js");
    for (const [format, what] of [["wasmlp-int8", "save"], ["onnx-int8", "toONNX"]] as const) {
      expect(() => fresh.encoderFor(format, what)).toThrow(expect.objectContaining({ name: "StateError" }));
      expect(() => fresh.encoderFor(format, what)).toThrow(`${what}: no ${format} encoder is loaded; import wasmlp (or its io modules) rather than the model module alone`);
    }
    const io = await import("../src/io/quantized-file.js");
    expect(fresh.encoderFor("wasmlp-int8", "save")).toBe(io.encodeQuantized);
    const onnx = await import("../src/io/onnx/export-quantized.js");
    expect(fresh.encoderFor("onnx-int8", "toONNX")).toBe(onnx.encodeQuantizedOnnx);
  });
});

describe("QuantizedModel.toONNX()", () => {
  it("is the QDQ graph of its state, and onnxruntime-web runs it within the quantisation error, with the same classes", async () => {
    const onnx = q.toONNX();
    expect(Buffer.from(onnx).equals(Buffer.from(encodeQuantizedOnnx(q.state())))).toBe(true);
    for (const op of ["QuantizeLinear", "DequantizeLinear", "MatMul", "ReduceMax"]) expect(Buffer.from(onnx).includes(op), op).toBe(true);
    const out = await runOnnx(onnx, data.x, 2);
    const int8 = q.predict(data.x);
    const f = float.predict(data.x);
    const mean = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => m + Math.abs(v - b[i]), 0) / a.length;
    const quantisationError = mean(int8, f);
    expect(quantisationError).toBeGreaterThan(0);
    // Almost every output is the int8 model's: only where a code rounds the other way (the runtime divides by a scale, the
    // kernels multiply by its inverse, and its float sums differ in the last bit) does one move, by about a code's step
    // (measured: 0.8% of the outputs, and a mean difference under 2% of the int8 model's own).
    expect(out.filter((v, i) => Math.abs(v - int8[i]) > 1e-4).length).toBeLessThan(0.03 * out.length);
    expect(mean(out, int8)).toBeLessThan(quantisationError / 10);
    expect(maxDiff(out, int8)).toBeLessThan(2 * maxDiff(int8, f));
    const classes = q.predictClasses(data.x);
    let differ = 0;
    for (let r = 0; r < classes.length; r++) {
      const row = out.subarray(3 * r, 3 * r + 3);
      if (classes[r] !== row.indexOf(Math.max(...row))) differ++;
    }
    expect(differ).toBeLessThanOrEqual(0.005 * classes.length);
  }, 30_000);
});

describe("QuantizedModel.predictStream() and predictTransform()", () => {
  const sizes = [1, 3, 700, 17, 129];

  it("predictStream gives predict()'s outputs bit for bit, one batch per input batch, in order", async () => {
    const parts = batches(data.x, sizes);
    const out = await collect(q.predictStream(parts));
    expect(out.map((o) => o.length)).toEqual(parts.map((p) => (p.length / 2) * 3));
    expect(hex(concat(out, (n) => new Float32Array(n)))).toBe(hex(q.predict(data.x)));
    // Each batch alone, as predict() would give it: the order is the input's.
    parts.forEach((p, i) => expect(hex(out[i])).toBe(hex(q.predict(p))));
  });

  it("output: 'classes' gives predictClasses() per batch, from rows and row batches alike", async () => {
    const parts: StreamBatch[] = batches(data.x, sizes).map((b, i) => (i % 2 ? { x: b, rows: b.length / 2, cols: 2 } : b));
    const out = await collect(q.predictStream(parts, { output: "classes" }));
    expect(out.every((o) => o instanceof Int32Array)).toBe(true);
    expect(hex(concat(out, (n) => new Int32Array(n)))).toBe(hex(q.predictClasses(data.x)));
  });

  it("predictTransform computes the same outputs on a web stream", async () => {
    const parts = batches(data.x, sizes);
    const readable = new ReadableStream<StreamBatch>({
      start(c) { for (const p of parts) c.enqueue(p); c.close(); },
    });
    const out = await readAll(readable.pipeThrough(q.predictTransform()));
    expect(hex(concat(out, (n) => new Float32Array(n)))).toBe(hex(q.predict(data.x)));
    const classes = await readAll(new ReadableStream<StreamBatch>({ start(c) { c.enqueue(data.x); c.close(); } }).pipeThrough(q.predictTransform({ output: "classes" })));
    expect(hex(classes[0])).toBe(hex(q.predictClasses(data.x)));
  });

  it("bad options are a ConfigError before anything is read", () => {
    const source = { [Symbol.iterator]: vi.fn() };
    expect(() => q.predictStream(source, { output: "labels" as never })).toThrow(ConfigError);
    expect(() => q.predictTransform({ ouptut: "classes" } as never)).toThrow(/unknown option 'ouptut'/);
    expect(source[Symbol.iterator]).not.toHaveBeenCalled();
  });

  it("a model disposed between batches ends the stream with a StateError at the next batch", async () => {
    const own = float.quantize({ calibration: data.x });
    const stream = own.predictStream(batches(data.x, [600]));
    expect((await stream.next()).value).toHaveLength(600 * 3);
    own.dispose();
    await expect(stream.next()).rejects.toThrow(StateError);
  });
});

describe("what a quantised model refuses", () => {
  it.each(["compile", "fit", "partialFit", "trainOnBatch"] as const)("%s is a StateError: it only runs inference", (name) => {
    const before = q.save();
    const call = () => (q[name] as (...a: unknown[]) => unknown)(data.x, data.labels);
    expect(call).toThrow(StateError);
    expect(call).toThrow(`${name}: a quantised model only runs inference; train the float model, then quantize() it again`);
    expect(Buffer.from(q.save()).equals(Buffer.from(before))).toBe(true);
  });

  it("every call on a disposed model is a StateError saying so, and frees nothing twice", () => {
    const own = float.quantize({ calibration: data.x });
    const before = getCore().allocator.bytesInUse;
    own.dispose();
    expect(getCore().allocator.bytesInUse).toBeLessThan(before);
    const calls: [string, () => unknown][] = [
      ["predict", () => own.predict(data.x)],
      ["predictClasses", () => own.predictClasses(data.x)],
      ["predictLabels", () => own.predictLabels(data.x)],
      ["predictStream", () => own.predictStream([data.x])],
      ["predictTransform", () => own.predictTransform()],
      ["evaluate", () => own.evaluate(data.x, data.labels!)],
      ["state", () => own.state()],
      ["save", () => own.save()],
      ["toONNX", () => own.toONNX()],
      ["weightBytes", () => own.weightBytes],
    ];
    for (const [what, call] of calls) {
      expect(call, what).toThrow(StateError);
      expect(call, what).toThrow("this quantised model has been disposed; quantise or load it again");
    }
    const after = getCore().allocator.bytesInUse;
    own.dispose();
    expect(getCore().allocator.bytesInUse).toBe(after);
  });
});

describe("Predictor", () => {
  it("takes the float and the int8 model alike", () => {
    const firstClass = (m: Predictor) => m.predictClasses(data.x.subarray(0, 2))[0];
    expect(firstClass(q)).toBe(q.predictClasses(data.x.subarray(0, 2))[0]);
    expect(firstClass(float)).toBe(float.predictClasses(data.x.subarray(0, 2))[0]);
  });
});
