// load(), loadModel(), the worker's load and the CLI take a wasmlp file, an ONNX file (with
// its side files) or a TensorFlow.js model.json alike: the bytes say which.
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, dense, init, load, ModelFileError, Sequential } from "../src/index.js";
import { modelFormat } from "../src/io/load.js";
import { checkSideFileName } from "../src/io/side-file-name.js";
import { loadModel, saveModel } from "../src/node/files.js";
import { maxRelError, runCli, scratchDir } from "./helpers.js";

const ONNX = fileURLToPath(new URL("./fixtures/onnx/", import.meta.url));
const TFJS = fileURLToPath(new URL("./fixtures/tfjs/", import.meta.url));
/** PyTorch's dynamo exporter, every weight in the side file beside it. */
const EXTERNAL = "torch-dynamo-flatten-softmax-external";

let scratch: Awaited<ReturnType<typeof scratchDir>>;
beforeAll(async () => {
  await init();
  scratch = await scratchDir("formats");
});
afterAll(async () => { await scratch.remove(); });

async function fixture(name: string): Promise<{ inputs: number[][]; outputs: number[][] }> {
  const f = JSON.parse(await readFile(join(ONNX, `${name}.json`), "utf8"));
  return { inputs: f.inputs.map((r: unknown) => [r].flat(4)), outputs: f.outputs };
}

describe("loading models of any format", () => {
  it("tells the formats apart by their bytes", async () => {
    const own = new Sequential({ inputs: 2, layers: [dense(1)], seed: 1 });
    expect(modelFormat(own.save())).toBe("wasmlp");
    expect(modelFormat(own.toONNX())).toBe("onnx");
    expect(modelFormat(await readFile(join(TFJS, "dense-activations", "model.json")))).toBe("tfjs-layers");
    expect(modelFormat(new Uint8Array([1, 2, 3]), "broken.onnx")).toBe("onnx");
    own.dispose();
  });

  it("loadModel reads an ONNX file's side file from beside it; load takes it by name or finds it beside a URL", async () => {
    const { inputs, outputs } = await fixture(EXTERNAL);
    const path = join(ONNX, `${EXTERNAL}.onnx`);
    const side = await readFile(join(ONNX, `${EXTERNAL}.onnx.data`));
    const fromPath = await loadModel(path);
    const byName = await load(await readFile(path), { externalData: { [`${EXTERNAL}.onnx.data`]: side } });
    const byUrl = await load(pathToFileURL(path));
    for (const m of [fromPath, byName, byUrl]) {
      expect(maxRelError(m.predict(inputs).flat(), outputs.flat())).toBeLessThan(1e-5);
      expect(m.origin?.format).toBe("onnx");
    }
    expect(byName.predict(inputs)).toEqual(fromPath.predict(inputs));
    for (const m of [fromPath, byName, byUrl]) m.dispose();
  });

  it("an ONNX file without its side file says how to give it", async () => {
    const bytes = await readFile(join(ONNX, `${EXTERNAL}.onnx`));
    await expect(load(bytes)).rejects.toThrow(ModelFileError);
    await expect(load(bytes)).rejects.toThrow(/side file ".*\.onnx\.data".*externalData/);
    await copyFile(join(ONNX, `${EXTERNAL}.onnx`), scratch.at("alone.onnx"));
    await expect(loadModel(scratch.at("alone.onnx"))).rejects.toThrow(ModelFileError);
    await expect(loadModel(scratch.at("alone.onnx"))).rejects.toThrow(/side file/);
  });

  it("load({ modelJson, weights }) and loadModel('model.json') read a TensorFlow.js model", async () => {
    const dir = join(TFJS, "dense-activations");
    const expected = JSON.parse(await readFile(join(dir, "expected.json"), "utf8"));
    const modelJson = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
    const weights = Object.fromEntries(await Promise.all(modelJson.weightsManifest.flatMap((g: { paths: string[] }) => g.paths)
      .map(async (p: string) => [p, await readFile(join(dir, p))])));
    const a = await load({ modelJson, weights });
    const b = await loadModel(join(dir, "model.json"));
    const c = await load({ modelJson: JSON.stringify(modelJson), weights: async (p) => readFile(join(dir, p)) });
    for (const m of [a, b, c]) {
      expect(maxRelError(m.predict(expected.inputs).flat(), expected.outputs.flat())).toBeLessThan(1e-5);
      expect(m.origin?.format).toBe("tfjs-layers");
    }
    await expect(load({ modelJson, weights: {} })).rejects.toThrow(/weights are in ".*", which load\(\{ modelJson, weights \}\) was not given/);
    for (const m of [a, b, c]) m.dispose();
  });

  it("checks every option before reading anything", async () => {
    await expect(load(new Uint8Array(0), { externalData: { "w.bin": 5 as never } })).rejects.toThrow(ConfigError);
    await expect(load(new Uint8Array(0), { externalData: [] as never })).rejects.toThrow(/externalData must map side-file names/);
    await expect(load(new Uint8Array(0), { extrnalData: {} } as never)).rejects.toThrow(/did you mean 'externalData'/);
    await expect(loadModel(scratch.at("missing.onnx"), { checkFinite: "yes" as never })).rejects.toThrow(ConfigError);
  });

  it("side files must stay in the model's folder", () => {
    for (const bad of ["../secret.bin", "/etc/passwd", "a/../../b", "C:\\x", "a\\..\\b", "", "a//b", "x\0y"]) {
      expect(() => checkSideFileName(bad, "side file")).toThrow(ModelFileError);
    }
    for (const good of ["model.onnx.data", "weights/group1-shard1of2.bin", "./w.bin"]) expect(checkSideFileName(good, "side file")).toBe(good);
  });
});

