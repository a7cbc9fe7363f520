// `wasmlp train`: builds an MLP from the command line, trains it with a live
// progress bar, keeps the best epoch, and writes the model with pictures of its
// training beside it. Ctrl-C stops after the current batch and still saves.
import { mlpConfig } from "../model/builders.js";
import { init } from "../runtime/core.js";
import { decodeModel } from "../io/model-file.js";
import type { ModelState } from "../model/state.js";
import { Sequential, type CompileOptions } from "../model/model.js";
import { checkWritable, saveFile } from "../node/files.js";
import { ACTIVATIONS, isCategorical, type ActivationName } from "../nn/activations.js";
import { OPTIMIZER_KEYS, OPTIMIZERS, type OptimizerConfig, type OptimizerName } from "../nn/optimizers.js";
import { trainingCurvesSvg, confusionMatrixSvg, decisionRegionsSvg } from "../plot/svg.js";
import { csvPreprocessing } from "../data/csv.js";
import { fitPreprocessing, fitTargetScaling, type Preprocessing } from "../nn/preprocessing.js";
import type { FitOptions, History, LearningRateSchedule } from "../train/training.js";
import { formatCount, formatDuration, formatEpoch, formatLoss, formatPercent } from "../util/format.js";
import { monitorOption, type Monitor } from "../train/monitor.js";
import type { MetricName } from "../nn/metrics.js";
import { Options, parse, UsageError } from "./args.js";
import { autoEpochs, type AutoDecision } from "../train/auto-epochs.js";
import { classNames, hasTestSplit, loadData, taskDecision, type Loaded } from "./data.js";
import { classificationReport, formatReport, regressionReport, type ClassificationReport, type RegressionReport } from "./evaluate.js";
import { csvOptions, type Io, sibling } from "./io.js";
import { EpochProgress } from "./progress.js";
import { formatSchemaReport, schemaReport } from "./schema-report.js";
import { streams, trainStream } from "./train-stream.js";

/** Hidden layers take any activation but the output ones (softmax, logSoftmax), or are maxout layers; the default, relu, first. */
const HIDDEN_ACTIVATIONS = ["relu", ...ACTIVATIONS.filter((a) => !isCategorical(a) && a !== "relu"), "maxout"] as const;

