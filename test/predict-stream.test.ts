// Streaming inference: model.predictStream() and predictTransform() against predict() on the same rows,
// pulled one batch at a time, stopped by an AbortSignal or a failing source; and `wasmlp predict`
// streaming a CSV file (or stdin) to a file (or stdout) in constant memory.
// The CLI tests run the built CLI (npm run build:ts).
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortError, dense, init, InputError, Sequential, StateError, type StreamBatch } from "../src/index.js";
import { loadCsv, loadModel, saveModel } from "../src/node/files.js";
import { randomF32, rng, runCli, runCliWith, scratchDir } from "./helpers.js";

const PENGUINS = fileURLToPath(new URL("./fixtures/penguins/penguins.csv", import.meta.url));

let scratch: Awaited<ReturnType<typeof scratchDir>>;
beforeAll(async () => {
  await init();
  scratch = await scratchDir("predict-stream");
});
afterAll(async () => { await scratch.remove(); });

const INPUTS = 5;
const classifier = () => new Sequential({ inputs: INPUTS, layers: [dense(7, "relu"), dense(3, "softmax")], seed: 4 });

/** Rows split into batches of the given sizes, in turn. */
function batches(x: Float32Array, sizes: number[]): Float32Array[] {
  const out: Float32Array[] = [];
  for (let r = 0, i = 0; r * INPUTS < x.length; i++) {
    const rows = Math.min(sizes[i % sizes.length], x.length / INPUTS - r);
    out.push(x.slice(r * INPUTS, (r + rows) * INPUTS));
    r += rows;
  }
  return out;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of it) out.push(b);
  return out;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** An async source of `items` that counts how many the consumer has pulled, and may fail or stall at an index. */
function countingSource<T>(items: T[], options: { failAt?: number; stallAt?: number } = {}) {
  const state = { pulled: 0, closed: false };
  async function* gen() {
    try {
      for (let i = 0; i < items.length; i++) {
        if (i === options.failAt) throw new InputError(`data.csv:${100 + i}: column 2 ("b") holds "x", not a number`);
        if (i === options.stallAt) await new Promise(() => {});
        state.pulled++;
        yield items[i];
      }
    } finally {
      state.closed = true;
    }
  }
  return { source: gen(), state };
}

