// Soak: trains and predicts continuously with random valid configurations and,
// after every round, checks that nothing is NaN, the core's memory is back to
// where it started, the process RSS stays flat, and a second run of the same
// configuration (on the other thread count) gives bit-identical weights.
//
//   npm run soak -- --minutes 10 [--seed 1] [--every 30] [--rss-bound 96]
//   npm run soak -- --seed 1 --round 8235     (just that round, to reproduce a failure)
//
// Not a unit test: it runs for as long as it is told and prints one status line
// every `--every` seconds and a summary; it exits 1 at the first failed check.
import { performance } from "node:perf_hooks";
import { mulberry32 } from "../dist/data/toy.js";

const args = parseArgs(process.argv.slice(2));
const minutes = Number(args.minutes ?? 10);
const seed = Number(args.seed ?? 1);
const every = Number(args.every ?? 30) * 1000;
/** RSS may exceed the level measured after the warm-up by at most this many MiB. */
const rssBound = Number(args["rss-bound"] ?? 96);
/** Rounds run before the RSS baseline is taken: JIT tiers and V8's heap sizing settle first. */
const WARMUP_ROUNDS = 20;
/** With --round, only that round runs (its configuration depends on the seed and the round alone). */
const only = args.round === undefined ? undefined : Number(args.round);
const dist = new URL(args.dist ? `file://${args.dist}/` : "../dist/", import.meta.url);
if (!(minutes > 0)) fail(`--minutes must be a number > 0, got ${args.minutes}`);

const w = await import(new URL("index.js", dist).href);
const core = await w.init({ threads: 2 });
const gc = typeof globalThis.gc === "function" ? globalThis.gc : undefined;

const baseline = core.allocator.bytesInUse;
const started = performance.now();
const deadline = started + minutes * 60_000;
const stats = { rounds: 0, models: 0, epochs: 0, predictions: 0, recovered: 0, diverged: 0, aborted: 0, byTask: {}, byOptimizer: {} };
let rssBaseline = 0;
let rssMax = 0;
let lastReport = started;

console.log(`soak: ${minutes} min, seed ${seed}, ${gc ? "gc exposed" : "no --expose-gc"}, core ${core.file}, baseline ${baseline} bytes in use`);
for (let round = only ?? 0; only === undefined ? performance.now() < deadline : round === only; round++) {
  const rand = mulberry32(seed * 1_000_003 + round);
  const config = randomConfig(rand, round);
  const first = await runOnce(config, config.threads);
  const second = await runOnce(config, 3 - config.threads);
  if (!first.weights.equals(second.weights)) fail(`round ${round}: weights differ between ${config.threads} and ${3 - config.threads} threads`, config);
  if (!first.outputs.equals(second.outputs)) fail(`round ${round}: predictions differ between runs`, config);
  // The pool keeps per-worker GEMM scratch between calls; one thread frees it, so the check sees models only.
  await w.setThreads(1);
  if (core.allocator.bytesInUse !== baseline) fail(`round ${round}: ${core.allocator.bytesInUse} bytes in use after disposing everything, baseline ${baseline}`, config);
  stats.rounds++;
  stats.byTask[config.task] = (stats.byTask[config.task] ?? 0) + 1;
  stats.byOptimizer[config.optimizer.type] = (stats.byOptimizer[config.optimizer.type] ?? 0) + 1;
  if (gc && round % 10 === 0) gc();
  const rss = process.memoryUsage().rss;
  if (stats.rounds === WARMUP_ROUNDS) rssBaseline = rss;
  if (stats.rounds >= WARMUP_ROUNDS) {
    rssMax = Math.max(rssMax, rss);
    if (rss - rssBaseline > rssBound * 2 ** 20) fail(`round ${round}: RSS ${mib(rss)} is more than ${rssBound} MiB above the baseline ${mib(rssBaseline)}`, config);
  }
  if (performance.now() - lastReport >= every) {
    lastReport = performance.now();
    report("status");
  }
}
report("done");
console.log(`soak: PASS — ${stats.rounds} rounds, ${stats.models} models, ${stats.epochs} epochs, ${stats.predictions} predictions; ` +
  `divergences recovered ${stats.recovered}, thrown ${stats.diverged}; aborted and resumed ${stats.aborted}; ` +
  `core bytes in use ${core.allocator.bytesInUse} (baseline ${baseline}); core memory ${mib(core.memory.buffer.byteLength)}; ` +
  `RSS ${mib(process.memoryUsage().rss)} (after warm-up ${mib(rssBaseline)}, max ${mib(rssMax)}, bound +${rssBound} MiB)`);
