// CSV read as a stream, in constant memory: bytes are pulled a chunk at a time and rows handed out in
// batches. The header and the first `sampleRows` rows are read ahead and decided exactly as parseCsv decides
// a whole file (they are parsed by it); the rest go through a fast path that reads plain numbers straight
// from the bytes into the batch (no string per cell, no array per row) and text only for the columns that
// hold categories, dates or labels. A row the fast path cannot take whole (quotes with escapes or line
// breaks, missing cells, a malformed row) is read again as text fields with parseCsv's rules and messages.
import { ConfigError, InputError } from "../../errors.js";
import { choiceOption, checkKeys, describe, integerOption } from "../../util/options.js";
import { parseCsv, type CsvDataset, type CsvOptions } from "../csv.js";
import type { ColumnDecision, ColumnPlan } from "../csv-columns.js";
import { detectDelimiter, SNIFF_RECORDS } from "../csv-format.js";
import { parseDecimal } from "./decimal.js";
import { readRecord, utf8 } from "./csv-records.js";
import { BatchBuilder, type RowBatch } from "./row-batch.js";
import { byteChunks, type StreamSource } from "./source.js";
import { cachedLabels, RowReader, TableStream, textReader, type CsvStream, type StreamItem, type StreamProgress, type StreamSchema } from "./table-stream.js";

/** Options of readCsvStream(): parseCsv's (see CsvOptions), and how the stream is read. */
export interface CsvStreamOptions extends Omit<CsvOptions, "source"> {
  /** Names the source in error messages (e.g. its path); default 'CSV'. */
  name?: string;
  /** Rows per batch; default 4096. */
  batchRows?: number;
  /** Aborting stops reading: the pending or next batch rejects with an AbortError, and the source is released. */
  signal?: AbortSignal;
  /** Rows read ahead to decide the columns (types, categories, classes, task) when no schema is given; default 1000. */
  sampleRows?: number;
}

const OPTIONS = [
  "label", "task", "ignore", "categorical", "missing", "delimiter", "decimal", "thousands", "dayFirst", "schema", "requireTarget", "spellOption",
  "name", "batchRows", "signal", "sampleRows",
];
/** The most bytes read ahead to find the records detectDelimiter looks at (SNIFF_RECORDS). */
const MAX_SNIFF_BYTES = 4 << 20;
/** The longest record accepted: a quote never closed must not read a whole file into memory. */
const MAX_RECORD_BYTES = 16 << 20;

