// What a benchmark run ran on, written as the first line of --json output so a
// table made from it can say so: date, commit, CPU, Node and V8, the data, and
// which .wasm builds (size and hash) the core used.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { getCore, init } from "../dist/runtime/core.js";
import { dataSource } from "./train.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BUILD = new URL("../build/", import.meta.url);

/** Metadata of this run: `quick` mode and the sections that ran. */
export async function runMetadata({ quick, sections }) {
  await init();
  return {
    date: new Date().toISOString(),
    commit: git(["rev-parse", "HEAD"]),
    // Uncommitted changes to what the figures depend on, so a figure is never pinned to the wrong commit.
    uncommitted: git(["status", "--porcelain", "--", "assembly", "src", "bench", "asconfig.json", "package.json"])?.split("\n").filter(Boolean).map((l) => l.slice(3)) ?? null,
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    // Other processes' load when the run ended (1, 5 and 15 minutes): figures from a busy machine read low.
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    v8: process.versions.v8,
    nodeFlags: process.execArgv,
    mode: quick ? "quick" : "full",
    sections,
    data: dataSource({ quick }).description,
    peers: Object.fromEntries(["@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-wasm", "brain.js", "onnxruntime-web"].map((name) => [name, packageVersion(name)])),
    wasm: {
      // The build init() picks here (the one training and inference rows ran on), and every build's file.
      used: getCore().build,
      files: readdirSync(BUILD).filter((f) => f.endsWith(".wasm")).sort().map((file) => {
        const bytes = readFileSync(new URL(file, BUILD));
        return { file: `build/${file}`, bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex").slice(0, 16) };
      }),
    },
  };
}

/** The installed version of a package in node_modules, or null. */
function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), "utf8")).version;
  } catch {
    return null;
  }
}

function git(args) {
  try {
    return execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trimEnd();
  } catch {
    return null;
  }
}