console.log(`soak: tasks ${JSON.stringify(stats.byTask)}; optimizers ${JSON.stringify(stats.byOptimizer)}`);
await core.stopPool();

/** One complete life of a model: build, compile, train, check, predict, save, load, dispose. */
async function runOnce(c, threads) {
  await w.setThreads(threads);
  const data = dataset(c);
  const model = await w.sequential({ inputs: data.cols, layers: c.layers, seed: c.modelSeed });
  const models = [model];
  try {
    stats.models++;
    model.compile({ loss: c.loss, optimizer: c.optimizer, metrics: c.loss === "meanSquaredError" ? ["mae"] : ["accuracy"], l2: c.l2 });
    const fitOptions = {
      epochs: c.epochs, batchSize: c.batchSize, shuffle: c.shuffle, validationSplit: data.rows >= 10 ? c.validationSplit : undefined,
      clipNorm: c.clipNorm, clipValue: c.clipValue, onDivergence: c.onDivergence, learningRateSchedule: c.schedule,
    };
    if (c.abortAtBatch !== undefined) {
      // Abort part-way (at a fixed batch, so both runs stop at the same point), then train on.
      const controller = new AbortController();
      let seen = 0;
      const aborted = await model.fit(data.x, data.y, {
        ...fitOptions, signal: controller.signal, callbacks: { onBatchEnd: () => { if (++seen === c.abortAtBatch) controller.abort(); } },
      }).then(() => false, (e) => {
        if (e.name !== "AbortError") throw e;
        return true;
      });
      if (aborted) stats.aborted++;
      checkFinite(model, c, "after an aborted fit");
    }
    let history;
    let diverged = false;
    try {
      history = await model.fit(data.x, data.y, fitOptions);
      stats.epochs += history.epochs;
      stats.recovered += history.recoveries?.length ?? 0;
      if (!history.loss.every(Number.isFinite)) fail(`a recorded epoch loss is not finite: ${history.loss}`, c);
    } catch (e) {
      if (e.name !== "DivergenceError") throw e;
      stats.diverged++;
      diverged = true;
    }
    // Weights are always finite. After a DivergenceError they are the last ones whose loss was seen finite,
    // which other rows may still overflow; after a fit that resolved, every output and the loss are finite.
    checkFinite(model, c, "after fit");
    const outputs = model.predict(data.x);
    stats.predictions += data.rows;
    if (!diverged && !outputs.every(Number.isFinite)) fail("predictions are not finite", c);
    const evaluation = model.evaluate(data.x, data.y);
    if (!diverged && !Number.isFinite(evaluation.loss)) fail(`evaluate gave loss ${evaluation.loss}`, c);
    const copy = await w.load(model.save({ optimizer: true }));
    models.push(copy);
    if (!bits(copy.predict(data.x)).equals(bits(outputs))) fail("a saved and loaded model predicts differently", c);
    const weights = Buffer.concat(model.getWeights().map((t) => bits(t.data)));
    return { weights, outputs: bits(outputs) };
  } catch (e) {
    fail(`${e?.name ?? "error"}: ${e?.message ?? e}`, c, e);
  } finally {
    for (const m of models) m.dispose();
  }
}

function checkFinite(model, c, when) {
  for (const t of model.getWeights()) {
    const i = t.data.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) fail(`${t.name}[${i}] = ${t.data[i]} ${when}`, c);
  }
}

