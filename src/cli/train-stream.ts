// `wasmlp train --stream` (and any CSV file over STREAM_BYTES): the file is
// read from disk in every pass, never whole, so memory stays the same for any
// size. A first pass fits the preprocessing (streamed statistics); each epoch
// reads the file again through the model's schema, holds out rows by a hash of
// their index for validation, and drives the progress bar by bytes read.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import cliProgress from "cli-progress";
import { mlpConfig } from "../model/builders.js";
import { init } from "../runtime/core.js";
import { Sequential, type CompileOptions } from "../model/model.js";
import { checkWritable, saveFile } from "../node/files.js";
import { readCsvStream } from "../data/stream/csv-stream.js";
import type { CsvStream } from "../data/stream/table-stream.js";
import { PreprocessingStats } from "../nn/preprocessing-stats.js";
import type { Preprocessing } from "../nn/preprocessing.js";
import type { MetricName } from "../nn/metrics.js";
import type { StreamFitOptions } from "../train/training.js";
import { formatCount, formatDuration, formatEpoch, formatLoss } from "../util/format.js";
import { Options, UsageError } from "./args.js";
import { csvOptions, type Io } from "./io.js";
import { formatSchemaReport, schemaReport } from "./schema-report.js";

/** CSV files larger than this are trained on as a stream even without --stream. */
export const STREAM_BYTES = 256 * 1024 * 1024;

/** The settings of `wasmlp train` the streamed run reads (see train.ts). */
export interface StreamSettings {
  hidden: number[];
  activation: string;
  pieces: number;
  dropout: number;
  output?: string;
  loss?: string;
  optimizer: CompileOptions["optimizer"];
  l2: number;
  batchSize: number;
  seed?: number;
  validationSplit: number;
  patience?: number;
  threads?: number;
  out: string;
}

/** Whether `wasmlp train` streams: --stream, or one CSV file over STREAM_BYTES. */
export async function streams(positionals: string[], o: Options): Promise<boolean> {
  if (o.flag("stream")) return true;
  if (positionals.length !== 1 || !/\.csv$/i.test(positionals[0])) return false;
  const info = await stat(positionals[0]).catch(() => undefined);
  return !!info?.isFile() && info.size > STREAM_BYTES;
}

