// Where a training step of the benchmark network goes, on one and two threads:
// the core's kernel profiling (Core.setProfiling) times every kernel call of a
// few epochs, and each call is put in a phase — each layer's forward GEMM,
// weight-gradient GEMM and input-gradient GEMM, the elementwise passes, the
// optimizer — with the split calls' waits on the pool apart, and the time
// between kernel calls (TypeScript: the loop, checks, callbacks, yields) as what
// the epochs took beyond their kernels. Same network, data, batch and metrics as
// the training section. Phase times are per step, in µs.
import { getCore, mlp, setThreads } from "../dist/index.js";
import { benchData, trainRun } from "./train.js";

const SIZES = [784, 256, 128, 10];
const BATCH = 128;

/** Kernels by phase, for the calls a GEMM's shape does not place. */
const PHASES = {
  activation_backward: "activation_backward",
  column_sums: "bias_gradient",
  softmax_cross_entropy_index: "loss",
  softmax_cross_entropy_onehot: "loss",
  adam_update: "optimizer",
  pack_b_nn: "repack_weights",
  gather_rows: "batch_gather",
  gather_i32: "batch_gather",
  gather_rows_u8_scaled: "batch_gather",
  rng_shuffle: "batch_gather",
  count_correct_index: "metrics",
  argmax_rows: "metrics",
  count_nonfinite: "checks",
  first_outside_range: "checks",
  first_label_out_of_range: "checks",
};

/** What each phase is, for the printed table. */
const LABELS = {
  gemm_forward_l: (l) => `forward GEMM, layer ${l} (${SIZES[l - 1]}→${SIZES[l]}, bias and activation fused)`,
  gemm_weight_grad_l: (l) => `weight-gradient GEMM Aᵀ·B, layer ${l}`,
  gemm_input_grad_l: (l) => `input-gradient GEMM A·Bᵀ, layer ${l}`,
  activation_backward: "activation backward (elementwise)",
  bias_gradient: "bias gradient (column sums)",
  loss: "loss and its gradient (softmax cross-entropy)",
  optimizer: "optimizer update (Adam, all parameters)",
  repack_weights: "repacking weights for the forward GEMM",
  batch_gather: "batch gather and shuffle",
  metrics: "metrics (accuracy)",
  checks: "finite and range checks",
  other_kernels: "other kernels",
  pool_wait: "waits on the pool (wake, join) in split calls",
  typescript: "between kernel calls (TypeScript, callbacks, yields)",
  step: "whole step",
};

/** Phases in the order a step runs them, then the rest: the order of the table and the rows. */
const LAYERS = SIZES.slice(1).map((_, i) => i + 1);
const ORDER = [
  ...LAYERS.map((l) => `gemm_forward_l${l}`), "loss",
  ...[...LAYERS].reverse().flatMap((l) => [`gemm_weight_grad_l${l}`, `gemm_input_grad_l${l}`]),
  "activation_backward", "bias_gradient", "optimizer", "repack_weights", "batch_gather", "metrics", "checks", "other_kernels",
  "pool_wait", "typescript", "step",
];

/** The phase of a GEMM of shape M×N×K, by which layer's sizes it has, or null. */
function gemmPhase(name, M, N, K) {
  for (let l = 1; l < SIZES.length; l++) {
    const [inputs, outputs] = [SIZES[l - 1], SIZES[l]];
    if (name === "gemm_nn_packed_bias_act" && N === outputs && K === inputs) return `gemm_forward_l${l}`;
    if (name === "gemm_tn" && M === inputs && N === outputs) return `gemm_weight_grad_l${l}`;
    if (name === "gemm_nt" && N === inputs && K === outputs) return `gemm_input_grad_l${l}`;
  }
  return null;
}

/** Milliseconds by phase (waits taken out of the calls that waited) from a core profile and the wall time around it. */
export function phasesOf(profile, wallMs) {
  const ms = {};
  const add = (phase, x) => { ms[phase] = (ms[phase] ?? 0) + x; };
  // GEMMs are placed by shape (profile.byGemm), every other kernel by name.
  const gemms = Object.entries(profile.byGemm).map(([key, t]) => [...key.split(" "), t]);
  const gemmNames = new Set(gemms.map(([name]) => name));
  let kernelMs = 0;
  for (const [name, t] of Object.entries(profile.byKernel)) {
    kernelMs += t.ms;
    add("pool_wait", t.poolWaitMs);
    if (!gemmNames.has(name)) add(PHASES[name] ?? "other_kernels", t.ms - t.poolWaitMs);
  }
  for (const [name, shape, t] of gemms) add(gemmPhase(name, ...shape.split("x").map(Number)) ?? "other_kernels", t.ms - t.poolWaitMs);
  add("typescript", wallMs - kernelMs);
  ms.step = wallMs;
  return Object.fromEntries(ORDER.filter((phase) => phase in ms).map((phase) => [phase, ms[phase]]));
}

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
  const ms = phasesOf(core.profile(), wallMs);
  model.dispose();
  const steps = epochs * Math.ceil(rows / BATCH);
  return Object.fromEntries(Object.entries(ms).map(([phase, x]) => [phase, (1000 * x) / steps]));
}

/** The phase's description for the table. */
function label(phase) {
  const layer = phase.match(/^(gemm_\w+_l)(\d)$/);
  return layer ? LABELS[layer[1]](Number(layer[2])) : LABELS[phase] ?? phase;
}

/** Prints the per-step table of both thread counts through `log`. */
function printProfile(byThreads, log) {
  const phases = ORDER.filter((phase) => Object.values(byThreads).some((us) => phase in us));
  const threads = Object.keys(byThreads);
  const header = ["phase", ...threads.flatMap((t) => [`${t} thread${t === "1" ? "" : "s"}, µs/step`, "%"])];
  const body = phases.map((p) => [label(p), ...threads.flatMap((t) => {
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
