// ONNX files made by the tools people export from (PyTorch's TorchScript and torch.export
// exporters, Keras 3, onnx.helper; written by scripts/make-onnx-fixtures.py): wasmlp must
// import each into a model whose predictions match ONNX Runtime's recorded outputs, through
// load() with the side files given and through loadModel(), which finds them beside the
// model; and it must refuse the models that are not multilayer perceptrons, naming the part
// it cannot import.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init, load, ModelFileError, type Sequential } from "../src/index.js";
import { loadModel } from "../src/node/files.js";

const DIR = new URL("./fixtures/onnx/", import.meta.url);
/** ONNX Runtime's outputs are the reference: |wasmlp − onnxruntime| ≤ TOLERANCE · max(1, |onnxruntime|). */
const TOLERANCE = 1e-5;

interface Source { tool: string; version: string; exporter: string; opset: number }
interface Fixture {
  name: string;
  about: string;
  source: Source;
  model: string;
  externalData: string[];
  inputShape?: number[];
  inputs?: number[][];
  outputs?: number[][];
  error?: { mentions: string[] };
}

const fixtures: Fixture[] = readdirSync(DIR)
  .filter((file) => file.endsWith(".json"))
  .sort()
  .map((file) => ({ name: file.slice(0, -".json".length), ...JSON.parse(readFileSync(new URL(file, DIR), "utf8")) }));
const positives = fixtures.filter((f) => f.outputs);
const negatives = fixtures.filter((f) => f.error);

const bytesOf = (file: string) => new Uint8Array(readFileSync(new URL(file, DIR)));
const sideFiles = (f: Fixture) => Object.fromEntries(f.externalData.map((file) => [file, bytesOf(file)]));

/** Largest |a − b| / max(1, |b|) and largest |a − b| over the rows, per fixture and way of loading. */
const worst = new Map<string, { rel: number; abs: number }>();

/** Predicts the fixture's inputs and holds them to ONNX Runtime's outputs; records the largest differences. */
function checkPredictions(model: Sequential, f: Fixture, via: string): void {
  const inputs = f.inputs!;
  const expected = f.outputs!;
  expect(model.toConfig().inputs).toBe(f.inputShape!.slice(1).reduce((a, b) => a * b, 1));
  const got = model.predict(inputs);
  expect(got.length).toBe(expected.length);
  let rel = 0;
  let abs = 0;
  got.forEach((row, r) => {
    expect(row.length).toBe(expected[r].length);
    row.forEach((value, c) => {
      const d = Math.abs(value - expected[r][c]);
      // NaN never passes: `d <= x` is false for it.
      if (!(d <= TOLERANCE * Math.max(1, Math.abs(expected[r][c])))) {
        expect.fail(`${f.name} via ${via}: row ${r}, column ${c}: wasmlp ${value}, ONNX Runtime ${expected[r][c]}`);
      }
      rel = Math.max(rel, d / Math.max(1, Math.abs(expected[r][c])));
      abs = Math.max(abs, d);
    });
  });
  worst.set(`${f.name}\t${via}`, { rel, abs });
}

beforeAll(async () => { await init(); });

afterAll(() => {
  const lines = [...worst].map(([key, { rel, abs }]) => `${key.padEnd(64)} ${abs.toExponential(2).padStart(9)} ${rel.toExponential(2).padStart(9)}`);
  console.log(["ONNX fixtures: largest difference from ONNX Runtime", `${"fixture\tload path".padEnd(64)} ${"|Δ|".padStart(9)} ${"rel".padStart(9)}`, ...lines].join("\n"));
});

describe("ONNX fixtures made by the exporters", () => {
  it("are all here: every exporter, a side file, models to refuse", () => {
    const exporters = new Set(positives.map((f) => `${f.source.tool} ${f.source.exporter}`));
    expect(exporters).toEqual(new Set([
      "pytorch torch.onnx.export(dynamo=False)", "pytorch torch.onnx.export(dynamo=True)",
      'keras keras.Model.export(format="onnx")', "onnx onnx.helper",
    ]));
    expect(positives.some((f) => f.externalData.length > 0)).toBe(true);
    // Opsets before 13, where Softmax still coerced its input to 2-D at `axis`, and after.
    expect(positives.map((f) => f.source.opset)).toEqual(expect.arrayContaining([9, 10, 11, 13, 17]));
    expect(negatives.length).toBe(3);
    for (const f of fixtures) expect(bytesOf(f.model).length).toBeGreaterThan(0);
  });

  for (const f of positives) {
    describe(`${f.name}: ${f.about}`, () => {
      it("load(bytes, { externalData }) predicts ONNX Runtime's outputs", async () => {
        const model = await load(bytesOf(f.model), { externalData: sideFiles(f) });
        try {
          expect(model.origin).toMatchObject({ format: "onnx", opset: f.source.opset });
          checkPredictions(model, f, "load");
        } finally {
          model.dispose();
        }
      });

      it("loadModel(path) reads its side files beside it and predicts the same", async () => {
        const model = await loadModel(fileURLToPath(new URL(f.model, DIR)));
        try {
          checkPredictions(model, f, "loadModel");
        } finally {
          model.dispose();
        }
      });

      if (f.externalData.length > 0) {
        it("load(bytes) without its side file is a ModelFileError naming the file", async () => {
          const refused = load(bytesOf(f.model));
          await expect(refused).rejects.toThrow(ModelFileError);
          await expect(refused).rejects.toThrow(f.externalData[0]);
        });
      }
    });
  }

  for (const f of negatives) {
    it(`refuses ${f.name} (${f.about}) with a ModelFileError naming ${f.error!.mentions.join(", ")}`, async () => {
      const refused = load(bytesOf(f.model), { externalData: sideFiles(f) });
      await expect(refused).rejects.toThrow(ModelFileError);
      const message = await refused.catch((e: Error) => e.message);
      for (const mention of f.error!.mentions) expect(message).toContain(mention);
    });
  }
});
