// `wasmlp quantize` and quantised models in the other commands, run as the built
// CLI (npm run build:ts first): the file it writes is the one quantize() makes
// from the same rows, accuracy before and after, and every usage error.
import { readFile, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init } from "../src/index.js";
import { encodeQuantized } from "../src/io/quantized-file.js";
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

describe("wasmlp quantize", () => {
  it("writes the int8 file quantize() makes from the same rows, and prints accuracy before and after", async () => {
    const run = await cli("quantize", "m.safetensors", "--calibration", PENGUINS, "--test", PENGUINS, "--missing", "drop", "--rows", "100");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^wrote .*m\.int8\.safetensors \(int8 model, [\d,]+ bytes\), calibrated on 100 rows of .*penguins\.csv.*\(percentile\)/);
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
    ["--method unknown", ["m.safetensors", "--calibration", PENGUINS, "--method", "kl"], 2, /--method must be one of percentile, minmax/],
    ["--out the model", ["m.safetensors", "--calibration", PENGUINS, "--out", "m.safetensors"], 2, /--out m.safetensors is the model being quantised/],
    ["a missing model", ["none.safetensors", "--calibration", PENGUINS], 1, /none\.safetensors/],
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