/** A random valid configuration: task, layers, loss, optimizer, training options, thread count. */
function randomConfig(rand, round) {
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
  const task = pick(["spiral", "circles", "moons", "xor", "binary", "sine", "onehot"]);
  const layers = [];
  for (let i = int(0, 3); i > 0; i--) {
    const kind = pick(["dense", "dense", "dense", "maxout"]);
    if (kind === "maxout") layers.push({ type: "maxout", units: int(1, 24), pieces: int(2, 4) });
    else {
      const activation = pick(["relu", "leakyRelu", "tanh", "sigmoid", "linear"]);
      layers.push({ type: "dense", units: int(1, 96), activation, ...(activation === "leakyRelu" ? { alpha: pick([0.01, 0.1, 0.3]) } : {}) });
    }
    if (rand() < 0.2) layers.push({ type: "dropout", rate: pick([0.1, 0.25, 0.5]) });
  }
  const classes = task === "spiral" ? int(2, 5) : 2;
  let loss;
  if (task === "sine") {
    layers.push({ type: "dense", units: 1, activation: pick(["linear", "tanh"]) });
    loss = "meanSquaredError";
  } else if (task === "binary") {
    layers.push({ type: "dense", units: 1, activation: "sigmoid" });
    loss = "binaryCrossentropy";
  } else if (task === "onehot") {
    layers.push({ type: "dense", units: 2, activation: pick(["softmax", "linear"]) });
    loss = "categoricalCrossentropy";
  } else {
    layers.push({ type: "dense", units: classes, activation: "softmax" });
    loss = "categoricalCrossentropy";
  }
  const type = pick(["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop"]);
  const adaptive = type.startsWith("adam") || type === "rmsprop";
  // Now and then a rate far too high, so that divergence handling is exercised too.
  const hot = rand() < 0.1;
  const learningRate = hot ? pick([5, 50, 500]) : (adaptive ? pick([1e-3, 3e-3, 1e-2, 3e-2]) : pick([0.01, 0.05, 0.1, 0.3]));
  const optimizer = { type, learningRate };
  if (type === "adamw") optimizer.weightDecay = pick([0, 1e-4, 1e-2]);
  return {
    round, task, classes, layers, loss, optimizer,
    modelSeed: int(0, 2 ** 31), dataSeed: int(0, 2 ** 31), rows: int(20, 300),
    threads: int(1, 2),
    epochs: int(1, 8), batchSize: pick([1, 4, 16, 32, 64, 1000]), shuffle: rand() < 0.8,
    validationSplit: rand() < 0.3 ? 0.2 : undefined,
    l2: rand() < 0.3 ? pick([1e-4, 1e-3, 1e-2]) : 0,
    clipNorm: rand() < 0.3 ? pick([0.1, 1, 5]) : undefined,
    clipValue: rand() < 0.2 ? pick([0.01, 0.1, 1]) : undefined,
    onDivergence: hot || rand() < 0.5 ? "recover" : "throw",
    schedule: rand() < 0.2 ? pick([{ type: "step", stepSize: 2, gamma: 0.5 }, { type: "exponential", gamma: 0.9 }, { type: "cosine" }]) : undefined,
    abortAtBatch: rand() < 0.15 ? int(1, 5) : undefined,
  };
}

function dataset(c) {
  const n = c.rows;
  const d =
    c.task === "spiral" ? w.spiral({ pointsPerClass: Math.ceil(n / c.classes), classes: c.classes, seed: c.dataSeed })
      : c.task === "circles" || c.task === "binary" ? w.circles({ n, seed: c.dataSeed })
        : c.task === "moons" || c.task === "onehot" ? w.moons({ n, seed: c.dataSeed })
          : c.task === "xor" ? w.xor({ n, noise: 0.1, seed: c.dataSeed })
            : w.sine({ n, seed: c.dataSeed });
  let y = d.labels ?? d.targets;
  let outputs = 1;
  if (c.task === "binary") y = Float32Array.from(d.labels);
  else if (c.task === "onehot") {
    y = new Float32Array(d.rows * 2);
    d.labels.forEach((l, i) => { y[i * 2 + l] = 1; });
    outputs = 2;
  } else if (d.labels) outputs = c.classes;
  return { x: d.x, y, rows: d.rows, cols: d.cols, outputs };
}

function report(kind) {
  const s = (performance.now() - started) / 1000;
  const m = process.memoryUsage();
  console.log(`soak ${kind}: ${s.toFixed(0)} s, ${stats.rounds} rounds, ${stats.models} models, ${stats.epochs} epochs, ` +
    `${stats.predictions} predictions, recovered ${stats.recovered}, diverged ${stats.diverged}, aborted ${stats.aborted}; ` +
    `core ${core.allocator.bytesInUse} bytes in use of ${mib(core.memory.buffer.byteLength)}; RSS ${mib(m.rss)}, heap ${mib(m.heapUsed)}`);
}

function fail(message, config, error) {
  console.log(`soak: FAIL — ${message}`);
  if (config) console.log(`soak: configuration ${JSON.stringify(config)}; rerun it with --seed ${seed} --round ${config.round}`);
  if (error?.stack) console.log(error.stack);
  process.exit(1);
}

function bits(a) {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function mib(bytes) {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}


function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) fail(`unexpected argument ${a}; usage: soak [--minutes 10] [--seed 1] [--every 30] [--rss-bound 96] [--dist path]`);
    const [key, value] = a.slice(2).split("=");
    out[key] = value ?? argv[++i];
  }
  return out;
}
