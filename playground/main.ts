// The wasmlp playground: pick a dataset and a network, press play, and watch
// the decision regions and loss curves change as a worker model trains.
import {
  circles, dense, dropout, maxout, moons, parseSafetensors, spiral, xor, type LayerConfig, type ModelConfig, type NamedTensor, type ToyDataset,
} from "wasmlp";
import { createWorkerModel, type WorkerModel } from "wasmlp/worker";
import { drawAxes, drawLosses, drawPoints, drawThumbnail, gridOf, paintRegions, viewOf, type View } from "./draw.js";
import { drawNetwork } from "./network.js";

type DatasetName = "spiral" | "xor" | "circles" | "moons";
type Activation = "relu" | "leakyRelu" | "tanh" | "sigmoid" | "maxout";

/** Cells per side of the decision-region grid. */
const GRID = 100;
/** Epochs per animation frame at each speed; 0 trains without pause between epochs. */
const SPEEDS: Record<string, number> = { slow: 1, normal: 5, fast: 25, max: 0 };
/** Most hidden layers, and most units per layer. */
const MAX_LAYERS = 6;
const MAX_UNITS = 16;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const select = (id: string) => $<HTMLSelectElement>(id);

/** Everything the controls set. */
const settings = {
  dataset: "spiral" as DatasetName,
  noise: 10,
  ratio: 70,
  batchSize: 10,
  hidden: [8, 8],
  dataSeed: 1,
  modelSeed: 1,
};

/** The data on view: training and validation rows, the plane's view and its grid. */
let data: { train: ToyDataset; validation: ToyDataset; classes: number; view: View; grid: Float32Array };
let model: WorkerModel | undefined;
let epoch = 0;
let running: AbortController | undefined;
/** A model that no longer matches the controls is rebuilt before the next training. */
let stale = true;
const losses = { train: [] as number[], validation: [] as number[] };
let drawing = false;
let redrawAgain = false;
let lastProbs: Float32Array | undefined;
let lastWeights: NamedTensor[] | undefined;

