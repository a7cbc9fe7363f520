// CSV data sets: a header row, one target column (class labels, as numbers or
// strings, or regression values) and input columns, numeric, dates or categorical
// (one-hot encoded), as csv-columns.ts decides; identifiers are left out. The
// delimiter is detected when not given. Every problem is reported with the
// source, line and column.
// Platform-neutral: it parses text; src/node/ reads the file.
import { ConfigError, InputError } from "../errors.js";
import { checkKeys, choiceOption, describe } from "../util/options.js";
import { fitPreprocessing, type InputColumn, type Preprocessing, type TargetColumn } from "../nn/preprocessing.js";
import {
  cellProblem, decideColumns, inputColumn, isMissing, labelReader, listNames, rowWriter, spellOption, type ColumnPlan, type CsvColumnOptions,
} from "./csv-columns.js";
import { detectDelimiter } from "./csv-format.js";

export { fewValues } from "./csv-columns.js";

/** Options of parseCsv(): how columns are read (see CsvColumnOptions) and how the file is written. */
export interface CsvOptions extends CsvColumnOptions {
  /** A row with a missing cell ('', NA, N/A, NaN, null, ?) is an error (default) or is dropped. */
  missing?: "error" | "drop";
  /** Field separator, one character; default: detected from the first lines (`,` `;` tab or `|`, else `,`). */
  delimiter?: string;
  /** Names the input in error messages (e.g. its path); default 'CSV'. */
  source?: string;
}

/** A parsed CSV data set: float inputs (one-hot columns expanded), and labels or targets. */
export interface CsvDataset {
  x: Float32Array;
  rows: number;
  /** Model inputs per row (a categorical column counts once per category). */
  cols: number;
  /** Class indices (classification); absent when the target column is absent. */
  labels?: Int32Array;
  /** Regression targets, one per row. */
  targets?: Float32Array;
  /** The raw input columns and how each maps to inputs. */
  columns: InputColumn[];
  /** The target column and its class names (classification); absent when the file has none. */
  target?: TargetColumn;
  /** 'classification' or 'regression'. */
  task: "classification" | "regression";
  /** The file line of each row (the header is line 1). */
  lines: Int32Array;
  /** Rows dropped for missing cells (with missing: 'drop'). */
  dropped: number;
  /** The field separator read (given or detected). */
  delimiter: string;
  /** How every column of the file was read, in file order: number, category, date, identifier (left out), ignored or label. */
  plan: ColumnPlan[];
  /** What was decided that the reader should know, one sentence each: a detected delimiter or decimal comma, identifiers left out, dates. */
  notices: string[];
}

const OPTIONS = [
  "label", "task", "ignore", "categorical", "missing", "delimiter", "decimal", "thousands", "dayFirst", "source", "schema", "requireTarget", "spellOption",
];

