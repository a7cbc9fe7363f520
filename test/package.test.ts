// The package as users install it: `npm pack`, the tarball installed into a
// fresh project, then used from CommonJS (require where Node loads ES modules
// with it, await import() everywhere), from an ES module, and from TypeScript
// type-checked against the shipped declarations. CI runs this on Node 20, 22
// and 24, so each version's CommonJS path is exercised.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
const TSC = join(root, "node_modules/typescript/bin/tsc");
/** Node loads ES modules with require() from 20.19 and 22.12 on; older releases need import(). */
const requireLoadsEsm = (process as { features?: { require_module?: boolean } }).features?.require_module === true;

/** Trains a tiny network through the given module object and prints what a user would check. */
const USE = `async function use(w, how) {
  const model = await w.mlp([2, 8, 3], { seed: 1 });
  model.compile({ optimizer: "adam" });
  const d = w.spiral({ pointsPerClass: 20, classes: 3, seed: 1 });
  await model.fit(d.x, d.labels, { epochs: 2 });
  const out = model.predict(d.x);
  model.dispose();
  return { how, predictions: out.length, finite: out.every(Number.isFinite), threads: w.getCore().threads };
}`;

describe("the packed package in a fresh project", () => {
  let dir: string;
  let files: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wasmlp-package-"));
    // dist/ and build/ are current (npm test builds first); --ignore-scripts keeps pack from building again.
    const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: root });
    const [packed] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
    files = packed.files.map((f) => f.path);
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "user", private: true }));
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", join(dir, packed.filename)], { cwd: dir });
  }, 120_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("ships dist/ with the inline entry and the four .wasm builds, and nothing of the build's own state", () => {
    expect(files).toEqual(expect.arrayContaining(["dist/index.js", "dist/index.d.ts", "dist/inline.js", "dist/inline.d.ts",
      "dist/worker/client.js", "dist/node/files.js", "build/wasmlp.wasm", "build/wasmlp-relaxed.wasm",
      "build/wasmlp-shared.wasm", "build/wasmlp-relaxed-shared.wasm", "package.json"]));
    expect(files.filter((f) => /tsbuildinfo|^\.cache\/|^test\//.test(f))).toEqual([]);
  });

  it(`from CommonJS: ${requireLoadsEsm ? "require() and " : ""}await import() load every entry point and train`, async () => {
    await writeFile(join(dir, "use.cjs"), `${USE}
(async () => {
  const results = [];
  if (${requireLoadsEsm}) {
    results.push(await use(require("wasmlp"), "require"));
    results.push(typeof require("wasmlp/inline").mlp, typeof require("wasmlp/worker").createWorkerModel, typeof require("wasmlp/node").saveModel);
  }
  results.push(await use(await import("wasmlp"), "import"));
  results.push(require("wasmlp/package.json").version);
  console.log(JSON.stringify(results));
  (await import("wasmlp")).shutdown();
})();
`);
    const { stdout } = await run(process.execPath, ["use.cjs"], { cwd: dir });
    const results = JSON.parse(stdout);
    const trained = (how: string) => ({ how, predictions: 60 * 3, finite: true, threads: expect.any(Number) });
    const { version } = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
    expect(results).toEqual(requireLoadsEsm
      ? [trained("require"), "function", "function", "function", trained("import"), version]
      : [trained("import"), version]);
  }, 60_000);

  it("from an ES module, the inline entry trains on one thread with its embedded core", async () => {
    await writeFile(join(dir, "use.mjs"), `${USE}
import * as inline from "wasmlp/inline";
const core = await inline.init({ threads: 2 });
console.log(JSON.stringify({ ...(await use(inline, "inline")), shared: core.shared }));
`);
    const { stdout } = await run(process.execPath, ["use.mjs"], { cwd: dir });
    expect(JSON.parse(stdout)).toEqual({ how: "inline", predictions: 60 * 3, finite: true, threads: 1, shared: false });
  }, 60_000);

  it("TypeScript type-checks a user's file against the shipped declarations, and catches a wrong type", async () => {
    await writeFile(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: { module: "nodenext", moduleResolution: "nodenext", target: "es2022", strict: true, noEmit: true, skipLibCheck: true, types: [] },
      files: ["good.ts", "bad.ts"],
    }));
    await writeFile(join(dir, "good.ts"), `import { mlp, type Sequential, type History } from "wasmlp";
import { init } from "wasmlp/inline";
import { createWorkerModel } from "wasmlp/worker";
export async function train(x: Float32Array, y: Int32Array): Promise<History> {
  await init({ simd: "auto" });
  const model: Sequential = await mlp([2, 8, 3]);
  model.compile({ optimizer: "adam" });
  return model.fit(x, y, { epochs: 1 });
}
export const worker: typeof createWorkerModel = createWorkerModel;
`);
    await writeFile(join(dir, "bad.ts"), `import { init } from "wasmlp";
export const wrong = init({ simd: "fast" });
`);
    const error = await run(process.execPath, [TSC, "-p", "tsconfig.json"], { cwd: dir }).then(() => undefined, (e: { stdout: string }) => e);
    const diagnostics = error!.stdout.trim().split("\n").filter((line) => /error TS\d+/.test(line));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatch(/^bad\.ts\(2,/);
    expect(diagnostics[0]).toContain('"fast"');
  }, 60_000);
});
