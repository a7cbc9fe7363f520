// Command-line parsing on Node's util.parseArgs (no dependency), with option
// values checked here so that every mistake is a UsageError naming the option.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { nearest } from "../util/options.js";

/** A mistake in the command line: exit code 2 and the command's usage. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The option table parseArgs takes. */
export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

/** Parsed options (strings and booleans) and positional arguments. */
export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Parses argv for `command`; unknown options and missing values are UsageErrors with a suggestion. */
export function parse(command: string, argv: string[], options: OptionSpec): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: true, strict: true });
    return { values: values as Parsed["values"], positionals };
  } catch (e) {
    const err = e as Error & { code?: string };
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(err.message);
    if (unknown) {
      const near = nearest(unknown[1].replace(/^-+/, ""), Object.keys(options));
      throw new UsageError(`unknown option ${unknown[1]}${near ? ` (did you mean --${near}?)` : ""}`, command);
    }
    // "Ambiguous" is parseArgs' word for a value that starts with a dash: here, another option.
    const missing = /Option '(-{1,2}[^' ]+)(?: <value>)?' argument (?:missing|is ambiguous)/.exec(err.message);
    if (missing) throw new UsageError(`option ${missing[1]} needs a value`, command);
    throw new UsageError(err.message.split("\n")[0], command);
  }
}

/** `--lr -1` as `--lr=-1`: a negative number after an option that takes a value is that value, not an option. */
function joinNegativeValues(argv: string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = arg.startsWith("--") ? arg.slice(2) : Object.keys(options).find((o) => arg === `-${options[o].short}`);
    if (name !== undefined && options[name]?.type === "string" && i + 1 < argv.length && /^-(\d|\.\d|inf)/i.test(argv[i + 1])) {
      out.push(`--${name}=${argv[++i]}`);
    } else out.push(arg);
  }
  return out;
}

/** Reads typed option values, each failure a UsageError naming the option. */
export class Options {
  constructor(private readonly values: Parsed["values"], private readonly command: string) {}

  /** A string option, or `fallback`. */
  string(name: string): string | undefined;
  string(name: string, fallback: string): string;
  string(name: string, fallback?: string): string | undefined {
    const v = this.values[name];
    return typeof v === "string" ? v : fallback;
  }

  /** Whether a boolean flag was given. */
  flag(name: string): boolean {
    return this.values[name] === true;
  }

  /** An integer ≥ min, or `fallback` when absent. */
  int(name: string, fallback: number, min?: number): number;
  int(name: string, fallback?: number, min?: number): number | undefined;
  int(name: string, fallback?: number, min = 1): number | undefined {
    const v = this.string(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) this.fail(name, v, `an integer ≥ ${min}`);
    return n;
  }

  /** A finite number in [lo, hi], or `fallback` when absent. */
  number(name: string, fallback: number, lo?: number, hi?: number): number;
  number(name: string, fallback?: number, lo?: number, hi?: number): number | undefined;
  number(name: string, fallback?: number, lo = -Infinity, hi = Infinity): number | undefined {
    const v = this.string(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n) || n < lo || n > hi) {
      this.fail(name, v, `a number${Number.isFinite(lo) ? ` ≥ ${lo}` : ""}${Number.isFinite(hi) ? ` and ≤ ${hi}` : ""}`);
    }
    return n;
  }

  /** One of `choices`, or `fallback` when absent. */
  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T;
  choice<T extends string>(name: string, choices: readonly T[], fallback?: T): T | undefined;
  choice<T extends string>(name: string, choices: readonly T[], fallback?: T): T | undefined {
    const v = this.string(name);
    if (v === undefined) return fallback;
    if (!choices.includes(v as T)) this.fail(name, v, `one of ${choices.join(", ")}`);
    return v as T;
  }

  /** A comma-separated list (empty items dropped), or undefined when absent. */
  list(name: string): string[] | undefined {
    const v = this.string(name);
    return v === undefined ? undefined : v.split(",").map((s) => s.trim()).filter((s) => s !== "");
  }

  private fail(name: string, value: string, expected: string): never {
    throw new UsageError(`--${name} must be ${expected}, got ${JSON.stringify(value)}`, this.command);
  }
}
