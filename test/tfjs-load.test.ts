// load() and loadModel() read a TensorFlow.js Layers model.json and its weight files, and give
// the predictions TensorFlow.js gives for the same files: switching is one line.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { load, ModelFileError } from "../src/index.js";
import { loadModel } from "../src/node/files.js";
import { maxRelError, randomF32 } from "./helpers.js";
import { fixture, FIXTURES, TOLERANCE, WORKING } from "./tfjs-fixtures.js";

describe("load() and loadModel() read TensorFlow.js models", () => {
  it.each(WORKING)("%s through load({ modelJson, weights }) with the weight files given by name", async (name) => {
    const f = fixture(name);
    const weights = Object.fromEntries(f.modelJson.weightsManifest[0].paths.map((p: string) => [p.replace(/^\.\//, ""), readFileSync(join(f.dir, p))]));
    const model = await load({ modelJson: f.modelJson, weights });
    expect(maxRelError(model.predict(f.expected.inputs!).flat(), f.expected.outputs!.flat())).toBeLessThanOrEqual(TOLERANCE);
    expect(model.origin?.format).toBe("tfjs-layers");
    model.dispose();
  });

  it("load takes model.json as text and a function reading the weights; loadModel finds the weight files beside model.json", async () => {
    const f = fixture("sharded");
    const text = readFileSync(join(f.dir, "model.json"), "utf8");
    const viaText = await load({ modelJson: text, weights: f.read });
    const viaPath = await loadModel(join(f.dir, "model.json"));
    for (const model of [viaText, viaPath]) {
      expect(maxRelError(model.predict(f.expected.inputs!).flat(), f.expected.outputs!.flat())).toBeLessThanOrEqual(TOLERANCE);
      model.dispose();
    }
  });

  it("load refuses a model whose weight file it was not given, and loadModel one whose weight file is not beside model.json", async () => {
    const f = fixture("sharded");
    const first = readFileSync(join(f.dir, "group1-shard1of2.bin"));
    await expect(load({ modelJson: f.modelJson, weights: { "group1-shard1of2.bin": first } })).rejects.toThrow(ModelFileError);
    await expect(load({ modelJson: f.modelJson, weights: { "group1-shard1of2.bin": first } })).rejects.toThrow(/"group1-shard2of2\.bin"/);
    const dir = mkdtempSync(join(tmpdir(), "wasmlp-tfjs-"));
    try {
      copyFileSync(join(f.dir, "model.json"), join(dir, "model.json"));
      copyFileSync(join(f.dir, "group1-shard1of2.bin"), join(dir, "group1-shard1of2.bin"));
      await expect(loadModel(join(dir, "model.json"))).rejects.toThrow(ModelFileError);
      await expect(loadModel(join(dir, "model.json"))).rejects.toThrow(/group1-shard2of2\.bin/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("load and loadModel refuse a Conv2D model", async () => {
    await expect(load({ modelJson: fixture("conv2d").modelJson, weights: {} })).rejects.toThrow(/^layer "conv2d_Conv2D1": class Conv2D is not supported/);
    await expect(loadModel(join(FIXTURES, "conv2d", "model.json"))).rejects.toThrow(/^layer "conv2d_Conv2D1": class Conv2D is not supported/);
  });
});

describe("switching from TensorFlow.js", () => {
  it("the same model.json and weight files give the same predictions from tf.loadLayersModel and from wasmlp's load", async () => {
    const tf = await import("@tensorflow/tfjs-core");
    const tfl = await import("@tensorflow/tfjs-layers");
    const { setWasmPaths } = await import("@tensorflow/tfjs-backend-wasm");
    setWasmPaths(dirname(fileURLToPath(import.meta.resolve("@tensorflow/tfjs-backend-wasm"))) + sep);
    await tf.setBackend("wasm");
    for (const name of ["batchnorm", "sharded", "activation-layers"]) {
      const f = fixture(name);
      const modelJson = JSON.parse(readFileSync(join(f.dir, "model.json"), "utf8"));
      const readWeights = async (path: string) => readFileSync(join(f.dir, path));

      // TensorFlow.js reads the model.json and its weight files through its own parser.
      const handler = {
        load: () => tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
          const files = await Promise.all(manifest.flatMap((g) => g.paths).map(readWeights));
          return [manifest.flatMap((g) => g.weights), tf.io.concatenateArrayBuffers(files.map((b) => Uint8Array.from(b).buffer))];
        }),
      };
      const theirs = await tfl.loadLayersModel(handler);
      // The one line that changes.
      const ours = await load({ modelJson, weights: readWeights });

      const inputs = modelJson.modelTopology.config.layers[0].config.batch_input_shape[1];
      const x = Array.from({ length: 16 }, (_, r) => Array.from(randomF32(inputs, 100 + r, -3, 3)));
      const input = tf.tensor2d(x);
      const output = theirs.predict(input) as InstanceType<typeof tf.Tensor>;
      const want = (await output.array()) as number[][];
      expect(maxRelError(ours.predict(x).flat(), want.flat()), name).toBeLessThanOrEqual(TOLERANCE);
      tf.dispose([input, output]);
      theirs.dispose();
      ours.dispose();
    }
  });
});
