// `wasmlp predict` on a CSV file or standard input, streamed: rows are read, predicted and written a batch
// at a time, so memory stays that of one batch whatever the size of the data. A file named by --out is
// written under a temporary name beside it and renamed once every row is written: an error leaves no part.
import type { CsvOptions } from "../data/csv.js";
import { readCsvStream } from "../data/stream/csv-stream.js";
import type { CsvStream } from "../data/stream/table-stream.js";
import { InputError } from "../errors.js";
import { QuantizedModel } from "../model/quantized-model.js";
import { openFileStream } from "../node/files.js";
import { openFileAtomic, rethrowWriteError } from "../runtime/write-file.js";
import { guessBinaryKind } from "../util/file-kind.js";
import { formatCount } from "../util/format.js";
import { UsageError } from "./args.js";
import { csvDescription } from "./data.js";
import type { Io } from "./io.js";
import { mayTakeAllColumns, type InferenceModel } from "./model-and-data.js";
import { PredictionCsv, predictionRecords, type ByteWrite, type PredictionLayout } from "./prediction-csv.js";

/** Bytes read from a file at a time. */
const READ_CHUNK = 1 << 20;

/** What a streamed `predict` is asked: the model, where the rows come from ("-": stdin) and go (undefined or "-": stdout). */
export interface StreamedPredict {
  model: InferenceModel;
  modelPath: string;
  input: string;
  out: string | undefined;
  csv: Omit<CsvOptions, "source">;
  layout(): PredictionLayout;
}

/** Predicts every row of the CSV input, writing CSV (or, with --json and no --out, JSON records, which are gathered first). */
export async function streamPredict(p: StreamedPredict, io: Io): Promise<number> {
  const stream = await openRows(p);
  for (const notice of (await stream.schema()).notices) process.stderr.write(`note: ${notice}\n`);
  if (stream.cols !== p.model.inputs) {
    throw new UsageError(`the model takes ${p.model.inputs} inputs but ${sourceName(p.input)} gives ${stream.cols} per row`, "predict");
  }
  const layout = p.layout();
  const toStdout = p.out === undefined || p.out === "-";
  // Ctrl-C stops after the batch being computed: rows before it stay written on stdout, an --out file is not written.
  const interrupt = new AbortController();
  let predicted = 0;
  const onSigint = () => interrupt.abort(new Error("interrupted by Ctrl-C"));
  process.once("SIGINT", onSigint);
  try {
    if (io.json && toStdout) {
      const records: Record<string, string | number>[] = [];
      await eachBatch(p.model, stream, interrupt.signal, async (out, lines) => { records.push(...predictionRecords(layout, out, lines.length)); });
      io.result({ command: "predict", model: p.modelPath, data: description(p, stream), rows: stream.rows, predictions: records });
      return 0;
    }
    await writeOutput(p.out, async (write) => {
      const csv = new PredictionCsv(layout, "line", write);
      await csv.header();
      try {
        await eachBatch(p.model, stream, interrupt.signal, async (out, lines) => {
          await csv.rows(out, lines.length, lines);
          predicted += lines.length;
        });
      } catch (e) {
        await csv.end().catch(() => {}); // on standard output, the rows before the error are written whole
        throw e;
      }
      await csv.end();
    });
  } catch (e) {
    if (!interrupt.signal.aborted) throw e;
    process.stderr.write(`interrupted after ${formatCount(predicted)} rows; ${!toStdout ? `${p.out} was not written` : io.json ? "nothing was written" : "their predictions are written"}\n`);
    return 130;
  } finally {
    process.off("SIGINT", onSigint);
  }
  if (toStdout) return 0;
  if (io.json) io.result({ command: "predict", model: p.modelPath, data: description(p, stream), rows: stream.rows, out: p.out });
  else io.log(`wrote ${formatCount(stream.rows)} predictions to ${p.out}`);
  return 0;
}

/**
 * Hands `fill` a writer to standard output (`out` undefined or "-") or to the file `out`: a temporary file beside it,
 * renamed to `out` once `fill` is done, and deleted if it fails, so that an error leaves no partial file.
 */
export async function writeOutput(out: string | undefined, fill: (write: ByteWrite) => Promise<void>): Promise<void> {
  if (out === undefined || out === "-") {
    // A reader that closes standard output early (`| head`) wants no more rows: that ends predict quietly.
    return fill(stdoutWrite()).catch((e) => { if ((e as NodeJS.ErrnoException).code !== "EPIPE") throw e; });
  }
  const file = await openFileAtomic(out).catch((e) => rethrowWriteError(out, e));
  try {
    await fill((bytes) => file.write(bytes).catch((e) => rethrowWriteError(out, e)));
    await file.commit().catch((e) => rethrowWriteError(out, e));
  } catch (e) {
    await file.discard();
    throw e;
  }
}

