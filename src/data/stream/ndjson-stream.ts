// NDJSON (one JSON object per line) read as a stream, in batches of rows, with the rules of parseCsv: the
// objects' keys are the columns (in the order the read-ahead sample first shows them), a value is a number,
// a string, a boolean or null (missing), and the columns are decided from the first `sampleRows` objects
// by the same decideColumns parseCsv uses. Numbers go straight into the batch; a row with anything else
// (a missing value, text in a number column) is read as text fields with parseCsv's rules and messages.
import { ConfigError, InputError } from "../../errors.js";
import { checkKeys, choiceOption, describe, integerOption } from "../../util/options.js";
import { decideColumns, inputColumn, isMissing, type ColumnDecision, type CsvColumnOptions } from "../csv-columns.js";
import { utf8 } from "./csv-records.js";
import { BatchBuilder } from "./row-batch.js";
import { byteChunks, type StreamSource } from "./source.js";
import { cachedLabels, RowReader, TableStream, textReader, type CsvStream, type StreamItem, type StreamProgress, type StreamSchema } from "./table-stream.js";

/** Options of readNdjsonStream(): how columns are read (see CsvColumnOptions), missing values, and how the stream is read. */
export interface NdjsonStreamOptions extends CsvColumnOptions {
  /** A row with a missing value (null, an absent key, '', NA, ...) is an error (default) or is dropped. */
  missing?: "error" | "drop";
  /** Names the source in error messages (e.g. its path); default 'NDJSON'. */
  name?: string;
  /** Rows per batch; default 4096. */
  batchRows?: number;
  /** Aborting stops reading: the pending or next batch rejects with an AbortError, and the source is released. */
  signal?: AbortSignal;
  /** Objects read ahead to decide the columns (keys, types, categories, classes, task) when no schema is given; default 1000. */
  sampleRows?: number;
}

const OPTIONS = [
  "label", "task", "ignore", "categorical", "missing", "decimal", "thousands", "dayFirst", "schema", "requireTarget", "spellOption",
  "name", "batchRows", "signal", "sampleRows",
];
/** The longest line accepted, so that a file with no line breaks is refused rather than held in memory. */
const MAX_LINE_BYTES = 16 << 20;

/** Reads NDJSON from a stream in batches of rows, with parseCsv's column rules; see NdjsonStreamOptions. Nothing is read until the stream is. */
export function readNdjsonStream(source: StreamSource, options: NdjsonStreamOptions = {}): CsvStream {
  checkKeys(options, OPTIONS, "readNdjsonStream");
  const { name = "NDJSON", signal } = options;
  if (typeof name !== "string") throw new ConfigError(`readNdjsonStream: name must be a string, got ${describe(name)}`);
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new ConfigError(`readNdjsonStream: signal must be an AbortSignal, got ${describe(signal)}`);
  const spell = options.spellOption ?? ((key: string, value: string) => `${key}: '${value}'`);
  if (typeof spell !== "function") throw new ConfigError(`readNdjsonStream: spellOption must be a function, got ${describe(spell)}`);
  const settings: Settings = {
    name,
    batchRows: integerOption(options.batchRows ?? 4096, "readNdjsonStream: batchRows", 1, 1 << 24),
    sampleRows: integerOption(options.sampleRows ?? 1000, "readNdjsonStream: sampleRows", 1),
    missing: choiceOption(options.missing ?? "error", "readNdjsonStream: missing", ["error", "drop"] as const),
    spell,
    columns: { ...options, spellOption: spell },
  };
  const progress: StreamProgress = { bytes: 0, rows: 0, dropped: 0 };
  return new TableStream(new NdjsonReader(byteChunks(source, { signal, name }), settings, progress).items(), progress, "readNdjsonStream", name, signal);
}

interface Settings {
  name: string;
  batchRows: number;
  sampleRows: number;
  missing: "error" | "drop";
  spell: (name: string, value: string) => string;
  columns: CsvColumnOptions;
}

interface Row {
  value: Record<string, unknown>;
  line: number;
}

/** How the fast path reads one used column of an object. */
interface Slot {
  key: string;
  offset: number;
  /** Reads the text of a category (its index), a date or a number written otherwise; absent for a plain number. */
  read?: (cell: string) => number;
  oneHot: boolean;
}

