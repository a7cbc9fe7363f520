// Option objects are checked against the keys they may have, so a misspelt
// option (`epoch` for `epochs`) is an error instead of a silently ignored value.
import { ConfigError } from "../errors.js";

/** Throws a ConfigError naming any key of `options` that is not in `allowed`. */
export function checkKeys(options: object | undefined, allowed: readonly string[], where: string): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new ConfigError(`${where}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const near = nearest(key, allowed);
      throw new ConfigError(
        `${where}: unknown option '${key}'` + (near ? ` (did you mean '${near}'?)` : "") +
        `; known options: ${allowed.join(", ")}`);
    }
  }
}

/**
 * The allowed name a misspelling most likely meant: fewest edits (case ignored), at most one per
 * three letters; failing that, the only name that the key (three letters or more) abbreviates.
 * Options of the API, flags and commands of the CLI all get their suggestions from here.
 */
export function nearest(key: string, allowed: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(key.length / 3)) + 1;
  for (const a of allowed) {
    const d = editDistance(k, a.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [a, d];
  }
  if (best !== undefined || k.length < 3) return best;
  const abbreviated = allowed.filter((a) => a.toLowerCase().startsWith(k));
  return abbreviated.length === 1 ? abbreviated[0] : undefined;
}

/** Insertions, deletions, substitutions and swaps of neighbours needed to turn a into b. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i][j] = d;
    }
  }
  return rows[a.length][b.length];
}

/** An integer in [min, max] (by default a positive one), or a ConfigError naming `name`. */
export function integerOption(value: unknown, name: string, min = 1, max = Infinity): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer ${Number.isFinite(max) ? `in [${min}, ${max}]` : `≥ ${min}`}, got ${describe(value)}`);
  }
  return value;
}

/** A finite number in [lo, hi) (or [lo, hi] when `closed`), or a ConfigError naming `name`. */
export function numberOption(value: unknown, name: string, lo = -Infinity, hi = Infinity, closed = false): number {
  const ok = typeof value === "number" && Number.isFinite(value) && value >= lo && (closed ? value <= hi : value < hi);
  if (!ok) {
    const range = `${Number.isFinite(lo) ? `≥ ${lo}` : ""}${Number.isFinite(lo) && Number.isFinite(hi) ? " and " : ""}` +
      `${Number.isFinite(hi) ? `${closed ? "≤" : "<"} ${hi}` : ""}`;
    throw new ConfigError(`${name} must be a finite number${range ? " " + range : ""}, got ${describe(value)}`);
  }
  return value as number;
}

/** A number > 0 and finite (learning rates, epsilons), or a ConfigError naming `name`. */
export function positiveOption(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`${name} must be a finite number > 0, got ${describe(value)}`);
  }
  return value;
}

/** true or false, or a ConfigError naming `name`. */
export function booleanOption(value: unknown, name: string): boolean {
  if (typeof value !== "boolean") throw new ConfigError(`${name} must be true or false, got ${describe(value)}`);
  return value;
}

/** One of `choices` (case-sensitive), or a ConfigError listing them. */
export function choiceOption<T extends string>(value: unknown, name: string, choices: readonly T[]): T {
  if (typeof value !== "string" || !choices.includes(value as T)) {
    throw new ConfigError(`${name} must be one of ${choices.map((c) => `'${c}'`).join(", ")}, got ${describe(value)}`);
  }
  return value as T;
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as Float32Array).length}`;
  if (typeof value === "string") return `'${value}'`;
  if (typeof value === "object") return `an object`;
  return String(value);
}
