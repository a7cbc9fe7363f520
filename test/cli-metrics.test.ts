// wasmlp train on a regression reports the mean absolute error each epoch, in the target's own units.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rng } from "./helpers.js";

const BIN = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "wasmlp-cli-metrics-")); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe("wasmlp train on a regression", () => {
  it("prints mae beside the loss every epoch, in the target's units though the network learns standardised ones", async () => {
    // y = 500 + 200·a − 100·b: a spread in the hundreds, so an error in learnt units (about 1) cannot pass for it.
    const r = rng(7);
    const rows = Array.from({ length: 300 }, () => {
      const [a, b] = [2 * r() - 1, 2 * r() - 1];
      return `${a.toFixed(4)},${b.toFixed(4)},${(500 + 200 * a - 100 * b).toFixed(2)}`;
    });
    const csv = join(dir, "wide.csv");
    await writeFile(csv, `a,b,y\n${rows.join("\n")}\n`);
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, "train", csv, "--task", "regression", "--epochs", "3", "--seed", "1",
      "--no-plot", "--out", join(dir, "wide.wasmlp")]);
    const maes = [...stdout.matchAll(/^epoch \d\/3 {2}loss \S+ {2}mae (\S+)/gm)].map((m) => Number(m[1]));
    expect(maes).toHaveLength(3);
    expect(maes[0]).toBeGreaterThan(20);
  }, 60_000);
});
