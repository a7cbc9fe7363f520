// The wasmlp command line, run as a real child process (`node dist/cli/main.js`,
// what the package's bin points at) on fixtures: exit codes, usage and errors,
// the files it writes (the model loads, the pictures are well-formed SVG with the
// expected elements), its --json output, Ctrl-C, and Fashion-MNIST accuracy.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dense, init, Sequential, spiral } from "../src/index.js";
import { loadModel, saveModel } from "../src/node/files.js";
import { checkSvg } from "./svg-check.js";

const BIN = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const PENGUINS = fileURLToPath(new URL("./fixtures/penguins/penguins.csv", import.meta.url));
const FASHION = fileURLToPath(new URL("./fixtures/fashion-mnist", import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "wasmlp-cli-"));
  await init();
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with `args`; resolves with its exit code and output (never rejects on a non-zero exit). */
function wasmlp(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const at = (name: string) => join(dir, name);

describe("wasmlp usage", () => {
  it("prints usage: with no command exit 2, with --help exit 0", async () => {
    const none = await wasmlp();
    expect(none.code).toBe(2);
    expect(none.stdout).toMatch(/Usage: wasmlp <command>[\s\S]*train[\s\S]*evaluate[\s\S]*predict[\s\S]*info[\s\S]*export/);
    const help = await wasmlp("train", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--layers 256,128[\s\S]*--schedule[\s\S]*Ctrl-C/);
    expect((await wasmlp("--version")).stdout).toMatch(/^wasmlp \d+\.\d+\.\d+/);
  }, 30_000);

  it("refuses unknown commands and options and bad values with exit 2, naming them", async () => {
    const cmd = await wasmlp("trian");
    expect([cmd.code, cmd.stderr]).toEqual([2, expect.stringMatching(/unknown command 'trian' \(did you mean 'train'\?\)/)]);
    const opt = await wasmlp("train", PENGUINS, "--epoch", "3");
    expect(opt.code).toBe(2);
    expect(opt.stderr).toMatch(/unknown option --epoch \(did you mean --epochs\?\)[\s\S]*Usage: wasmlp train/);
    const bad = await wasmlp("train", PENGUINS, "--epochs", "three");
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/--epochs must be an integer ≥ 1, got "three"/)]);
    expect((await wasmlp("train", PENGUINS, "--layers", "64,x")).stderr).toMatch(/--layers must list positive widths/);
    expect((await wasmlp("train", PENGUINS, "--momentum", "0.9")).stderr).toMatch(/--momentum applies to sgd\/momentum\/nesterov, not adam/);
    expect((await wasmlp("train")).code).toBe(2);
  }, 30_000);

  it("reports data errors with exit 1: missing files, and CSV problems with file and line", async () => {
    const missing = await wasmlp("train", at("nope.csv"));
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/^wasmlp: file not found: .*nope.csv\n$/)]);
    await writeFile(at("bad.csv"), "a,b,label\n1,2,x\n3,oops,y\n");
    const bad = await wasmlp("train", at("bad.csv"), "--json");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad.csv:3: column 2 \("b"\): "oops" is not a number/);
    expect(JSON.parse(bad.stdout)).toEqual({ error: { type: "InputError", message: expect.stringMatching(/bad.csv:3: column 2/) } });
    const na = await wasmlp("train", PENGUINS, "--label", "species");
    expect(na.stderr).toMatch(/penguins.csv:5: column 3 \("bill_length_mm"\): missing value "NA" \(pass --missing drop to skip such rows\)/);
  }, 30_000);

  it("takes negative numbers as option values, and says which option lacks a value", async () => {
    for (const args of [["--lr", "-1"], ["--lr=-1"], ["--lr", "-.5"]]) {
      const r = await wasmlp("train", PENGUINS, ...args, "--json");
      expect([r.code, JSON.parse(r.stdout).error]).toEqual([2, { type: "UsageError", message: expect.stringMatching(/^--lr must be a number ≥ 0, got "-(1|\.5)"$/) }]);
    }
    expect((await wasmlp("train", PENGUINS, "-o", "-1")).stderr).not.toMatch(/ambiguous/);
    const next = await wasmlp("train", PENGUINS, "--lr", "--epochs", "3");
    expect([next.code, next.stderr]).toEqual([2, expect.stringMatching(/^wasmlp: option --lr needs a value\n/)]);
  }, 30_000);

  it("suggests commands and options by the library's one rule: a near spelling, or the one name abbreviated", async () => {
    expect((await wasmlp("evalu")).stderr).toMatch(/unknown command 'evalu' \(did you mean 'evaluate'\?\)/);
    expect((await wasmlp("train", PENGUINS, "--valid", "0.2")).stderr).toMatch(/unknown option --valid \(did you mean --validation-split\?\)/);
    expect((await wasmlp("train", PENGUINS, "--optimiser", "sgd")).stderr).toMatch(/unknown option --optimiser \(did you mean --optimizer\?\)/);
    const none = await wasmlp("train", PENGUINS, "--zzz", "1");
    expect(none.stderr).toMatch(/unknown option --zzz\n/);
  }, 30_000);

  it("lists the library's own optimizer and activation names, and accepts each", async () => {
    const help = (await wasmlp("train", "--help")).stdout;
    expect(help).toMatch(/--optimizer sgd\|momentum\|nesterov\|adam\|adamw\|rmsprop/);
    expect(help).toMatch(/--activation relu\|linear\|leakyRelu\|sigmoid\|tanh\|maxout/);
    expect(help).toMatch(/--output linear\|relu\|leakyRelu\|sigmoid\|tanh\|softmax/);
    const bad = await wasmlp("train", PENGUINS, "--optimizer", "adagrad");
    expect(bad.stderr).toMatch(/--optimizer must be one of sgd, momentum, nesterov, adam, adamw, rmsprop, got "adagrad"/);
    expect((await wasmlp("train", PENGUINS, "--beta1", "0.8", "--optimizer", "rmsprop")).stderr).toMatch(/--beta1 applies to adam\/adamw, not rmsprop/);
  }, 30_000);
});