class NdjsonReader {
  /** Decoded lines not read yet: text[at..], and the bytes after its last line break. */
  private text = "";
  private at = 0;
  /** Bytes of a line not yet ended, in the pieces they came in (joined once its end comes, not at every chunk). */
  private rest: Uint8Array[] = [];
  private restBytes = 0;
  private eof = false;
  private line = 0;

  constructor(private readonly chunks: AsyncGenerator<Uint8Array, void, undefined>, private readonly settings: Settings, private readonly progress: StreamProgress) {}

  async *items(): AsyncGenerator<StreamItem, void, undefined> {
    try {
      const { name, sampleRows, missing, spell } = this.settings;
      const sample: Row[] = [];
      const keys = new Map<string, number>();
      let wanted = sampleRows;
      let header: string[];
      let fields: string[][];
      let decision: ColumnDecision;
      let whole: boolean;
      for (;;) {
        for (let row = sample.length < wanted ? await this.next() : undefined; row; row = sample.length < wanted ? await this.next() : undefined) {
          sample.push(row);
          for (const k in row.value) if (!keys.has(k)) keys.set(k, keys.size);
        }
        if (sample.length === 0) throw new InputError(`${name}: no rows; expected one JSON object per line`);
        whole = sample.length < wanted;
        header = [...keys.keys()];
        fields = sample.map((r) => fieldsOf(r, header, name));
        decision = decideColumns(header, fields, this.settings.columns, { source: name, delimiter: "," });
        const used = decision.label ? [...decision.inputs, decision.label] : decision.inputs;
        if (missing === "error" || fields.some((f) => used.every((c) => !isMissing(f[c.index])))) break;
        // Rows dropped for missing values leave nothing to decide from: read on, as far as it takes.
        if (whole) throw new InputError(`${name}: every row has a missing value; nothing is left to read`);
        wanted *= 2;
      }
      const sampled = whole || this.settings.columns.schema ? undefined : sample.length;
      const rows = new RowReader(header, decision, { source: name, missing, spell, sampled }, this.progress);
      const classes = decision.classes;
      if (decision.label && classes && classes.length < 2) {
        throw new InputError(`${name}: the label column ${JSON.stringify(decision.label.name)} has a single class ${JSON.stringify(classes[0])}; classification needs at least 2`);
      }
      const columns = decision.inputs.map(inputColumn);
      const schema: StreamSchema = { columns, task: decision.task, cols: decision.width, plan: decision.columns, notices: decision.notices };
      if (decision.label) schema.target = classes ? { name: decision.label.name, classes } : { name: decision.label.name };
      yield { schema };

      const batch = new BatchBuilder(this.settings.batchRows, decision.width, schema.target ? (decision.task === "classification" ? "labels" : "targets") : undefined);
      let o = 0;
      const slots: Slot[] = decision.inputs.map((c) => {
        const slot: Slot = { key: c.name, offset: o, oneHot: c.kind === "category" };
        if (c.kind !== "number" || c.number?.thousands !== undefined || c.number?.decimal === ",") slot.read = textReader(c);
        o += c.categories?.length ?? 1;
        return slot;
      });
      const label = decision.label ? cachedLabels(decision) : undefined;
      const labelKey = decision.label?.name;
      const known = new Set(header);
      const read = (row: Row): void => {
        for (const k in row.value) {
          if (!known.has(k)) {
            throw new InputError(`${name}:${row.line}: key ${JSON.stringify(k)} is not among the keys of ${sampled === undefined ? "the rows" : `the first ${sampled} rows`} ` +
              `(${header.map((h) => JSON.stringify(h)).join(", ")})${sampled === undefined ? "" : `; pass ${spell("sampleRows", String(Math.max(10 * sampled, 10_000)))} to decide from more rows`}`);
          }
        }
        if (!fast(row.value, slots, label, labelKey, batch)) rows.read(fieldsOf(row, header, name), row.line, batch);
        else batch.lines[batch.rows++] = row.line;
      };
      for (const row of sample) {
        read(row);
        if (batch.full) yield batch.take(this.progress.bytes);
      }
      for (let row = await this.next(); row; row = this.nextDecoded() ?? (await this.next())) {
        read(row);
        if (batch.full) yield batch.take(this.progress.bytes);
      }
      if (batch.rows > 0) yield batch.take(this.progress.bytes);
    } finally {
      await this.chunks.return();
    }
  }

