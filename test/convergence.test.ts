// The command line's defaults train until converged: on generated tabular
// problems from tens to tens of thousands of rows, `wasmlp train` with no
// training options reaches scikit-learn's MLPClassifier defaults on the same
// split (inputs standardised for both), and a regression target is decided,
// standardised and fitted as well as least squares. Where Python 3 with
// scikit-learn is missing, the live comparison is skipped and each problem is
// held to the accuracy scikit-learn 1.9.1 reached on it, recorded below, with
// the same margin. (WASMLP_PYTHON names another Python.)
import { execFile, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobs, diabetesLike, leastSquaresRmse, nonlinearRule, splitTable, writeCsv, type Table } from "./tabular.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BIN = join(ROOT, "dist/cli/main.js");
const PYTHON = process.env.WASMLP_PYTHON ?? "python3";
const SKLEARN = spawnSync(PYTHON, ["-c", "import sklearn"]).status === 0;
if (process.env.WASMLP_REQUIRE_PYTHON && !SKLEARN) throw new Error(`WASMLP_REQUIRE_PYTHON is set but ${PYTHON} lacks scikit-learn (see scripts/python-requirements.txt)`);
/** How far below scikit-learn's test accuracy wasmlp's may be (or one test row, where that is more). */
const MARGIN = 0.03;
const run = promisify(execFile);

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "wasmlp-converge-")); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

/** Writes the 80/20 split of `t` as CSV files named after `name`; returns their paths. */
async function files(name: string, t: Table): Promise<[string, string]> {
  const [train, test] = splitTable(t, 0.8);
  const paths: [string, string] = [join(dir, `${name}.train.csv`), join(dir, `${name}.test.csv`)];
  await writeCsv(paths[0], train);
  await writeCsv(paths[1], test);
  return paths;
}

/** `wasmlp train` with the defaults and a fixed seed; its --json report. */
async function train(paths: [string, string], ...extra: string[]) {
  const { stdout } = await run(process.execPath, [BIN, "train", paths[0], "--test", paths[1], "--seed", "1", "--no-plot", "--json",
    "--out", paths[0].replace(/\.csv$/, ".safetensors"), ...extra], { timeout: 60_000 });
  return JSON.parse(stdout);
}

async function sklearn(task: "classification" | "regression", paths: [string, string]): Promise<number> {
  const { stdout } = await run(PYTHON, [join(ROOT, "test/sklearn-reference.py"), task, ...paths], { timeout: 60_000 });
  return Number(stdout.trim());
}

/** Each problem with the test accuracy of MLPClassifier's defaults on it (scikit-learn 1.9.1, random_state 0). */
const problems: { name: string; make: () => Table; recorded: number }[] = [
  { name: "3 blobs, 75 rows", make: () => blobs(75, 4, 3, 0.5, 1), recorded: 0.8667 },
  { name: "a nonlinear rule, 450 rows", make: () => nonlinearRule(450, 6, 0.05, 2), recorded: 0.8778 },
  { name: "5 overlapping blobs, 3,000 rows", make: () => blobs(3000, 10, 5, 0.6, 3), recorded: 0.8783 },
  { name: "a nonlinear rule, 25,000 rows", make: () => nonlinearRule(25000, 8, 0.05, 4), recorded: 0.9174 },
];

describe(`wasmlp train's defaults on generated problems, against scikit-learn's${SKLEARN ? "" : " (not found: its recorded accuracies)"}`, () => {
  for (const p of problems) {
    it(`${p.name}: test accuracy within ${MARGIN} (or a row) of MLPClassifier's`, async () => {
      const table = p.make();
      const paths = await files(p.name.replace(/\W+/g, "-"), table);
      const [report, reference] = await Promise.all([train(paths), SKLEARN ? sklearn("classification", paths) : p.recorded]);
      expect(report).toMatchObject({ task: "classification", stopReason: expect.stringMatching(/earlyStopping|epochs/) });
      const ours = report.testResult.accuracy;
      console.log(`${p.name}: wasmlp ${ours.toFixed(4)} in ${report.epochs} epochs (${report.stopReason}), sklearn ${reference.toFixed(4)}${SKLEARN ? "" : " (recorded)"}`);
      const testRows = table.y.length - splitTable(table, 0.8)[0].y.length;
      expect(ours).toBeGreaterThanOrEqual(reference - Math.max(MARGIN, 1 / testRows) - 1e-9);
    }, 120_000);
  }

  it("a whole-number target over a wide range is a regression, standardised, and fits as well as least squares", async () => {
    const t = diabetesLike(553, 5);
    const paths = await files("diabetes-like", t);
    const [report, reference] = await Promise.all([train(paths), SKLEARN ? sklearn("regression", paths) : undefined]);
    expect(report.task).toBe("regression");
    const [trainRows, testRows] = splitTable(t, 0.8);
    const ols = leastSquaresRmse(trainRows, testRows);
    console.log(`diabetes-like: wasmlp rmse ${report.testResult.rmse.toFixed(2)} in ${report.epochs} epochs, least squares ${ols.toFixed(2)}${reference ? `, sklearn ${reference.toFixed(2)}` : ""}`);
    expect(report.testResult.rmse).toBeLessThan(1.2 * ols);
  }, 60_000);
});
