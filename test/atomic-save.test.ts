// Atomic saves: a process killed (SIGKILL) while saving never leaves a
// truncated model in place of a good one. A child process saves two models
// of 2M parameters (8 MB files) to one path, in turns, as fast as it can;
// it is killed at a random moment after its first few saves; each time, the
// file at the path must load and be exactly one of the two models. A killed save may leave its temporary
// file (`.name.pid.random.tmp`) beside the path, never a partial model at it.
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init, mlp, type Sequential } from "../src/index.js";
import { loadModel, saveModel } from "../src/node/files.js";
import { rng } from "./helpers.js";

const DIST = new URL("../dist/", import.meta.url).href;
let dir: string;
beforeAll(async () => {
  await init();
  dir = await mkdtemp(join(tmpdir(), "wasmlp-atomic-"));
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

/** Saves models of seeds 1 and 2 to `path` in turns until killed; prints a line after each save. */
const CHILD = `
  const { init, mlp } = await import("${DIST}index.js");
  const { saveModel } = await import("${DIST}node/files.js");
  await init({ threads: 1 });
  const path = process.argv[1];
  const models = [await mlp([1000, 2000, 10], { seed: 1 }), await mlp([1000, 2000, 10], { seed: 2 })];
  for (let i = 0; ; i++) {
    await saveModel(models[i % 2], path);
    console.log("saved");
  }
`;

/** The first weights of the first layer: different for every seed (biases start at zero). */
const firstWeights = (m: Sequential) => m.layerWeights(0).weight!.data.slice(0, 256);

describe("atomic saves", () => {
  it("a save killed at any moment leaves the previous or the new model, complete, never a truncated one", async () => {
    const path = join(dir, "model.safetensors");
    const seeds = [0, 1, 2];
    const models = await Promise.all(seeds.map((seed) => mlp([1000, 2000, 10], { seed })));
    const bias = models.map(firstWeights);
    await saveModel(models[0], path);
    const size = (await stat(path)).size;
    const random = rng(7);
    for (let kill = 0; kill < 6; kill++) {
      const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD, path], { stdio: ["ignore", "pipe", "inherit"] });
      const saves = 1 + Math.floor(random() * 3);
      await new Promise<void>((resolve, reject) => {
        let lines = 0;
        child.stdout.on("data", (chunk: Buffer) => {
          lines += chunk.toString().split("\n").length - 1;
          if (lines >= saves) resolve();
        });
        child.once("exit", (code) => reject(new Error(`the saving process exited early with code ${code}`)));
      });
      // A save of 8 MB takes some tens of milliseconds: the kill lands inside one or between two.
      await new Promise((r) => setTimeout(r, random() * 60));
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
      expect((await stat(path)).size).toBe(size);
      const loaded = await loadModel(path);
      const which = bias.findIndex((b) => Buffer.from(b.buffer).equals(Buffer.from(firstWeights(loaded).buffer)));
      // At least one save completed before the kill, so the file is model 1 or 2, whole.
      expect(which, `kill ${kill}: the file is one of the two saved models`).toBeGreaterThan(0);
      loaded.dispose();
    }
    const leftovers = (await readdir(dir)).filter((f) => f !== "model.safetensors");
    for (const f of leftovers) expect(f).toMatch(/^\.model\.safetensors\.\d+\.[0-9a-f]{8}\.tmp$/);
    for (const m of models) m.dispose();
  }, 120_000);

  it("a save that fails (the folder is missing) leaves nothing behind and reports the path", async () => {
    const m = await mlp([2, 3], { seed: 1 });
    await expect(saveModel(m, join(dir, "no-such-folder", "m.safetensors"))).rejects.toThrow(/no-such-folder/);
    m.dispose();
  });
});
