// Input preprocessing: a per-column affine map x·scale + offset from raw input
// rows to what the first layer sees. Scaling to [0, 1] and standardisation are
// both of this form, so one core kernel applies either. It is fitted on the
// training data, kept by the model and saved in its file, so predict() on raw
// rows does exactly what training did. Loaders (CSV) add the description of the
// raw columns (one-hot categories, class names) for tools that read raw files.
import { ConfigError, InputError } from "../errors.js";
import { toRows, type ByteMatrix, type Matrix } from "./input.js";
import { checkKeys, choiceOption, describe } from "../util/options.js";

/** How a preprocessing was fitted. */
export type PreprocessingMethod = "none" | "scale" | "minmax" | "standardize";

/** A raw input column and how it becomes model inputs: one number, or one-hot over `categories`. */
export interface InputColumn {
  name: string;
  /** Present for a categorical column: one model input per category, in this order. */
  categories?: string[];
  /** 'date': the cells are dates, read as days since 1970-01-01 (UTC, fractional for a time of day); absent: a number or categories. */
  kind?: "date";
  /** A date column's order of fields: 'ymd' (ISO 8601), 'dmy' (31.12.2024) or 'mdy' (12/31/2024). */
  dateOrder?: "ymd" | "dmy" | "mdy";
  /** A number column written with a decimal comma ("3,14"). */
  decimal?: ",";
  /** A number column's thousands separator ("1,297"). */
  thousands?: string;
}

/** The target column of a data set and, for classification, the class names by index. */
export interface TargetColumn {
  name: string;
  classes?: string[];
  /**
   * Regression targets as the network learns them: target·scale + offset, one of each per output (standardised
   * targets train far better than raw ones in the hundreds). fit and evaluate map the targets given to them, and
   * predict maps outputs back, so callers see the targets' own units; evaluate's loss is in the learned units.
   */
  scale?: number[];
  offset?: number[];
}

/** A fitted input transform, saved with the model: inputs' = inputs·scale + offset, column by column. */
export interface Preprocessing {
  /** How scale and offset were found: 'minmax' maps each column to [0, 1], 'standardize' to mean 0 and std 1. */
  method: PreprocessingMethod;
  /** One factor for all columns, or one per model input. */
  scale: number | number[];
  /** Added after scaling: one value for all columns, or one per model input. */
  offset: number | number[];
  /** The raw columns the inputs come from (CSV header), so raw files can be read again the same way. */
  columns?: InputColumn[];
  /** The target column; its class names map predicted indices back to labels. */
  target?: TargetColumn;
}

/** Options of fitPreprocessing(). */
export interface FitPreprocessingOptions {
  /** 'minmax' (to [0, 1]), 'standardize' (mean 0, std 1) or 'none'. */
  method: "none" | "minmax" | "standardize";
  /** Fit each column on its own (default), or one scale and offset over all values (images). */
  perColumn?: boolean;
  /** Columns left unchanged (e.g. one-hot columns). */
  exclude?: number[];
}

/** Longest name or category accepted from a model file, and most categories per column. */
const MAX_NAME = 1024;
const MAX_CATEGORIES = 65536;

/** The transform that divides by a fixed factor, e.g. scaling(1 / 255) for 8-bit images. */
export function scaling(scale: number, offset = 0): Preprocessing {
  return checkPreprocessing({ method: "scale", scale, offset });
}

