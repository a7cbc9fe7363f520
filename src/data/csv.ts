// CSV data sets: a header row, one target column (class labels, as numbers or
// strings, or regression values) and input columns, numeric or categorical
// (one-hot encoded). Every problem is reported with the source, line and column.
// Platform-neutral: it parses text; src/node/ reads the file.
import { ConfigError, InputError } from "../errors.js";
import { booleanOption, checkKeys, choiceOption, describe } from "../util/options.js";
import { fitPreprocessing, type InputColumn, type Preprocessing, type TargetColumn } from "../nn/preprocessing.js";

/** Options of parseCsv(). */
export interface CsvOptions {
  /** The target column, by header name or 0-based index; default the last column; null: none, every column is an input (rows to predict). */
  label?: string | number | null;
  /** Default: 'classification', unless every label is a number and some are not integers or there are many (see fewValues). */
  task?: "classification" | "regression";
  /** Columns left out of the inputs, by name or index. */
  ignore?: (string | number)[];
  /** Input columns read as categories and one-hot encoded; default: the columns with no numeric cell. */
  categorical?: (string | number)[];
  /** A row with a missing cell ('', NA, N/A, NaN, null, ?) is an error (default) or is dropped. */
  missing?: "error" | "drop";
  /** Field separator, one character; default ','. */
  delimiter?: string;
  /** Names the input in error messages (e.g. its path); default 'CSV'. */
  source?: string;
  /**
   * A trained model's preprocessing (with `columns`): the columns are found by name and read the
   * same way, so categories and class labels get the indices they had in training; unknown ones
   * are errors. The target column is optional then (absent for predictions).
   */
  schema?: Preprocessing;
  /** With a schema: the target column must be present, as it must to score the model; default false (predictions need none). */
  requireTarget?: boolean;
  /** How messages tell the reader to set an option; default `missing: 'drop'` (the CLI spells its flags: `--missing drop`). */
  spellOption?: (name: string, value: string) => string;
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
}

