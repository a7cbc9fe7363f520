// Where a training step of the benchmark network goes, on one and two threads:
// the core's kernel profiling (Core.setProfiling) times every kernel call of a
// few epochs, and each call is put in a phase — each layer's forward GEMM,
// weight-gradient GEMM and input-gradient GEMM, the elementwise passes, the
// optimizer — with the split calls' waits on the pool apart, and the time
// between kernel calls (TypeScript: the loop, checks, callbacks, yields) as what
// the epochs took beyond their kernels. Same network, data, batch and metrics as
// the training section. Phase times are per step, in µs.
import { getCore, mlp, setThreads } from "../dist/index.js";
import { phaseLabel, phaseOrder, phasesOf } from "./profile-phases.js";
import { benchData, trainRun } from "./train.js";

const SIZES = [784, 256, 128, 10];
const BATCH = 128;

/** Per-step µs by phase of `epochs` profiled epochs on `threads` threads, after a warm-up epoch. */
async function profileRun(threads, { quick, log }) {
  const { train } = await benchData({ quick, log });
  const { rows } = trainRun({ quick }, train.rows);
  const epochs = quick ? 1 : 3;
  await setThreads(threads);
  const core = getCore();
  const model = await mlp(SIZES, { activation: "relu", seed: 1 });
  model.compile({ optimizer: { type: "adam", learningRate: 1e-3 }, metrics: ["accuracy"] });
  const xs = train.x.subarray(0, rows * SIZES[0]);
  const ys = train.labels.subarray(0, rows);
  await model.fit(xs, ys, { epochs: 1, batchSize: BATCH }); // warm-up: V8 compiles wasm lazily
  core.resetStats();
  core.setProfiling(true);
  let wallMs;
  try {
    const t0 = performance.now();
    await model.fit(xs, ys, { epochs, batchSize: BATCH });
    wallMs = performance.now() - t0;
  } finally {
    core.setProfiling(false);
  }
  const ms = phasesOf(core.profile(), wallMs, SIZES);
  model.dispose();
  const steps = epochs * Math.ceil(rows / BATCH);
  return Object.fromEntries(Object.entries(ms).map(([phase, x]) => [phase, (1000 * x) / steps]));
}

/** Prints the per-step table of both thread counts through `log`. */
function printProfile(byThreads, log) {
  const phases = phaseOrder(SIZES).filter((phase) => Object.values(byThreads).some((us) => phase in us));
  const threads = Object.keys(byThreads);
  const header = ["phase", ...threads.flatMap((t) => [`${t} thread${t === "1" ? "" : "s"}, µs/step`, "%"])];
  const body = phases.map((p) => [phaseLabel(p, SIZES), ...threads.flatMap((t) => {
    const us = byThreads[t][p];
    return us === undefined ? ["", ""] : [us.toFixed(1), ((100 * us) / byThreads[t].step).toFixed(1)];
  })]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  log(`profile: one training step of ${SIZES.join("-")} (ReLU, Adam, batch ${BATCH}), by phase; split calls' waits counted apart`);
  for (const cells of [header, widths.map((w) => "-".repeat(w)), ...body]) log(line(cells));
}

/** Rows profile_<phase>_us_1t and _2t (µs per training step), and the table printed through `log`. */
export async function profileSection({ quick, log }) {
  const byThreads = {};
  try {
    for (const threads of [1, 2]) byThreads[threads] = await profileRun(threads, { quick, log });
  } finally {
    await setThreads(1);
  }
  printProfile(byThreads, log);
  return Object.entries(byThreads).flatMap(([threads, us]) =>
    Object.entries(us).map(([phase, value]) => ({ name: `profile_${phase}_us_${threads}t`, value, unit: "µs" })));
}
