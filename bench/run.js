// Benchmark runner: `node bench/run.js [--quick] [--json] [--out file] [--only name,…] [--no-peers] [--profile]`.
// A section is an async function ({ quick, log }) returning rows
// { name, value, unit, peer?, peerValue?, ratio? }. Add one by appending to
// SECTIONS; each is imported only when it runs, so one broken section (say, a
// dist/ that does not build) does not take the others down. --json prints one
// line of run metadata ({ "meta": … }, see bench/meta.js), then one line per
// row; --out writes the same lines to a file (what scripts/perf-table.mjs reads).
import { writeFileSync } from "node:fs";
import { runMetadata } from "./meta.js";

const SECTIONS = [
  { name: "gemm", load: async () => (await import("./gemm.js")).gemmSection },
  { name: "peak", load: async () => (await import("./peak.js")).peakSection },
  { name: "training", load: async () => (await import("./train.js")).trainSection },
  { name: "threads", load: async () => (await import("./threads.js")).threadsSection },
  { name: "sklearn", load: async () => (await import("./sklearn.js")).sklearnSection },
  { name: "small", load: async () => (await import("./small.js")).smallSection },
  { name: "memory", load: async () => (await import("./memory.js")).memorySection },
  { name: "onnx", load: async () => (await import("./onnx.js")).onnxSection },
  { name: "int8", load: async () => (await import("./int8.js")).int8Section },
  { name: "stream", load: async () => (await import("./stream.js")).streamSection },
  // Runs only when asked for: with --profile, or named in --only.
  { name: "profile", load: async () => (await import("./profile.js")).profileSection, optIn: true },
];

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const json = args.includes("--json");
const only = optionValue("--only")?.split(",") ?? null;
const profile = args.includes("--profile");
/** Whether a section runs: named in --only, or with no --only unless it is opt-in; --profile adds the profile section. */
const runs = (section) => (only ? only.includes(section.name) : !section.optIn) || (section.name === "profile" && profile);
const outFile = optionValue("--out");
/** Progress notes go to stderr so `--json` output stays one object per line. */
const log = (msg) => console.error(msg);

// Sections measure one thread unless they say otherwise (the threads section sets and resets 2).
await (await import("../dist/runtime/core.js")).setThreads(1);
let rows = [];
for (const section of SECTIONS) {
  if (!runs(section)) continue;
  try {
    const run = await section.load();
    rows.push(...await run({ quick, log }));
  } catch (e) {
    log(`section ${section.name} failed: ${e?.stack ?? e}`);
    process.exitCode = 1;
  }
}
rows.push(...(await import("./speedups.js")).speedupRows(rows));
// Peers run after wasmlp, in the same process and run, on the same shapes and data.
if (!args.includes("--no-peers")) rows = await (await import("./peers.js")).peerRows(rows, { quick, log });
const lines = [{ meta: await runMetadata({ quick, sections: SECTIONS.filter(runs).map((s) => s.name) }) }, ...rows]
  .map((line) => JSON.stringify(line));
if (outFile) writeFileSync(outFile, lines.join("\n") + "\n");
if (json) for (const line of lines) console.log(line);
else printTable(rows);

/** The value of `--name value` or `--name=value`, if given. */
function optionValue(name) {
  const arg = args.find((a) => a === name || a.startsWith(`${name}=`));
  return arg === undefined ? undefined : arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : args[args.indexOf(arg) + 1];
}

function printTable(rows) {
  const withPeer = rows.some((r) => r.peer !== undefined);
  const header = ["benchmark", "value", "unit", ...(withPeer ? ["peer", "peer value", "ratio (>1: wasmlp better)"] : [])];
  const body = rows.map((r) => [
    r.name, format(r.value), r.unit,
    ...(withPeer ? [r.peer ?? "", format(r.peerValue), format(r.ratio)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const numeric = new Set([1, 4, 5]);
  const line = (cells) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const b of body) console.log(line(b));
}

function format(x) {
  if (x === undefined || x === null) return "";
  if (typeof x !== "number") return String(x);
  if (x !== 0 && Math.abs(x) < 0.01) return x.toExponential(2);
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2);
}