/** Fits min-max scaling or standardisation on the rows of x (floats or bytes). */
export function fitPreprocessing(x: Matrix | ByteMatrix | number[][], options: FitPreprocessingOptions): Preprocessing {
  checkFitOptions(options, "fitPreprocessing");
  const { data, rows, cols } = statisticsInput(x);
  const { method, perColumn, exclude } = fitSettings(options, cols, "fitPreprocessing");
  if (method === "none") return { method, scale: 1, offset: 0 };
  // Statistics in float64, one pass: min/max or sum/sum of squares per column, pooled afterwards if asked.
  const minmax = method === "minmax";
  const skip = new Uint8Array(cols);
  for (const c of exclude) skip[c] = 1;
  const colA = new Float64Array(cols).fill(minmax ? Infinity : 0);
  const colB = new Float64Array(cols).fill(minmax ? -Infinity : 0);
  for (let r = 0, base = 0; r < rows; r++, base += cols) {
    if (minmax) {
      for (let c = 0; c < cols; c++) {
        const v = data[base + c];
        if (v < colA[c]) colA[c] = v;
        if (v > colB[c]) colB[c] = v;
      }
    } else {
      for (let c = 0; c < cols; c++) {
        const v = data[base + c];
        colA[c] += v;
        colB[c] += v * v;
      }
    }
  }
  const groups = perColumn ? cols : 1;
  const a = perColumn ? colA : Float64Array.of(minmax ? Infinity : 0);
  const b = perColumn ? colB : Float64Array.of(minmax ? -Infinity : 0);
  if (!perColumn) {
    for (let c = 0; c < cols; c++) {
      if (skip[c]) continue;
      if (minmax) {
        a[0] = Math.min(a[0], colA[c]);
        b[0] = Math.max(b[0], colB[c]);
      } else {
        a[0] += colA[c];
        b[0] += colB[c];
      }
    }
  }
  const n = rows * (perColumn ? 1 : cols - exclude.size);
  const lo = new Float64Array(groups);
  const spread = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    if (method === "minmax") {
      lo[g] = a[g];
      spread[g] = b[g] - a[g];
    } else {
      lo[g] = a[g] / n;
      spread[g] = Math.sqrt(Math.max(0, b[g] / n - lo[g] * lo[g]));
    }
  }
  return columnMaps(method, lo, spread, perColumn, exclude);
}

/** The checked settings of a fit of statistics over `cols` columns. */
export interface FitSettings {
  method: "none" | "minmax" | "standardize";
  perColumn: boolean;
  exclude: Set<number>;
}

/** Checks the keys of fitPreprocessing's options (named `where`). */
export function checkFitOptions(options: FitPreprocessingOptions, where: string): void {
  checkKeys(options, ["method", "perColumn", "exclude"], where);
}

/** fitPreprocessing's options checked against `cols` columns (named `where` in errors). */
export function fitSettings(options: FitPreprocessingOptions, cols: number, where: string): FitSettings {
  const method = choiceOption(options?.method, `${where}: method`, ["none", "minmax", "standardize"] as const);
  const exclude = new Set(options.exclude ?? []);
  for (const c of exclude) {
    if (!Number.isInteger(c) || c < 0 || c >= cols) throw new ConfigError(`${where}: exclude has column ${describe(c)}, outside 0..${cols - 1}`);
  }
  return { method, perColumn: options.perColumn ?? true, exclude };
}

/** The preprocessing mapping each group's [lo, lo + spread] to [0, 1] (minmax) or its mean lo and std spread to 0 and 1; excluded columns stay as they are. */
export function columnMaps(method: "minmax" | "standardize", lo: Float64Array, spread: Float64Array, perColumn: boolean, exclude: Set<number>): Preprocessing {
  const groups = lo.length;
  const scale = new Array<number>(groups);
  const offset = new Array<number>(groups);
  for (let g = 0; g < groups; g++) {
    // A constant column carries no information; it is shifted to 0 instead of divided by 0.
    const s = spread[g] > 1e-12 && Number.isFinite(spread[g]) ? 1 / spread[g] : 1;
    scale[g] = s;
    offset[g] = Number.isFinite(lo[g]) ? -lo[g] * s : 0;
  }
  if (!perColumn) return { method, scale: scale[0], offset: offset[0] };
  for (const c of exclude) {
    scale[c] = 1;
    offset[c] = 0;
  }
  return { method, scale, offset };
}

