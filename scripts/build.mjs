// Builds what changed since the last build, like make: each .wasm target of
// asconfig.json when an assembly/ source, asconfig.json or the compiler is newer
// than the .wasm; dist/inline.js when a .wasm it embeds is newer; the TypeScript
// when a src/ file or tsconfig.json is newer than tsc's incremental build info.
//   node scripts/build.mjs [wasm|ts] [--force]
// Each step prints one line: what it built and how long it took, or "up to date".
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

process.chdir(fileURLToPath(new URL("..", import.meta.url)));

const args = process.argv.slice(2);
const force = args.includes("--force");
const only = args.find((a) => !a.startsWith("--"));
if (only && only !== "wasm" && only !== "ts") throw new Error(`build: expected 'wasm', 'ts' or nothing, got '${only}'`);

/** tsc's incremental state, outside dist/ so that it is never published. */
const TS_BUILD_INFO = ".cache/tsc.tsbuildinfo";
/** The builds the inline entry embeds: unshared memory only, so it needs no worker files. */
const INLINE = { plain: "build/wasmlp.wasm", relaxed: "build/wasmlp-relaxed.wasm" };

/** Newest modification time (ms) of the given files and folders and of everything under the folders. */
function newest(paths) {
  let latest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    // A folder's own time changes when a file in it is added, removed or renamed.
    const stat = statSync(path);
    latest = Math.max(latest, stat.mtimeMs);
    if (stat.isDirectory()) latest = Math.max(latest, newest(readdirSync(path).map((name) => join(path, name))));
  }
  return latest;
}

/** True when `output` is missing or older than any of `inputs`. */
function stale(output, inputs) {
  return force || !existsSync(output) || statSync(output).mtimeMs < newest(inputs);
}

/** Runs a command, passing its output through except the lines `quiet` matches; rejects on failure. */
function run(command, argv, quiet = /^$/) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"] });
    const forward = (from, to) => {
      let rest = "";
      from.setEncoding("utf8");
      from.on("data", (chunk) => {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop();
        for (const line of lines) if (!quiet.test(line)) to.write(line + "\n");
      });
      from.on("end", () => { if (rest && !quiet.test(rest)) to.write(rest); });
    };
    forward(child.stdout, process.stdout);
    forward(child.stderr, process.stderr);
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${argv.join(" ")} exited with ${code}`))));
  });
}

/** Dates an output to when its build started, so that an edit made during the build makes it stale again. */
function datePast(output, started) {
  return utimes(output, started, started);
}

/** Runs `step` and reports it, timed. */
async function timed(label, step) {
  const started = performance.now();
  await step();
  console.log(`build: ${label} built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Compiles each stale asconfig.json target, two at a time where there are two cores. */
async function buildWasm() {
  await import("./version.mjs");
  const { targets } = JSON.parse(await readFile("asconfig.json", "utf8"));
  const inputs = ["assembly", "asconfig.json", "node_modules/assemblyscript/package.json"];
  const todo = Object.entries(targets).filter(([, t]) => stale(t.outFile, inputs)).map(([name]) => name);
  if (todo.length === 0) return console.log("build: wasm up to date");
  const started = new Date();
  // binaryen's converge loop reports a final round that did not shrink the module; the module is still the best one.
  const compile = (name) => timed(`wasm ${name}`, async () => {
    await run(process.execPath, ["node_modules/assemblyscript/bin/asc.js", "assembly/index.ts", "--target", name], /^Last converge was suboptimal\.$/);
    await datePast(targets[name].outFile, started);
  });
  const workers = Array.from({ length: Math.min(2, availableParallelism()) }, async () => {
    for (let name; (name = todo.shift()) !== undefined;) await compile(name);
  });
  await Promise.all(workers);
}

/** dist/inline.js: the main entry with the plain and relaxed builds embedded (gzip, base64), so it needs no asset handling. */
async function buildInline() {
  const out = "dist/inline.js";
  if (!stale(out, [...Object.values(INLINE), "scripts/build.mjs"])) return console.log("build: inline entry up to date");
  await timed("inline entry", async () => {
    const embed = async (file) => JSON.stringify(gzipSync(await readFile(file), { level: 9 }).toString("base64"));
    await mkdir("dist", { recursive: true });
    await writeFile(out, "// Written by scripts/build.mjs: wasmlp with its core embedded; runs on the calling thread.\n" +
      'import { embedWasm } from "./runtime/embedded.js";\n' +
      `embedWasm({ plain: ${await embed(INLINE.plain)}, relaxed: ${await embed(INLINE.relaxed)} });\n` +
      'export * from "./index.js";\n');
    await writeFile("dist/inline.d.ts", '// wasmlp with its core embedded: the API of "wasmlp", on the calling thread.\nexport * from "./index.js";\n');
  });
}

/** Type-checks and emits src/ into dist/ with tsc --incremental. */
async function buildTs() {
  // Without dist/, the build info would claim outputs that are gone.
  if (!existsSync("dist/index.js")) await rm(TS_BUILD_INFO, { force: true });
  if (!stale(TS_BUILD_INFO, ["src", "tsconfig.json"])) return console.log("build: TypeScript up to date");
  await timed("TypeScript", async () => {
    const started = new Date();
    try {
      await run(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json", "--incremental", "--tsBuildInfoFile", TS_BUILD_INFO]);
    } catch (e) {
      // tsc wrote its build info despite the errors: date it back so that the next build runs tsc and reports them again.
      if (existsSync(TS_BUILD_INFO)) await utimes(TS_BUILD_INFO, 0, 0);
      throw e;
    }
    // tsc leaves its build info alone when no output changed (an edit to a comment, say): mark this build as the latest.
    await datePast(TS_BUILD_INFO, started);
  });
}

try {
  if (only !== "ts") await buildWasm();
  if (only !== "wasm") await buildTs();
  await buildInline();
} catch (e) {
  // The compiler has printed its errors already; one line says which step failed.
  console.error(`build: ${e.message}`);
  process.exitCode = 1;
}