describe("wasmlp convert, info and predict on imported models", () => {
  it("convert writes a wasmlp file that loads alone and says where it came from; info shows the same", async () => {
    await mkdir(scratch.at("m"), { recursive: true });
    for (const f of [`${EXTERNAL}.onnx`, `${EXTERNAL}.onnx.data`]) await copyFile(join(ONNX, f), join(scratch.at("m"), f));
    const onnxPath = join(scratch.at("m"), `${EXTERNAL}.onnx`);
    const run = await runCli(scratch.dir, "convert", onnxPath, "--out", "converted.safetensors");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/wrote converted\.safetensors \(wasmlp model, [\d,]+ bytes, 3 layers\)/);
    expect(run.stdout).toMatch(/imported: ONNX, from pytorch [\d.]+.*, opset \d+/);
    const converted = await loadModel(scratch.at("converted.safetensors"));
    const direct = await loadModel(onnxPath);
    const { inputs } = await fixture(EXTERNAL);
    expect(converted.predict(inputs)).toEqual(direct.predict(inputs));
    expect(converted.origin).toEqual(direct.origin);
    const info = await runCli(scratch.dir, "info", "converted.safetensors", "--json");
    expect(JSON.parse(info.stdout).origin).toEqual(direct.origin);
    const text = await runCli(scratch.dir, "info", onnxPath);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/ONNX model, read as wasmlp imports it/);
    expect(text.stdout).toMatch(/→ layers\.0/);
    converted.dispose();
    direct.dispose();
  });

  it("predict takes an ONNX file directly and writes what the imported model predicts", async () => {
    const own = new Sequential({ inputs: 2, layers: [dense(3, "relu"), dense(2, "softmax")], seed: 3 });
    await writeFile(scratch.at("own.onnx"), own.toONNX());
    await writeFile(scratch.at("rows.csv"), "a,b\n1,2\n-1,0.5\n");
    const run = await runCli(scratch.dir, "predict", "own.onnx", "rows.csv", "--json");
    expect(run.code).toBe(0);
    const { predictions } = JSON.parse(run.stdout);
    const want = own.predict([[1, 2], [-1, 0.5]]);
    expect(predictions.map((p: Record<string, number>) => [p["p(0)"], p["p(1)"]]).flat()).toEqual(want.flat().map((v) => Number(v.toFixed(6))));
    // A file with one column more than the model's inputs: the last one is the target, as for any model without a schema.
    await writeFile(scratch.at("scored.csv"), "a,b,y\n1,2,0\n-1,0.5,1\n");
    const scored = await runCli(scratch.dir, "evaluate", "own.onnx", "scored.csv", "--json");
    expect(scored.code).toBe(0);
    expect(JSON.parse(scored.stdout).rows ?? JSON.parse(scored.stdout).samples).toBe(2);
    own.dispose();
  });

  it("convert refuses writing over its own input and names a model it cannot read", async () => {
    await writeFile(scratch.at("junk.onnx"), new Uint8Array([8, 200, 1, 2]));
    const same = await runCli(scratch.dir, "convert", "junk.onnx", "--out", "junk.onnx");
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/is the model being converted/);
    const bad = await runCli(scratch.dir, "convert", "junk.onnx");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/ONNX|onnx/);
  });

  it("saveModel of an imported model keeps its origin", async () => {
    const m = await loadModel(join(ONNX, `${EXTERNAL}.onnx`));
    await saveModel(m, scratch.at("saved.safetensors"));
    const back = await loadModel(scratch.at("saved.safetensors"));
    expect(back.origin).toEqual(m.origin);
    m.dispose();
    back.dispose();
  });
});

describe("an imported model fine-tunes like any other", () => {
  it("a PyTorch ONNX model compiles, fits relabelled rows, and saves and exports to the same predictions", async () => {
    const name = "torch-script-relu-tanh-softmax";
    const recorded = JSON.parse(await readFile(join(ONNX, `${name}.json`), "utf8")) as { inputShape: number[]; inputs: number[][]; outputs: number[][] };
    expect(recorded.inputShape).toEqual([recorded.inputs.length, recorded.inputs[0].length]);
    const { inputs, outputs } = recorded;
    const model = await loadModel(join(ONNX, `${name}.onnx`));
    const before = model.predict(inputs);
    expect(maxRelError(before.flat(), outputs.flat())).toBeLessThan(1e-5);
    // Its own classes, with every third row moved to the next class: targets the model does not already fit.
    const labels = model.predictClasses(inputs).map((c, r) => (r % 3 === 0 ? (c + 1) % model.outputs : c));
    model.compile({ optimizer: "adam" });
    const history = await model.fit(inputs, labels, { epochs: 8, batchSize: 4 });
    expect(history.loss.at(-1)).toBeLessThan(history.loss[0]);
    const after = model.predict(inputs);
    expect(maxRelError(after.flat(), before.flat())).toBeGreaterThan(1e-3);
    // The moved rows' new class became more likely: it learned the labels, not just drifted.
    const moved = (p: number[][]) => labels.reduce((sum, l, r) => (r % 3 === 0 ? sum + p[r][l] : sum), 0);
    expect(moved(after)).toBeGreaterThan(moved(before));
    const saved = await load(model.save());
    const exported = await load(model.toONNX());
    expect(saved.predict(inputs)).toEqual(after);
    expect(exported.predict(inputs)).toEqual(after);
    for (const m of [model, saved, exported]) m.dispose();
  });
});
