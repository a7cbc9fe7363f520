// Writes the golden model files in test/fixtures/models/: small trained models in
// format version 1.0, with the inputs and the outputs predict() gave for them.
// Later versions of wasmlp must keep loading these files and reproduce the outputs
// (test/model-fixtures.test.ts), so run this only to add files for a new format
// version, never to refresh existing ones.
//
// Usage: npm run build && node scripts/make-model-fixtures.mjs
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { circles, dense, dropout, FORMAT_VERSION, maxout, sequential, sine, spiral } from "../dist/index.js";
import { saveModel } from "../dist/node/files.js";

const OUT = join(dirname(fileURLToPath(import.meta.url)), "..", "test", "fixtures", "models");
const v = `v${FORMAT_VERSION}`;

/** A fixed grid of probe rows in [-1, 1]^inputs. */
const probe = (inputs, rows = 6) => Array.from({ length: rows }, (_, r) => Array.from({ length: inputs }, (_, c) => Math.round(100 * Math.sin(1 + 3 * r + 7 * c)) / 100));

const fixtures = [
  {
    file: `dense-relu-softmax-adam-${v}.safetensors`,
    about: "2 → 8 relu → 3 softmax, Adam, accuracy metric, saved with optimizer state",
    async make() {
      const d = spiral({ pointsPerClass: 30, classes: 3, seed: 1 });
      const m = await sequential({ inputs: 2, layers: [dense(8, "relu"), dense(3, "softmax")], seed: 1 });
      m.compile({ optimizer: { type: "adam", learningRate: 0.02 }, metrics: ["accuracy"] });
      await m.fit(d.x, d.labels, { epochs: 20, batchSize: 16, validationSplit: 0.2 });
      return { model: m, optimizer: true };
    },
  },
  {
    file: `maxout-dropout-leaky-sigmoid-${v}.safetensors`,
    about: "2 → maxout 6×3 → dropout 0.2 → 4 leakyRelu α=0.1 → 1 sigmoid, momentum, L2, no optimizer state",
    async make() {
      const d = circles({ n: 80, seed: 2 });
      const m = await sequential({ inputs: 2, layers: [maxout(6, 3), dropout(0.2), dense(4, { activation: "leakyRelu", alpha: 0.1 }), dense(1, "sigmoid")], seed: 2 });
      m.compile({ optimizer: { type: "momentum", learningRate: 0.05, momentum: 0.8 }, l2: 1e-4 });
      await m.fit(d.x, Float32Array.from(d.labels), { epochs: 10, batchSize: 16 });
      return { model: m, optimizer: false };
    },
  },
  {
    file: `tanh-sigmoid-regression-rmsprop-${v}.safetensors`,
    about: "1 → 6 tanh → 4 sigmoid → 1 linear, mean squared error, RMSProp, saved with optimizer state",
    async make() {
      const d = sine({ n: 40, seed: 3 });
      const m = await sequential({ inputs: 1, layers: [dense(6, "tanh"), dense(4, "sigmoid"), dense(1, "linear")], seed: 3 });
      m.compile({ loss: "meanSquaredError", optimizer: { type: "rmsprop", learningRate: 0.01 } });
      await m.fit(d.x, d.targets, { epochs: 10, batchSize: 8 });
      return { model: m, optimizer: true };
    },
  },
  {
    file: `single-layer-no-bias-${v}.safetensors`,
    about: "3 → 2 tanh without bias, never compiled",
    async make() {
      return { model: await sequential({ inputs: 3, layers: [dense(2, { activation: "tanh", useBias: false })], seed: 4 }), optimizer: false };
    },
  },
];

await mkdir(OUT, { recursive: true });
const expected = { format_version: FORMAT_VERSION, fixtures: {} };
for (const f of fixtures) {
  const { model, optimizer } = await f.make();
  await saveModel(model, join(OUT, f.file), { optimizer });
  const inputs = probe(model.inputs);
  expected.fixtures[f.file] = { about: f.about, config: model.toConfig(), inputs, outputs: model.predict(inputs) };
  model.dispose();
}
await writeFile(join(OUT, `expected-${v}.json`), JSON.stringify(expected, null, 1) + "\n");
console.log(`wrote ${fixtures.length} models and expected-${v}.json to ${OUT}`);