/** Usage of `wasmlp train`. */
export const TRAIN_USAGE = `Usage: wasmlp train <data...> [options]

Trains a multilayer perceptron and saves it with pictures of its training.

Data
  <data>                   a CSV file, a folder in the MNIST layout (train-images-idx3-ubyte[.gz],
                           train-labels-idx1-ubyte[.gz], and t10k-* files used as test data),
                           or an images IDX file and a labels IDX file
  --test <path>            held-out data reported after training (a CSV file or IDX folder;
                           default: the folder's t10k files)
  --label <name|index>     CSV: the target column (default: the last)
  --task classification|regression
                           CSV: default classification, unless the targets are numbers that are
                           fractional or many (over 20 distinct values and over one per 20 rows)
  --ignore a,b             CSV: columns to leave out
  --categorical a,b        CSV: columns to one-hot encode (default: those without numbers)
  --missing error|drop     CSV: rows with missing cells (default error)
  --delimiter <char>|tab   CSV: the field separator (default: detected from the first lines: , ; tab |)
  --decimal .|,            CSV: the decimal mark (default . ; a comma when ;-separated numbers look like 1,5)
  --thousands <char>       CSV: the thousands separator in numbers such as "1,297" (default none)
  --day-first              CSV: read dates such as 01/02/2024 day first (default: the file decides, else month first)
  --scale minmax|standardize|none
                           input preprocessing, saved with the model (default: minmax for images,
                           one factor for all pixels; standardize for CSV, per column)
  --class-names a,b,...    class names for reports and pictures
  --stream                 CSV: read the file from disk in every epoch instead of loading it, in
                           constant memory (automatic for files over 256 MB): statistics in a first
                           pass, --validation-split by a hash of each row's number, --epochs default 1;
                           rows are shuffled through a buffer, so results differ from in-memory training
  --sample-rows N          with --stream: rows read first to decide each column's kind (default 1000)

Network
  --layers 256,128         hidden layer widths (default 128; 0 for no hidden layer)
  --activation ${HIDDEN_ACTIVATIONS.join("|")}   hidden activation (default relu)
  --pieces <k>             maxout pieces (default 2)
  --dropout <rate>         dropout after each hidden layer (default 0)
  --output ${ACTIVATIONS.join("|")}
                           output activation: default softmax for classes, linear for regression
  --loss <name>            default from the output activation

Training
  --optimizer ${OPTIMIZERS.join("|")}     default adam
  --lr <rate>              learning rate (default 0.001 for adam/adamw/rmsprop, 0.01 otherwise)
  --momentum, --beta1, --beta2, --weight-decay <value>     optimizer settings
  --schedule constant|cosine|step|exponential   learning-rate schedule (default constant)
  --min-lr <rate>          cosine: final rate (default 0)
  --step-size <epochs>     step: epochs between decays (default 10)
  --gamma <factor>         step/exponential: decay factor (default 0.1 / 0.95)
  --l2 <lambda>            L2 penalty on weights (default 0)
  --epochs <n>|auto        default auto: until the monitored loss stops improving for a patience set
                           from the batches per epoch, at most 100 to 1000 epochs, keeping the best one
  --time-limit <seconds>   --epochs auto: stop after the epoch that passes it (default 300)
  --batch-size <n>         default 32
  --seed <n>               makes the run repeatable (default: random, printed)
  --validation-split <f>   fraction held out for validation, picked at random by the seed and stratified
                           by class (default 0; with --epochs auto, 0.2 when that is at least 10 rows)
  --patience <n>           stop early after n epochs without improvement
  --monitor loss|accuracy|mae|valLoss|valAccuracy|valMae
                           picks the best epoch (default valLoss with validation, else loss)
  --threads <n>            threads for the core (default: the number of cores)

Output
  --out <file>             model file (default model.safetensors); pictures are written beside it:
                           <name>.training.svg, <name>.confusion.svg (with test data) and
                           <name>.regions.svg (for 2 inputs)
  --no-plot                write no pictures
  --json                   print the final report as one JSON object (progress goes to stderr);
                           its bestEpoch counts from 1, as the text does

The best epoch's model is saved (the last one without validation data). Ctrl-C stops after
the current batch and saves the best model so far; exit code 130 then.`;

