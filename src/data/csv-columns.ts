// How each column of a CSV file is read, decided once from the header and a sample of rows: a number, a
// category (one-hot over its values), a date (a number of days), an identifier (left out), left out on
// request, or the label. parseCsv decides from every row, a streaming reader from the rows it reads
// ahead; both then read cells with the plan, so a file reads alike either way, and a model's saved
// columns make a later file read the way its training file was.
import { ConfigError, InputError } from "../errors.js";
import { booleanOption, choiceOption, describe } from "../util/options.js";
import type { InputColumn, Preprocessing } from "../nn/preprocessing.js";
import {
  dayMonthFields, describeDateOrder, looksLikeDecimalComma, looksLikeDecimalPoint, readDate, readNumber, THOUSANDS,
  type DateOrder, type NumberFormat,
} from "./csv-format.js";

/** Options that decide how columns are read (the column options of parseCsv). */
export interface CsvColumnOptions {
  /** The target column, by header name or 0-based index; default the last column; null: none, every column is an input (rows to predict). */
  label?: string | number | null;
  /** Default: 'classification', unless every label is a number and some are not integers or there are many (see fewValues). */
  task?: "classification" | "regression";
  /** Columns left out of the inputs, by name or index. */
  ignore?: (string | number)[];
  /**
   * Input columns read as categories and one-hot encoded, whatever they hold. Other columns are read as numbers,
   * dates, or categories when they hold no number; text with (nearly) one value per row is an identifier and left
   * out, and text with more values than makes sense one-hot (over 50, or over 20 that are over a fifth of the rows) is refused.
   */
  categorical?: (string | number)[];
  /** The decimal mark: '.' (default) or ','; ',' is chosen when the delimiter is ';' and the numbers look like 1,5 (and none like 1.5). */
  decimal?: "." | ",";
  /** A thousands separator in numbers ('1,297' with ','): one of , . space ' _ ; default none. */
  thousands?: string;
  /** Dates such as 01/02/2024 that fit both orders are read day first (2 January is 01/02 month first); default: the sample decides, else month first. */
  dayFirst?: boolean;
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

/** How a column is read: see ColumnPlan. */
export type ColumnKind = "number" | "category" | "date" | "identifier" | "ignored" | "label";

/** How one column of the file is read. */
export interface ColumnPlan {
  /** 0-based position in the header. */
  index: number;
  name: string;
  kind: ColumnKind;
  /** category: its values, one model input each, in this order. */
  categories?: string[];
  /** date: the order of day, month and year. */
  dateOrder?: DateOrder;
  /** number, date and label: how numbers are written. */
  number?: NumberFormat;
  /** identifier: how many different values the sample has, in how many rows. */
  distinct?: number;
}

/** What decideColumns found: each column's plan, the inputs in model order, the label and task, and notices. */
export interface ColumnDecision {
  /** Every header column in file order. */
  columns: ColumnPlan[];
  /** The input columns in model-input order: file order, or the schema's. */
  inputs: ColumnPlan[];
  /** The label column, when there is one. */
  label?: ColumnPlan;
  task: "classification" | "regression";
  /** Class names by index (classification with a label): from the sample's rows, or the schema's. */
  classes?: string[];
  /** Model inputs per row (a category column counts once per value). */
  width: number;
  /** How numbers are written in the file (decided from the sample, or as given). */
  number: NumberFormat;
  /** What the reader should know, one sentence each: identifiers left out, a decimal comma detected, dates and their order. */
  notices: string[];
}

/** Where a decision is made, for messages: the source name (e.g. a path) and the delimiter in use. */
export interface DecideContext {
  source: string;
  delimiter: string;
}

const MISSING = new Set(["", "na", "n/a", "nan", "null", "?"]);
/** A text column with at most this many values is always one-hot encoded. */
const FEW_VALUES = 20;
/** More values than this are refused unless named categorical... */
const MAX_VALUES = 50;
/** ...and so are more than FEW_VALUES that are over this share of the rows. */
const MAX_VALUE_SHARE = 0.2;
/** A text column with different values in at least this share of its rows is an identifier. */
const IDENTIFIER_SHARE = 0.9;

/** How messages spell an option of the library by default: `missing: 'drop'`, `dayFirst: true`. */
export function spellOption(name: string, value: string): string {
  return value === "true" ? `${name}: true` : `${name}: '${value}'`;
}

/** Whether a cell is missing: empty, NA, N/A, NaN, null or ? (any case, spaces around). */
export function isMissing(cell: string): boolean {
  return MISSING.has(cell.trim().toLowerCase());
}

/**
 * Decides how each column is read from the header (trimmed, unique names), a sample of data rows (fields per
 * row, as many as the header) and the options: with a schema, as the model's columns say; otherwise from the
 * cells. Throws InputError for a column option naming no column and for a text column with too many values.
 */
export function decideColumns(header: string[], sample: string[][], options: CsvColumnOptions, context: DecideContext): ColumnDecision {
  const { source } = context;
  const spell = options.spellOption ?? spellOption;
  const find = (ref: string | number, what: string): number => {
    if (typeof ref === "number") {
      if (!Number.isInteger(ref) || ref < 0 || ref >= header.length) throw new InputError(`${source}: ${what} column index ${ref} is outside 0..${header.length - 1}`);
      return ref;
    }
    const i = header.indexOf(ref);
    if (i < 0) throw new InputError(`${source}: no ${what} column named ${JSON.stringify(ref)}; the header has ${header.join(", ")}`);
    return i;
  };
  const requireTarget = booleanOption(options.requireTarget ?? false, "parseCsv: requireTarget");
  const dayFirst = options.dayFirst === undefined ? undefined : booleanOption(options.dayFirst, "parseCsv: dayFirst");
  const { number, detected } = numberFormat(options, sample, context, options.schema);
  const notices: string[] = [];
  if (detected && number.decimal === ",") {
    notices.push(`numbers are read with a decimal comma ("1,5" is 1.5), as the file's numbers are written; pass ${spell("decimal", ".")} to read them otherwise`);
  }
  const columns: ColumnPlan[] = header.map((name, index) => ({ index, name, kind: "ignored" }));
  const schema = options.schema;
  let inputs: ColumnPlan[];
  let label: ColumnPlan | undefined;
  let task: "classification" | "regression";
  if (schema) {
    if (!schema.columns) throw new ConfigError(`parseCsv: the schema has no columns (the model was not trained on a CSV file)`);
    inputs = schema.columns.map((c) => Object.assign(columns[find(c.name, "input")], fromSchema(c, options, number)));
    if (schema.target && (requireTarget || header.includes(schema.target.name))) label = columns[find(schema.target.name, "target")];
    if (!label && requireTarget) throw new InputError(`${source}: the model has no target column to score against`);
    task = schema.target?.classes ? "classification" : "regression";
  } else {
    if (options.label !== null) label = columns[find(options.label ?? header.length - 1, "label")];
    const ignored = new Set((options.ignore ?? []).map((c) => find(c, "ignored")));
    const forced = new Set((options.categorical ?? []).map((c) => find(c, "categorical")));
    const candidates = columns.filter((c) => c !== label && !ignored.has(c.index));
    if (candidates.length === 0) {
      throw new InputError(`${source}: no input columns are left${label ? ` besides the label ${JSON.stringify(label.name)}` : ""}`);
    }
    for (const c of candidates) decideKind(c, sample, forced.has(c.index), number, dayFirst, notices, context, spell);
    inputs = candidates.filter((c) => c.kind !== "identifier");
    if (inputs.length === 0) throw new InputError(`${source}: no input columns are left: ${candidates.map((c) => JSON.stringify(c.name)).join(", ")} ${candidates.length === 1 ? "is an identifier" : "are identifiers"}`);
    const labels = label ? sample.map((r) => r[label!.index].trim()).filter((v) => !isMissing(v)) : [];
    const numeric = labels.length > 0 && labels.every((v) => !Number.isNaN(readNumber(v, number)));
    task = options.task !== undefined
      ? choiceOption(options.task, "parseCsv: task", ["classification", "regression"] as const)
      : numeric && (labels.some((v) => !Number.isInteger(readNumber(v, number))) || !fewValues(labels.map((v) => readNumber(v, number)))) ? "regression" : "classification";
  }
  if (label) Object.assign(label, { kind: "label", number });

  // Categories and classes come from the rows that have every cell used, as those are the rows read.
  const used = label ? [...inputs, label] : inputs;
  const complete = sample.filter((r) => used.every((c) => !isMissing(r[c.index])));
  for (const c of inputs) {
    if (c.kind === "category" && !c.categories) c.categories = [...new Set(complete.map((r) => r[c.index].trim()))].sort();
  }
  const out: ColumnDecision = { columns, inputs, task, width: inputs.reduce((w, c) => w + (c.categories?.length ?? 1), 0), number, notices };
  if (label) out.label = label;
  if (label && task === "classification") {
    const raw = complete.map((r) => r[label!.index].trim());
    const numeric = raw.every((v) => !Number.isNaN(readNumber(v, number)));
    // Numeric labels are compared as numbers ("1" and "1.0" are one class) and sorted numerically.
    out.classes = schema?.target?.classes
      ?? (numeric ? [...new Set(raw.map((v) => readNumber(v, number)))].sort((a, b) => a - b).map(String) : [...new Set(raw)].sort());
  }
  return out;
}

/**
 * Whether whole-number targets are few enough to be class labels: at most 20 distinct values, or at most one
 * per 20 rows. More are a quantity (a count, a score, a measurement in whole units): a regression target.
 */
export function fewValues(labels: (string | number)[]): boolean {
  return new Set(labels.map(Number)).size <= Math.max(20, labels.length / 20);
}

/** A column as the model file keeps it: its name, and its categories, date order or number format where they are not the default. */
export function inputColumn(plan: ColumnPlan): InputColumn {
  if (plan.kind === "category") return { name: plan.name, categories: plan.categories! };
  const out: InputColumn = { name: plan.name };
  if (plan.kind === "date") Object.assign(out, { kind: "date", dateOrder: plan.dateOrder });
  else if (plan.number?.decimal === ",") out.decimal = ",";
  if (plan.kind === "number" && plan.number?.thousands !== undefined) out.thousands = plan.number.thousands;
  return out;
}

/** Reads the input cells of one row (fields in file order) into x from `offset`; returns the position in `inputs` of a cell it cannot read, or -1. */
export type RowWriter = (fields: string[], x: Float32Array, offset: number) => number;

/** A RowWriter for the inputs of a decision: numbers and dates as values, categories one-hot (x must be zero there). */
export function rowWriter(inputs: ColumnPlan[]): RowWriter {
  const readers = inputs.map((c): ((cell: string, x: Float32Array, o: number) => number) => {
    if (c.kind === "category") {
      const index = new Map(c.categories!.map((k, j) => [k, j]));
      const width = index.size;
      return (cell, x, o) => {
        const j = index.get(cell.trim());
        if (j === undefined) return -1;
        x[o + j] = 1;
        return width;
      };
    }
    const read = c.kind === "date" ? (cell: string) => readDate(cell, c.dateOrder!) : (cell: string) => readNumber(cell, c.number);
    return (cell, x, o) => {
      const v = read(cell);
      if (Number.isNaN(v)) return -1;
      x[o] = v;
      return 1;
    };
  });
  const at = inputs.map((c) => c.index);
  return (fields, x, offset) => {
    let o = offset;
    for (let i = 0; i < readers.length; i++) {
      const step = readers[i](fields[at[i]], x, o);
      if (step < 0) return i;
      o += step;
    }
    return -1;
  };
}

/** Why a cell cannot be read as its column is: '"4O" is not a number', 'category "green" is not one of [...]'. */
export function cellProblem(plan: ColumnPlan, cell: string): string {
  const shown = JSON.stringify(cell.trim());
  if (plan.kind === "category") return `category ${shown} is not one of ${listNames(plan.categories!)}`;
  if (plan.kind === "date") return `${shown} is not a date written ${describeDateOrder(plan.dateOrder!)}`;
  const f = plan.number;
  const how = [f?.decimal === "," ? 'decimal comma ","' : "", f?.thousands !== undefined ? `thousands separator ${JSON.stringify(f.thousands)}` : ""].filter(Boolean);
  return `${shown} is not a number${how.length ? ` (read with ${how.join(" and ")})` : ""}`;
}

/** The label value of a cell: a regression target, or the class index (NaN when the cell is neither). */
export function labelReader(d: ColumnDecision): (cell: string) => number {
  const number = d.label?.number ?? d.number;
  if (d.task === "regression") return (cell) => readNumber(cell, number);
  const index = new Map(d.classes!.map((k, i) => [k, i]));
  return (cell) => {
    const s = cell.trim();
    const v = readNumber(s, number);
    return index.get(s) ?? (Number.isNaN(v) ? undefined : index.get(String(v))) ?? NaN;
  };
}

/** Names for a message: the first 12, then how many more. */
export function listNames(names: string[]): string {
  const shown = names.slice(0, 12).map((s) => JSON.stringify(s)).join(", ");
  return `[${shown}${names.length > 12 ? `, … ${names.length - 12} more` : ""}]`;
}

/** The file's number format: as given, else as the schema's columns were read, else a decimal comma when a ;-file's numbers look like 1,5 and none like 1.5. */
function numberFormat(options: CsvColumnOptions, sample: string[][], { delimiter }: DecideContext, schema?: Preprocessing): { number: NumberFormat; detected: boolean } {
  if (options.decimal !== undefined) choiceOption(options.decimal, "parseCsv: decimal", [".", ","] as const);
  if (options.thousands !== undefined) {
    if (typeof options.thousands !== "string" || !(THOUSANDS as readonly string[]).includes(options.thousands)) {
      throw new ConfigError(`parseCsv: thousands must be one of ${THOUSANDS.map((t) => JSON.stringify(t)).join(" ")}, got ${describe(options.thousands)}`);
    }
  }
  const saved = schema?.columns?.find((c) => c.decimal !== undefined || c.thousands !== undefined);
  const thousands = options.thousands ?? saved?.thousands;
  let decimal = options.decimal ?? saved?.decimal;
  const detected = decimal === undefined && !schema && delimiter === ";" && thousands !== ",";
  if (detected) {
    let comma = false;
    let point = false;
    for (let i = 0; i < sample.length && !point; i++) {
      for (const cell of sample[i]) {
        comma ||= looksLikeDecimalComma(cell);
        point ||= looksLikeDecimalPoint(cell);
      }
    }
    decimal = comma && !point ? "," : ".";
  }
  decimal ??= ".";
  if (thousands === decimal) throw new ConfigError(`parseCsv: thousands and decimal are both ${JSON.stringify(decimal)}; a number needs two different marks`);
  return { number: thousands === undefined ? { decimal } : { decimal, thousands }, detected };
}

/** A column of the model's schema as a plan: a category, a date in its order, or a number (its saved format unless options give one). */
function fromSchema(c: InputColumn, options: CsvColumnOptions, file: NumberFormat): Partial<ColumnPlan> {
  if (c.categories) return { kind: "category", categories: c.categories };
  if (c.kind === "date") return { kind: "date", dateOrder: c.dateOrder };
  const decimal = options.decimal ?? c.decimal ?? file.decimal;
  const thousands = options.thousands ?? c.thousands ?? file.thousands;
  return { kind: "number", number: thousands === undefined ? { decimal } : { decimal, thousands } };
}

/** Decides a candidate input column's kind from its non-missing cells; refuses text with too many values. */
function decideKind(c: ColumnPlan, sample: string[][], forced: boolean, number: NumberFormat, dayFirst: boolean | undefined,
  notices: string[], { source }: DecideContext, spell: (name: string, value: string) => string): void {
  if (forced) {
    c.kind = "category";
    return;
  }
  const cells = sample.map((r) => r[c.index].trim()).filter((v) => !isMissing(v));
  const named = `column ${c.index + 1} (${JSON.stringify(c.name)})`;
  const date = cells.length > 0 ? dateOrderOf(cells, dayFirst, spell) : undefined;
  if (date) {
    Object.assign(c, { kind: "date", dateOrder: date.order });
    notices.push(`${named} holds dates (${describeDateOrder(date.order)}${date.why ? `, ${date.why}` : ""}): read as days since 1970-01-01`);
    return;
  }
  if (cells.some((v) => !Number.isNaN(readNumber(v, number)))) {
    Object.assign(c, { kind: "number", number });
    return;
  }
  const distinct = new Set(cells).size;
  if (distinct <= FEW_VALUES || (distinct <= MAX_VALUES && distinct <= MAX_VALUE_SHARE * cells.length)) {
    c.kind = "category";
    return;
  }
  if (distinct >= IDENTIFIER_SHARE * cells.length) {
    Object.assign(c, { kind: "identifier", distinct });
    notices.push(`${named} is left out: its ${distinct} different values in ${cells.length} rows identify rows rather than describe them ` +
      `(name it in ${spell("categorical", c.name)} to one-hot encode it anyway)`);
    return;
  }
  throw new InputError(`${source}: ${named} holds ${distinct} different texts in ${cells.length} rows; one-hot encoding would make ${distinct} inputs of it. ` +
    `Name it in ${spell("categorical", c.name)} to encode it anyway, or in ${spell("ignore", c.name)} to leave it out`);
}

/**
 * The order every cell of a column is a valid date in, or undefined: ISO 8601; dotted dates day first;
 * slashed or dashed ones day first when a first field is over 12, month first when a second one is, and
 * when none is, as `dayFirst` says or else month first (said in the notice).
 */
function dateOrderOf(cells: string[], dayFirst: boolean | undefined, spell: (name: string, value: string) => string): { order: DateOrder; why?: string } | undefined {
  if (cells.every((v) => !Number.isNaN(readDate(v, "ymd")))) return { order: "ymd" };
  let firstOver12 = false;
  let secondOver12 = false;
  let dotted = false;
  for (const v of cells) {
    const f = dayMonthFields(v);
    if (!f) return undefined;
    firstOver12 ||= f.first > 12;
    secondOver12 ||= f.second > 12;
    dotted ||= f.separator === ".";
  }
  let order: DateOrder;
  let why: string | undefined;
  if (dotted || firstOver12) order = "dmy";
  else if (secondOver12) order = "mdy";
  else {
    order = dayFirst ? "dmy" : "mdy";
    why = dayFirst === undefined ? `no day over 12 tells the order, so month first as is usual; pass ${spell("dayFirst", "true")} for day first` : undefined;
  }
  return cells.every((v) => !Number.isNaN(readDate(v, order))) ? { order, why } : undefined;
}