/** Runs the model on the stream's batches one at a time, handing each batch's outputs and file lines to `use`, until `signal` aborts. */
async function eachBatch(model: InferenceModel, stream: CsvStream, signal: AbortSignal, use: (out: Float32Array, lines: Int32Array) => Promise<void>): Promise<void> {
  const lines: Int32Array[] = [];
  async function* batches() {
    for await (const batch of stream) {
      lines.push(batch.lines);
      yield batch;
    }
  }
  const outputs = model instanceof QuantizedModel ? batchByBatch(model, batches(), signal) : model.predictStream(batches(), { signal });
  for await (const out of outputs) await use(out, lines.shift()!);
}

/** An int8 model's outputs a batch at a time, as predictStream gives a float model's; stops before a batch once `signal` aborts. */
async function* batchByBatch(model: QuantizedModel, source: AsyncIterable<{ x: Float32Array; rows: number; cols: number }>, signal: AbortSignal): AsyncGenerator<Float32Array> {
  for await (const batch of source) {
    signal.throwIfAborted();
    yield model.predict({ data: batch.x, rows: batch.rows, cols: batch.cols }).data;
  }
}

/**
 * The input's rows read with the model's columns. A model without a column schema takes every column as an input when
 * their count is its inputs, else the last one is the target: the source is read again from its start for that, from
 * the bytes the first try kept (only those read to decide the columns), so standard input works too.
 */
async function openRows(p: StreamedPredict): Promise<CsvStream> {
  const name = sourceName(p.input);
  const bytes = textBytes(p.input === "-" ? process.stdin : await openFileStream(p.input, READ_CHUNK), name);
  if (!mayTakeAllColumns(p.model, p.csv)) return ready(readCsvStream(bytes, { ...p.csv, name }));
  const replay = new Replay(bytes);
  const all = await ready(readCsvStream(replay.first(), { ...p.csv, label: null, name }));
  if (all.cols === p.model.inputs) {
    replay.settle();
    return all;
  }
  return ready(readCsvStream(replay.again(), { ...p.csv, name }));
}

async function ready(stream: CsvStream): Promise<CsvStream> {
  await stream.ready;
  return stream;
}

/** The source's chunks, the first checked to be text: a model file or an archive given as data is named as what it is. */
async function* textBytes(source: AsyncIterable<Uint8Array>, name: string): AsyncGenerator<Uint8Array> {
  let first = true;
  for await (const chunk of source) {
    if (first) {
      const kind = guessBinaryKind(chunk);
      if (kind !== undefined) throw new InputError(`${name}: expected a CSV file, but it looks like ${kind}`);
      first = false;
    }
    yield chunk;
  }
}

/** A source read once that can be read again from its start until settle(): the chunks read meanwhile are kept. */
class Replay {
  private kept: Uint8Array[] | undefined = [];
  private readonly it: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** The source, keeping what is read; leaving it early closes the source only once settled. */
  first(): AsyncIterable<Uint8Array> {
    return {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          const r = await this.it.next();
          if (!r.done) this.kept?.push(r.value);
          return r;
        },
        return: async () => (this.kept ? { done: true, value: undefined } : this.it.return?.() ?? { done: true, value: undefined }),
      }),
    };
  }

  /** Keeps nothing more: first() is the one reading. */
  settle(): void {
    this.kept = undefined;
  }

  /** The source from its start again: the kept chunks, then the rest. */
  async *again(): AsyncGenerator<Uint8Array> {
    const kept = this.kept ?? [];
    this.kept = undefined;
    yield* kept;
    for (;;) {
      const r = await this.it.next();
      if (r.done) return;
      yield r.value;
    }
  }
}

/** Writes to standard output, waiting when the pipe is full; a copy is written, so the caller may reuse its buffer at once. */
function stdoutWrite(): ByteWrite {
  const stdout = process.stdout;
  let failed: Error | undefined;
  stdout.on("error", (e) => { failed = e; });
  return (bytes) => new Promise((resolve, reject) => {
    if (failed) return reject(failed);
    if (stdout.write(bytes.slice())) return resolve();
    const onError = (e: Error) => { stdout.off("drain", onDrain); reject(e); };
    const onDrain = () => { stdout.off("error", onError); resolve(); };
    stdout.once("drain", onDrain);
    stdout.once("error", onError);
  });
}

function sourceName(input: string): string {
  return input === "-" ? "stdin" : input;
}

function description(p: StreamedPredict, stream: CsvStream): string {
  return csvDescription(sourceName(p.input), stream.rows, stream.columns.length, stream.dropped);
}