const OPTIONS = {
  test: { type: "string" }, label: { type: "string" }, task: { type: "string" }, ignore: { type: "string" }, categorical: { type: "string" },
  missing: { type: "string" }, delimiter: { type: "string" }, decimal: { type: "string" }, thousands: { type: "string" }, "day-first": { type: "boolean" },
  scale: { type: "string" }, "class-names": { type: "string" },
  layers: { type: "string" }, activation: { type: "string" }, pieces: { type: "string" }, dropout: { type: "string" },
  output: { type: "string" }, loss: { type: "string" },
  optimizer: { type: "string" }, lr: { type: "string" }, "learning-rate": { type: "string" }, momentum: { type: "string" },
  beta1: { type: "string" }, beta2: { type: "string" }, "weight-decay": { type: "string" },
  schedule: { type: "string" }, "min-lr": { type: "string" }, "step-size": { type: "string" }, gamma: { type: "string" },
  l2: { type: "string" }, epochs: { type: "string" }, "time-limit": { type: "string" }, "batch-size": { type: "string" }, seed: { type: "string" },
  "validation-split": { type: "string" }, patience: { type: "string" }, monitor: { type: "string" }, threads: { type: "string" },
  stream: { type: "boolean" }, "sample-rows": { type: "string" },
  out: { type: "string", short: "o" }, "no-plot": { type: "boolean" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" },
} as const;


/** Runs `wasmlp train`; resolves to the exit code. */
export async function trainCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse("train", argv, OPTIONS);
  const o = new Options(values, "train");
  const settings = readSettings(o);
  if (await streams(positionals, o)) return trainStream(positionals, o, settings, io);
  await checkWritable(settings.out); // before hours of training, not after
  const core = await init(settings.threads ? { threads: settings.threads } : {});

  // Rows stay in file order: fit's validation split is a sample fixed by the seed, stratified by class.
  const data = await loadData(positionals, "train", csvOptions(o), "train");
  const seed = settings.seed ?? Math.floor(Math.random() * 2 ** 32);
  const testPaths = o.list("test") ?? ((await hasTestSplit(positionals[0])) && positionals.length === 1 ? [positionals[0]] : undefined);
  const classification = data.task === "classification";
  const classes = classification ? Math.max(2, data.classes?.length ?? 0, (data.labels ?? new Int32Array(0)).reduce((a, b) => Math.max(a, b + 1), 0)) : 0;
  const names = classification ? classNames(o.list("class-names"), classes, positionals[0], data.classes) : [];
  const preprocessing = makePreprocessing(data, o, names, !classification && (settings.output ?? "linear") === "linear");
  // Test data is scored, so it needs its targets: a CSV file without the target column is refused by name.
  const test = testPaths ? await loadData(testPaths, "test", csvOptions(o, preprocessing.columns ? preprocessing : undefined, true), "train") : undefined;
  if (test && test.x.cols !== data.x.cols) throw new UsageError(`the test data has ${test.x.cols} inputs per row but the training data has ${data.x.cols}`, "train");

  const sizes = [data.x.cols, ...settings.hidden, classification ? classes : 1];
  const config = mlpConfig(sizes, {
    activation: settings.activation, output: settings.output ?? (classification ? "softmax" : "linear"),
    dropout: settings.dropout, ...(settings.activation === "maxout" ? { pieces: settings.pieces } : {}), seed,
  });
  const model = new Sequential(config);
  // A regression reports its mean absolute error beside the loss, in the target's own units.
  const metrics: MetricName[] = classification ? ["accuracy"] : ["mae"];
  let final: Sequential | undefined;
  try {
    model.compile({
      // compile() checks the name and, when it is unknown, lists the known ones.
      ...(settings.loss ? { loss: settings.loss as CompileOptions["loss"] } : {}), optimizer: settings.optimizer, l2: settings.l2,
      metrics,
    });
    model.setPreprocessing(preprocessing);
    const auto = settings.epochs === "auto"
      ? autoEpochs({ seconds: settings.timeLimit }, { rows: data.x.rows, batchSize: settings.batchSize, validationData: false, split: settings.validationSplit })
      : undefined;
    const split = auto?.split ?? settings.validationSplit;
    const hasValidation = split > 0;
    const monitor = monitorOption(settings.monitor, "wasmlp train", { validation: hasValidation, metrics },
      { validation: "add --validation-split", metric: (m) => `it needs a ${m === "accuracy" ? "classification" : "regression"} task`, error: (m) => new UsageError(m, "train") });

    io.log(`${data.description}${test ? `\ntest: ${test.description}` : ""}`);
    const schema = data.csv && schemaReport(data.csv);
    if (schema) io.log(formatSchemaReport(schema));
    if (data.csv) io.log(taskDecision(data, o.string("task") !== undefined));
    if (auto) io.log(autoLine(auto, data.x.rows, monitor));
    io.log(`network ${sizes.join("-")} (${settings.activation}${settings.dropout ? `, dropout ${settings.dropout}` : ""}), ` +
      `${formatCount(model.parameterCount)} parameters, seed ${model.seed}, ${core.threads} thread${core.threads === 1 ? "" : "s"}`);

    const initial = auto && hasValidation && data.x.rows <= REFIT_ROWS ? model.state({ optimizer: true }) : undefined;
    // Without validation data, the test data is scored after each epoch for the curves only: it picks nothing.
    const run = await fitWithProgress(model, data, { ...settings, validationSplit: split }, monitor, hasValidation, io, hasValidation ? undefined : test, auto);
    // The best epoch's model by `monitor` with validation data or early stopping; otherwise the last epoch's.
    const refit = initial && !run.interrupted && run.bestEpoch !== undefined ? { rows: data.x.rows, epochs: run.bestEpoch + 1 } : undefined;
    if (refit) io.log(`training again from the start on all ${formatCount(refit.rows)} rows for the ${refit.epochs} epochs validation chose`);
    const bytes = (refit && await trainAgain(model, initial!, data, refit.epochs, settings))
      ?? (hasValidation || settings.patience !== undefined || auto ? run.best : run.last) ?? model.save();
    final = decodeModel(bytes);
    const out = settings.out;
    await saveFile(out, bytes);

    const pictures: Record<string, string> = {};
    let testReport: ClassificationReport | RegressionReport | undefined;
    if (test) testReport = classification ? classificationReport(final, test, names) : regressionReport(final, test);
    if (!settings.noPlot && run.history.epochs > 0) {
      pictures.training = sibling(out, ".training.svg");
      const curves = run.testCurve ? { ...run.history, valLoss: run.testCurve.loss, valAccuracy: run.testCurve.accuracy } : run.history;
      await saveText(pictures.training, trainingCurvesSvg(curves, { title: `Training ${sizes.join("-")}`, validationName: run.testCurve ? "test" : "validation" }));
    }
    if (!settings.noPlot && testReport && "confusionMatrix" in testReport) {
      pictures.confusion = sibling(out, ".confusion.svg");
      await saveText(pictures.confusion, confusionMatrixSvg(testReport.confusionMatrix, names,
        { title: `Test set: ${formatPercent(testReport.accuracy)} correct` }));
    }
    if (!settings.noPlot && classification && data.x.cols === 2 && data.x.data instanceof Float32Array) {
      pictures.regions = sibling(out, ".regions.svg");
      const regions = { predictClasses: (x: Float32Array) => final!.predictClasses(x) };
      await saveText(pictures.regions, decisionRegionsSvg(regions, data.x.data, data.labels!, { title: `Decision regions of ${sizes.join("-")}`, classes: names }));
    }

    const summary = {
      command: "train", model: out, pictures, data: data.description, schema, test: test?.description,
      network: { sizes, activation: settings.activation, dropout: settings.dropout, parameters: model.parameterCount, seed: model.seed },
      task: data.task, threads: core.threads, epochs: run.history.epochs, bestEpoch: run.bestEpoch === undefined ? undefined : run.bestEpoch + 1, monitor,
      autoEpochs: auto && { maxEpochs: auto.epochs, patience: auto.earlyStopping.patience, minDelta: auto.earlyStopping.minDelta, validationSplit: split, seconds: auto.seconds, refit },
      stopReason: run.history.stopReason, stoppedEarly: run.history.stoppedEarly, interrupted: run.interrupted, seconds: round(run.seconds, 2),
      samplesPerSecond: Math.round(run.samples / run.seconds), history: run.history, testCurve: run.testCurve, testResult: testReport,
    };
    if (io.json) io.result(summary);
    else io.log(finalReport(summary, run, testReport));
    return run.interrupted ? 130 : 0;
  } finally {
    model.dispose();
    final?.dispose();
  }
}