/** Validates a preprocessing (from code or a model file) for a model with `inputs` inputs (and `outputs` outputs); returns a copy. */
export function checkPreprocessing(p: unknown, inputs?: number, outputs?: number): Preprocessing {
  const where = "preprocessing";
  if (typeof p !== "object" || p === null || Array.isArray(p)) throw new InputError(`${where} must be an object {method, scale, offset}, got ${describe(p)}`);
  checkKeys(p, ["method", "scale", "offset", "columns", "target"], where);
  const o = p as Record<string, unknown>;
  const method = choiceOption(o.method, `${where}: method`, ["none", "scale", "minmax", "standardize"] as const);
  const scale = vector(o.scale, `${where}: scale`, inputs);
  const offset = vector(o.offset, `${where}: offset`, inputs);
  const out: Preprocessing = { method, scale, offset };
  if (o.columns !== undefined) {
    if (!Array.isArray(o.columns) || o.columns.length === 0) throw new InputError(`${where}: columns must be a non-empty array of {name, categories?}`);
    out.columns = o.columns.map((c, i) => column(c, `${where}: columns[${i}]`));
    const width = out.columns.reduce((w, c) => w + (c.categories ? c.categories.length : 1), 0);
    if (inputs !== undefined && width !== inputs) {
      throw new InputError(`${where}: columns describe ${width} inputs but the model has ${inputs}`);
    }
  }
  if (o.target !== undefined) {
    const t = o.target as Record<string, unknown>;
    if (typeof t !== "object" || t === null || Array.isArray(t)) throw new InputError(`${where}: target must be an object {name, classes?}`);
    checkKeys(t, ["name", "classes", "scale", "offset"], `${where}: target`);
    out.target = { name: text(t.name, `${where}: target.name`) };
    if (t.classes !== undefined) out.target.classes = names(t.classes, `${where}: target.classes`);
    if (t.scale !== undefined || t.offset !== undefined) Object.assign(out.target, targetScaling(t, outputs, `${where}: target`));
  }
  return out;
}

/** True when the transform changes nothing. */
export function isIdentity(p: Preprocessing): boolean {
  const all = (v: number | number[], x: number) => (typeof v === "number" ? v === x : v.every((e) => e === x));
  return all(p.scale, 1) && all(p.offset, 0);
}

/** Scale and offset as one value each when every column shares them, else undefined. */
export function uniform(p: Preprocessing): { scale: number; offset: number } | undefined {
  const one = (v: number | number[]) => (typeof v === "number" ? v : v.every((e) => e === v[0]) ? v[0] : undefined);
  const scale = one(p.scale);
  const offset = one(p.offset);
  return scale === undefined || offset === undefined ? undefined : { scale, offset };
}

/** One-hot rows (rows × classes, float32) from class indices. */
export function oneHot(labels: ArrayLike<number>, classes: number): Float32Array {
  if (!Number.isInteger(classes) || classes < 1) throw new InputError(`oneHot: classes must be an integer ≥ 1, got ${describe(classes)}`);
  const out = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    const k = labels[i];
    if (!Number.isInteger(k) || k < 0 || k >= classes) throw new InputError(`oneHot: labels[${i}] = ${k} is not a class index in 0..${classes - 1}`);
    out[i * classes + k] = 1;
  }
  return out;
}

function vector(v: unknown, name: string, inputs: number | undefined, what = "inputs"): number | number[] {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new InputError(`${name} must be finite, got ${v}`);
    return v;
  }
  if (!Array.isArray(v)) throw new InputError(`${name} must be a number or an array of numbers, got ${describe(v)}`);
  if (inputs !== undefined && v.length !== inputs) throw new InputError(`${name} has ${v.length} values; the model has ${inputs} ${what}`);
  const bad = v.findIndex((e) => typeof e !== "number" || !Number.isFinite(e));
  if (bad >= 0) throw new InputError(`${name}[${bad}] must be a finite number, got ${describe(v[bad])}`);
  return [...v];
}