describe("wasmlp refuses what it cannot finish, before the work", () => {
  it("a gzipped CSV or a model given as data is called what it is", async () => {
    await writeFile(at("rows.csv.gz"), gzipSync("a,b\n1,x\n2,y\n"));
    const gz = await wasmlp("train", at("rows.csv.gz"), "--json");
    expect([gz.code, JSON.parse(gz.stdout).error.message]).toEqual([1, `${at("rows.csv.gz")}: expected a CSV file, but it looks like gzip-compressed data`]);
    const m = new Sequential({ inputs: 2, layers: [dense(2, "softmax")] });
    await saveModel(m, at("as-data.safetensors"));
    m.dispose();
    const model = await wasmlp("train", at("as-data.safetensors"), "--json");
    expect(JSON.parse(model.stdout).error.message).toMatch(/as-data\.safetensors: expected a CSV file, but it looks like a safetensors file/);
  }, 30_000);

  it("an --out folder that does not exist is reported before training, naming the file", async () => {
    const r = await wasmlp("train", PENGUINS, "--label", "species", "--missing", "drop", "--epochs", "1", "--out", "/nonexistent/dir/m.safetensors");
    expect([r.code, r.stdout, r.stderr]).toEqual([1, "", "wasmlp: cannot write /nonexistent/dir/m.safetensors: the folder /nonexistent/dir does not exist\n"]);
  }, 30_000);

  it("evaluate --plot, predict --out and export --out are checked before the model is even read", async () => {
    const none = at("no-such-model.safetensors"); // would be "file not found" if it were read first
    const cases = [["evaluate", none, PENGUINS, "--plot", "/nonexistent/c.svg"], ["predict", none, PENGUINS, "--out", "/nonexistent/p.csv"],
      ["export", none, "--out", "/nonexistent/m.onnx"]];
    for (const args of cases) {
      const r = await wasmlp(...args, "--json");
      expect([r.code, JSON.parse(r.stdout).error]).toEqual([1, { type: "InputError", message: expect.stringMatching(/^cannot write \/nonexistent\/.*: the folder \/nonexistent does not exist$/) }]);
    }
  }, 30_000);

  it("a data file given as the model is called a data file; swapped arguments are pointed out", async () => {
    const info = await wasmlp("info", PENGUINS, "--json");
    expect([info.code, JSON.parse(info.stdout).error]).toEqual([1, {
      type: "ModelFileError", message: expect.stringMatching(/penguins\.csv is not a wasmlp model file: it looks like CSV text; a model file is the \.safetensors file/),
    }]);
    const swapped = await wasmlp("predict", PENGUINS, at("m.safetensors"));
    expect(swapped.code).toBe(2);
    expect(swapped.stderr).toMatch(/penguins\.csv is not a wasmlp model file: it looks like CSV text[^\n]*\nThe model comes first: wasmlp predict <model> <data...>/);
  }, 30_000);
});