/** Parses CSV text into inputs and labels or targets; see CsvOptions. */
export function parseCsv(text: string, options: CsvOptions = {}): CsvDataset {
  checkKeys(options, OPTIONS, "parseCsv");
  if (typeof text !== "string") throw new InputError(`parseCsv: expected the file's text as a string, got ${describe(text)}`);
  const source = options.source ?? "CSV";
  const given = options.delimiter;
  if (given !== undefined && (typeof given !== "string" || given.length !== 1 || given === '"' || given === "\n")) {
    throw new ConfigError(`parseCsv: delimiter must be one character other than a quote or newline, got ${describe(given)}`);
  }
  const missingPolicy = choiceOption(options.missing ?? "error", "parseCsv: missing", ["error", "drop"] as const);
  const spell = options.spellOption ?? spellOption;
  if (typeof spell !== "function") throw new ConfigError(`parseCsv: spellOption must be a function, got ${describe(spell)}`);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark is not part of the first name
  const delimiter = given ?? detectDelimiter(text);
  const records = readRecords(text, delimiter, source);
  if (records.length === 0) throw new InputError(`${source}: empty file; expected a header row and data rows`);
  const header = records[0].fields.map((h) => h.trim());
  header.forEach((h, i) => {
    if (h === "") throw new InputError(`${source}:${records[0].line}: header column ${i + 1} has no name`);
    const j = header.indexOf(h);
    if (j !== i) throw new InputError(`${source}:${records[0].line}: header names column ${j + 1} and column ${i + 1} both ${JSON.stringify(h)}`);
  });
  const data = records.slice(1);
  if (data.length === 0) throw new InputError(`${source}: no data rows after the header`);
  for (const r of data) {
    if (r.fields.length !== header.length) {
      throw new InputError(`${source}:${r.line}: row has ${r.fields.length} fields but the header has ${header.length}`);
    }
  }
  const where = (r: Rec, c: number) => `${source}:${r.line}: column ${c + 1} (${JSON.stringify(header[c])})`;

  // Which column is what: from the model's schema, or from the options and every row.
  const d = decideColumns(header, data.map((r) => r.fields), { ...options, spellOption: spell }, { source, delimiter });
  const notices = given === undefined && delimiter !== "," ? [`fields are separated by ${delimiterName(delimiter)} (detected)`, ...d.notices] : d.notices;

  // Rows with a missing cell in a used column are refused or dropped.
  const used = d.label ? [...d.inputs, d.label] : d.inputs;
  const kept: Rec[] = [];
  for (const r of data) {
    const c = used.find((p) => isMissing(r.fields[p.index]));
    if (c === undefined) kept.push(r);
    else if (missingPolicy === "error") {
      throw new InputError(`${where(r, c.index)}: missing value ${JSON.stringify(r.fields[c.index])} (pass ${spell("missing", "drop")} to skip such rows)`);
    }
  }
  if (kept.length === 0) throw new InputError(`${source}: every row has a missing value; nothing is left to read`);

  const cols = d.width;
  const x = new Float32Array(kept.length * cols);
  const write = rowWriter(d.inputs);
  kept.forEach((r, row) => {
    const bad = write(r.fields, x, row * cols);
    if (bad >= 0) {
      const c = d.inputs[bad];
      throw new InputError(`${where(r, c.index)}: ${cellProblem(c, r.fields[c.index])}`);
    }
  });

  const out: CsvDataset = {
    x, rows: kept.length, cols, columns: d.inputs.map(inputColumn), task: d.task, dropped: data.length - kept.length,
    lines: Int32Array.from(kept, (r) => r.line), delimiter, plan: d.columns, notices,
  };
  if (!d.label) return out;
  const name = d.label.name;
  const at = d.label.index;
  const read = labelReader(d);
  if (d.task === "regression") {
    out.targets = Float32Array.from(kept, (r) => {
      const v = read(r.fields[at]);
      if (Number.isNaN(v)) throw new InputError(`${where(r, at)}: target ${JSON.stringify(r.fields[at].trim())} is not a number`);
      return v;
    });
    out.target = { name };
    return out;
  }
  const classes = d.classes!;
  out.labels = Int32Array.from(kept, (r) => {
    const k = read(r.fields[at]);
    if (Number.isNaN(k)) throw new InputError(`${where(r, at)}: label ${JSON.stringify(r.fields[at].trim())} is not one of the model's classes ${listNames(classes)}`);
    return k;
  });
  if (classes.length < 2) throw new InputError(`${source}: the label column ${JSON.stringify(name)} has a single class ${JSON.stringify(classes[0])}; classification needs at least 2`);
  out.target = { name, classes };
  return out;
}

/** The preprocessing for a parsed CSV: numeric columns scaled by `method`, one-hot columns kept, plus the column schema. */
export function csvPreprocessing(d: CsvDataset, method: "none" | "minmax" | "standardize" = "standardize"): Preprocessing {
  const exclude: number[] = [];
  let o = 0;
  for (const c of d.columns) {
    const width = c.categories?.length ?? 1;
    if (c.categories) for (let j = 0; j < width; j++) exclude.push(o + j);
    o += width;
  }
  const p = fitPreprocessing({ data: d.x, rows: d.rows, cols: d.cols }, { method, exclude });
  const out: Preprocessing = { ...p, columns: d.columns };
  if (d.target) out.target = d.target;
  return out;
}

interface Rec {
  line: number;
  fields: string[];
}

/** Splits text into records of fields (RFC 4180 quoting; CRLF or LF), skipping blank lines; each record keeps its first line. */
function readRecords(text: string, delimiter: string, source: string): Rec[] {
  const out: Rec[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let field = "";
    let blank = true;
    for (;;) {
      if (i < n && text[i] === '"') {
        blank = false;
        const quoteLine = line;
        i++;
        for (;;) {
          if (i >= n) throw new InputError(`${source}:${quoteLine}: a quoted field is never closed`);
          const ch = text[i];
          if (ch === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === "\n") line++;
          field += ch;
          i++;
        }
        // After a closing quote only a delimiter or the end of the line may follow (spaces allowed, and tabs unless they delimit).
        while (i < n && text[i] !== delimiter && (text[i] === " " || text[i] === "\t")) i++;
        if (i < n && text[i] !== delimiter && text[i] !== "\n" && text[i] !== "\r") {
          throw new InputError(`${source}:${line}: unexpected ${JSON.stringify(text[i])} after a closing quote`);
        }
      } else {
        const from = i;
        while (i < n && text[i] !== delimiter && text[i] !== "\n" && !(text[i] === "\r" && text[i + 1] === "\n")) i++;
        field = text.slice(from, i);
        if (field.trim() !== "") blank = false;
      }
      fields.push(field);
      field = "";
      if (i < n && text[i] === delimiter) {
        blank = false;
        i++;
        continue;
      }
      if (i < n && text[i] === "\r") i++;
      if (i < n && text[i] === "\n") i++;
      line++;
      break;
    }
    if (!blank) out.push({ line: start, fields });
  }
  return out;
}

/** A delimiter as messages name it: ";", tab. */
function delimiterName(d: string): string {
  return d === "\t" ? "tabs" : JSON.stringify(d);
}
