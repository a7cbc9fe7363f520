// One training run, written once and executed both in the browser page and in
// Node (in-process and in a child process), so the tests compare the same run.
import { init, mlp, spiral } from "wasmlp";

/** A fixed 16×16 grid over [-1, 1]², where predictions are compared bit for bit. */
export const GRID = (() => {
  const g = new Float32Array(16 * 16 * 2);
  for (let i = 0; i < 256; i++) {
    g[2 * i] = -1 + (2 * (i % 16)) / 15;
    g[2 * i + 1] = -1 + (2 * Math.floor(i / 16)) / 15;
  }
  return g;
})();

/** The spiral every run trains on: 3 classes of 100 points. */
export const spiralData = () => spiral({ pointsPerClass: 100, classes: 3, seed: 1 });

/** Float32 values as hex of their bits, for exact comparison. */
export const hex = (a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length), (v) => v.toString(16).padStart(8, "0")).join("");

/**
 * Trains mlp(spec.sizes) with Adam on the spiral and reports accuracy, predictions on GRID (as hex),
 * the core's threads, memory and build, how many pool tasks ran, and the saved model.
 * @param {{ init?: object, sizes: number[], epochs: number, batchSize: number, seed: number }} spec
 */
export async function trainSpiral(spec) {
  const core = await init(spec.init);
  const d = spiralData();
  const model = await mlp(spec.sizes, { seed: spec.seed });
  model.compile({ optimizer: { type: "adam", learningRate: 0.02 }, metrics: ["accuracy"] });
  const runsBefore = core.pool?.seq ?? 0;
  await model.fit(d.x, d.labels, { epochs: spec.epochs, batchSize: spec.batchSize });
  const result = {
    accuracy: model.evaluate(d.x, d.labels).accuracy,
    predictions: hex(model.predict(GRID)),
    threads: core.threads,
    shared: core.shared,
    build: core.build ?? "plain",
    poolRuns: (core.pool?.seq ?? 0) - runsBefore,
    model: model.save(),
  };
  model.dispose();
  return result;
}