/** The dataset with the controls' noise, split at random into training and validation rows. */
function makeData(name: DatasetName): typeof data {
  const noise = settings.noise / 100;
  const seed = settings.dataSeed;
  const all = name === "spiral" ? spiral({ pointsPerClass: 100, classes: 3, noise: 2 * noise, seed })
    : name === "xor" ? xor({ n: 300, noise: noise / 2, seed })
    : name === "circles" ? circles({ n: 300, noise: noise / 2, seed })
    : moons({ n: 300, noise: noise, seed });
  const order = Array.from({ length: all.rows }, (_, i) => i);
  let s = seed * 2654435761 >>> 0;
  for (let i = order.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const cut = Math.round((all.rows * settings.ratio) / 100);
  const take = (rows: number[]): ToyDataset => ({
    x: Float32Array.from(rows.flatMap((r) => [all.x[2 * r], all.x[2 * r + 1]])),
    labels: Int32Array.from(rows, (r) => all.labels![r]),
    rows: rows.length, cols: 2, classes: all.classes,
  });
  const view = viewOf(all.x);
  return { train: take(order.slice(0, cut)), validation: take(order.slice(cut)), classes: all.classes!, view, grid: gridOf(view, GRID) };
}

/** The model the controls describe. */
function modelConfig(): ModelConfig {
  const activation = select("activation").value as Activation;
  const rate = Number(select("dropout").value);
  const layers: LayerConfig[] = [];
  for (const units of settings.hidden) {
    layers.push(activation === "maxout" ? maxout(units, 2) : dense(units, activation));
    if (rate > 0) layers.push(dropout(rate));
  }
  layers.push(dense(data.classes, "softmax"));
  return { inputs: 2, layers, seed: settings.modelSeed };
}

/** Builds and compiles a fresh model in the worker (starting the worker the first time). */
async function rebuild(): Promise<void> {
  const config = modelConfig();
  if (!model) {
    model = await createWorkerModel(config);
    const { threads, build } = model.core;
    $("core-info").textContent = `Core: ${build === "relaxed" ? "relaxed SIMD" : "SIMD"} build, ${threads} thread${threads > 1 ? "s" : ""} in the worker` +
      (crossOriginIsolated ? " (cross-origin isolated)" : " (page not cross-origin isolated: one thread)");
  } else {
    await model.build(config);
  }
  await model.compile({
    loss: "categoricalCrossentropy",
    optimizer: { type: select("optimizer").value as "adam", learningRate: Number(select("learning-rate").value) },
    metrics: ["accuracy"],
    l2: Number(select("l2").value),
  });
  stale = false;
  epoch = 0;
  losses.train = [];
  losses.validation = [];
  showStats();
  $("parameters").textContent = `${model.parameterCount} parameters`;
  await redraw();
}

/** Trains until paused (or for `epochs`), a few epochs per animation frame so that the picture can be watched. */
async function train(epochs: number): Promise<void> {
  if (running) return;
  const controller = new AbortController();
  running = controller;
  setPlaying(epochs > 1);
  try {
    await queue;
    if (stale || !model) await rebuild();
    status("training");
    const perFrame = epochs === 1 ? 1 : SPEEDS[select("speed").value] || epochs;
    for (let done = 0; done < epochs && !controller.signal.aborted; done += perFrame) {
      await model!.fit(data.train.x, data.train.labels!, {
        epochs: Math.min(perFrame, epochs - done), batchSize: Math.min(settings.batchSize, data.train.rows),
        validationData: [data.validation.x, data.validation.labels!], signal: controller.signal,
        onEpochEnd: (_, logs) => {
          epoch++;
          losses.train.push(logs.loss);
          losses.validation.push(logs.valLoss ?? NaN);
          showStats(logs);
          if (perFrame === epochs) void redraw();
        },
      });
      await redraw();
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
    status(controller.signal.aborted ? `paused at epoch ${epoch}` : `trained ${epoch} epochs`);
  } catch (e) {
    if ((e as Error).name !== "AbortError") status(`error: ${(e as Error).message}`);
    else status(`paused at epoch ${epoch}`);
  } finally {
    running = undefined;
    setPlaying(false);
    await redraw();
  }
}

/** Stops training and waits for the worker to finish its current batch. */
async function pause(): Promise<void> {
  const r = running;
  if (!r) return;
  r.abort();
  while (running) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Runs UI actions that rebuild or replace the model one after another, never interleaved. */
let queue: Promise<unknown> = Promise.resolve();
function serial<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return (...args) => {
    const next = queue.then(() => action(...args)).catch((e) => status(`error: ${(e as Error).message}`));
    queue = next;
    return next;
  };
}

/** Any change to the data or the network: stop, and start again from fresh weights. */
const reset = serial(async (newSeed = false) => {
  await pause();
  if (newSeed) settings.modelSeed++;
  stale = true;
  await rebuild();
  status("ready: press ▶ to train");
});

const regenerate = async (newSeed = false): Promise<void> => {
  if (newSeed) settings.dataSeed++;
  data = makeData(settings.dataset);
  await reset();
};

/** Redraws the regions from fresh predictions; calls arriving meanwhile coalesce into one more redraw. */
async function redraw(): Promise<void> {
  if (drawing) {
    redrawAgain = true;
    return;
  }
  drawing = true;
  try {
    do {
      redrawAgain = false;
      if (model && !stale) {
        lastProbs = await model.predict(data.grid);
        lastWeights = await model.getWeights();
      }
      paint();
    } while (redrawAgain);
  } finally {
    drawing = false;
  }
}

function paint(): void {
  const ctx = $<HTMLCanvasElement>("heatmap").getContext("2d")!;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  if (lastProbs && lastProbs.length === GRID * GRID * data.classes) paintRegions(ctx, lastProbs, data.classes, GRID);
  drawAxes(ctx, data.view);
  drawPoints(ctx, data.view, data.train.x, data.train.labels!, "training");
  if ($<HTMLInputElement>("show-validation").checked) drawPoints(ctx, data.view, data.validation.x, data.validation.labels!, "validation");
  drawLosses($<HTMLCanvasElement>("loss-chart").getContext("2d")!, losses.train, losses.validation);
  drawNetwork($("network") as unknown as SVGSVGElement, model && !stale ? model.config : modelConfig(), model && !stale ? lastWeights : undefined);
}

function showStats(logs?: { loss: number; accuracy?: number; valLoss?: number; valAccuracy?: number }): void {
  $("epoch").textContent = epoch.toString().padStart(6, "0").replace(/(\d{3})$/, ",$1");
  const fmt = (v: number | undefined, percent = false) => v === undefined || !Number.isFinite(v) ? "–" : percent ? `${(100 * v).toFixed(1)}%` : v.toFixed(3);
  $("train-loss").textContent = fmt(logs?.loss);
  $("train-accuracy").textContent = fmt(logs?.accuracy, true);
  $("val-loss").textContent = fmt(logs?.valLoss);
  $("val-accuracy").textContent = fmt(logs?.valAccuracy, true);
}

function status(text: string): void {
  $("status").textContent = text;
}

/** Play and pause icons, drawn rather than taken from a font that may lack the glyphs. */
const ICONS = {
  play: '<svg viewBox="0 0 24 24" width="26" height="26"><path d="M8 5v14l11-7z" fill="currentColor"/></svg>',
  pause: '<svg viewBox="0 0 24 24" width="26" height="26"><path d="M6 5h4v14H6zM14 5h4v14h-4z" fill="currentColor"/></svg>',
};

function setPlaying(playing: boolean): void {
  const button = $("train");
  button.innerHTML = playing ? ICONS.pause : ICONS.play;
  button.classList.toggle("playing", playing);
}

/** The +/− buttons over each hidden layer's column of the diagram (slots as wide as its columns, see style.css). */
function renderLayers(): void {
  $("layer-count").textContent = String(settings.hidden.length);
  const slot = (content: HTMLElement[] = []) => {
    const div = document.createElement("div");
    div.className = "slot";
    div.append(...content);
    return div;
  };
  const button = (text: string, title: string, action: () => void) => {
    const b = Object.assign(document.createElement("button"), { textContent: text, title });
    b.onclick = action;
    return b;
  };
  $("unit-buttons").replaceChildren(slot(), ...settings.hidden.map((units, i) => slot([
    button("+", "More units", () => { settings.hidden[i] = Math.min(MAX_UNITS, units + 1); renderLayers(); void reset(); }),
    button("−", "Fewer units", () => { settings.hidden[i] = Math.max(1, units - 1); renderLayers(); void reset(); }),
    Object.assign(document.createElement("div"), { className: "units", textContent: `${units} units` }),
  ])), slot());
}

function renderDatasets(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>("#datasets button")) {
    const name = button.dataset.dataset as DatasetName;
    const d = makeDataPreview(name);
    drawThumbnail(button.querySelector("canvas")!, d.x, d.labels!);
    button.classList.toggle("selected", name === settings.dataset);
  }
}

function makeDataPreview(name: DatasetName): ToyDataset {
  const saved = settings.ratio;
  settings.ratio = 100;
  const d = makeData(name).train;
  settings.ratio = saved;
  return d;
}

/** Saves the model (with its optimizer state, so a loaded one trains on exactly) as a download. */
const save = serial(async () => {
  if (!model || stale) await rebuild();
  const bytes = await model!.save({ optimizer: true });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([bytes as BlobPart], { type: "application/octet-stream" }));
  link.download = `wasmlp-${settings.dataset}-epoch${epoch}.safetensors`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  status(`saved ${link.download}`);
});

