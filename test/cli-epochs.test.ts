// `wasmlp train --epochs auto`, the default: it says what it decided before
// training and why it stopped after; --time-limit is checked before any work.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const PENGUINS = fileURLToPath(new URL("fixtures/penguins/penguins.csv", import.meta.url));
const run = promisify(execFile);

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "wasmlp-epochs-")); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

async function train(...extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, "train", PENGUINS, "--label", "species", "--missing", "drop", "--seed", "2", "--no-plot",
      "--out", join(dir, "p.safetensors"), ...extra]);
    return { code: 0, ...r };
  } catch (e) {
    const f = e as { code: number; stdout: string; stderr: string };
    return { code: f.code, stdout: f.stdout, stderr: f.stderr };
  }
}

describe("wasmlp train --epochs auto", () => {
  it("is the default: prints its decision, why it stopped, and the rows it trained on again", async () => {
    const r = await train();
    expect(r.code, r.stderr).toBe(0);
    // 333 rows: 66 held out; 267 in 9 batches of 32, so a patience of ⌈200 / 9⌉ = 23 and a ceiling of 1000 epochs.
    expect(r.stdout).toMatch(/epochs auto: until valLoss stops improving for 23 epochs \(at most 1000 epochs, 5 min 0 s\); 66 rows \(20%\) held out for validation; the best epoch is kept/);
    const stopped = /stopped early after (\d+) epochs: valLoss did not improve by over 0.0001 for 23 epochs/.exec(r.stdout);
    expect(stopped).not.toBeNull();
    // The epoch of the lowest validation loss, which may be inside the last 23 when it improved by less than 0.0001.
    const best = Number(/best epoch (\d+) by valLoss/.exec(r.stdout)![1]);
    expect(best).toBeLessThanOrEqual(Number(stopped![1]));
    expect(best).toBeGreaterThan(Number(stopped![1]) - 23 - 1);
    expect(r.stdout).toContain(`training again from the start on all 333 rows for the ${best} epochs validation chose`);
    // After the lines about the run that chose the epochs, the report says which model was saved.
    const saved = r.stdout.indexOf(`the saved model was then trained again from the start on all 333 rows for those ${best} epochs`);
    expect(saved).toBeGreaterThan(r.stdout.indexOf(`best epoch ${best} by valLoss`));
  }, 60_000);

  it("--time-limit takes seconds > 0, with --epochs auto only", async () => {
    expect(await train("--time-limit", "0")).toMatchObject({ code: 2, stderr: expect.stringMatching(/--time-limit must be a number of seconds > 0, got "0"/) });
    expect(await train("--epochs", "3", "--time-limit", "5")).toMatchObject({ code: 2, stderr: expect.stringMatching(/--time-limit applies to --epochs auto; --epochs 3 runs exactly 3 epochs/) });
  }, 30_000);
});
