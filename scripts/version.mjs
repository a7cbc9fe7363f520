// Writes the package version into assembly/version.ts (compiled into every
// .wasm) and src/runtime/version.ts, so that init() can refuse a .wasm of another
// release. npm run build:wasm runs it first; both files are committed, so a
// plain asc run builds a stamped core too. Files are rewritten only on change.
import { readFile, writeFile } from "node:fs/promises";

const root = new URL("../", import.meta.url);
const { version } = JSON.parse(await readFile(new URL("package.json", root), "utf8"));
const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
if (!match || match.slice(1).some((part) => Number(part) > 999)) throw new Error(`version ${version}: expected MAJOR.MINOR.PATCH, each below 1000`);
const code = Number(match[1]) * 1e6 + Number(match[2]) * 1e3 + Number(match[3]);

const header = "// Written by scripts/version.mjs from package.json; do not edit.\n";
await update("assembly/version.ts", header +
  `/** The wasmlp version this core was built for, as major·1000000 + minor·1000 + patch (${version}). */\n` +
  `export function wasmlp_version(): u32 {\n  return ${code};\n}\n`);
await update("src/runtime/version.ts", header +
  `/** This package's version; the core's .wasm must report the same one. */\nexport const VERSION = ${JSON.stringify(version)};\n`);

async function update(path, source) {
  const file = new URL(path, root);
  if ((await readFile(file, "utf8").catch(() => "")) !== source) await writeFile(file, source);
}