/** Loads a model file into the worker and sets the controls from its config and compile settings. */
const loadFile = serial(async (file: File) => {
  await pause();
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (!model) await rebuild();
  try {
    await model!.load(bytes);
  } catch (e) {
    status(`cannot load ${file.name}: ${(e as Error).message}`);
    return;
  }
  const config = model!.config;
  if (model!.inputs !== 2 || model!.outputs < 2 || model!.outputs > 3) {
    status(`${file.name} has ${model!.inputs} inputs and ${model!.outputs} outputs; the playground needs 2 inputs and 2 or 3 classes`);
    stale = true;
    return;
  }
  const hidden = config.layers.slice(0, -1).filter((l) => l.type !== "dropout");
  settings.hidden = hidden.map((l) => l.units as number);
  const first = hidden[0];
  if (first) select("activation").value = first.type === "maxout" ? "maxout" : String(first.activation);
  const drop = config.layers.find((l) => l.type === "dropout");
  select("dropout").value = drop ? String(drop.rate) : "0";
  const compiled = model!.compiled;
  const optimizer = compiled?.optimizer;
  if (optimizer && typeof optimizer === "object") {
    select("optimizer").value = optimizer.type;
    if (optimizer.learningRate !== undefined) select("learning-rate").value = closest(select("learning-rate"), optimizer.learningRate);
  }
  select("l2").value = compiled?.l2 ? closest(select("l2"), compiled.l2) : "0";
  if (data.classes !== model!.outputs) {
    settings.dataset = model!.outputs === 3 ? "spiral" : settings.dataset === "spiral" ? "moons" : settings.dataset;
    data = makeData(settings.dataset);
  }
  settings.modelSeed = config.seed ?? settings.modelSeed;
  const training = parseSafetensors(bytes).metadata.training;
  epoch = training ? JSON.parse(training).epochs ?? 0 : 0;
  losses.train = [];
  losses.validation = [];
  stale = false;
  renderLayers();
  renderDatasets();
  showStats();
  $("epoch").textContent = epoch.toString().padStart(6, "0").replace(/(\d{3})$/, ",$1");
  $("parameters").textContent = `${model!.parameterCount} parameters`;
  await redraw();
  status(`loaded ${file.name}`);
});