/** Runs `wasmlp train` on a CSV file streamed from disk; resolves to the exit code. */
export async function trainStream(positionals: string[], o: Options, s: StreamSettings, io: Io): Promise<number> {
  if (positionals.length !== 1 || !/\.(csv|txt|tsv)$/i.test(positionals[0])) {
    throw new UsageError(`--stream trains on one CSV file, got ${positionals.map((p) => JSON.stringify(p)).join(" ")}`, "train");
  }
  for (const flag of ["test", "schedule", "time-limit", "monitor", "class-names"]) {
    if (o.string(flag) !== undefined) throw new UsageError(`--${flag} is not available with --stream (the file is read as a stream)`, "train");
  }
  const epochsFlag = o.string("epochs");
  if (epochsFlag === "auto") throw new UsageError("--epochs auto needs the data in memory; with --stream give a number of epochs (default 1), and --patience to stop sooner", "train");
  const epochs = epochsFlag === undefined ? 1 : o.int("epochs", 1);
  const path = positionals[0];
  const { size } = await stat(path);
  await checkWritable(s.out);
  const core = await init(s.threads ? { threads: s.threads } : {});
  const method = o.choice("scale", ["minmax", "standardize", "none"] as const, "standardize");
  const sampleRows = o.int("sample-rows");
  const read = (schema?: Preprocessing, signal?: AbortSignal): CsvStream => readCsvStream(createReadStream(path),
    { ...csvOptions(o, schema, !!schema), name: path, ...(sampleRows ? { sampleRows } : {}), ...(signal ? { signal } : {}) });

  // First pass: the columns, and the preprocessing's statistics over every row.
  const first = read();
  const bar = new ByteBar(size, !!process.stderr.isTTY);
  bar.start("statistics");
  const inputs = new PreprocessingStats();
  const targets = new PreprocessingStats();
  let rows = 0;
  for await (const b of first) {
    inputs.add(b);
    if (b.targets) targets.add({ data: b.targets, rows: b.rows, cols: b.targets.length / b.rows });
    rows += b.rows;
    bar.update(b.bytesRead, rows);
  }
  bar.stop();
  const schema = await first.schema();
  if (!schema.target) throw new UsageError(`${path} has no target column to train on`, "train");
  const classification = schema.task === "classification";
  const classes = classification ? Math.max(2, schema.target.classes?.length ?? 0) : 0;
  const report = schemaReport({ ...schema, delimiter: schema.delimiter ?? ",", cols: schema.cols } as Parameters<typeof schemaReport>[0]);
  const preprocessing = streamPreprocessing(schema.columns, schema.target, method, inputs, classification ? undefined : targets, s);

  const seed = s.seed ?? Math.floor(Math.random() * 2 ** 32);
  const sizes = [schema.cols, ...s.hidden, classification ? classes : 1];
  const model = new Sequential(mlpConfig(sizes, {
    activation: s.activation as never, output: (s.output ?? (classification ? "softmax" : "linear")) as never,
    dropout: s.dropout, ...(s.activation === "maxout" ? { pieces: s.pieces } : {}), seed,
  }));
  const metrics: MetricName[] = classification ? ["accuracy"] : ["mae"];
  try {
    model.compile({ ...(s.loss ? { loss: s.loss as CompileOptions["loss"] } : {}), optimizer: s.optimizer, l2: s.l2, metrics });
    model.setPreprocessing(preprocessing);
    io.log(`${path}: ${formatCount(rows)} rows, ${schema.cols} inputs, ${classification ? `${classes} classes` : "regression"}; read as a stream ` +
      `(${formatBytes(size)}${o.flag("stream") ? "" : `, over ${formatBytes(STREAM_BYTES)}`}), from disk in every epoch`);
    io.log(formatSchemaReport(report));
    io.log(`network ${sizes.join("-")} (${s.activation}${s.dropout ? `, dropout ${s.dropout}` : ""}), ${formatCount(model.parameterCount)} parameters, ` +
      `seed ${model.seed}, ${core.threads} thread${core.threads === 1 ? "" : "s"}`);
    const run = await fitStreamed(model, (signal) => read(model.preprocessing!, signal), size, epochs, s, io);
    const bytes = model.save();
    await saveFile(s.out, bytes);
    const h = run.history;
    const summary = {
      command: "train", model: s.out, data: path, stream: true, bytes: size, rows, schema: report,
      network: { sizes, activation: s.activation, dropout: s.dropout, parameters: model.parameterCount, seed: model.seed },
      task: schema.task, threads: core.threads, epochs: h.epochs, stopReason: h.stopReason, stoppedEarly: h.stoppedEarly, interrupted: run.interrupted,
      seconds: Number(run.seconds.toFixed(2)), samplesPerSecond: Math.round(run.samples / run.seconds), history: h,
    };
    if (io.json) io.result(summary);
    else {
      const how = run.interrupted ? "interrupted after" : h.stoppedEarly ? "stopped early after" : "trained";
      io.log(`${how} ${h.epochs} epoch${h.epochs === 1 ? "" : "s"} in ${formatDuration(run.seconds)} (${formatCount(summary.samplesPerSecond)} samples/s)`);
      io.log(`saved ${s.out}`);
    }
    return run.interrupted ? 130 : 0;
  } finally {
    model.dispose();
  }
}

/** The preprocessing from streamed statistics: one-hot columns kept as they are, regression targets standardised. */
function streamPreprocessing(columns: Preprocessing["columns"] & object, target: NonNullable<Preprocessing["target"]>, method: "minmax" | "standardize" | "none",
  inputs: PreprocessingStats, targets: PreprocessingStats | undefined, s: StreamSettings): Preprocessing {
  const exclude: number[] = [];
  let at = 0;
  for (const c of columns) {
    const width = c.categories?.length ?? 1;
    if (c.categories) for (let j = 0; j < width; j++) exclude.push(at + j);
    at += width;
  }
  const p: Preprocessing = { ...inputs.result({ method, exclude }), columns, target: { ...target } };
  const linear = (s.output ?? "linear") === "linear";
  if (targets && targets.rows > 0 && linear) {
    const t = targets.result({ method: "standardize" });
    Object.assign(p.target!, { scale: t.scale as number[], offset: t.offset as number[] });
  }
  return p;
}

