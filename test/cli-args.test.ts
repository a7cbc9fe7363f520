// The command line's parsing, without starting the binary: negative values, suggestions,
// missing values, and how flags are spelt in messages.
import { describe, expect, it } from "vitest";
import { parse, UsageError } from "../src/cli/args.js";
import { flag } from "../src/cli/io.js";

const OPTIONS = { lr: { type: "string" }, out: { type: "string", short: "o" }, "batch-size": { type: "string" }, json: { type: "boolean" } } as const;

const usageError = (argv: string[]): UsageError => {
  try {
    parse("train", argv, OPTIONS);
  } catch (e) {
    return e as UsageError;
  }
  throw new Error("expected a UsageError");
};

describe("parse", () => {
  it("takes a negative number after an option as its value, long or short", () => {
    expect(parse("train", ["--lr", "-1", "data.csv"], OPTIONS)).toEqual({ values: { lr: "-1" }, positionals: ["data.csv"] });
    expect(parse("train", ["-o", "-2.5e3"], OPTIONS).values).toEqual({ out: "-2.5e3" });
    expect(parse("train", ["--lr", "-.5", "--json"], OPTIONS).values).toEqual({ lr: "-.5", json: true });
  });

  it("an option followed by another option, or by nothing, needs a value", () => {
    for (const argv of [["--lr", "--json"], ["--lr"], ["-o", "--json"]]) {
      const e = usageError(argv);
      expect(e).toBeInstanceOf(UsageError);
      expect(e.message).toBe(`option ${argv[0]} needs a value`);
      expect(e.command).toBe("train");
    }
  });

  it("suggests the option meant, by the library's one rule", () => {
    expect(usageError(["--batchsize", "8"]).message).toBe("unknown option --batchsize (did you mean --batch-size?)");
    expect(usageError(["--batch", "8"]).message).toBe("unknown option --batch (did you mean --batch-size?)");
    expect(usageError(["--zzz"]).message).toBe("unknown option --zzz");
  });
});

describe("flag", () => {
  it("spells an option and its value as the command line takes them", () => {
    expect(flag("missing", "drop")).toBe("--missing drop");
    expect(flag("batchSize", "8")).toBe("--batch-size 8");
  });
});