function column(c: unknown, name: string): InputColumn {
  if (typeof c !== "object" || c === null || Array.isArray(c)) throw new InputError(`${name} must be an object {name, categories?}`);
  checkKeys(c, ["name", "categories", "kind", "dateOrder", "decimal", "thousands"], name);
  const o = c as Record<string, unknown>;
  const out: InputColumn = { name: text(o.name, `${name}.name`) };
  if (o.categories !== undefined) out.categories = names(o.categories, `${name}.categories`);
  // A column is one of: categories, a date in an order, or a number (perhaps with its marks).
  const numberMarks = o.decimal !== undefined || o.thousands !== undefined;
  if (o.kind !== undefined || o.dateOrder !== undefined) {
    if (o.kind !== "date") throw new InputError(`${name}.kind must be 'date' (with a dateOrder), got ${describe(o.kind)}`);
    if (out.categories || numberMarks) throw new InputError(`${name} is a date column; it has no categories, decimal or thousands`);
    out.kind = "date";
    out.dateOrder = choiceOption(o.dateOrder, `${name}.dateOrder`, ["ymd", "dmy", "mdy"] as const);
  }
  if (numberMarks && out.categories) throw new InputError(`${name} has categories; decimal and thousands belong to number columns`);
  if (o.decimal !== undefined) out.decimal = choiceOption(o.decimal, `${name}.decimal`, [","] as const);
  if (o.thousands !== undefined) {
    out.thousands = choiceOption(o.thousands, `${name}.thousands`, [",", ".", " ", "'", "_"] as const);
    if (out.thousands === out.decimal) throw new InputError(`${name}: thousands and decimal are both ","`);
  }
  return out;
}

/** Standardisation of regression targets (`cols` per row): scale 1/std and offset −mean/std per column, in float64. */
export function fitTargetScaling(targets: Float32Array, cols: number): { scale: number[]; offset: number[] } {
  const p = fitPreprocessing({ data: targets, rows: targets.length / cols, cols }, { method: "standardize" });
  return { scale: p.scale as number[], offset: p.offset as number[] };
}

/** A target's scale and offset: both present, finite, one per output, no scale 0, and not beside class names. */
function targetScaling(t: Record<string, unknown>, outputs: number | undefined, where: string): { scale: number[]; offset: number[] } {
  if (t.classes !== undefined) throw new InputError(`${where}: scale and offset map regression targets; a target with classes has none`);
  if (!Array.isArray(t.scale) || !Array.isArray(t.offset)) throw new InputError(`${where}: scale and offset must both be arrays of numbers, one per output`);
  const scale = vector(t.scale, `${where}.scale`, outputs, "outputs") as number[];
  const offset = vector(t.offset, `${where}.offset`, outputs ?? scale.length, "outputs") as number[];
  const zero = scale.indexOf(0);
  if (zero >= 0) throw new InputError(`${where}.scale[${zero}] is 0; predictions could not be mapped back`);
  return { scale, offset };
}

function names(v: unknown, name: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_CATEGORIES) throw new InputError(`${name} must be a non-empty array of at most ${MAX_CATEGORIES} strings`);
  const out = v.map((s, i) => text(s, `${name}[${i}]`));
  if (new Set(out).size !== out.length) throw new InputError(`${name} lists a name twice`);
  return out;
}

function text(v: unknown, name: string): string {
  if (typeof v !== "string" || v.length > MAX_NAME) throw new InputError(`${name} must be a string of at most ${MAX_NAME} characters, got ${describe(v)}`);
  return v;
}

/** fitPreprocessing's rows, checked by toRows: {data, rows, cols} at its own width, an array of rows at its first row's. */
export function statisticsInput(x: unknown, name = "fitPreprocessing: x"): Matrix | ByteMatrix {
  if (Array.isArray(x) && Array.isArray(x[0])) return toRows(x, (x[0] as unknown[]).length, name);
  if (typeof x === "object" && x !== null && !ArrayBuffer.isView(x) && !Array.isArray(x)) return toRows(x, (x as Matrix).cols, name);
  throw new InputError(`${name} must be {data, rows, cols} or an array of rows (a flat array does not say how many columns it has), got ${describe(x)}`);
}
