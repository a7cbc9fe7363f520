// What the CSV and NDJSON stream readers share: the stream object handed to callers (columns known once the
// read-ahead sample is decided, batches pulled one at a time, read once), and the careful reading of one row
// of text fields with parseCsv's rules and messages, for the rows a fast path leaves to it.
import { InputError, StateError } from "../../errors.js";
import type { InputColumn, TargetColumn } from "../../nn/preprocessing.js";
import { cellProblem, isMissing, labelReader, listNames, rowWriter, type ColumnDecision, type ColumnPlan } from "../csv-columns.js";
import { readDate, readNumber } from "../csv-format.js";
import type { BatchBuilder, RowBatch } from "./row-batch.js";
import { abortedError } from "./source.js";

/** How a stream's rows are read, known once its header and read-ahead sample are. */
export interface StreamSchema {
  /** The raw input columns and how each maps to inputs (as parseCsv gives them). */
  columns: InputColumn[];
  /** The target column and its classes; absent when the file has none. */
  target?: TargetColumn;
  task: "classification" | "regression";
  /** Model inputs per row. */
  cols: number;
  /** How every column of the file is read, in file order. */
  plan: ColumnPlan[];
  /** What was decided that the reader should know, one sentence each. */
  notices: string[];
  /** CSV: the field separator read (given or detected). */
  delimiter?: string;
}

/** A stream of row batches from a CSV or NDJSON source; read once, pulled one batch at a time. */
export interface CsvStream extends AsyncIterable<RowBatch> {
  /** Resolves once the header and the read-ahead sample are read and every column is decided (rejects with their error). */
  readonly ready: Promise<void>;
  /** The schema's parts, readable once `ready` resolved or the first batch came (a StateError before). */
  readonly columns: InputColumn[];
  readonly target: TargetColumn | undefined;
  readonly task: "classification" | "regression";
  readonly cols: number;
  /** Bytes pulled from the source so far. */
  readonly bytesRead: number;
  /** Rows delivered so far, and rows dropped for missing cells (with missing: 'drop'). */
  readonly rows: number;
  readonly dropped: number;
  /** The columns, target, task, width, plan and notices, once the sample is read. */
  schema(): Promise<StreamSchema>;
  /** Stops reading and releases the source (cancels a ReadableStream, returns an iterator), as leaving a for-await loop does. */
  close(): Promise<void>;
}

/** A stream's counters, kept by its reader. */
export interface StreamProgress {
  bytes: number;
  rows: number;
  dropped: number;
}

/** What a reader's generator yields first: the schema; batches follow. */
export type StreamItem = { schema: StreamSchema } | RowBatch;

/** The stream object over a reader's generator, which yields the schema first and then batches. */
export class TableStream implements CsvStream {
  #items: AsyncGenerator<StreamItem, void, undefined>;
  #schema: StreamSchema | undefined;
  #started: Promise<StreamSchema> | undefined;
  #taken = false;

  constructor(items: AsyncGenerator<StreamItem, void, undefined>, private readonly progress: StreamProgress,
    private readonly what: string, private readonly name: string, private readonly signal?: AbortSignal) {
    this.#items = items;
  }

  get ready(): Promise<void> {
    return this.#start().then(() => undefined);
  }

  schema(): Promise<StreamSchema> {
    return this.#start();
  }

  get columns(): InputColumn[] {
    return this.#known().columns;
  }

  get target(): TargetColumn | undefined {
    return this.#known().target;
  }

  get task(): "classification" | "regression" {
    return this.#known().task;
  }

  get cols(): number {
    return this.#known().cols;
  }

  get bytesRead(): number {
    return this.progress.bytes;
  }

  get rows(): number {
    return this.progress.rows;
  }

  get dropped(): number {
    return this.progress.dropped;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<RowBatch, void, undefined> {
    if (this.#taken) throw new StateError(`${this.what}: the stream is read once; open a new one to read the source again`);
    this.#taken = true;
    try {
      await this.#start();
      for (;;) {
        if (this.signal?.aborted) throw abortedError(this.signal, this.name);
        const next = await this.#items.next();
        if (next.done) return;
        const batch = next.value as RowBatch;
        this.progress.rows += batch.rows;
        yield batch;
      }
    } finally {
      await this.#items.return(undefined);
    }
  }

  async close(): Promise<void> {
    this.#taken = true;
    await this.#items.return(undefined);
  }

  #start(): Promise<StreamSchema> {
    if (!this.#started) {
      this.#started = this.#items.next().then((first) => {
        if (first.done || !("schema" in first.value)) throw new StateError(`${this.what}: the stream ended before its columns were decided`);
        return (this.#schema = first.value.schema);
      });
      this.#started.catch(() => {}); // the caller who awaits it sees the error; nobody else must be told of it
    }
    return this.#started;
  }

