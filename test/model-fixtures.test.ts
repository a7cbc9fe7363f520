// Golden model files of format version 1.0 (made once by scripts/make-model-fixtures.mjs):
// every later wasmlp must load them, rebuild the same architecture, reproduce the
// outputs recorded when they were written, and resume training from their state.
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { init, parseSafetensors, type ModelConfig } from "../src/index.js";
import { loadModel } from "../src/node/files.js";
import { maxRelError } from "./helpers.js";

const DIR = new URL("./fixtures/models/", import.meta.url);

interface Fixture {
  about: string;
  config: ModelConfig;
  inputs: number[][];
  outputs: number[][];
}

const versions = ["1.0"];

beforeAll(async () => { await init(); });

for (const version of versions) {
  describe(`model files of format version ${version}`, async () => {
    const expected = JSON.parse(await readFile(new URL(`expected-v${version}.json`, DIR), "utf8")) as { fixtures: Record<string, Fixture> };

    it("are still the files of that version", async () => {
      for (const file of Object.keys(expected.fixtures)) {
        const meta = parseSafetensors(new Uint8Array(await readFile(new URL(file, DIR)))).metadata;
        expect(meta.format_version).toBe(version);
      }
    });

    for (const [file, f] of Object.entries(expected.fixtures)) {
      it(`load and predict the recorded outputs: ${f.about}`, async () => {
        const bytes = new Uint8Array(await readFile(new URL(file, DIR)));
        // Whether the file holds optimizer state, read from its tensors (the writer names them optimizer.*).
        const savedState = parseSafetensors(bytes).tensors.some((t) => t.name.startsWith("optimizer."));
        const model = await loadModel(new URL(file, DIR).pathname);
        expect(model.toConfig()).toEqual(f.config);
        const out = model.predict(f.inputs);
        expect(maxRelError(out.flat(), f.outputs.flat())).toBeLessThan(1e-5);
        const state = model.state();
        if (state.optimizer) {
          // Compiled files train on; those saved with optimizer state continue their step count.
          const steps = state.optimizer.steps;
          expect(steps > 0).toBe(savedState);
          const x = new Float32Array(f.inputs.flat());
          const y = f.config.layers[f.config.layers.length - 1].activation === "softmax" ? Int32Array.from(f.inputs, (_, i) => i % 3) : new Float32Array(f.outputs.flat());
          const h = await model.fit(x, y, { epochs: 1, batchSize: f.inputs.length });
          expect(Number.isFinite(h.loss[0])).toBe(true);
          expect(model.state().optimizer!.steps).toBe(steps + 1);
        }
        model.dispose();
      });
    }
  });
}