/** Reads CSV from a stream in batches of rows, with parseCsv's rules; see CsvStreamOptions. Nothing is read until the stream is. */
export function readCsvStream(source: StreamSource, options: CsvStreamOptions = {}): CsvStream {
  checkKeys(options, OPTIONS, "readCsvStream");
  const { name = "CSV", signal, delimiter } = options;
  if (typeof name !== "string") throw new ConfigError(`readCsvStream: name must be a string, got ${describe(name)}`);
  if (delimiter !== undefined && (typeof delimiter !== "string" || delimiter.length !== 1 || delimiter === '"' || delimiter === "\n")) {
    throw new ConfigError(`readCsvStream: delimiter must be one character other than a quote or newline, got ${describe(delimiter)}`);
  }
  if (delimiter !== undefined && delimiter >= "\ud800" && delimiter <= "\udfff") {
    throw new ConfigError(`readCsvStream: delimiter must be a whole character, got half of a surrogate pair ${describe(delimiter)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new ConfigError(`readCsvStream: signal must be an AbortSignal, got ${describe(signal)}`);
  const settings: Settings = {
    name,
    signal,
    batchRows: integerOption(options.batchRows ?? 4096, "readCsvStream: batchRows", 1, 1 << 24),
    sampleRows: integerOption(options.sampleRows ?? 1000, "readCsvStream: sampleRows", 1),
    missing: choiceOption(options.missing ?? "error", "readCsvStream: missing", ["error", "drop"] as const),
    spell: options.spellOption ?? ((key: string, value: string) => `${key}: '${value}'`),
    csv: csvOptions(options),
  };
  if (typeof settings.spell !== "function") throw new ConfigError(`readCsvStream: spellOption must be a function, got ${describe(settings.spell)}`);
  const progress: StreamProgress = { bytes: 0, rows: 0, dropped: 0 };
  return new TableStream(new CsvReader(source, settings, progress).items(), progress, "readCsvStream", name, signal);
}

interface Settings {
  name: string;
  signal?: AbortSignal;
  batchRows: number;
  sampleRows: number;
  missing: "error" | "drop";
  spell: (name: string, value: string) => string;
  /** The options parseCsv reads the sample with. */
  csv: CsvOptions;
}

function csvOptions(options: CsvStreamOptions): CsvOptions {
  const out: Record<string, unknown> = { ...options, source: options.name ?? "CSV" };
  for (const key of ["name", "batchRows", "signal", "sampleRows"]) delete out[key];
  return out as CsvOptions;
}

// How the fast path reads each field of a row, in file order (0: skipped).
const NUMBER = 1; // a plain number into x
const CATEGORY = 2; // text read as a category's index: its one-hot input set
const TEXT = 3; // text read as a number (a date, a number written with a decimal comma or thousands separator) into x
const TARGET = 4; // a plain number as the regression target
const LABEL = 5; // text read as the class index or target
/** Fields of at most this many bytes are told apart by a number made of their bytes, so known ones need no string. */
const KEY_BYTES = 6;

const QUOTE = 34;
const LF = 10;
const CR = 13;
/** fastRow results besides the next position: not a row the fast path takes, or a row running past the bytes at hand. */
const CAREFUL = -1;
const MORE = -2;

class CsvReader {
  private chunks: AsyncGenerator<Uint8Array, void, undefined>;
  /** Bytes at hand: buf[p..n) not yet read; buf[0] is byte `base` of the source; `owned`: buf is ours to write into. */
  private buf: Uint8Array = new Uint8Array(0);
  private owned = false;
  /** The rest of a chunk whose start was copied after a cut record. */
  private pending: Uint8Array | undefined;
  private p = 0;
  private n = 0;
  private base = 0;
  private eof = false;
  private line = 1;

  // Set once the columns are decided.
  private delimiter = new Uint8Array(0);
  private fast = false;
  private kinds = new Uint8Array(0);
  private offsets = new Int32Array(0);
  private readers: (((cell: string) => number) | undefined)[] = [];
  /** Per field: what a category or class label's bytes (as byteKey) were read as. */
  private known: (Map<number, number> | undefined)[] = [];
  /** Per field: the decimal mark of a plain number column, 46 '.' or 44 ','. */
  private marks = new Uint8Array(0);
  private rowReader!: RowReader;

  constructor(source: StreamSource, private readonly settings: Settings, private readonly progress: StreamProgress) {
    this.chunks = byteChunks(source, { signal: settings.signal, name: settings.name });
  }

  async *items(): AsyncGenerator<StreamItem, void, undefined> {
    try {
      const { schema, sample, decision, header, sampled } = await this.readSample();
      yield { schema };
      const batch = new BatchBuilder(this.settings.batchRows, schema.cols, schema.target ? (schema.task === "classification" ? "labels" : "targets") : undefined);
      this.plan(decision, header, sampled);
      const values = sample.labels ?? sample.targets;
      for (let from = 0; from < sample.rows;) {
        from += batch.append(sample.x, values, sample.lines, from);
        if (batch.full) yield batch.take(this.base + this.p);
      }
      for (;;) {
        await this.fill(batch);
        if (batch.rows === 0) return;
        yield batch.take(this.base + this.p);
      }
    } finally {
      await this.chunks.return();
    }
  }

  /** Reads the header and the first sampleRows rows, and has parseCsv decide the columns (and read those rows). */
  private async readSample(): Promise<{ schema: StreamSchema; sample: CsvDataset; decision: ColumnDecision; header: string[]; sampled?: number }> {
    const { name, sampleRows, csv } = this.settings;
    while (this.n < 3 && !this.eof) await this.more(true);
    if (this.buf[0] === 0xef && this.buf[1] === 0xbb && this.buf[2] === 0xbf) this.p = 3; // a byte-order mark is not part of the first name
    const start = this.p;
    let given = csv.delimiter;
    if (given === undefined) {
      const records = recordCounter(start);
      while (!this.eof && this.n - start < MAX_SNIFF_BYTES && records(this.buf, this.n) <= SNIFF_RECORDS) await this.more(true);
      given = detectDelimiter(utf8.decode(this.buf.subarray(start, this.n)), this.eof);
    }
    this.delimiter = new TextEncoder().encode(given);
    let records = 0;
    let at = start;
    let line = 1;
    let rows = sampleRows;
    let sample: CsvDataset;
    let whole: boolean;
    for (;;) {
      while (records <= rows && !(at >= this.n && this.eof)) {
        const record = readRecord(this.buf, at, this.n, this.eof, this.delimiter, line, name);
        if (!record) {
          await this.moreFor(at, true);
          continue;
        }
        if (!record.blank) records++;
        at = record.next;
        line = record.nextLine;
      }
      if (at >= this.n && !this.eof) await this.more(true); // whether the sample is the whole file
      whole = at >= this.n && this.eof;
      // Detection is left to parseCsv when the sample holds what it would look at in the whole file.
      const delimiter = csv.delimiter ?? (whole || records > SNIFF_RECORDS ? undefined : given);
      try {
        sample = parseCsv(utf8.decode(this.buf.subarray(start, at)), { ...csv, delimiter });
        break;
      } catch (e) {
        // Rows dropped for missing cells leave nothing to decide from: read on, as far as it takes.
        if (whole || !(e instanceof InputError) || !e.message.endsWith(": every row has a missing value; nothing is left to read")) throw e;
        rows *= 2;
      }
    }
    this.p = at;
    this.line = line;
    this.progress.dropped += sample.dropped;
    const byName = new Map(sample.plan.map((c) => [c.name, c]));
    const inputs = sample.columns.map((c) => byName.get(c.name)!);
    const label = sample.plan.find((c) => c.kind === "label");
    const decision: ColumnDecision = {
      columns: sample.plan, inputs, task: sample.task, width: sample.cols, number: label?.number ?? { decimal: "." }, notices: sample.notices,
    };
    if (label) decision.label = label;
    if (sample.target?.classes) decision.classes = sample.target.classes;
    const schema: StreamSchema = {
      columns: sample.columns, task: sample.task, cols: sample.cols, plan: sample.plan, notices: sample.notices, delimiter: sample.delimiter,
    };
    if (sample.target) schema.target = sample.target;
    const sampled = whole || csv.schema ? undefined : records - 1;
    return { schema, sample, decision, header: sample.plan.map((c) => c.name), sampled };
  }

  /** How the fast path reads each field, from the decision. */
  private plan(decision: ColumnDecision, header: string[], sampled: number | undefined): void {
    const { name, missing, spell } = this.settings;
    this.rowReader = new RowReader(header, decision, { source: name, missing, spell, sampled }, this.progress);
    const d = this.delimiter;
    this.fast = d.length === 1 && d[0] < 128;
    const h = header.length;
    this.kinds = new Uint8Array(h);
    this.offsets = new Int32Array(h);
    this.marks = new Uint8Array(h);
    this.readers = new Array(h).fill(undefined);
    this.known = new Array(h).fill(undefined);
    // A number read from the bytes: no thousands separator, and a decimal mark that is not the delimiter.
    const plain = (c: ColumnPlan) => {
      this.marks[c.index] = c.number?.decimal === "," ? 44 : 46;
      return c.number !== undefined && c.number.thousands === undefined && this.marks[c.index] !== d[0];
    };
    let o = 0;
    for (const c of decision.inputs) {
      this.offsets[c.index] = o;
      if (c.kind === "number" && plain(c)) this.kinds[c.index] = NUMBER;
      else {
        this.kinds[c.index] = c.kind === "category" ? CATEGORY : TEXT;
        this.readers[c.index] = textReader(c);
        if (c.kind === "category") this.known[c.index] = new Map();
      }
      o += c.categories?.length ?? 1;
    }
    const label = decision.label;
    if (label) {
      this.kinds[label.index] = decision.task === "regression" && plain(label) ? TARGET : LABEL;
      this.readers[label.index] = cachedLabels(decision);
      if (decision.task === "classification") this.known[label.index] = new Map();
    }
  }

  /** Reads rows into the batch until it is full or the source ends. */
  private async fill(batch: BatchBuilder): Promise<void> {
    while (!batch.full) {
      if (this.p >= this.n) {
        if (this.eof) return;
        await this.more(false);
        continue;
      }
      const r = this.fast ? this.fastRows(batch) : CAREFUL;
      if (r === MORE) await this.moreFor(this.p, false);
      else if (r === CAREFUL) {
        const record = readRecord(this.buf, this.p, this.n, this.eof, this.delimiter, this.line, this.settings.name);
        if (!record) {
          await this.moreFor(this.p, false);
          continue;
        }
        if (!record.blank) this.rowReader.read(record.fields, record.line, batch);
        this.p = record.next;
        this.line = record.nextLine;
      }
    }
  }

  /**
   * Reads rows the fast way until the batch is full (returns 0), a row needs the careful way (CAREFUL) or more
   * bytes (MORE); this.p and this.line advance past each row read. A row is written only when every field is
   * plain: unquoted or quoted without escapes or line breaks, numbers that parse, text its column reads.
   */
  private fastRows(batch: BatchBuilder): number {
    const { buf, n, eof, kinds, offsets, readers, known, marks } = this;
    const delim = this.delimiter[0];
    const h = kinds.length;
    const last = h - 1;
    const x = batch.x;
    const cols = batch.cols;
    let p = this.p;
    while (batch.rows < batch.size) {
      const o = batch.rows * cols;
      let i = p;
      let status = 0;
      for (let f = 0; f < h; f++) {
        const kind = kinds[f];
        if (kind === NUMBER && f < last) {
          // The common case first: an unquoted number and its delimiter.
          const q = parseDecimal(buf, i, n, delim, marks[f], x, o + offsets[f]);
          if (q >= 0 && q < n && buf[q] === delim) {
            i = q + 1;
            continue;
          }
        }
        let a = i;
        let b: number;
        if (i < n && buf[i] === QUOTE) {
          // A quoted field without escaped quotes or line breaks: its text lies between the quotes.
          let q = i + 1;
          while (q < n && buf[q] !== QUOTE && buf[q] !== LF) q++;
          if (q + 1 >= n || buf[q] === LF || buf[q + 1] === QUOTE) {
            status = q + 1 >= n && !eof ? MORE : CAREFUL;
            break;
          }
          a = i + 1;
          b = q;
          i = q + 1;
          while (i < n && (buf[i] === 32 || buf[i] === 9) && buf[i] !== delim) i++;
          if (kind === NUMBER || kind === TARGET) {
            if (parseDecimal(buf, a, b, -1, marks[f], kind === NUMBER ? x : batch.targets, kind === NUMBER ? o + offsets[f] : batch.rows) !== b) {
              status = CAREFUL;
              break;
            }
          }
        } else if (kind === NUMBER || kind === TARGET) {
          i = parseDecimal(buf, i, n, delim, marks[f], kind === NUMBER ? x : batch.targets, kind === NUMBER ? o + offsets[f] : batch.rows);
          if (i < 0) {
            status = CAREFUL;
            break;
          }
          b = i;
        } else {
          while (i < n && buf[i] !== delim && buf[i] !== LF && buf[i] !== CR) i++;
          b = i;
        }
        // What ends the field: the delimiter, or the line's end after the last field.
        if (i >= n && !eof) {
          status = MORE;
          break;
        }
        if (f < last) {
          if (i >= n || buf[i] !== delim) {
            status = CAREFUL;
            break;
          }
          i++;
        } else if (i < n) {
          if (buf[i] === LF) i++;
          else if (buf[i] === CR && i + 1 < n && buf[i + 1] === LF) i += 2;
          else {
            status = buf[i] === CR && i + 1 >= n && !eof ? MORE : CAREFUL;
            break;
          }
        }
        if (kind === CATEGORY || kind === TEXT || kind === LABEL) {
          const cache = known[f];
          const key = cache && b - a <= KEY_BYTES ? byteKey(buf, a, b) : -1;
          let v = key >= 0 ? cache!.get(key) : undefined;
          if (v === undefined) {
            v = readers[f]!(text(buf, a, b));
            if (Number.isNaN(v)) {
              status = CAREFUL;
              break;
            }
            if (key >= 0 && cache!.size < 4096) cache!.set(key, v);
          }
          if (kind === CATEGORY) x[o + offsets[f] + v] = 1;
          else if (kind === TEXT) x[o + offsets[f]] = v;
          else if (batch.target === "labels") batch.labels[batch.rows] = v;
          else batch.targets[batch.rows] = v;
        }
      }
      if (status !== 0) {
        x.fill(0, o, o + cols); // a one-hot input may have been set
        this.p = p;
        return status;
      }
      batch.lines[batch.rows++] = this.line++;
      p = i;
    }
    this.p = p;
    return 0;
  }

  /**
   * Pulls chunks until the record starting at `at` has twice the bytes it had (or the source ends), so a long
   * record is read again only a few times; a record past MAX_RECORD_BYTES is refused.
   */
  private async moreFor(at: number, keep: boolean): Promise<void> {
    const had = this.n - at;
    if (had > MAX_RECORD_BYTES) {
      throw new InputError(`${this.settings.name}:${this.line}: a record longer than ${MAX_RECORD_BYTES >> 20} MiB; is a quoted field never closed?`);
    }
    do await this.more(keep);
    while (!this.eof && this.n - (keep ? at : this.p) < 2 * had);
  }

  /**
   * Takes the next piece of input into the bytes at hand, keeping those not read yet (or every byte, while `keep`).
   * A chunk is read where it lies; only a record cut by a chunk's end is copied, with the next chunk up to its
   * first line break (the rest of that chunk is the next piece), so bytes are copied once per chunk edge, not per chunk.
   */
  private async more(keep: boolean): Promise<void> {
    let chunk = this.pending;
    this.pending = undefined;
    if (!chunk) {
      const next = await this.chunks.next();
      if (next.done) {
        this.eof = true;
        return;
      }
      chunk = next.value;
      this.progress.bytes += chunk.length;
    }
    const from = keep ? 0 : this.p;
    const rest = this.n - from;
    this.base += from;
    this.p -= from;
    if (rest === 0) {
      this.buf = chunk;
      this.owned = false;
      this.n = chunk.length;
      return;
    }
    if (!keep) {
      const cut = chunk.indexOf(LF) + 1;
      if (cut > 0 && cut < chunk.length) {
        this.pending = chunk.subarray(cut);
        chunk = chunk.subarray(0, cut);
      }
    }
    if (this.owned && this.buf.length >= rest + chunk.length) {
      if (from > 0) this.buf.copyWithin(0, from, this.n);
    } else {
      const grown = new Uint8Array(2 * (rest + chunk.length)); // room to spare, so the next pieces reuse it
      grown.set(this.buf.subarray(from, this.n));
      this.buf = grown;
      this.owned = true;
    }
    this.buf.set(chunk, rest);
    this.n = rest + chunk.length;
  }
}

/** Up to KEY_BYTES bytes as one number (a leading 1 keeps lengths apart): below 2^49, exact in a float64. */
function byteKey(bytes: Uint8Array, a: number, b: number): number {
  let k = 1;
  for (let i = a; i < b; i++) k = k * 256 + bytes[i];
  return k;
}

/** The text of bytes[a..b): ASCII built directly, anything else decoded as UTF-8. */
function text(bytes: Uint8Array, a: number, b: number): string {
  let s = "";
  for (let i = a; i < b; i++) {
    const c = bytes[i];
    if (c >= 128) return utf8.decode(bytes.subarray(a, b));
    s += String.fromCharCode(c);
  }
  return s;
}

/** Counts records with content as detectDelimiter counts them (quotes toggle, blank lines do not count), going on from where it stopped. */
function recordCounter(from: number): (bytes: Uint8Array, to: number) => number {
  let i = from;
  let count = 0;
  let quoted = false;
  let content = false;
  return (bytes, to) => {
    for (; i < to && count <= SNIFF_RECORDS; i++) {
      const c = bytes[i];
      if (quoted) {
        if (c === QUOTE) quoted = false;
      } else if (c === QUOTE) quoted = content = true;
      else if (c === LF) {
        if (content) count++;
        content = false;
      } else if (c > 32 && c < 127) content = true;
    }
    return count;
  };
}

export type { CsvStream, RowBatch };