describe("predictStream", () => {
  const x = randomF32(2311 * INPUTS, 7, -2, 2); // more than two core chunks of rows, and not a multiple of any batch size

  it("gives predict()'s outputs bit for bit, one batch per input batch in order, for every input form and odd batch sizes", async () => {
    const m = classifier();
    const want = m.predict(x);
    const parts = batches(x, [1, 3, 1500, 17, 1024, 129]);
    const forms: [string, (b: Float32Array) => StreamBatch][] = [
      ["Float32Array", (b) => b],
      ["number[][]", (b) => Array.from({ length: b.length / INPUTS }, (_, r) => Array.from(b.subarray(r * INPUTS, (r + 1) * INPUTS)))],
      ["Matrix", (b) => ({ data: b, rows: b.length / INPUTS, cols: INPUTS })],
      ["{ x, rows, cols } (a row batch)", (b) => ({ x: b, rows: b.length / INPUTS, cols: INPUTS })],
      ["{ x }", (b) => ({ x: b })],
    ];
    for (const [form, make] of forms) {
      const out = await collect(m.predictStream(parts.map(make)));
      expect(out.map((o) => o.length), form).toEqual(parts.map((p) => (p.length / INPUTS) * 3));
      expect(concat(out), form).toEqual(want);
    }
    // A sync iterable, an async generator and a web ReadableStream alike.
    const stream = new ReadableStream<Float32Array>({ start(c) { for (const p of parts) c.enqueue(p); c.close(); } });
    expect(concat(await collect(m.predictStream(stream)))).toEqual(want);
    expect(concat(await collect(m.predictStream(countingSource(parts).source)))).toEqual(want);
    m.dispose();
  });

  it("reads bytes ({ data: Uint8Array }) as predict() does, with the model's preprocessing", async () => {
    const m = classifier();
    m.setPreprocessing({ method: "scale", scale: 1 / 255, offset: -0.5 });
    const bytes = Uint8Array.from({ length: 40 * INPUTS }, (_, i) => (i * 37) % 256);
    const want = m.predict({ data: bytes, rows: 40, cols: INPUTS }).data;
    const parts = [0, 13, 40].slice(1).map((end, i, a) => ({ data: bytes.slice((i ? a[i - 1] : 0) * INPUTS, end * INPUTS), rows: end - (i ? a[i - 1] : 0), cols: INPUTS }));
    expect(concat(await collect(m.predictStream(parts)))).toEqual(want);
    m.dispose();
  });

  it("predicts classes as predictClasses() does, and refuses them from a regression model before reading", async () => {
    const m = classifier();
    const parts = batches(x, [700, 9]);
    const classes = await collect(m.predictStream(parts, { output: "classes" }));
    expect(classes[0]).toBeInstanceOf(Int32Array);
    expect(Array.from(classes.flatMap((c) => Array.from(c)))).toEqual(Array.from(m.predictClasses(x)));
    const values = new Sequential({ inputs: INPUTS, layers: [dense(2)] });
    const { source, state } = countingSource(parts);
    expect(() => values.predictStream(source, { output: "classes" })).toThrow(/predicts values, not classes/);
    expect(state.pulled).toBe(0);
    values.dispose();
    m.dispose();
  });

  it("pulls one batch at a time: nothing is read ahead of the batch being computed", async () => {
    const m = classifier();
    const { source, state } = countingSource(batches(x, [100]));
    const out = m.predictStream(source);
    expect(state.pulled).toBe(0); // nothing read before the first output is asked for
    let outputs = 0;
    for await (const _ of out) {
      outputs++;
      expect(state.pulled).toBe(outputs);
      await new Promise((r) => setTimeout(r, 1)); // a slow consumer gives the stream time to read ahead, if it would
      expect(state.pulled).toBe(outputs);
      if (outputs === 5) break;
    }
    expect(state.closed).toBe(true); // leaving the loop closes the source
    m.dispose();
  });

  it("an AbortSignal stops it mid-stream with an AbortError carrying the reason, also while the source is waiting; the model still predicts", async () => {
    const m = classifier();
    const want = m.predict(x.subarray(0, 10 * INPUTS));
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    const { source, state } = countingSource(batches(x, [10]), { stallAt: 3 });
    const out = m.predictStream(source, { signal: controller.signal });
    expect((await out.next()).value).toEqual(want);
    await out.next();
    await out.next();
    const pending = out.next(); // the source never answers batch 3
    setTimeout(() => controller.abort(reason), 5);
    const e = await pending.catch((err) => err);
    expect(e).toBeInstanceOf(AbortError);
    expect(e.reason).toBe(reason);
    expect(e.message).toMatch(/^predictStream: aborted after 3 batches: user cancelled; the model is unchanged/);
    expect(state.pulled).toBe(3);
    expect((await out.next()).done).toBe(true);
    expect(m.predict(x.subarray(0, 10 * INPUTS))).toEqual(want);
    // An already aborted signal is refused at the call.
    expect(() => m.predictStream([x], { signal: controller.signal })).toThrow(AbortError);
    m.dispose();
  });

  it("an input error mid-stream surfaces at its batch, after the outputs before it", async () => {
    const m = classifier();
    const parts = batches(x, [50]);
    const failing = countingSource(parts, { failAt: 4 });
    const got: Float32Array[] = [];
    const e = await (async () => { for await (const o of m.predictStream(failing.source)) got.push(o); })().catch((err) => err);
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe('data.csv:104: column 2 ("b") holds "x", not a number');
    expect(concat(got)).toEqual(m.predict(x.subarray(0, 200 * INPUTS)));
    // A batch of the wrong width, or with a NaN, is named by its index in the stream.
    const wide = new Float32Array(2 * (INPUTS + 1));
    await expect(collect(m.predictStream([parts[0], { data: wide, rows: 2, cols: INPUTS + 1 }]))).rejects.toThrow(/^predictStream: batch 1 has 6 columns, expected 5$/);
    const nan = parts[1].slice();
    nan[7] = NaN;
    await expect(collect(m.predictStream([parts[0], nan]))).rejects.toThrow(/^predictStream: batch 1: x contains NaN at row 1, column 2/);
    const rowByRow = (function* () { yield [1, 2, 3, 4, 5]; })();
    await expect(collect(m.predictStream(rowByRow as never))).rejects.toThrow(/^predictStream: batch 0 is one row \(an array of numbers\)/);
    m.dispose();
  });

  it("refuses what is not a stream of batches, and bad options, at the call", () => {
    const m = classifier();
    expect(() => m.predictStream(x as never)).toThrow(/batches is one batch of rows.*pass \[x\], or use predict\(x\)/);
    expect(() => m.predictStream([[1, 2, 3, 4, 5]] as never)).toThrow(/batches is one batch of rows/);
    expect(() => m.predictStream(42 as never)).toThrow(/batches must be an async iterable, an iterable or a ReadableStream of input batches, got 42/);
    expect(() => m.predictStream([x], { output: "labels" } as never)).toThrow(/output must be "values" or "classes"/);
    expect(() => m.predictStream([x], { signal: "stop" } as never)).toThrow(/signal must be an AbortSignal/);
    expect(() => m.predictStream([x], { batchSize: 3 } as never)).toThrow(/batchSize/);
    m.dispose();
  });

  it("a model disposed or training meanwhile ends the stream with a StateError", async () => {
    const m = classifier();
    const parts = batches(x, [10]);
    const out = m.predictStream(parts);
    await out.next();
    m.dispose();
    await expect(out.next()).rejects.toThrow(StateError);
    expect(() => m.predictStream(parts)).toThrow(/disposed/);

    const t = classifier().compile({ optimizer: "sgd" });
    const stream = t.predictStream(parts);
    await stream.next();
    const y = new Int32Array(400);
    const fit = t.fit(x.subarray(0, 400 * INPUTS), y, { epochs: 2, batchSize: 8 }); // training from here until it resolves
    await expect(stream.next()).rejects.toThrow(/predictStream: the model is training, so its weights would change between batches/);
    await fit;
    t.dispose();
  });
});