  #known(): StreamSchema {
    if (!this.#schema) throw new StateError(`${this.what}: the columns are known once the first batch is read; await stream.ready first`);
    return this.#schema;
  }
}

/** How row messages are worded: where the rows come from and how options are spelled. */
export interface RowContext {
  source: string;
  missing: "error" | "drop";
  spell: (name: string, value: string) => string;
  /** When the columns were decided from the first rows only (no schema given, more rows followed): how many. */
  sampled?: number;
}

/** Reads rows of text fields into a batch with parseCsv's rules and messages: field count, missing cells, then each input, then the label. */
export class RowReader {
  readonly write: (fields: string[], x: Float32Array, offset: number) => number;
  readonly label: ((cell: string) => number) | undefined;
  readonly used: ColumnPlan[];

  constructor(readonly header: string[], readonly decision: ColumnDecision, private readonly context: RowContext, private readonly progress: StreamProgress) {
    this.write = rowWriter(decision.inputs);
    this.label = decision.label ? labelReader(decision) : undefined;
    this.used = decision.label ? [...decision.inputs, decision.label] : decision.inputs;
  }

  /** Reads one row's fields into the batch; returns false when it was dropped for a missing cell. */
  read(fields: string[], line: number, batch: BatchBuilder): boolean {
    const { source, spell } = this.context;
    const { header } = this;
    if (fields.length !== header.length) throw new InputError(`${source}:${line}: row has ${fields.length} fields but the header has ${header.length}`);
    const where = (c: ColumnPlan) => `${source}:${line}: column ${c.index + 1} (${JSON.stringify(header[c.index])})`;
    for (const c of this.used) {
      if (!isMissing(fields[c.index])) continue;
      if (this.context.missing === "drop") {
        this.progress.dropped++;
        return false;
      }
      throw new InputError(`${where(c)}: missing value ${JSON.stringify(fields[c.index])} (pass ${spell("missing", "drop")} to skip such rows)`);
    }
    const o = batch.rows * batch.cols;
    batch.x.fill(0, o, o + batch.cols);
    const bad = this.write(fields, batch.x, o);
    if (bad >= 0) {
      const c = this.decision.inputs[bad];
      throw new InputError(`${where(c)}: ${cellProblem(c, fields[c.index])}${this.#hint(c)}`);
    }
    const label = this.decision.label;
    if (label) {
      const cell = fields[label.index];
      const v = this.label!(cell);
      if (this.decision.task === "regression") {
        if (Number.isNaN(v)) throw new InputError(`${where(label)}: target ${JSON.stringify(cell.trim())} is not a number${this.#hint(label)}`);
        batch.targets[batch.rows] = v;
      } else {
        if (Number.isNaN(v)) {
          throw new InputError(`${where(label)}: label ${JSON.stringify(cell.trim())} is not one of the model's classes ${listNames(this.decision.classes!)}${this.#hint(label)}`);
        }
        batch.labels[batch.rows] = v;
      }
    }
    batch.lines[batch.rows++] = line;
    return true;
  }

  /** What to do when a cell does not fit what the first rows decided. */
  #hint(c: ColumnPlan): string {
    const n = this.context.sampled;
    if (n === undefined) return "";
    const more = this.context.spell("sampleRows", String(Math.max(10 * n, 10_000)));
    const what = c.kind === "label" ? (this.decision.task === "regression" ? "the task" : "the classes") : c.kind === "category" ? "its categories" : "how it is read";
    return ` (the first ${n} rows decided ${what}; pass ${more} to decide from more rows${c.kind === "number" ? `, or name it in ${this.context.spell("categorical", c.name)}` : ""})`;
  }
}

/** How a column's text becomes a number: a category's index, a date, a number written otherwise; NaN when it does not read. */
export function textReader(c: ColumnPlan): (cell: string) => number {
  if (c.kind === "category") {
    const index = new Map(c.categories!.map((k, j) => [k, j]));
    const careful = c.categories!.some(isMissing); // only a model's schema can name a category that reads as missing
    return (cell) => (careful && isMissing(cell) ? NaN : index.get(cell.trim()) ?? NaN);
  }
  if (c.kind === "date") return (cell) => readDate(cell, c.dateOrder!);
  return (cell) => readNumber(cell, c.number);
}

/** The label reader, remembering each spelling of a class seen (NaN for cells it cannot read, or that read as missing). */
export function cachedLabels(decision: ColumnDecision): (cell: string) => number {
  const read = labelReader(decision);
  if (decision.task === "regression") return read;
  const seen = new Map<string, number>();
  const careful = decision.classes!.some(isMissing);
  return (cell) => {
    let v = seen.get(cell);
    if (v !== undefined) return v;
    v = careful && isMissing(cell) ? NaN : read(cell);
    if (!Number.isNaN(v) && seen.size < 4096) seen.set(cell, v);
    return v;
  };
}
