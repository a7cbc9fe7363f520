// scripts/build.mjs builds only what changed. It runs in a copy of the project
// (sources and outputs with their dates kept; asconfig.json cut to the plain
// build to keep the compile short, the relaxed .wasm copied for the inline
// entry): a second build does nothing and rewrites nothing; a touched assembly/
// file rebuilds the .wasm and the inline entry, a touched src/ file the
// TypeScript, and each only that.
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const OUTPUTS = ["build/wasmlp.wasm", "dist/index.js", "dist/inline.js", ".cache/tsc.tsbuildinfo"];

describe("incremental build", () => {
  let dir: string;

  /** Runs scripts/build.mjs in the copy; its report lines. */
  const build = async (...args: string[]) => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["scripts/build.mjs", ...args], { cwd: dir });
    expect(stderr).not.toMatch(/converge was suboptimal/);
    return stdout.trim().split("\n");
  };
  const mtimes = () => Promise.all(OUTPUTS.map(async (f) => (await stat(join(dir, f))).mtimeMs));
  /** Dates a file to now, as an editor saving it would. */
  const touch = (file: string) => utimes(join(dir, file), new Date(), new Date());

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wasmlp-build-"));
    for (const path of ["scripts", "assembly", "src", "package.json", "tsconfig.json", "build/wasmlp.wasm", "build/wasmlp-relaxed.wasm", "dist", ".cache/tsc.tsbuildinfo"]) {
      if (existsSync(join(root, path))) await cp(join(root, path), join(dir, path), { recursive: true, preserveTimestamps: true });
    }
    await symlink(join(root, "node_modules"), join(dir, "node_modules"));
    const config = JSON.parse(await readFile(join(root, "asconfig.json"), "utf8"));
    await writeFile(join(dir, "asconfig.json"), JSON.stringify({ ...config, targets: { release: config.targets.release } }));
    const { mtime } = await stat(join(root, "asconfig.json"));
    await utimes(join(dir, "asconfig.json"), mtime, mtime);
    await build(); // builds whatever the project's own last build left out of date
  }, 180_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("with nothing changed, builds nothing and rewrites no output", async () => {
    const before = await mtimes();
    expect(await build()).toEqual(["build: wasm up to date", "build: TypeScript up to date", "build: inline entry up to date"]);
    expect(await mtimes()).toEqual(before);
  }, 30_000);

  it("a touched assembly/ file rebuilds the .wasm and the inline entry that embeds it, and leaves dist/ alone otherwise", async () => {
    const [wasm, index, inline] = await mtimes();
    await touch("assembly/index.ts");
    const lines = await build("wasm");
    expect(lines).toEqual([expect.stringMatching(/^build: wasm release built in [\d.]+ s$/), expect.stringMatching(/^build: inline entry built in/)]);
    const [wasmAfter, indexAfter, inlineAfter] = await mtimes();
    expect(wasmAfter).toBeGreaterThan(wasm);
    expect(inlineAfter).toBeGreaterThan(inline);
    expect(indexAfter).toBe(index);
    expect(await build()).toEqual(["build: wasm up to date", "build: TypeScript up to date", "build: inline entry up to date"]);
  }, 120_000);

  it("a touched src/ file runs tsc again, and only tsc", async () => {
    const [wasm, , , info] = await mtimes();
    await touch("src/errors.ts");
    expect(await build()).toEqual(["build: wasm up to date", expect.stringMatching(/^build: TypeScript built in/), "build: inline entry up to date"]);
    const [wasmAfter, , , infoAfter] = await mtimes();
    expect(wasmAfter).toBe(wasm);
    expect(infoAfter).toBeGreaterThan(info);
  }, 120_000);

  it("a type error fails the build, and fails the next one too, until it is fixed", async () => {
    await writeFile(join(dir, "src/broken.ts"), 'export const n: number = "one";\n');
    for (let i = 0; i < 2; i++) {
      // tsc reports on stdout.
      const failure = await build("ts").then(() => "built", (e: { stdout: string }) => e.stdout);
      expect(failure).toMatch(/src\/broken\.ts.*TS2322/);
    }
    await rm(join(dir, "src/broken.ts"));
    expect(await build("ts")).toEqual([expect.stringMatching(/^build: TypeScript built in/), "build: inline entry up to date"]);
  }, 120_000);
});