describe("predictTransform", () => {
  it("is a web TransformStream giving predict()'s outputs in order", async () => {
    const m = classifier();
    const x = randomF32(300 * INPUTS, 3);
    const parts = batches(x, [7, 100]);
    const source = new ReadableStream<StreamBatch>({ start(c) { for (const p of parts) c.enqueue({ x: p }); c.close(); } });
    const out = await collect(source.pipeThrough(m.predictTransform()) as unknown as AsyncIterable<Float32Array>);
    expect(out).toHaveLength(parts.length);
    expect(concat(out)).toEqual(m.predict(x));
    const classes = await collect(new ReadableStream({ start(c) { c.enqueue(x); c.close(); } }).pipeThrough(m.predictTransform({ output: "classes" })) as unknown as AsyncIterable<Int32Array>);
    expect(classes[0]).toEqual(m.predictClasses(x));
    m.dispose();
  });

  it("errors the stream when aborted or given a bad batch", async () => {
    const m = classifier();
    const controller = new AbortController();
    const t = m.predictTransform({ signal: controller.signal });
    const writer = t.writable.getWriter();
    const reader = t.readable.getReader();
    void writer.write(randomF32(2 * INPUTS, 1));
    expect((await reader.read()).value).toHaveLength(6);
    controller.abort(new Error("enough"));
    await expect(reader.read()).rejects.toThrow(/^predictTransform: aborted after 1 batch: enough/);
    const bad = new ReadableStream({ start(c) { c.enqueue(new Float32Array(3)); c.close(); } }).pipeThrough(m.predictTransform());
    await expect(collect(bad as unknown as AsyncIterable<Float32Array>)).rejects.toThrow(/predictTransform: batch 0 has 3 values, which is not a whole number of rows of 5 inputs/);
    m.dispose();
  });
});

/** What `wasmlp predict` wrote for a CSV file before it streamed: the file line, then the class and its probabilities or the value, each number as String(Number(v.toPrecision(6))), computed here with predict(). */
async function expectedCsv(modelPath: string, csvPath: string): Promise<string> {
  const model = await loadModel(modelPath);
  const d = await loadCsv(csvPath, { schema: model.preprocessing!, missing: "drop" });
  const out = model.predict({ data: d.x, rows: d.rows, cols: d.cols }).data;
  const k = model.outputs;
  const target = model.preprocessing!.target!;
  const six = (v: number) => String(Number(v.toPrecision(6)));
  const lines = [target.classes ? ["line", "class", ...target.classes.map((c) => `p(${c})`)].join(",") : `line,${target.name}`];
  for (let r = 0; r < d.rows; r++) {
    const p = Array.from(out.subarray(r * k, (r + 1) * k));
    const best = p.reduce((b, v, j) => (v > p[b] ? j : b), 0);
    lines.push([d.lines[r], ...(target.classes ? [target.classes[best]] : []), ...p.map(six)].join(","));
  }
  model.dispose();
  return lines.join("\n") + "\n";
}

