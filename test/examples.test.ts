// Smoke test of every example: each runs as its own process with WASMLP_QUICK=1
// (fewer epochs; Fashion-MNIST on the committed subset), exits 0, says what it
// found, and writes well-formed SVG pictures.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSvg } from "./svg-check.js";

let out: string;
beforeAll(async () => { out = await mkdtemp(join(tmpdir(), "wasmlp-examples-")); });
afterAll(async () => { await rm(out, { recursive: true, force: true }); });

function run(name: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = fileURLToPath(new URL(`../examples/${name}`, import.meta.url));
  return new Promise((resolve) => {
    execFile(process.execPath, [script], { env: { ...process.env, WASMLP_QUICK: "1", WASMLP_OUT: out }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const EXAMPLES: [string, RegExp, string[]][] = [
  ["xor.js", /1 xor 1 = 0 {3}network: 0\.\d+ → 0[\s\S]*accuracy 100%/, ["xor-loss.svg"]],
  ["sine.js", /mean squared error .* largest error on a grid 0\.\d+/, ["sine-fit.svg"]],
  ["spiral.js", /no hidden layer[\s\S]*final training accuracy: [45]\d\.\d%[\s\S]*100 ReLU units[\s\S]*final training accuracy: 9\d\.\d%/, ["spiral-linear.svg", "spiral-hidden.svg"]],
  ["penguins.js", /333 penguins \(11 with missing cells dropped\)[\s\S]*held-out accuracy (9\d|100)\.\d%[\s\S]*two new penguins: Gentoo, Adelie/, ["penguins-confusion.svg"]],
  ["fashion-mnist.js", /6000 training and 1000 test images[\s\S]*test accuracy [6-9]\d\.\d\d%/, ["fashion-training.svg", "fashion-confusion.svg"]],
];

describe("examples", () => {
  for (const [name, pattern, pictures] of EXAMPLES) {
    it(`${name} runs and draws ${pictures.join(", ")}`, async () => {
      const r = await run(name);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(pattern);
      for (const p of pictures) checkSvg(await readFile(join(out, p), "utf8"));
    }, 60_000);
  }
});
