// `wasmlp quantize` and quantised models in the other commands, run as the built
// CLI (npm run build:ts first): the file it writes is the one quantize() makes
// from the same rows, accuracy before and after, and every usage error.
import { readFile, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init, type Preprocessing } from "../src/index.js";
import { encodeQuantized } from "../src/io/quantized-file.js";
import { encodeQuantizedOnnx } from "../src/io/onnx/export-quantized.js";
import { loadCsv, loadModel, loadQuantizedModel } from "../src/node/files.js";
import { runCli, scratchDir } from "./helpers.js";

const PENGUINS = fileURLToPath(new URL("./fixtures/penguins/penguins.csv", import.meta.url));
let scratch: Awaited<ReturnType<typeof scratchDir>>;
const cli = (...args: string[]) => runCli(scratch.dir, ...args);

beforeAll(async () => {
  await init();
  scratch = await scratchDir("cli-quantize");
  const trained = await cli("train", PENGUINS, "--label", "species", "--missing", "drop", "--epochs", "15", "--out", "m.safetensors", "--no-plot");
  expect(trained.code, trained.stderr).toBe(0);
}, 60_000);
afterAll(() => scratch.remove());

describe("int8 models in predict, evaluate and info", () => {
  beforeAll(async () => {
    const run = await cli("quantize", "m.safetensors", "--calibration", PENGUINS, "--missing", "drop", "--out", "q.safetensors");
    expect(run.code, run.stderr).toBe(0);
  }, 30_000);
  const rowsOf = async (model: { preprocessing: Preprocessing | null }) => {
    const csv = await loadCsv(PENGUINS, { schema: model.preprocessing!, missing: "drop" });
    return { x: { data: csv.x, rows: csv.rows, cols: csv.cols }, labels: csv.labels!, lines: csv.lines };
  };

  it("predict writes the int8 model's outputs (streamed, to a file and as JSON)", async () => {
    const float = await loadModel(scratch.at("m.safetensors"));
    const { x } = await rowsOf(float);
    const q = await loadQuantizedModel(scratch.at("q.safetensors"));
    const expected = q.predict(x).data;
    const run = await cli("predict", "q.safetensors", PENGUINS, "--missing", "drop", "--out", "p.csv");
    expect(run.code, run.stderr).toBe(0);
    const lines = (await readFile(scratch.at("p.csv"), "utf8")).trim().split("\n");
    expect(lines[0]).toBe("line,class,p(Adelie),p(Chinstrap),p(Gentoo)");
    expect(lines).toHaveLength(x.rows + 1);
    const classes = ["Adelie", "Chinstrap", "Gentoo"];
    lines.slice(1).forEach((line, r) => {
      const cells = line.split(",");
      const p = Array.from(expected.subarray(3 * r, 3 * r + 3));
      expect(cells.slice(2), `row ${r}`).toEqual(p.map((v) => String(Number(v.toPrecision(6)))));
      expect(cells[1]).toBe(classes[p.indexOf(Math.max(...p))]);
    });
    const json = await cli("predict", "q.safetensors", PENGUINS, "--missing", "drop", "--json");
    expect(JSON.parse(json.stdout).predictions).toHaveLength(x.rows);
    for (const m of [float, q]) m.dispose();
  }, 30_000);

  it("evaluate scores the int8 model with the float model's loss and metrics", async () => {
    const q = await loadQuantizedModel(scratch.at("q.safetensors"));
    const float = await loadModel(scratch.at("m.safetensors"));
    const { x, labels } = await rowsOf(float);
    const expected = q.evaluate(x, labels);
    const run = await cli("evaluate", "q.safetensors", PENGUINS, "--missing", "drop", "--no-plot", "--json");
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.loss).toBe(expected.loss);
    expect(result.accuracy).toBe(expected.accuracy);
    for (const m of [float, q]) m.dispose();
  }, 30_000);

  it("export writes the int8 model's ONNX graph", async () => {
    const run = await cli("export", "q.safetensors", "--out", "q.onnx");
    expect(run.code, run.stderr).toBe(0);
    const q = await loadQuantizedModel(scratch.at("q.safetensors"));
    expect(Buffer.from(await readFile(scratch.at("q.onnx"))).equals(Buffer.from(encodeQuantizedOnnx(q.state())))).toBe(true);
    q.dispose();
  }, 30_000);

  it("info shows the int8 layers, format version 1.1 and the calibration", async () => {
    const text = await cli("info", "q.safetensors");
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^q\.safetensors: wasmlp int8 model, format version 1\.1, [\d,]+ bytes/);
    const json = JSON.parse((await cli("info", "q.safetensors", "--json")).stdout);
    const q = await loadQuantizedModel(scratch.at("q.safetensors"));
    const state = q.state();
    // The default method ('auto') keeps either; the text names the one kept.
    const kept = state.calibration.method === "minmax" ? "minmax" : "percentile 99\\.99";
    expect(text.stdout).toMatch(new RegExp(`calibrated on 333 rows \\(${kept}\\)`));
    expect(json).toMatchObject({ formatVersion: "1.1", quantized: true, inputs: q.inputs, outputs: q.outputs, calibration: state.calibration });
    expect(json.layers.map((l: { inputScale: number; inputZeroPoint: number }) => [l.inputScale, l.inputZeroPoint]))
      .toEqual(state.layers.map((l) => [l.inputScale, l.inputZeroPoint]));
    q.dispose();
  }, 30_000);
});

