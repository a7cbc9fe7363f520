// npm run bench [-- --node <major>] [options of bench/run.js]: runs the
// benchmarks under the chosen Node.js major version (default: the one running
// npm), fetching it into .cache/ when needed (scripts/node.mjs). Node 20 gets
// V8's relaxed-SIMD switch, so that every version trains on the relaxed build.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { nodeBinary, relaxedSimdFlags } from "./node.mjs";

const args = process.argv.slice(2);
const at = args.indexOf("--node");
const major = at < 0 ? process.versions.node.split(".")[0] : args[at + 1];
if (at >= 0) args.splice(at, 2);
const binary = nodeBinary(major);
const run = fileURLToPath(new URL("../bench/run.js", import.meta.url));
const { status, signal } = spawnSync(binary, [...relaxedSimdFlags(binary), run, ...args], { stdio: "inherit" });
process.exit(status ?? (signal ? 1 : 0));