interface Settings {
  hidden: number[];
  activation: (typeof HIDDEN_ACTIVATIONS)[number];
  pieces: number;
  dropout: number;
  output?: ActivationName;
  loss?: string;
  optimizer: OptimizerConfig;
  schedule?: LearningRateSchedule;
  l2: number;
  epochs: number | "auto";
  /** --epochs auto's time budget in seconds. */
  timeLimit?: number;
  batchSize: number;
  seed?: number;
  validationSplit: number;
  patience?: number;
  monitor?: Monitor;
  threads?: number;
  out: string;
  noPlot: boolean;
}

function readSettings(o: Options): Settings {
  const layers = o.string("layers", "128").trim();
  const hidden = layers === "0" || layers === "" ? [] : layers.split(",").map((s) => {
    const n = Number(s.trim());
    if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--layers must list positive widths such as 256,128 (or 0 for none), got ${JSON.stringify(layers)}`, "train");
    return n;
  });
  const type = o.choice("optimizer", OPTIMIZERS, "adam");
  const adaptive = type === "adam" || type === "adamw" || type === "rmsprop";
  const optimizer: OptimizerConfig = { type, learningRate: o.number("lr", undefined, 0) ?? o.number("learning-rate", adaptive ? 0.001 : 0.01, 0) };
  if (!(optimizer.learningRate! > 0)) throw new UsageError(`--lr must be > 0`, "train");
  const extra: [string, keyof OptimizerConfig][] = [["momentum", "momentum"], ["beta1", "beta1"], ["beta2", "beta2"], ["weight-decay", "weightDecay"]];
  for (const [flag, key] of extra) {
    const v = o.number(flag, undefined, 0);
    if (v === undefined) continue;
    const types: OptimizerName[] = OPTIMIZERS.filter((t) => OPTIMIZER_KEYS[t].includes(key));
    if (!types.includes(type)) throw new UsageError(`--${flag} applies to ${types.join("/")}, not ${type}`, "train");
    (optimizer as unknown as Record<string, number>)[key] = v;
  }
  const scheduleType = o.choice("schedule", ["constant", "cosine", "step", "exponential"] as const, "constant");
  const schedule: LearningRateSchedule | undefined =
    scheduleType === "cosine" ? { type: "cosine", minLearningRate: o.number("min-lr", 0, 0) }
    : scheduleType === "step" ? { type: "step", stepSize: o.int("step-size", 10), gamma: o.number("gamma", 0.1, 0, 1) }
    : scheduleType === "exponential" ? { type: "exponential", gamma: o.number("gamma", 0.95, 0, 1) }
    : undefined;
  const threads = o.int("threads");
  return {
    hidden,
    activation: o.choice("activation", HIDDEN_ACTIVATIONS, "relu"),
    pieces: o.int("pieces", 2, 2),
    dropout: o.number("dropout", 0, 0, 0.99),
    output: o.choice("output", ACTIVATIONS),
    loss: o.string("loss"),
    optimizer, schedule,
    l2: o.number("l2", 0, 0),
    epochs: o.string("epochs") === undefined || o.string("epochs") === "auto" ? "auto" : o.int("epochs", 10),
    timeLimit: timeLimit(o),
    batchSize: o.int("batch-size", 32),
    seed: o.int("seed", undefined, 0),
    validationSplit: o.number("validation-split", 0, 0, 0.9),
    patience: o.int("patience", undefined, 0),
    monitor: o.choice("monitor", ["loss", "accuracy", "mae", "valLoss", "valAccuracy", "valMae"] as const),
    threads,
    out: o.string("out", "model.safetensors"),
    noPlot: o.flag("no-plot"),
  };
}

/** --time-limit: seconds > 0, for --epochs auto only. */
function timeLimit(o: Options): number | undefined {
  const seconds = o.number("time-limit", undefined, 0);
  if (seconds === undefined) return undefined;
  if (!(seconds > 0)) throw new UsageError(`--time-limit must be a number of seconds > 0, got ${JSON.stringify(o.string("time-limit"))}`, "train");
  const epochs = o.string("epochs");
  if (epochs !== undefined && epochs !== "auto") throw new UsageError(`--time-limit applies to --epochs auto; --epochs ${epochs} runs exactly ${epochs} epochs`, "train");
  return seconds;
}

/** The input preprocessing for the data, with the class names (and CSV columns) it carries into the model file. */
function makePreprocessing(data: Loaded, o: Options, names: string[], scaleTargets: boolean): Preprocessing {
  const images = data.kind === "images";
  const method = o.choice("scale", ["minmax", "standardize", "none"] as const, images ? "minmax" : "standardize");
  if (data.csv) {
    const p = csvPreprocessing(data.csv, method);
    if (p.target?.classes) p.target.classes = names;
    // Regression targets are learnt standardised (a linear output maps them back exactly); the model keeps the map.
    if (p.target && scaleTargets && data.targets) Object.assign(p.target, fitTargetScaling(data.targets, 1));
    return p;
  }
  // Images: min-max over all pixels (one factor, usually 1/255); standardisation per pixel.
  const p = fitPreprocessing(data.x, { method, perColumn: method === "standardize" });
  return { ...p, target: { name: "label", classes: names } };
}

interface Run {
  history: History;
  /** Test loss (and accuracy) after each epoch, when there is test data but no validation data. */
  testCurve?: { loss: number[]; accuracy?: number[] };
  best?: Uint8Array;
  last?: Uint8Array;
  bestEpoch?: number;
  interrupted: boolean;
  seconds: number;
  samples: number;
}

/** fit() with a progress bar per epoch, one line per epoch, best/last model bytes kept, and Ctrl-C handled. */
async function fitWithProgress(model: Sequential, data: Loaded, s: Settings, monitor: Monitor, hasValidation: boolean, io: Io,
  test?: Loaded, auto?: AutoDecision): Promise<Run> {
  const epochs = auto?.epochs ?? (s.epochs as number);
  const run: Run = { history: { epochs: 0, loss: [], stoppedEarly: false }, interrupted: false, seconds: 0, samples: 0 };
  const classification = data.task === "classification";
  if (test) run.testCurve = classification ? { loss: [], accuracy: [] } : { loss: [] };
  const trainRows = data.x.rows - Math.floor(data.x.rows * s.validationSplit);
  const batches = Math.ceil(trainRows / s.batchSize);
  const showBar = !!process.stderr.isTTY;
  let progress: EpochProgress | undefined;
  const onSigint = () => {
    if (run.interrupted) {
      io.log("\ninterrupted again: quitting without saving");
      process.exit(130);
    }
    run.interrupted = true;
    model.stopTraining = true;
    progress?.stop();
    io.log(`stopping after this batch; the ${hasValidation ? "best" : "last complete"} epoch's model will be saved (Ctrl-C again to quit at once)`);
  };
  process.on("SIGINT", onSigint);
  const started = performance.now();
  const options: FitOptions = {
    epochs: auto ? { seconds: auto.seconds } : epochs, batchSize: s.batchSize, validationSplit: s.validationSplit,
    ...(s.schedule ? { learningRateSchedule: s.schedule } : {}),
    ...(s.patience !== undefined ? { earlyStopping: { patience: s.patience, monitor } } : {}),
    checkpoint: {
      monitor, optimizer: false,
      onSave: (bytes, kind, epoch) => {
        if (kind === "best") {
          run.best = bytes;
          run.bestEpoch = epoch;
        } else run.last = bytes;
      },
    },
    callbacks: {
      onEpochBegin: (epoch) => {
        progress = new EpochProgress(epoch, epochs, batches, showBar && !run.interrupted, model.outputs > 1 && data.task === "classification");
        progress.start();
      },
      onBatchEnd: (_, logs) => {
        progress!.batch(logs);
        run.samples += logs.size;
      },
      onEpochEnd: (epoch, logs) => {
        progress!.stop();
        let line = formatEpoch(epoch, epochs, logs, { learningRate: model.learningRate!, seconds: progress!.seconds(), samplesPerSecond: progress!.rate() });
        if (test && run.testCurve) {
          const r = model.evaluate(test.x, (test.labels ?? test.targets)!);
          run.testCurve.loss.push(r.loss);
          if (r.accuracy !== undefined) run.testCurve.accuracy?.push(r.accuracy);
          line += `  test ${r.accuracy !== undefined ? `accuracy ${formatPercent(r.accuracy)}` : `loss ${formatLoss(r.loss)}`}`;
        }
        io.log(line);
      },
    },
  };
  try {
    run.history = await model.fit(data.x, (data.labels ?? data.targets)!, options);
  } finally {
    progress?.stop();
    process.off("SIGINT", onSigint);
    run.seconds = (performance.now() - started) / 1000;
  }
  return run;
}

function finalReport(s: { model: string; pictures: Record<string, string>; epochs: number; bestEpoch?: number; monitor: string; seconds: number; samplesPerSecond: number; stoppedEarly: boolean; interrupted: boolean; autoEpochs?: { maxEpochs: number; patience: number; minDelta: number; seconds: number; refit?: { rows: number; epochs: number } } },
  run: Run, test: ClassificationReport | RegressionReport | undefined): string {
  const lines: string[] = [];
  const how = s.interrupted ? "interrupted after" : s.stoppedEarly ? "stopped early after" : "trained";
  const auto = s.autoEpochs;
  const why = s.interrupted || !auto ? ""
    : run.history.stopReason === "earlyStopping" ? `: ${s.monitor} did not improve by over ${auto.minDelta} for ${auto.patience} epochs`
    : run.history.stopReason === "time" ? `: the time limit of ${formatDuration(auto.seconds)} passed`
    : `: the most --epochs auto runs here (${auto.maxEpochs})`;
  lines.push(`${how} ${s.epochs} epoch${s.epochs === 1 ? "" : "s"}${why} in ${formatDuration(s.seconds)} (${formatCount(s.samplesPerSecond)} samples/s)`);
  if (s.bestEpoch !== undefined && run.history.valLoss) {
    const h = run.history;
    const e = s.bestEpoch - 1; // s.bestEpoch counts from 1, the history from 0
    lines.push(`best epoch ${s.bestEpoch} by ${s.monitor}: val loss ${formatLoss(h.valLoss![e])}${h.valAccuracy ? `, val accuracy ${formatPercent(h.valAccuracy[e])}` : ""}`);
  }
  // The lines above describe the run that chose the epochs; the model saved is the one trained again after it.
  const refit = auto?.refit;
  if (refit) lines.push(`the saved model was then trained again from the start on all ${formatCount(refit.rows)} rows for those ${refit.epochs} epochs`);
  if (test && "confusionMatrix" in test) lines.push("", "test data:", formatReport(test), "");
  else if (test) lines.push(`test: mean squared error ${test.loss.toPrecision(5)}, rmse ${test.rmse.toPrecision(5)}, mae ${test.mae.toPrecision(5)}`);
  if (test && "accuracy" in test) lines.push(`test accuracy ${formatPercent(test.accuracy)}`);
  lines.push(`saved ${[s.model, ...Object.values(s.pictures)].join(", ")}`);
  return lines.join("\n");
}

/**
 * Up to this many rows, --epochs auto trains a second time on every row once validation has chosen the number of
 * epochs: on a small file the held-out fifth is data the model misses, and a second run costs little.
 */
const REFIT_ROWS = 10_000;

/** Puts the model back to `initial` and trains it on all rows for `epochs`; its bytes. */
async function trainAgain(model: Sequential, initial: ModelState, data: Loaded, epochs: number, s: Settings): Promise<Uint8Array> {
  model.loadState(initial);
  await model.fit(data.x, (data.labels ?? data.targets)!, { epochs, batchSize: s.batchSize, ...(s.schedule ? { learningRateSchedule: s.schedule } : {}) });
  return model.save({ optimizer: false });
}

/** What --epochs auto decided, in one line. */
function autoLine(auto: AutoDecision, rows: number, monitor: Monitor): string {
  const held = Math.floor(rows * auto.split);
  const watching = held > 0 ? `${formatCount(held)} rows (${formatPercent(auto.split, 0)}) held out for validation` : "no validation rows (too few)";
  return `epochs auto: until ${monitor} stops improving for ${auto.earlyStopping.patience} epochs (at most ${auto.epochs} epochs, ` +
    `${formatDuration(auto.seconds)}); ${watching}; the best epoch is kept`;
}

/** Writes a picture (or any text) atomically; errors name the file. */
function saveText(path: string, text: string): Promise<void> {
  return saveFile(path, new TextEncoder().encode(text));
}

function round(v: number, digits: number): number {
  return Number(v.toFixed(digits));
}
