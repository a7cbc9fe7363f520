// fit(dataset): rows read anew each epoch, re-batched to exactly batchSize and
// shuffled by a seeded buffer, so the weights depend on the seed and the rows
// alone, never on how the rows were chunked; errors and aborts mid-stream
// leave the model as after its last complete batch; every option is checked
// before the first batch.
import { execFile } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortError, ConfigError, InputError, init, mlp, spiral, type Sequential } from "../src/index.js";
import { loadModel } from "../src/node/files.js";
import { mulberry32 } from "../src/util/random.js";
import { runCli, scratchDir } from "./helpers.js";
import type { Dataset, DatasetItem } from "../src/train/dataset.js";
import { heldOut } from "../src/train/stream-source.js";

const BIN = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
let dir: string;
beforeAll(async () => {
  await init();
  dir = await mkdtemp(join(tmpdir(), "wasmlp-fit-stream-"));
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const data = spiral({ pointsPerClass: 200, classes: 3, seed: 4 });
const { cols, rows } = data;

async function model(seed = 7): Promise<Sequential> {
  return (await mlp([cols, 16, 3], { seed })).compile({ loss: "sparseCategoricalCrossentropy", optimizer: { type: "adam", learningRate: 0.01 }, metrics: ["accuracy"] });
}

/** The spiral's rows (from `from`, `count` of them) as RowBatches of `chunk` rows, the last one short. */
function chunks(chunk: number, from = 0, count = rows - from): DatasetItem[] {
  const out: DatasetItem[] = [];
  for (let r = from; r < from + count; r += chunk) {
    const n = Math.min(chunk, from + count - r);
    out.push({ x: data.x.slice(r * cols, (r + n) * cols), rows: n, cols, labels: data.labels.slice(r, r + n) });
  }
  return out;
}

/** A dataset that yields `items` asynchronously, one per tick, as a reader would. */
function asyncDataset(items: DatasetItem[]): Dataset {
  return () => (async function* () {
    for (const item of items) {
      await Promise.resolve();
      yield item;
    }
  })();
}

function weightBits(m: Sequential): Uint32Array[] {
  return m.getWeights().map((w) => new Uint32Array(Float32Array.from(w.data).buffer));
}

describe("fit(dataset)", () => {
  it("gives bit-identical weights for the same seed and rows, however they are chunked, shuffled and split", async () => {
    const options = { epochs: 3, batchSize: 16, shuffleBuffer: 100, validationSplit: 0.2 };
    const results: Uint32Array[][] = [];
    const losses: number[][] = [];
    for (const chunk of [600, 37, 1, 128]) {
      const m = (await model());
      const h = await m.fit(asyncDataset(chunks(chunk)), options);
      results.push(weightBits(m));
      losses.push([...h.loss, ...h.valLoss!]);
    }
    for (const r of results.slice(1)) expect(r).toEqual(results[0]);
    for (const l of losses.slice(1)) expect(l).toEqual(losses[0]);
    // A different seed shuffles (and splits) differently.
    const other = (await mlp([cols, 16, 3], { seed: 8 })).compile({ loss: "sparseCategoricalCrossentropy", optimizer: { type: "adam", learningRate: 0.01 } });
    other.setWeights((await model()).getWeights());
    await other.fit(asyncDataset(chunks(600)), options);
    expect(weightBits(other)).not.toEqual(results[0]);
  });

  it("without shuffling, trains the batches fit() trains on the same rows with shuffle: false, bit for bit", async () => {
    const streamed = (await model());
    const history = await streamed.fit(asyncDataset(chunks(23)), { epochs: 2, batchSize: 32, shuffle: false });
    const resident = (await model());
    const expected = await resident.fit(data.x, data.labels, { epochs: 2, batchSize: 32, shuffle: false });
    expect(weightBits(streamed)).toEqual(weightBits(resident));
    expect(history.loss).toEqual(expected.loss);
    expect(history.accuracy).toEqual(expected.accuracy);
  });

  it("maps regression targets through the model's preprocessing as fit(x, y) does, bit for bit", async () => {
    const n = 300;
    const x = Float32Array.from({ length: n * 2 }, (_, i) => Math.sin(i) * 50 + 100);
    const y = Float32Array.from({ length: n }, (_, r) => x[2 * r] * 3 - x[2 * r + 1] + 400);
    const prep = { method: "standardize" as const, scale: [0.02, 0.02], offset: [-2, -2], target: { name: "y", scale: [0.01], offset: [-4] } };
    const build = async () => {
      const m = (await mlp([2, 8, 1], { seed: 5, output: "linear" })).compile({ loss: "meanSquaredError", metrics: ["mae"] });
      m.setPreprocessing(prep);
      return m;
    };
    const [a, b] = [await build(), await build()];
    const items = [0, 100, 200].map((r) => ({ x: x.slice(r * 2, (r + 100) * 2), rows: 100, cols: 2, targets: y.slice(r, r + 100) }));
    const streamed = await a.fit(asyncDataset(items), { epochs: 2, batchSize: 25, shuffle: false });
    const resident = await b.fit(x, y, { epochs: 2, batchSize: 25, shuffle: false });
    expect(weightBits(a)).toEqual(weightBits(b));
    expect(streamed.mae).toEqual(resident.mae);
    // Class outputs take class indices from a dataset; one-hot rows are refused by name.
    const oneHot = [{ x: new Float32Array(4), y: [[1, 0, 0], [0, 1, 0]] }];
    await expect((await model()).fit(() => oneHot, { epochs: 1 })).rejects.toThrow(/item 0: y holds rows of values; streamed training with this loss takes class indices/);
  });

  it("cuts the rows into batches of exactly batchSize, the last one short, and reports rows and bytes read", async () => {
    const sizes: number[] = [];
    const progress: [number, number | undefined][] = [];
    const items = chunks(50).map((c, i) => ({ ...c, bytesRead: (i + 1) * 1000 }));
    await (await model()).fit(asyncDataset(items), {
      epochs: 1, batchSize: 64, shuffleBuffer: 30,
      callbacks: { onBatchEnd: (_, logs) => { sizes.push(logs.size); progress.push([logs.rows!, logs.bytes]); } },
    });
    expect(sizes).toEqual([...new Array<number>(9).fill(64), 600 - 9 * 64]);
    expect(progress.map((p) => p[0])).toEqual(sizes.map((_, i) => Math.min(600, (i + 1) * 64)));
    // Bytes grow with the rows read (the buffer reads 30 rows ahead) and end at the last item's count.
    expect(progress.at(-1)![1]).toBe(12000);
    for (let i = 1; i < progress.length; i++) expect(progress[i][1]!).toBeGreaterThanOrEqual(progress[i - 1][1]!);
  });

  it("trains every row exactly once per epoch, in an order the shuffle buffer changes every epoch", async () => {
    // Rows whose single input is their number: the order is read back from the batches through a callback on the input buffer.
    const n = 250;
    const x = Float32Array.from({ length: n }, (_, i) => i);
    const y = new Int32Array(n);
    const seen: number[][] = [[], []];
        const dataset: Dataset = (epoch) => [{ x, rows: n, cols: 1, labels: y }].map((b) => ({ ...b, epoch }));
    const { StreamSource } = await import("../src/train/stream-source.js");
    const { getCore } = await import("../src/index.js");
    const core = getCore();
    const source = new StreamSource(core, dataset, {
      shuffleBuffer: 40, seed: 3, split: 0, where: "test", shape: { inputs: 1, outputs: 2, classes: 2 }, rule: { classes: 2 },
    }, 16);
    const bx = core.allocF32(16);
    const bt = core.allocF32(16);
    try {
      for (const epoch of [0, 1]) {
        source.beginEpoch(true, epoch);
        for (let b = await source.next(16, bx, bt); b; b = await source.next(16, bx, bt)) seen[epoch].push(...core.f32(bx, b.rows));
      }
    } finally {
      core.free(bx);
      core.free(bt);
      source.free();
    }
    for (const order of seen) expect([...order].sort((a, b) => a - b)).toEqual([...x]);
    expect(seen[0]).not.toEqual([...x]);
    expect(seen[1]).not.toEqual(seen[0]);
    // A row leaves the buffer no earlier than 40 rows before it came in.
    seen[0].forEach((row, i) => expect(row).toBeLessThanOrEqual(i + 40));
  });

  it("holds out the same rows every epoch by a hash of their index, and scores the model on exactly those", async () => {
    const held = Array.from({ length: rows }, (_, i) => i).filter((i) => heldOut(i, 7, 0.25));
    expect(held.length / rows).toBeGreaterThan(0.2);
    expect(held.length / rows).toBeLessThan(0.3);
    const m = (await model());
    const h = await m.fit(asyncDataset(chunks(64)), { epochs: 2, batchSize: 32, validationSplit: 0.25 });
    const vx = new Float32Array(held.length * cols);
    held.forEach((r, i) => vx.set(data.x.subarray(r * cols, (r + 1) * cols), i * cols));
    const v = m.evaluate(vx, Int32Array.from(held, (r) => data.labels[r]));
    expect(h.valLoss![1]).toBeCloseTo(v.loss, 5);
    expect(h.valAccuracy![1]).toBeCloseTo(v.accuracy!, 6);
  });

  it("scores validation data given as a dataset function or as arrays, the same way", async () => {
    const [vx, vy] = [data.x.slice(0, 100 * cols), data.labels.slice(0, 100)];
    const a = (await model());
    const ha = await a.fit(asyncDataset(chunks(64, 100, 500)), { epochs: 2, validationData: [vx, vy] });
    const b = (await model());
    const hb = await b.fit(asyncDataset(chunks(64, 100, 500)), { epochs: 2, validationData: asyncDataset(chunks(30, 0, 100)) });
    expect(ha.valLoss).toEqual(hb.valLoss);
    expect(ha.valLoss![1]).toBeCloseTo(a.evaluate(vx, vy).loss, 5);
  });

  it("reads rows one at a time, batches { x, y }, sync iterables and ReadableStreams alike", async () => {
    const asRows = (): DatasetItem[] => Array.from({ length: rows }, (_, r) => ({ x: Array.from(data.x.subarray(r * cols, (r + 1) * cols)), y: data.labels[r] }));
    const asBatches = (): DatasetItem[] => [{ x: data.x.slice(0, 300 * cols), y: data.labels.slice(0, 300) }, { x: data.x.slice(300 * cols), y: data.labels.slice(300) }];
    const options = { epochs: 2, batchSize: 50, shuffleBuffer: 80 };
    const reference = (await model());
    await reference.fit(asyncDataset(chunks(100)), options);
    const stream = (items: DatasetItem[]) => new ReadableStream<DatasetItem>({ start(c) { for (const i of items) c.enqueue(i); c.close(); } });
    for (const dataset of [() => asRows(), () => stream(asBatches()), () => asBatches()] as Dataset[]) {
      const m = (await model());
      await m.fit(dataset, options);
      expect(weightBits(m)).toEqual(weightBits(reference));
    }
  });

  it("stops at a malformed batch with the model as after the batch before it", async () => {
    const items = chunks(32);
    const bad = items[5] as { x: Float32Array };
    bad.x = bad.x.slice();
    bad.x[3 * cols + 1] = NaN;
    const m = (await model());
    let before: Uint32Array[] = [];
    const run = m.fit(asyncDataset(items), {
      epochs: 1, batchSize: 32, shuffle: false,
      callbacks: { onBatchEnd: () => { before = weightBits(m); } },
    });
    await expect(run).rejects.toThrow(InputError);
    await expect(run).rejects.toThrow(/item 5: x contains NaN at row 3, column 1/);
    expect(before.length).toBeGreaterThan(0);
    expect(weightBits(m)).toEqual(before);
    // A row of the wrong width is named too.
    const wide = [{ x: new Float32Array(6), rows: 2, cols: 3, labels: new Int32Array(2) }];
    await expect((await model()).fit(() => wide, { epochs: 1 })).rejects.toThrow(/item 0 has 3 columns; the model has 2 inputs/);
    await expect((await model()).fit(() => [{ x: new Float32Array(2), rows: 1, cols: 2, labels: Int32Array.of(5) }], { epochs: 1 }))
      .rejects.toThrow(/y\[0\] = 5 is out of range/);
  });

  it("stops when aborted, with the weights of the last complete batch, and closes the dataset", async () => {
    const controller = new AbortController();
    let closed = false;
    const dataset: Dataset = () => (async function* () {
      try {
        for (const item of chunks(10)) {
          await Promise.resolve();
          yield item;
        }
      } finally {
        closed = true;
      }
    })();
    const m = (await model());
    let after: Uint32Array[] = [];
    const run = m.fit(dataset, {
      epochs: 2, batchSize: 16, signal: controller.signal,
      callbacks: { onBatchEnd: (batch) => { after = weightBits(m); if (batch === 4) controller.abort(); } },
    });
    await expect(run).rejects.toThrow(AbortError);
    expect(weightBits(m)).toEqual(after);
    await new Promise((r) => setTimeout(r, 0));
    expect(closed).toBe(true);
  });

  it("stops when aborted while the dataset is waiting for its next item", async () => {
    const controller = new AbortController();
    const stalled: Dataset = () => (async function* () {
      yield chunks(64)[0];
      await new Promise(() => {}); // a source that never sends more
    })();
    const m = await model();
    let after: Uint32Array[] = [];
    const run = m.fit(stalled, {
      epochs: 1, batchSize: 32, shuffle: false, signal: controller.signal,
      callbacks: { onBatchEnd: (batch) => { after = weightBits(m); if (batch === 1) setTimeout(() => controller.abort(), 10); } },
    });
    await expect(run).rejects.toThrow(AbortError);
    await expect(run).rejects.toThrow(/aborted before batch 2 of epoch 0/);
    expect(weightBits(m)).toEqual(after);
  });

  it("checks every option before the first batch, leaving the model as it was", async () => {
    const cases: [object, RegExp][] = [
      [{ shuffleBuffer: -1 }, /shuffleBuffer/],
      [{ epochs: "auto" }, /epochs .* needs the number of rows ahead/],
      [{ validationSplit: { fraction: 0.2, from: "end" } }, /validationSplit is a fraction/],
      [{ validationSplit: 1.5 }, /validationSplit/],
      [{ sampleWeight: [1] }, /sampleWeight/],
      [{ timeLimit: 0 }, /timeLimit/],
      [{ validationData: 3 }, /validationData must be a dataset function or \[x, y\]/],
    ];
    for (const [options, message] of cases) {
      const m = (await model());
      const weights = weightBits(m);
      let pulled = false;
      const dataset: Dataset = () => { pulled = true; return chunks(100); };
      await expect(m.fit(dataset, options as never)).rejects.toThrow(message);
      await expect(m.fit(dataset, options as never)).rejects.toBeInstanceOf(options === cases[6][0] ? InputError : ConfigError);
      expect(pulled).toBe(false);
      expect(weightBits(m)).toEqual(weights);
    }
    await expect((await model()).fit((() => 42) as unknown as Dataset, { epochs: 1 })).rejects.toThrow(/returned 42 for epoch 0/);
    await expect((await model()).fit(() => [{ x: [[1, 2]] } as never], { epochs: 1 })).rejects.toThrow(/item 0 has no targets/);
  });

  it("stops after the batch that passes timeLimit", async () => {
    const slow: Dataset = () => (async function* () {
      for (const item of chunks(20)) {
        await new Promise((r) => setTimeout(r, 5));
        yield item;
      }
    })();
    const h = await (await model()).fit(slow, { epochs: 5, batchSize: 20, timeLimit: 0.03 });
    expect(h.stopReason).toBe("time");
    expect(h.epochs).toBe(0);
  });
});

/** Runs the CLI (under `node` with `flags`); resolves with its exit code and output. */
function wasmlp(flags: string[], ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...flags, BIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Writes a CSV of about `mb` MiB: 20 columns of noise, three of which (one per class) are raised for the row's class, and a label. */
async function writeCsv(path: string, mb: number): Promise<void> {
  const out = createWriteStream(path);
  const random = mulberry32(7);
  out.write(Array.from({ length: 20 }, (_, i) => `f${i}`).join(",") + ",label\n");
  for (let bytes = 0; bytes < mb * 2 ** 20;) {
    let text = "";
    for (let i = 0; i < 2000; i++) {
      const k = Math.floor(random() * 3);
      for (let c = 0; c < 20; c++) text += `${(random() + (c === k ? 1 : 0)).toFixed(5)},`;
      text += `${k}\n`;
    }
    bytes += text.length;
    if (!out.write(text)) await new Promise((done) => out.once("drain", done));
  }
  await new Promise((done) => out.end(done));
}

describe("wasmlp train --stream", () => {
  it("trains on a CSV several times the heap, read from disk, and the saved model loads", async () => {
    const csv = join(dir, "big.csv");
    await writeCsv(csv, 300);
    // Over 256 MB the file streams without --stream; under 64 MB of heap it could not be loaded whole.
    const run = await wasmlp(["--max-old-space-size=64"], "train", csv, "--epochs", "1", "--layers", "16", "--batch-size", "256", "--seed", "1", "--json", "--out", "big.safetensors");
    expect(run.stderr).toMatch(/read as a stream \(300 MB, over 256 MB\)/);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ stream: true, epochs: 1, task: "classification" });
    expect(report.rows).toBeGreaterThan(1_500_000);
    expect(report.history.accuracy[0]).toBeGreaterThan(0.9);
    const model = await loadModel(join(dir, "big.safetensors"));
    expect(model.inputs).toBe(20);
    expect(model.preprocessing!.target!.classes).toEqual(["0", "1", "2"]);
    model.dispose();
  }, 240_000);

  it("reaches the accuracy in-memory training reaches on the same small file, holding rows out by their number", async () => {
    const csv = join(dir, "small.csv");
    await writeCsv(csv, 1);
    const args = ["train", csv, "--epochs", "8", "--layers", "16", "--seed", "2", "--validation-split", "0.2", "--json", "--no-plot"];
    const [streamed, resident] = await Promise.all([wasmlp([], ...args, "--stream", "--out", "s.safetensors"), wasmlp([], ...args, "--out", "m.safetensors")]);
    expect([streamed.code, resident.code]).toEqual([0, 0]);
    const [s, m] = [JSON.parse(streamed.stdout), JSON.parse(resident.stdout)];
    expect(s.stream).toBe(true);
    // Different shuffling (a buffer against whole-epoch permutations), so close rather than equal.
    const last = (h: { valAccuracy: number[] }) => h.valAccuracy.at(-1)!;
    expect(last(s.history)).toBeGreaterThan(0.9);
    expect(Math.abs(last(s.history) - last(m.history))).toBeLessThan(0.05);
  }, 60_000);

  it("refuses what a stream cannot do, before reading the file", async () => {
    const csv = join(dir, "tiny.csv");
    await writeFile(csv, "a,b,label\n1,2,0\n2,1,1\n");
    const auto = await wasmlp([], "train", csv, "--stream", "--epochs", "auto");
    expect([auto.code, auto.stderr]).toEqual([2, expect.stringMatching(/--epochs auto needs the data in memory/)]);
    const test = await wasmlp([], "train", csv, "--stream", "--test", csv);
    expect([test.code, test.stderr]).toEqual([2, expect.stringMatching(/--test is not available with --stream/)]);
  }, 30_000);
});

describe("wasmlp train --stream --sample-rows", () => {
  it("names the flag when a category first appears after the rows that decided, and a larger sample reads the file", async () => {
    const scratch = await scratchDir("sample-rows");
    const rows = Array.from({ length: 300 }, (_, i) => `${(i % 7) / 7},${(i % 5) / 5},${i < 200 ? "red" : "blue"},${i % 2}`);
    await writeFile(scratch.at("late.csv"), ["a,b,colour,label", ...rows].join("\n") + "\n");
    const small = await runCli(scratch.dir, "train", "late.csv", "--stream", "--sample-rows", "50", "--layers", "4", "--no-plot", "--out", "m.safetensors");
    expect(small.code).toBe(1);
    expect(small.stderr).toMatch(/late\.csv:202: column 3 \("colour"\): category "blue".*the first 50 rows decided.*pass --sample-rows \d+/);
    const large = await runCli(scratch.dir, "train", "late.csv", "--stream", "--sample-rows", "500", "--layers", "4", "--no-plot", "--out", "m.safetensors");
    expect(large.stderr).toBe("");
    expect(large.code).toBe(0);
    await scratch.remove();
  }, 60_000);
});
