// What every command shares: where text and results go, file names next to a
// model, and the CSV options read from the command line.
import { dirname, extname, basename, join } from "node:path";
import type { CsvOptions } from "../data/csv.js";
import { THOUSANDS } from "../data/csv-format.js";
import type { Preprocessing } from "../nn/preprocessing.js";
import { UsageError, type Options } from "./args.js";

/** Output of a command: human text, or with --json one JSON document on stdout and the text on stderr. */
export interface Io {
  json: boolean;
  /** A line for people: stdout, or stderr under --json. */
  log(text: string): void;
  /** The command's result under --json. */
  result(value: unknown): void;
}

/** Io on the process's streams. */
export function processIo(json: boolean): Io {
  return {
    json,
    log: (text) => (json ? process.stderr : process.stdout).write(text + "\n"),
    result: (value) => process.stdout.write(JSON.stringify(value, null, 2) + "\n"),
  };
}

/** `path` with its extension replaced by `suffix`: model.safetensors → model.training.svg. */
export function sibling(path: string, suffix: string): string {
  const ext = extname(path);
  return join(dirname(path), basename(path, ext) + suffix);
}

/**
 * CSV reading options from the command line, with messages that name its flags. With a trained
 * model's preprocessing, its column schema; `requireTarget` when the rows are to be scored.
 */
export function csvOptions(o: Options, schema?: Preprocessing | null, requireTarget = false): Omit<CsvOptions, "source"> {
  const out: Omit<CsvOptions, "source"> = { missing: o.choice("missing", ["error", "drop"] as const, "error"), spellOption: flag, ...fileFormat(o) };
  if (schema?.columns) return { ...out, schema, requireTarget };
  const label = o.string("label");
  if (label !== undefined) out.label = /^\d+$/.test(label) ? Number(label) : label;
  const task = o.choice("task", ["classification", "regression"] as const);
  if (task) out.task = task;
  const ignore = o.list("ignore");
  if (ignore) out.ignore = ignore;
  const categorical = o.list("categorical");
  if (categorical) out.categorical = categorical;
  return out;
}

/** An option and its value as the command line spells them: (missing, drop) → `--missing drop`, (batchSize, 8) → `--batch-size 8`, (dayFirst, true) → `--day-first`. */
export function flag(name: string, value: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}${value === "true" ? "" : ` ${value}`}`;
}

/** How the CSV file is written: --delimiter (one character, or `tab`), --decimal, --thousands and --day-first, each only when given. */
function fileFormat(o: Options): Pick<CsvOptions, "delimiter" | "decimal" | "thousands" | "dayFirst"> {
  const out: Pick<CsvOptions, "delimiter" | "decimal" | "thousands" | "dayFirst"> = {};
  const delimiter = o.string("delimiter");
  if (delimiter !== undefined) {
    out.delimiter = delimiter === "tab" || delimiter === "\\t" ? "\t" : delimiter;
    if (out.delimiter.length !== 1 || out.delimiter === '"' || out.delimiter === "\n") {
      throw new UsageError(`--delimiter must be one character (such as ; or |) or tab, got ${JSON.stringify(delimiter)}`);
    }
  }
  const decimal = o.choice("decimal", [".", ","] as const);
  if (decimal) out.decimal = decimal;
  const thousands = o.choice("thousands", THOUSANDS);
  if (thousands) out.thousands = thousands;
  if (o.flag("day-first")) out.dayFirst = true;
  return out;
}