  /** The next object, or undefined at the end; blank lines are skipped, anything but an object is an error. */
  private async next(): Promise<Row | undefined> {
    for (;;) {
      const row = this.nextDecoded();
      if (row || !(await this.more())) return row;
    }
  }

  /** The next object among the lines decoded, or undefined when they are used up (no promise per row). */
  private nextDecoded(): Row | undefined {
    while (this.at < this.text.length) {
      let end = this.text.indexOf("\n", this.at);
      if (end < 0) end = this.text.length;
      const text = this.text.slice(this.at, end);
      this.at = end + 1;
      this.line++;
      if (text.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw new InputError(`${this.settings.name}:${this.line}: not valid JSON (${(e as Error).message})`);
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new InputError(`${this.settings.name}:${this.line}: expected a JSON object, got ${describe(value)}`);
      }
      return { value: value as Record<string, unknown>, line: this.line };
    }
    return undefined;
  }

  private keep(piece: Uint8Array): void {
    this.rest.push(piece);
    this.restBytes += piece.length;
  }

  /** The pieces kept, as one array; none are kept after. */
  private take(): Uint8Array {
    const out = this.rest.length === 1 ? this.rest[0] : new Uint8Array(this.restBytes);
    if (this.rest.length > 1) {
      let o = 0;
      for (const piece of this.rest) {
        out.set(piece, o);
        o += piece.length;
      }
    }
    this.rest = [];
    this.restBytes = 0;
    return out;
  }

  /** Decodes the next whole lines from the source; false at its end. */
  private async more(): Promise<boolean> {
    for (;;) {
      if (this.eof) return false;
      const next = await this.chunks.next();
      let bytes: Uint8Array;
      if (next.done) {
        this.eof = true;
        bytes = this.take();
        if (bytes.length === 0) return false;
      } else {
        this.progress.bytes += next.value.length;
        const chunk = next.value;
        const cut = chunk.lastIndexOf(10) + 1;
        if (cut === 0) {
          this.keep(chunk);
          if (this.restBytes > MAX_LINE_BYTES) throw new InputError(`${this.settings.name}:${this.line + 1}: a line longer than ${MAX_LINE_BYTES >> 20} MiB`);
          continue;
        }
        this.keep(chunk.subarray(0, cut));
        bytes = this.take();
        if (cut < chunk.length) this.keep(chunk.subarray(cut));
      }
      this.text = utf8.decode(bytes);
      if (this.line === 0 && this.text.charCodeAt(0) === 0xfeff) this.text = this.text.slice(1);
      this.at = 0;
      return true;
    }
  }
}

/** Reads an object's used values into the batch when each is what its column takes as it is; false leaves the row to the careful path. */
function fast(value: Record<string, unknown>, slots: Slot[], label: ((cell: string) => number) | undefined, labelKey: string | undefined, batch: BatchBuilder): boolean {
  const o = batch.rows * batch.cols;
  for (const s of slots) {
    const v = value[s.key];
    if (s.read) {
      const k = typeof v === "string" ? s.read(v) : NaN;
      if (!Number.isNaN(k)) {
        batch.x[o + s.offset + (s.oneHot ? k : 0)] = s.oneHot ? 1 : k;
        continue;
      }
    } else if (typeof v === "number" && Number.isFinite(v)) {
      batch.x[o + s.offset] = v;
      continue;
    }
    batch.x.fill(0, o, o + batch.cols);
    return false;
  }
  if (label) {
    const v = value[labelKey!];
    const k = typeof v === "string" ? label(v) : typeof v === "number" && Number.isFinite(v) ? label(String(v)) : NaN;
    if (Number.isNaN(k)) {
      batch.x.fill(0, o, o + batch.cols);
      return false;
    }
    if (batch.target === "labels") batch.labels[batch.rows] = k;
    else batch.targets[batch.rows] = k;
  }
  return true;
}

/** An object's values as text fields in header order: numbers and booleans written out, null and absent keys empty (missing). */
function fieldsOf(row: Row, header: string[], name: string): string[] {
  return header.map((k) => {
    const v = row.value[k];
    if (v === undefined || v === null) return "";
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    throw new InputError(`${name}:${row.line}: key ${JSON.stringify(k)} holds ${describe(v)}; expected a number, a string, a boolean or null`);
  });
}