/** The option of a select closest to a value (a file may hold a rate the menu lacks). */
function closest(menu: HTMLSelectElement, value: number): string {
  const options = Array.from(menu.options, (o) => o.value);
  return options.reduce((best, o) => Math.abs(Number(o) - value) < Math.abs(Number(best) - value) ? o : best);
}

function wire(): void {
  $("train").onclick = () => { if (running) void pause(); else void train(100_000); };
  $("step").onclick = () => { if (!running) void train(1); };
  $("reset").onclick = () => void reset(true);
  $("regenerate").onclick = () => void regenerate(true);
  $("add-layer").onclick = () => {
    if (settings.hidden.length < MAX_LAYERS) { settings.hidden.push(4); renderLayers(); void reset(); }
  };
  $("remove-layer").onclick = () => {
    if (settings.hidden.length > 0) { settings.hidden.pop(); renderLayers(); void reset(); }
  };
  for (const id of ["learning-rate", "activation", "optimizer", "l2", "dropout"]) select(id).onchange = () => void reset();
  for (const button of document.querySelectorAll<HTMLButtonElement>("#datasets button")) {
    button.onclick = () => {
      settings.dataset = button.dataset.dataset as DatasetName;
      renderDatasets();
      void regenerate();
    };
  }
  const slider = (id: string, apply: (v: number) => string, then: () => void) => {
    const input = $<HTMLInputElement>(id);
    input.oninput = () => { $(`${id}-value`).textContent = apply(Number(input.value)); };
    input.onchange = then;
  };
  slider("ratio", (v) => { settings.ratio = v; return `${v}%`; }, () => void regenerate());
  slider("noise", (v) => { settings.noise = v; return String(v); }, () => { renderDatasets(); void regenerate(); });
  slider("batch", (v) => { settings.batchSize = v; return String(v); }, () => void pause());
  $<HTMLInputElement>("show-validation").onchange = paint;
  $("save").onclick = () => void save();
  $<HTMLInputElement>("load-file").onchange = (e) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = "";
    if (file) void loadFile(file);
  };
}

async function main(): Promise<void> {
  data = makeData(settings.dataset);
  wire();
  renderLayers();
  renderDatasets();
  paint();
  await rebuild();
  status("ready: press ▶ to train");
  document.body.dataset.ready = "true";
}

main().catch((e) => status(`error: ${(e as Error).message}`));
