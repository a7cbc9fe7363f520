// Which rows fit() holds out for validation. By default a random sample fixed
// by the model's seed and, for classification, stratified: every class keeps
// its share of the rows on both sides (within one row), so data sorted by class
// still gets a validation set that looks like the training set. Keras's habit,
// the last rows as given, stays available as `from: "end"`. The split is drawn
// on the host from the seed, not from the core's RNG, so a model resumed from a
// file holds out the same rows and shuffles on exactly as before.
import { ConfigError } from "../errors.js";
import type { Targets } from "../nn/input.js";
import { checkKeys, choiceOption, describe, numberOption } from "../util/options.js";
import { mulberry32, shuffleInPlace } from "../util/random.js";

/** Where held-out rows come from: a seeded (and, for classes, stratified) sample, or the end of the data. */
export type SplitFrom = "random" | "end";

/** fit()'s validationSplit in full: the fraction held out and where it comes from. */
export interface ValidationSplitOptions {
  /** Fraction of the rows held out, in [0, 1). */
  fraction: number;
  /** 'random' (default): a sample fixed by the model's seed, stratified by class; 'end': the last rows, as Keras does. */
  from?: SplitFrom;
}

/** Row numbers trained on and held out, each in ascending order. */
export interface RowSplit {
  train: Int32Array;
  validation: Int32Array;
}

/** Mixed into the model's seed so the split's draws differ from the weight initialiser's. */
const SPLIT_SALT = 0x9e3779b9;

/** Reads fit()'s validationSplit (a fraction, or {fraction, from}) named `where`. */
export function validationSplitOption(value: unknown, where: string): Required<ValidationSplitOptions> {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    checkKeys(value, ["fraction", "from"], where);
    const o = value as ValidationSplitOptions;
    if (o.fraction === undefined) throw new ConfigError(`${where} needs a fraction, e.g. { fraction: 0.2, from: "end" }`);
    return { fraction: numberOption(o.fraction, `${where}.fraction`, 0, 1), from: choiceOption(o.from ?? "random", `${where}.from`, ["random", "end"] as const) };
  }
  if (typeof value !== "number" && value !== undefined) {
    throw new ConfigError(`${where} must be a fraction in [0, 1) or { fraction, from: 'random' | 'end' }, got ${describe(value)}`);
  }
  return { fraction: numberOption(value ?? 0, where, 0, 1), from: "random" };
}

/** Class of each row, by which a split is stratified: the label, or the largest column of one-hot rows. */
export function rowClasses(y: Targets): Int32Array {
  if (y.kind === "index") return y.labels;
  const { data, rows, cols } = y;
  const classes = new Int32Array(rows);
  for (let r = 0, base = 0; r < rows; r++, base += cols) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (data[base + c] > data[base + best]) best = c;
    classes[r] = best;
  }
  return classes;
}

/**
 * Holds out `held` of `rows` rows: the last ones ('end'), or a sample drawn with `seed` ('random'); with
 * `classes` (one per row) each class gives ⌊its share⌋ or one more, by largest remainder.
 */
export function splitRows(rows: number, held: number, from: SplitFrom, seed: number, classes?: Int32Array): RowSplit {
  const out = new Uint8Array(rows);
  if (from === "end") out.fill(1, rows - held);
  else {
    const random = mulberry32((seed ^ SPLIT_SALT) >>> 0);
    for (const group of strata(rows, held, classes)) {
      shuffleInPlace(group.rows, random);
      for (let i = 0; i < group.take; i++) out[group.rows[i]] = 1;
    }
  }
  const train = new Int32Array(rows - held);
  const validation = new Int32Array(held);
  for (let r = 0, t = 0, v = 0; r < rows; r++) {
    if (out[r]) validation[v++] = r;
    else train[t++] = r;
  }
  return { train, validation };
}

/** The rows of one class and how many of them are held out. */
interface Stratum {
  rows: Int32Array;
  take: number;
}

/** The rows of each class (one group without classes), each holding out ⌊its share of `held`⌋ or, by largest remainder, one more. */
function strata(rows: number, held: number, classes: Int32Array | undefined): Stratum[] {
  const byClass = new Map<number, number[]>();
  for (let r = 0; r < rows; r++) {
    const k = classes ? classes[r] : 0;
    const list = byClass.get(k);
    if (list) list.push(r);
    else byClass.set(k, [r]);
  }
  const groups = [...byClass.keys()].sort((a, b) => a - b).map((k) => {
    const list = byClass.get(k)!;
    return { rows: Int32Array.from(list), take: Math.floor((held * list.length) / rows), remainder: (held * list.length) % rows };
  });
  const left = held - groups.reduce((n, g) => n + g.take, 0);
  for (const g of [...groups].sort((a, b) => b.remainder - a.remainder).slice(0, left)) g.take++;
  return groups;
}