describe("wasmlp on a CSV file", () => {
  const model = () => at("penguins.safetensors");

  it("train: JSON report, a model that loads with its columns, and a training picture", async () => {
    const r = await wasmlp("train", PENGUINS, "--label", "species", "--missing", "drop", "--layers", "16", "--epochs", "40", "--batch-size", "16",
      "--lr", "0.01", "--validation-split", "0.25", "--seed", "3", "--out", model(), "--json");
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ command: "train", model: model(), epochs: 40, interrupted: false, monitor: "valLoss", network: { sizes: [10, 16, 3] } });
    expect(report.history.valAccuracy.at(-1)).toBeGreaterThan(0.95);
    // bestEpoch counts from 1, as the text does: the epoch of the lowest validation loss.
    const valLoss: number[] = report.history.valLoss;
    expect(report.bestEpoch).toBe(valLoss.indexOf(Math.min(...valLoss)) + 1);
    const m = await loadModel(model());
    expect(m.preprocessing!.columns!.map((c) => c.name)).toEqual(["island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex", "year"]);
    expect(m.preprocessing!.target).toEqual({ name: "species", classes: ["Adelie", "Chinstrap", "Gentoo"] });
    m.dispose();
    const svg = checkSvg(await readFile(report.pictures.training, "utf8"));
    expect(svg.get("polyline.series")).toBe(4); // loss and accuracy, training and validation
    expect(report.pictures.training).toBe(at("penguins.training.svg"));
  }, 30_000);

  it("evaluate: accuracy, per-class precision and recall, a confusion matrix and its picture", async () => {
    const r = await wasmlp("evaluate", model(), PENGUINS, "--missing", "drop", "--json");
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.accuracy).toBeGreaterThan(0.95);
    expect(e.classes.map((c: { name: string }) => c.name)).toEqual(["Adelie", "Chinstrap", "Gentoo"]);
    expect(e.classes.map((c: { support: number }) => c.support)).toEqual([146, 68, 119]);
    for (const c of e.classes) expect(c).toEqual({ name: expect.any(String), precision: expect.any(Number), recall: expect.any(Number), f1: expect.any(Number), support: expect.any(Number) });
    expect(e.confusionMatrix.flat().reduce((a: number, b: number) => a + b)).toBe(333);
    const svg = checkSvg(await readFile(e.picture, "utf8"));
    expect(svg.get("rect.cell")).toBe(9);
    const text = await wasmlp("evaluate", model(), PENGUINS, "--missing", "drop", "--no-plot");
    expect(text.stdout).toMatch(/class\s+precision\s+recall\s+f1\s+support\nAdelie/);
  }, 30_000);

  it("predict: CSV of the class and its probabilities, by file line; JSON too", async () => {
    const csv = await wasmlp("predict", model(), PENGUINS, "--missing", "drop");
    expect(csv.code, csv.stderr).toBe(0);
    const lines = csv.stdout.trim().split("\n");
    expect(lines[0]).toBe("line,class,p(Adelie),p(Chinstrap),p(Gentoo)");
    expect(lines).toHaveLength(334);
    const [line, cls, ...p] = lines[1].split(",");
    expect([line, cls]).toEqual(["2", "Adelie"]);
    expect(p.map(Number).reduce((a, b) => a + b)).toBeCloseTo(1, 4);
    const json = await wasmlp("predict", model(), PENGUINS, "--missing", "drop", "--json", "--out", at("p.csv"));
    expect(JSON.parse(json.stdout)).toMatchObject({ command: "predict", rows: 333, out: at("p.csv") });
    expect((await readFile(at("p.csv"), "utf8")).split("\n")[0]).toBe(lines[0]);
  }, 30_000);

  it("info and export: layers, parameters, format version, training record; an ONNX file", async () => {
    const r = await wasmlp("info", model(), "--json");
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({ format: "wasmlp", formatVersion: expect.stringMatching(/^1\.\d+$/), inputs: 10, outputs: 3, parameters: 10 * 16 + 16 + 16 * 3 + 3 });
    expect(info.layers.map((l: { type: string; outputs: number }) => [l.type, l.outputs])).toEqual([["dense", 16], ["dense", 3]]);
    expect(info.training.epochs).toBeGreaterThan(0);
    expect(info.compile.optimizer).toMatchObject({ type: "adam", learningRate: 0.01 });
    expect((await wasmlp("info", model())).stdout).toMatch(/format version 1\.\d[\s\S]*\ntotal +227\n[\s\S]*island \(one-hot: Biscoe, Dream, Torgersen\)/);
    const e = await wasmlp("export", model(), "--json");
    expect(JSON.parse(e.stdout)).toMatchObject({ format: "onnx", out: at("penguins.onnx") });
    expect((await readFile(at("penguins.onnx"))).length).toBeGreaterThan(500);
    expect((await wasmlp("info", at("p.csv"))).code).toBe(1);
  }, 30_000);

  it("train and info write counts one way: 1,403 parameters in both", async () => {
    const big = new Sequential({ inputs: 10, layers: [dense(100, "relu"), dense(3, "softmax")] });
    await saveModel(big, at("big.safetensors"));
    big.dispose();
    const info = (await wasmlp("info", at("big.safetensors"))).stdout;
    expect(info).toMatch(/\n0 +dense +relu +100 +1,100\n1 +dense +softmax +3 +303\ntotal +1,403\n/);
    const train = await wasmlp("train", PENGUINS, "--label", "species", "--missing", "drop", "--layers", "100", "--epochs", "1", "--out", at("big2.safetensors"));
    expect(train.stdout).toMatch(/network 10-100-3 \(relu\), 1,403 parameters/);
  }, 30_000);

  it("the text and --json report the same best epoch", async () => {
    const args = ["train", PENGUINS, "--label", "species", "--missing", "drop", "--layers", "8", "--epochs", "6", "--lr", "0.05",
      "--validation-split", "0.3", "--seed", "5", "--threads", "1", "--no-plot", "--out", at("same.safetensors")];
    const text = await wasmlp(...args);
    const json = JSON.parse((await wasmlp(...args, "--json")).stdout);
    expect(text.stdout).toMatch(new RegExp(`\nbest epoch ${json.bestEpoch} by valLoss: val loss ${json.history.valLoss[json.bestEpoch - 1].toFixed(4)}`));
    expect(text.stdout).toMatch(new RegExp(`\nepoch ${json.bestEpoch}/6  loss `));
  }, 30_000);

  it("test data without the target column is refused before training, naming the file and the column", async () => {
    const header = "island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year";
    await writeFile(at("unlabelled.csv"), `${header}\nTorgersen,39.1,18.7,181,3750,male,2007\n`);
    const r = await wasmlp("train", PENGUINS, "--label", "species", "--missing", "drop", "--epochs", "1", "--test", at("unlabelled.csv"),
      "--out", at("t.safetensors"), "--json");
    expect([r.code, JSON.parse(r.stdout).error]).toEqual([1, {
      type: "InputError", message: `${at("unlabelled.csv")}: no target column named "species"; the header has ${header.split(",").join(", ")}`,
    }]);
    const e = await wasmlp("evaluate", model(), at("unlabelled.csv"), "--json");
    expect(JSON.parse(e.stdout).error.message).toMatch(/unlabelled\.csv: no target column named "species"/);
    expect((await wasmlp("predict", model(), at("unlabelled.csv"))).code).toBe(0); // predictions need no target
  }, 30_000);

  it("train draws the decision regions of a 2-D data set", async () => {
    const d = spiral({ pointsPerClass: 40, classes: 3, seed: 2 });
    const rows = Array.from({ length: d.rows }, (_, i) => `${d.x[2 * i]},${d.x[2 * i + 1]},${"abc"[d.labels![i]]}`);
    await writeFile(at("spiral.csv"), ["x,y,arm", ...rows].join("\n"));
    const r = await wasmlp("train", at("spiral.csv"), "--layers", "32", "--epochs", "30", "--batch-size", "16", "--lr", "0.02", "--seed", "1",
      "--scale", "none", "--out", at("spiral.safetensors"), "--json");
    expect(r.code, r.stderr).toBe(0);
    const svg = checkSvg(await readFile(JSON.parse(r.stdout).pictures.regions, "utf8"));
    expect(svg.get("circle")).toBe(d.rows);
    expect(svg.get("rect")!).toBeGreaterThan(160);
  }, 30_000);
});

