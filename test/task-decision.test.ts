// Whether a CSV target is classes or a quantity: labels that are not numbers,
// and a few whole numbers, are classes; fractional numbers, or many distinct
// whole numbers (a score from 25 to 346 over 442 rows), are a regression
// target. `wasmlp train` prints what it decided, and --task overrides it.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fewValues, parseCsv } from "../src/data/csv.js";
import { diabetesLike, writeCsv } from "./tabular.js";

const BIN = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const run = promisify(execFile);

/** A CSV text with one input and the given targets. */
function csv(targets: (string | number)[]): string {
  return ["x,y", ...targets.map((t, i) => `${i % 7},${t}`)].join("\n");
}

describe("the task of a CSV target", () => {
  it("classes: words, and at most 20 whole numbers or one per 20 rows", () => {
    expect(parseCsv(csv(["cat", "dog", "cat"])).task).toBe("classification");
    expect(parseCsv(csv(Array.from({ length: 100 }, (_, i) => i % 20))).task).toBe("classification");
    expect(parseCsv(csv(Array.from({ length: 1000 }, (_, i) => i % 50))).task).toBe("classification");
  });

  it("a quantity: fractional numbers, or more distinct whole numbers than that", () => {
    expect(parseCsv(csv([0.5, 1, 2])).task).toBe("regression");
    expect(parseCsv(csv(Array.from({ length: 100 }, (_, i) => i % 21))).task).toBe("regression");
    const diabetes = diabetesLike(442, 1).y;
    expect(new Set(diabetes).size).toBeGreaterThan(150);
    expect(parseCsv(csv(diabetes)).task).toBe("regression");
    expect([fewValues(["1", "2", "1.0"]), fewValues(Array.from({ length: 21 }, (_, i) => String(i)))]).toEqual([true, false]);
  });

  it("--task overrides the decision", () => {
    expect(parseCsv(csv([0, 1, 2]), { task: "regression" }).task).toBe("regression");
    expect(parseCsv(csv(diabetesLike(442, 1).y), { task: "classification" }).task).toBe("classification");
  });
});

describe("wasmlp train on a whole-number target over a wide range", () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "wasmlp-task-")); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it("prints that it is a regression and why; --task classification makes it classes", async () => {
    const path = join(dir, "scores.csv");
    await writeCsv(path, diabetesLike(442, 2), "progression");
    const train = (...extra: string[]) => run(process.execPath, [BIN, "train", path, "--label", "progression", "--epochs", "1", "--no-plot",
      "--seed", "1", "--out", join(dir, "m.safetensors"), ...extra]);
    const decided = (await train()).stdout;
    expect(decided).toMatch(/task: regression: column "progression" holds \d+ distinct numbers in 442 rows \(--task classification to take them as classes\)/);
    expect(decided).toMatch(/network 10-128-1 /);
    const forced = (await train("--task", "classification")).stdout;
    expect(forced).toMatch(/task: classification \(--task\)/);
    expect(forced).toMatch(/network 10-128-\d{3} /);
  }, 60_000);
});
