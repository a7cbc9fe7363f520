// The page the browser tests drive: the library as a bundler packs it, with
// entry points on window that the tests call through page.evaluate().
import { CoreError, dense, init, load, loadQuantized, type InitOptions, type ModelConfig } from "wasmlp";
import { createWorkerModel } from "wasmlp/worker";
import { GRID, hex, spiralData, trainSpiral } from "./run.js";

/** Strict-CSP runs check that nothing was refused. */
const violations: string[] = [];
document.addEventListener("securitypolicyviolation", (e) => violations.push(`${e.violatedDirective}: ${e.blockedURI}`));

interface RunSpec {
  init?: InitOptions;
  sizes: number[];
  epochs: number;
  batchSize: number;
  seed: number;
}

const base64 = (b: Uint8Array) => btoa(Array.from(b, (c) => String.fromCharCode(c)).join(""));
const bytes = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** The config mlp(sizes, { seed }) builds: ReLU hidden layers, softmax output. */
function configOf(spec: RunSpec): ModelConfig {
  const hidden = spec.sizes.slice(1, -1).map((units) => dense(units, "relu"));
  return { inputs: spec.sizes[0], layers: [...hidden, dense(spec.sizes.at(-1)!, "softmax")], seed: spec.seed };
}

const api = {
  violations,
  isolated: () => globalThis.crossOriginIsolated === true,

  /** Trains on the page's main thread (run.js, as in Node). */
  async train(spec: RunSpec) {
    const r = await trainSpiral(spec);
    return { ...r, model: base64(r.model) };
  },

  /** The same run in a Web Worker through createWorkerModel, counting progress events. */
  async workerTrain(spec: RunSpec) {
    const d = spiralData();
    const model = await createWorkerModel(configOf(spec), spec.init);
    await model.compile({ optimizer: { type: "adam", learningRate: 0.02 }, metrics: ["accuracy"] });
    let epochs = 0;
    let batches = 0;
    const history = await model.fit(d.x, d.labels!, {
      epochs: spec.epochs, batchSize: spec.batchSize,
      onEpochEnd: () => epochs++, onBatchEnd: () => batches++,
    });
    const predictions = hex(await model.predict(GRID));
    const evaluation = await model.evaluate(d.x, d.labels!);
    const saved = await model.save();
    await model.dispose();
    return { accuracy: evaluation.accuracy!, predictions, epochEvents: epochs, batchEvents: batches, historyEpochs: history.epochs,
      threads: model.core.threads, build: model.core.build, model: base64(saved) };
  },

  /** Starts a long fit in a worker, aborts it after three epochs, and reports how it ended and whether the page stayed live. */
  async workerCancel(spec: RunSpec) {
    const d = spiralData();
    const model = await createWorkerModel(configOf(spec), spec.init);
    await model.compile({ optimizer: "adam" });
    const controller = new AbortController();
    let epochs = 0;
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const started = performance.now();
    const outcome = await model.fit(d.x, d.labels!, {
      epochs: 100000, batchSize: 32,
      onEpochEnd: () => { if (++epochs === 3) controller.abort(); },
      signal: controller.signal,
    }).then(() => ({ name: "resolved", epochs: -1 }),
      (e) => ({ name: e.name as string, epochs: (e.history?.epochs ?? -1) as number, reason: String(e.reason?.name ?? e.reason) }));
    const ms = performance.now() - started;
    clearInterval(ticker);
    const after = await model.predict(GRID); // still usable after a cancelled fit
    await model.dispose();
    return { ...outcome, eventsSeen: epochs, ticks, ms, predictsAfter: after.length };
  },

  /** Loads model file bytes (base64) on the main thread and predicts the grid. */
  async loadAndPredict(file: string, initOptions?: InitOptions) {
    await init(initOptions);
    const model = await load(bytes(file));
    const result = hex(model.predict(GRID));
    model.dispose();
    return result;
  },

  /** Loads a model file as a Blob into a worker model and predicts the grid. */
  async workerLoadAndPredict(file: string, initOptions?: InitOptions) {
    const model = await createWorkerModel(new Blob([bytes(file)]), initOptions);
    const result = hex(await model.predict(GRID));
    await model.dispose();
    return result;
  },

  /** Loads a model by URL (an ONNX file finds its side file beside it, a model.json its weight files) and predicts flat rows, as hex. */
  async loadUrlAndPredict(url: string, rows: number[], initOptions?: InitOptions) {
    await init(initOptions);
    const model = await load(url);
    const result = hex(model.predict(Float32Array.from(rows)) as Float32Array);
    model.dispose();
    return result;
  },

  /** An int8 model file fetched from `url`: its predictions on `rows`, as hex. */
  async loadQuantizedUrlAndPredict(url: string, rows: number[], initOptions?: InitOptions) {
    await init(initOptions);
    const model = await loadQuantized(url);
    const result = hex(model.predict(Float32Array.from(rows)));
    model.dispose();
    return result;
  },

  /** The same, in a worker model. */
  async workerLoadUrlAndPredict(url: string, rows: number[], initOptions?: InitOptions) {
    const model = await createWorkerModel(url, initOptions);
    const result = hex(await model.predict(Float32Array.from(rows)));
    await model.dispose();
    return result;
  },

  /** init(): "loaded", or the error's class and message. */
  async initOutcome(initOptions?: InitOptions) {
    return init(initOptions).then(() => "loaded", (e) => `${e instanceof CoreError ? "CoreError" : e.name}: ${e.message}`);
  },

  /** A worker model given a .wasm of another version: the error it rejects with. */
  async workerWrongVersion(wasm: string) {
    return createWorkerModel(configOf({ sizes: [2, 3], epochs: 0, batchSize: 1, seed: 0 }), { wasm: bytes(wasm) })
      .then(() => "loaded", (e) => `${e instanceof CoreError ? "CoreError" : e.name}: ${e.message}`);
  },
};

(globalThis as unknown as { wasmlpTest: typeof api }).wasmlpTest = api;
document.getElementById("status")!.textContent = "ready";