describe("wasmlp quantize", () => {
  it("writes the int8 file quantize() makes from the same rows, and prints accuracy before and after", async () => {
    const run = await cli("quantize", "m.safetensors", "--calibration", PENGUINS, "--test", PENGUINS, "--missing", "drop", "--rows", "100");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^wrote .*m\.int8\.safetensors \(int8 model, [\d,]+ bytes\), calibrated on 100 rows of .*penguins\.csv.*\(auto: (percentile 99\.99|minmax)\)/);
    expect(run.stdout).toMatch(/\n {2}float32 {2}loss \d\.\d+ {2}accuracy \d+\.\d\d%\n {2}int8 {5}loss \d\.\d+ {2}accuracy \d+\.\d\d%\n {2}accuracy change -?\d+\.\d\d points/);
    const written = new Uint8Array(await readFile(scratch.at("m.int8.safetensors")));
    const float = await loadModel(scratch.at("m.safetensors"));
    const rows = await loadCsv(PENGUINS, { schema: float.preprocessing!, missing: "drop" });
    const q = float.quantize({ calibration: { data: rows.x.subarray(0, 100 * rows.cols), rows: 100, cols: rows.cols } });
    expect(Buffer.from(written).equals(Buffer.from(encodeQuantized(q.state())))).toBe(true);
    expect(written.length).toBeLessThan((await stat(scratch.at("m.safetensors"))).size);
    const loaded = await loadQuantizedModel(scratch.at("m.int8.safetensors"));
    const all = { data: rows.x, rows: rows.rows, cols: rows.cols };
    expect(Array.from(loaded.predictClasses(all))).toEqual(Array.from(q.predictClasses(all)));
    for (const m of [float, q, loaded]) m.dispose();
  }, 60_000);

  it("--json, --out, --method minmax", async () => {
    const run = await cli("quantize", "m.safetensors", "--calibration", PENGUINS, "--missing", "drop", "--method", "minmax", "--out", "mm.safetensors", "--json");
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ command: "quantize", model: "m.safetensors", out: "mm.safetensors", calibration: { rows: 333, method: "minmax" } });
    expect(result.bytes).toBe((await stat(scratch.at("mm.safetensors"))).size);
    expect(result.test).toBeUndefined();
    const q = await loadQuantizedModel(scratch.at("mm.safetensors"));
    expect(q.state().calibration).toEqual({ method: "minmax", rows: 333 });
    q.dispose();
  }, 30_000);

  it.each([
    ["no --calibration", ["m.safetensors"], 2, /--calibration is required/],
    ["no model", ["--calibration", PENGUINS], 2, /expected one model file/],
    ["--percentile with minmax", ["m.safetensors", "--calibration", PENGUINS, "--method", "minmax", "--percentile", "99"], 2, /--percentile goes with --method percentile/],
    ["--percentile 50", ["m.safetensors", "--calibration", PENGUINS, "--percentile", "50"], 2, /--percentile must be above 50/],
    ["--percentile 101", ["m.safetensors", "--calibration", PENGUINS, "--percentile", "101"], 2, /--percentile must be a number ≥ 50 and ≤ 100/],
    ["--rows 0", ["m.safetensors", "--calibration", PENGUINS, "--rows", "0"], 2, /--rows must be an integer ≥ 1/],
    ["--method unknown", ["m.safetensors", "--calibration", PENGUINS, "--method", "kl"], 2, /--method must be one of auto, percentile, minmax/],
    ["--out the model", ["m.safetensors", "--calibration", PENGUINS, "--out", "m.safetensors"], 2, /--out m.safetensors is the model being quantised/],
    ["a missing model", ["none.safetensors", "--calibration", PENGUINS], 1, /none\.safetensors/],
    ["an int8 model", ["m.int8.safetensors", "--calibration", PENGUINS, "--out", "again.safetensors"], 1, /m\.int8\.safetensors is already an int8 model; quantise the float model it came from/],
    ["calibration rows with missing cells", ["m.safetensors", "--calibration", PENGUINS], 1, /missing/],
    ["test data without the target", ["m.safetensors", "--calibration", PENGUINS, "--missing", "drop", "--test", "inputs.csv"], 1, /species/],
  ])("%s", async (_, args, code, message) => {
    if (args.includes("inputs.csv")) {
      const text = (await readFile(PENGUINS, "utf8")).split("\n").map((l) => l.split(",").slice(1).join(",")).join("\n");
      await import("node:fs/promises").then((fs) => fs.writeFile(scratch.at("inputs.csv"), text));
    }
    const run = await cli("quantize", ...args);
    expect(run.stderr).toMatch(message);
    expect(run.code).toBe(code);
  }, 30_000);
});