interface StreamRun {
  history: Awaited<ReturnType<Sequential["fit"]>>;
  interrupted: boolean;
  seconds: number;
  samples: number;
}

/** fit(dataset) over the file, with a bar by bytes per epoch, a line per epoch, and Ctrl-C stopping after the batch. */
async function fitStreamed(model: Sequential, read: (signal: AbortSignal) => CsvStream, size: number, epochs: number, s: StreamSettings, io: Io): Promise<StreamRun> {
  const run: StreamRun = { history: { epochs: 0, loss: [], stoppedEarly: false }, interrupted: false, seconds: 0, samples: 0 };
  const reading = new AbortController();
  const bar = new ByteBar(size, !!process.stderr.isTTY);
  const onSigint = () => {
    if (run.interrupted) process.exit(130);
    run.interrupted = true;
    model.stopTraining = true;
    bar.stop();
    io.log("stopping after this batch; the model as it is then will be saved (Ctrl-C again to quit at once)");
  };
  process.on("SIGINT", onSigint);
  const started = performance.now();
  let epochStart = started;
  const options: StreamFitOptions = {
    epochs, batchSize: s.batchSize, validationSplit: s.validationSplit,
    ...(s.patience !== undefined ? { earlyStopping: { patience: s.patience } } : {}),
    callbacks: {
      onEpochBegin: (epoch) => {
        epochStart = performance.now();
        bar.start(`epoch ${epoch + 1}/${epochs}`);
      },
      onBatchEnd: (_, logs) => {
        run.samples += logs.size;
        bar.update(logs.bytes ?? 0, logs.rows ?? 0, logs.loss);
      },
      onEpochEnd: (epoch, logs) => {
        bar.stop();
        const seconds = (performance.now() - epochStart) / 1000;
        io.log(formatEpoch(epoch, epochs, logs, { learningRate: model.learningRate!, seconds, samplesPerSecond: bar.rows / seconds }));
      },
    },
  };
  try {
    run.history = await model.fit(() => read(reading.signal), options);
  } finally {
    bar.stop();
    reading.abort();
    process.off("SIGINT", onSigint);
    run.seconds = (performance.now() - started) / 1000;
  }
  return run;
}

/** A progress bar over the file's bytes, with rows, rows per second and the running loss; drawn only on a terminal. */
class ByteBar {
  private bar: cliProgress.SingleBar | undefined;
  private started = 0;
  rows = 0;
  private loss = 0;

  constructor(private readonly size: number, private readonly show: boolean) {}

  start(what: string): void {
    this.started = performance.now();
    this.rows = 0;
    this.loss = 0;
    if (!this.show) return;
    this.bar = new cliProgress.SingleBar({
      format: `${what} {bar} {percentage}% of ${formatBytes(this.size)} | {rows} rows | {rate} rows/s | loss {loss} | ETA {eta_formatted}`,
      barsize: 24, hideCursor: true, clearOnComplete: true, etaBuffer: 50, fps: 8, stream: process.stderr,
    }, cliProgress.Presets.shades_classic);
    this.bar.start(this.size, 0, { rows: "0", rate: "-", loss: "-" });
  }

  update(bytes: number, rows: number, loss?: number): void {
    if (loss !== undefined) this.loss = this.rows ? this.loss + (loss - this.loss) * 0.05 : loss;
    this.rows = rows;
    const seconds = (performance.now() - this.started) / 1000;
    this.bar?.update(Math.min(bytes, this.size), {
      rows: formatCount(rows), rate: seconds > 0 ? formatCount(rows / seconds) : "-", loss: loss === undefined ? "-" : formatLoss(this.loss),
    });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

function formatBytes(n: number): string {
  return n >= 1 << 30 ? `${(n / 2 ** 30).toFixed(1)} GB` : `${Math.round(n / 2 ** 20)} MB`;
}
