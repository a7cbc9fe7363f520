// Node.js binaries of the supported major versions, for running the tests and
// the benchmarks under each: this process's own binary when it is that version,
// otherwise the official build that the npm registry ships as the package
// node-<os>-<arch>, installed once into .cache/node<major>/ and reused after.
//   node scripts/node.mjs 24    prints the path of a Node 24 binary
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
/** V8's switch for relaxed SIMD, which Node 20 needs and Node 22+ (relaxed SIMD on by default) refuses. */
const RELAXED_FLAG = "--experimental-wasm-relaxed-simd";

/** Path of a Node.js binary of major version `major`, installing it into the project's cache when needed. */
export function nodeBinary(major) {
  if (!/^\d+$/.test(String(major))) throw new Error(`expected a Node.js major version such as 22, got '${major}'`);
  if (process.versions.node.split(".")[0] === String(major)) return process.execPath;
  if (process.platform === "win32") throw new Error(`Node ${major}: install it yourself on Windows; this script fetches Linux and macOS builds`);
  const name = `node-${process.platform}-${process.arch}`;
  const dir = `${root}.cache/node${major}`;
  const binary = `${dir}/node_modules/${name}/bin/node`;
  if (!existsSync(binary)) {
    console.error(`installing ${name}@${major} into .cache/node${major}/`);
    execFileSync("npm", ["install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--prefix", dir, `${name}@${major}`],
      { stdio: ["ignore", "ignore", "inherit"] });
  }
  const version = execFileSync(binary, ["--version"], { encoding: "utf8" }).trim();
  if (!version.startsWith(`v${major}.`)) throw new Error(`${binary} is ${version}, not Node ${major}: delete .cache/node${major}/ and retry`);
  return binary;
}

/** The flags `binary` (default: this process's) needs to run the relaxed-SIMD build: V8's switch where it still has one. */
export function relaxedSimdFlags(binary = process.execPath) {
  if (!relaxedFlags.has(binary)) {
    relaxedFlags.set(binary, execFileSync(binary, ["--v8-options"], { encoding: "utf8" }).includes(RELAXED_FLAG) ? [RELAXED_FLAG] : []);
  }
  return relaxedFlags.get(binary);
}
const relaxedFlags = new Map();

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) console.log(nodeBinary(process.argv[2]));