describe("wasmlp predict, streamed", () => {
  const classifier = () => scratch.at("species.safetensors");
  const regression = () => scratch.at("mass.safetensors");
  beforeAll(async () => {
    const train = (label: string, out: string) => runCli(scratch.dir, "train", PENGUINS, "--label", label, "--missing", "drop", "--layers", "8", "--epochs", "3",
      "--seed", "2", "--no-plot", "--out", out);
    for (const r of [await train("species", classifier()), await train("body_mass_g", regression())]) expect(r.code, r.stderr).toBe(0);
  }, 60_000);

  it("writes what predict wrote before, byte for byte: stdin to stdout, a file to a file, a file to stdout", async () => {
    for (const model of [classifier(), regression()]) {
      const want = await expectedCsv(model, PENGUINS);
      const piped = await runCliWith({ cwd: scratch.dir, stdin: await readFile(PENGUINS) }, "predict", model, "-", "-", "--missing", "drop");
      expect(piped.code, piped.stderr).toBe(0);
      expect(piped.stdout).toBe(want);
      const toFile = await runCli(scratch.dir, "predict", model, PENGUINS, "--missing", "drop", "--out", "p.csv");
      expect([toFile.code, toFile.stdout]).toEqual([0, "wrote 333 predictions to p.csv\n"]);
      expect(await readFile(scratch.at("p.csv"), "utf8")).toBe(want);
      expect((await runCli(scratch.dir, "predict", model, PENGUINS, "--missing", "drop", "--out", "-")).stdout).toBe(want);
    }
    const both = await runCli(scratch.dir, "predict", classifier(), PENGUINS, "-", "--out", "p.csv");
    expect([both.code, both.stderr]).toEqual([2, expect.stringMatching(/a trailing - writes to standard output, but --out names p\.csv/)]);
  }, 60_000);

  it("a model without a column schema reads stdin whether or not it has a target column", async () => {
    const own = new Sequential({ inputs: 2, layers: [dense(3, "relu"), dense(2, "softmax")], seed: 3 });
    await saveModel(own, scratch.at("own.safetensors"));
    const want = own.predict([[1, 2], [-1, 0.5]]).flat().map((v) => String(Number(v.toPrecision(6))));
    for (const csv of ["a,b\n1,2\n-1,0.5\n", "a,b,y\n1,2,0\n-1,0.5,1\n"]) {
      const r = await runCliWith({ cwd: scratch.dir, stdin: csv }, "predict", "own.safetensors", "-");
      expect(r.code, r.stderr).toBe(0);
      const rows = r.stdout.trim().split("\n").slice(1).map((l) => l.split(","));
      expect(rows.map((c) => c[0])).toEqual(["2", "3"]);
      expect(rows.flatMap((c) => c.slice(2))).toEqual(want);
    }
    own.dispose();
  }, 30_000);

  it("a malformed row deep in a file: exit 1 naming the file, line and column; no output file is left, and on stdout only whole rows", async () => {
    const text = await readFile(PENGUINS, "utf8");
    const [header, ...rows] = text.trim().split("\n").filter((l) => !l.includes("NA"));
    const lines = [header];
    while (lines.length < 20_000) lines.push(...rows);
    lines[14_999] = lines[14_999].replace(/^([^,]*,[^,]*,)[^,]*/, "$1thirty-nine"); // file line 15,000, column 3
    await writeFile(scratch.at("bad.csv"), lines.join("\n") + "\n");
    const r = await runCli(scratch.dir, "predict", classifier(), "bad.csv", "--out", "bad-out.csv");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^wasmlp: bad\.csv:15000: column 3 \("bill_length_mm"\)[^\n]*thirty-nine/);
    expect((await readdir(scratch.dir)).filter((f) => f.includes("bad-out"))).toEqual([]);
    const out = await runCli(scratch.dir, "predict", classifier(), "bad.csv");
    expect(out.code).toBe(1);
    expect(out.stdout.endsWith("\n")).toBe(true);
    const written = out.stdout.split("\n").slice(1, -1);
    expect(written.length).toBeGreaterThan(0); // the batches before the bad row
    expect(written.length).toBeLessThan(14_999);
    expect(written.every((l, i) => l.startsWith(`${i + 2},`) && l.split(",").length === 5)).toBe(true);
  }, 30_000);

  it("stops quietly, exit 0, when the reader of its standard output has read enough (| head)", async () => {
    const [header, ...rows] = (await readFile(PENGUINS, "utf8")).trim().split("\n").filter((l) => !l.includes("NA"));
    await writeFile(scratch.at("many.csv"), [header, ...Array.from({ length: 30_000 }, (_, i) => rows[i % rows.length])].join("\n") + "\n");
    const bin = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
    const child = spawn(process.execPath, [bin, "predict", classifier(), "many.csv"], { cwd: scratch.dir, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (b) => { stderr += b; });
    const first = await new Promise<Buffer>((resolve) => child.stdout.once("data", resolve));
    child.stdout.destroy();
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(first.toString()).toMatch(/^line,class,p\(Adelie\)/);
    expect([code, stderr]).toEqual([0, ""]);
  }, 30_000);

  it("Ctrl-C stops after the batch being predicted with exit code 130, leaving no --out file", async () => {
    const [header, ...rows] = (await readFile(PENGUINS, "utf8")).trim().split("\n").filter((l) => !l.includes("NA"));
    const thousand = Array.from({ length: 1000 }, (_, i) => rows[i % rows.length]).join("\n") + "\n";
    await writeFile(scratch.at("long.csv"), header + "\n" + thousand.repeat(1000));
    const bin = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
    const child = spawn(process.execPath, [bin, "predict", classifier(), "long.csv", "--out", "long-out.csv"], { cwd: scratch.dir, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (b) => { stderr += b; });
    const closed = new Promise((resolve) => child.on("close", resolve));
    // Interrupted once the output is being written, beside its path under a temporary name.
    while (!(await readdir(scratch.dir)).some((f) => f.startsWith(".long-out.csv."))) await new Promise((r) => setTimeout(r, 10));
    child.kill("SIGINT");
    expect(await closed).toBe(130);
    expect(stderr).toMatch(/^interrupted after [\d,]+ rows; long-out\.csv was not written\n$/);
    expect((await readdir(scratch.dir)).filter((f) => f.includes("long-out"))).toEqual([]);
  }, 30_000);

  it("runs in constant memory: a 48 MB heap predicts a CSV file of about 200 MB and writes every row", async () => {
    const r = rng(3);
    const header = [...Array.from({ length: 20 }, (_, j) => `f${j}`), "y"].join(",") + "\n";
    const rows = Array.from({ length: 300 }, (_, i) => Array.from({ length: 20 }, () => (r() * 2 - 1).toFixed(5)).join(",") + `,${"ab"[i % 2]}\n`);
    await writeFile(scratch.at("small.csv"), header + rows.join(""));
    const train = await runCli(scratch.dir, "train", "small.csv", "--layers", "8", "--epochs", "2", "--no-plot", "--out", "wide.safetensors");
    expect(train.code, train.stderr).toBe(0);
    const count = 1_200_000;
    const thousand = Array.from({ length: 1000 }, (_, i) => rows[i % rows.length]).join("");
    const big = createWriteStream(scratch.at("big.csv"));
    big.write(header);
    for (let i = 0; i < count; i += 1000) if (!big.write(thousand)) await new Promise((resolve) => big.once("drain", resolve));
    await new Promise((resolve) => big.end(resolve));
    expect((await stat(scratch.at("big.csv"))).size).toBeGreaterThan(190e6);
    const run = await runCliWith({ cwd: scratch.dir, node: ["--max-old-space-size=48"] }, "predict", "wide.safetensors", "big.csv", "--out", "big-out.csv");
    expect(run.code, run.stderr).toBe(0);
    const out = await readFile(scratch.at("big-out.csv"));
    let newlines = 0;
    for (let at = out.indexOf(10); at >= 0; at = out.indexOf(10, at + 1)) newlines++;
    expect(newlines).toBe(count + 1);
    const last = out.subarray(out.lastIndexOf(10, out.length - 2) + 1).toString();
    expect(last).toMatch(new RegExp(`^${count + 1},[ab],`));
  }, 90_000);
});