const MISSING = new Set(["", "na", "n/a", "nan", "null", "?"]);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses CSV text into inputs and labels or targets; see CsvOptions. */
export function parseCsv(text: string, options: CsvOptions = {}): CsvDataset {
  checkKeys(options, ["label", "task", "ignore", "categorical", "missing", "delimiter", "source", "schema", "requireTarget", "spellOption"], "parseCsv");
  if (typeof text !== "string") throw new InputError(`parseCsv: expected the file's text as a string, got ${describe(text)}`);
  const source = options.source ?? "CSV";
  const delimiter = options.delimiter ?? ",";
  if (typeof delimiter !== "string" || delimiter.length !== 1 || delimiter === '"' || delimiter === "\n") {
    throw new ConfigError(`parseCsv: delimiter must be one character other than a quote or newline, got ${describe(delimiter)}`);
  }
  const missingPolicy = choiceOption(options.missing ?? "error", "parseCsv: missing", ["error", "drop"] as const);
  const requireTarget = booleanOption(options.requireTarget ?? false, "parseCsv: requireTarget");
  const spell = options.spellOption ?? ((name: string, value: string) => `${name}: '${value}'`);
  if (typeof spell !== "function") throw new ConfigError(`parseCsv: spellOption must be a function, got ${describe(spell)}`);
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
  const find = (ref: string | number, what: string): number => {
    if (typeof ref === "number") {
      if (!Number.isInteger(ref) || ref < 0 || ref >= header.length) throw new InputError(`${source}: ${what} column index ${ref} is outside 0..${header.length - 1}`);
      return ref;
    }
    const i = header.indexOf(ref);
    if (i < 0) throw new InputError(`${source}: no ${what} column named ${JSON.stringify(ref)}; the header has ${header.join(", ")}`);
    return i;
  };

  // Which column is what: from the model's schema, or from the options and the data.
  const schema = options.schema;
  let inputCols: number[];
  let categorical: Set<number>;
  let labelCol: number | undefined;
  let task: "classification" | "regression";
  if (schema) {
    if (!schema.columns) throw new ConfigError(`parseCsv: the schema has no columns (the model was not trained on a CSV file)`);
    inputCols = schema.columns.map((c) => find(c.name, "input"));
    categorical = new Set(schema.columns.flatMap((c, i) => (c.categories ? [inputCols[i]] : [])));
    labelCol = schema.target && (requireTarget || header.includes(schema.target.name)) ? find(schema.target.name, "target") : undefined;
    if (labelCol === undefined && requireTarget) throw new InputError(`${source}: the model has no target column to score against`);
    task = schema.target?.classes ? "classification" : "regression";
  } else {
    labelCol = options.label === null ? undefined : find(options.label ?? header.length - 1, "label");
    const ignored = new Set((options.ignore ?? []).map((c) => find(c, "ignored")));
    inputCols = header.map((_, i) => i).filter((i) => i !== labelCol && !ignored.has(i));
    if (inputCols.length === 0) {
      throw new InputError(`${source}: no input columns are left${labelCol === undefined ? "" : ` besides the label ${JSON.stringify(header[labelCol])}`}`);
    }
    categorical = new Set((options.categorical ?? []).map((c) => find(c, "categorical")));
    if (options.categorical === undefined) {
      for (const c of inputCols) if (data.every((r) => isMissing(r.fields[c]) || !NUMBER.test(r.fields[c].trim()))) categorical.add(c);
    }
    const labels = labelCol === undefined ? [] : data.map((r) => r.fields[labelCol!].trim()).filter((v) => !isMissing(v));
    const numeric = labels.length > 0 && labels.every((v) => NUMBER.test(v));
    task = options.task !== undefined
      ? choiceOption(options.task, "parseCsv: task", ["classification", "regression"] as const)
      : numeric && (labels.some((v) => !Number.isInteger(Number(v))) || !fewValues(labels)) ? "regression" : "classification";
  }

  // Rows with a missing cell in a used column are refused or dropped.
  const used = labelCol === undefined ? inputCols : [...inputCols, labelCol];
  const kept: Rec[] = [];
  for (const r of data) {
    const c = used.find((i) => isMissing(r.fields[i]));
    if (c === undefined) kept.push(r);
    else if (missingPolicy === "error") {
      throw new InputError(`${where(r, c)}: missing value ${JSON.stringify(r.fields[c])} (pass ${spell("missing", "drop")} to skip such rows)`);
    }
  }
  if (kept.length === 0) throw new InputError(`${source}: every row has a missing value; nothing is left to read`);

  const columns: InputColumn[] = inputCols.map((c, i) => {
    if (!categorical.has(c)) return { name: header[c] };
    const known = schema?.columns?.[i].categories;
    return { name: header[c], categories: known ?? [...new Set(kept.map((r) => r.fields[c].trim()))].sort() };
  });
  const cols = columns.reduce((w, c) => w + (c.categories?.length ?? 1), 0);
  const x = new Float32Array(kept.length * cols);
  const lookups = columns.map((c) => (c.categories ? new Map(c.categories.map((k, j) => [k, j])) : undefined));
  kept.forEach((r, row) => {
    let o = row * cols;
    inputCols.forEach((c, i) => {
      const cell = r.fields[c].trim();
      const lookup = lookups[i];
      if (lookup) {
        const j = lookup.get(cell);
        if (j === undefined) throw new InputError(`${where(r, c)}: category ${JSON.stringify(cell)} is not one of ${list(columns[i].categories!)}`);
        x[o + j] = 1;
        o += lookup.size;
      } else {
        if (!NUMBER.test(cell)) throw new InputError(`${where(r, c)}: ${JSON.stringify(cell)} is not a number`);
        x[o++] = Number(cell);
      }
    });
  });

  const out: CsvDataset = {
    x, rows: kept.length, cols, columns, task, dropped: data.length - kept.length, lines: Int32Array.from(kept, (r) => r.line),
  };
  if (labelCol === undefined) return out;
  const name = header[labelCol];
  if (task === "regression") {
    out.targets = Float32Array.from(kept, (r) => {
      const cell = r.fields[labelCol!].trim();
      if (!NUMBER.test(cell)) throw new InputError(`${where(r, labelCol!)}: target ${JSON.stringify(cell)} is not a number`);
      return Number(cell);
    });
    out.target = { name };
    return out;
  }
  const raw = kept.map((r) => r.fields[labelCol!].trim());
  const numeric = raw.every((v) => NUMBER.test(v));
  // Numeric labels are compared as numbers ("1" and "1.0" are one class) and sorted numerically.
  const key = (v: string) => (numeric ? String(Number(v)) : v);
  const classes = schema?.target?.classes ?? [...new Set(raw.map(key))].sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
  const index = new Map(classes.map((k, i) => [k, i]));
  out.labels = Int32Array.from(kept, (r, i) => {
    const k = index.get(key(raw[i])) ?? index.get(raw[i]);
    if (k === undefined) throw new InputError(`${where(r, labelCol!)}: label ${JSON.stringify(raw[i])} is not one of the model's classes ${list(classes)}`);
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
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark is not part of the first name
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
        // After a closing quote only a delimiter or the end of the line may follow (spaces allowed).
        while (i < n && (text[i] === " " || text[i] === "\t")) i++;
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

/**
 * Whether whole-number targets are few enough to be class labels: at most 20 distinct values, or at most one
 * per 20 rows. More are a quantity (a count, a score, a measurement in whole units): a regression target.
 */
export function fewValues(labels: string[]): boolean {
  return new Set(labels.map(Number)).size <= Math.max(20, labels.length / 20);
}

function isMissing(cell: string): boolean {
  return MISSING.has(cell.trim().toLowerCase());
}

function list(names: string[]): string {
  const shown = names.slice(0, 12).map((s) => JSON.stringify(s)).join(", ");
  return `[${shown}${names.length > 12 ? `, … ${names.length - 12} more` : ""}]`;
}