describe("wasmlp on Fashion-MNIST (the committed subset)", () => {
  it("trains from the IDX folder to ≥ 82% test accuracy and draws training and confusion pictures", async () => {
    const r = await wasmlp("train", FASHION, "--layers", "128", "--epochs", "5", "--batch-size", "64", "--seed", "1",
      "--out", at("fashion.safetensors"), "--json");
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.testResult.accuracy).toBeGreaterThanOrEqual(0.82);
    expect(report.testResult.classes[0].name).toBe("T-shirt/top");
    expect(report.samplesPerSecond).toBeGreaterThan(1000);
    expect(checkSvg(await readFile(report.pictures.confusion, "utf8")).get("rect.cell")).toBe(100);
    // Training and test curves: the test data is scored each epoch, for the picture only.
    expect(checkSvg(await readFile(report.pictures.training, "utf8")).get("polyline.series")).toBe(4);
    expect(report.testCurve.accuracy).toHaveLength(5);
    expect(report.testCurve.accuracy[4]).toBe(report.testResult.accuracy);
    // The saved model scores the same through `evaluate`, reading the same folder's t10k files.
    const e = JSON.parse((await wasmlp("evaluate", at("fashion.safetensors"), FASHION, "--json", "--no-plot")).stdout);
    expect(e.accuracy).toBeCloseTo(report.testResult.accuracy, 10);
    const p = await wasmlp("predict", at("fashion.safetensors"), FASHION);
    expect(p.stdout.split("\n")[0]).toBe("row,class,p(T-shirt/top),p(Trouser),p(Pullover),p(Dress),p(Coat),p(Sandal),p(Shirt),p(Sneaker),p(Bag),p(Ankle boot)");
  }, 30_000);

  it("Ctrl-C stops after the current batch, saves the best model so far and exits 130", async () => {
    const out = at("interrupted.safetensors");
    const child = spawn(process.execPath, [BIN, "train", FASHION, "--layers", "64", "--epochs", "500", "--validation-split", "0.1", "--seed", "1", "--out", out],
      { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (b) => { stderr += b; });
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on("data", (b) => {
        const first = !/epoch\s+2\//.test(stdout);
        stdout += b;
        if (first && /epoch\s+2\//.test(stdout)) child.kill("SIGINT");
      });
      child.on("close", resolve);
    });
    expect(code, stderr).toBe(130);
    expect(stdout).toMatch(/stopping after this batch/);
    expect(stdout).toMatch(/interrupted after [2-9] epochs/);
    const m = await loadModel(out);
    expect(m.inputs).toBe(784);
    m.dispose();
  }, 30_000);
});
