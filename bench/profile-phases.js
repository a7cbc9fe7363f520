// The phases of a training step, from a core profile (Core.profile()): each
// layer's forward, weight-gradient and input-gradient GEMM, told apart by shape;
// the other kernels by name; the split calls' waits on the pool taken out of the
// calls that waited; and the time between kernel calls as what the wall clock
// saw beyond the kernels. Apart from bench/profile.js so tests can check it.

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
  gemm_work_bytes: "scratch_sizes",
  packed_b_bytes: "scratch_sizes",
};

/** What each phase is, for a printed table; layer phases take the network's sizes and the layer. */
const LABELS = {
  gemm_forward_l: (sizes, l) => `forward GEMM, layer ${l} (${sizes[l - 1]}→${sizes[l]}, bias and activation fused)`,
  gemm_weight_grad_l: (sizes, l) => `weight-gradient GEMM Aᵀ·B, layer ${l}`,
  gemm_input_grad_l: (sizes, l) => `input-gradient GEMM A·Bᵀ, layer ${l}`,
  activation_backward: "activation backward (elementwise)",
  bias_gradient: "bias gradient (column sums)",
  loss: "loss and its gradient (softmax cross-entropy)",
  optimizer: "optimizer update (Adam, all parameters)",
  repack_weights: "repacking weights for the forward GEMM",
  batch_gather: "batch gather and shuffle",
  metrics: "metrics (accuracy)",
  checks: "finite and range checks",
  scratch_sizes: "scratch sizes (once a fit)",
  other_kernels: "other kernels",
  pool_wait: "waits on the pool (wake, join) in split calls",
  typescript: "between kernel calls (TypeScript, callbacks, yields)",
  step: "whole step",
};

/** The phases of a network of these layer sizes, in the order a step runs them, then the rest. */
export function phaseOrder(sizes) {
  const layers = sizes.slice(1).map((_, i) => i + 1);
  return [
    ...layers.map((l) => `gemm_forward_l${l}`), "loss",
    ...[...layers].reverse().flatMap((l) => [`gemm_weight_grad_l${l}`, `gemm_input_grad_l${l}`]),
    "activation_backward", "bias_gradient", "optimizer", "repack_weights", "batch_gather", "metrics", "checks", "scratch_sizes", "other_kernels",
    "pool_wait", "typescript", "step",
  ];
}

/** The phase of a GEMM of shape M×N×K, by which layer's sizes it has, or null. */
function gemmPhase(sizes, name, M, N, K) {
  for (let l = 1; l < sizes.length; l++) {
    const [inputs, outputs] = [sizes[l - 1], sizes[l]];
    if (name === "gemm_nn_packed_bias_act" && N === outputs && K === inputs) return `gemm_forward_l${l}`;
    if (name === "gemm_tn" && M === inputs && N === outputs) return `gemm_weight_grad_l${l}`;
    if (name === "gemm_nt" && N === inputs && K === outputs) return `gemm_input_grad_l${l}`;
  }
  return null;
}

/** Milliseconds by phase, in phaseOrder(), from a core profile of a network of `sizes` and the wall time around it. */
export function phasesOf(profile, wallMs, sizes) {
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
  for (const [name, shape, t] of gemms) add(gemmPhase(sizes, name, ...shape.split("x").map(Number)) ?? "other_kernels", t.ms - t.poolWaitMs);
  add("typescript", wallMs - kernelMs);
  ms.step = wallMs;
  return Object.fromEntries(phaseOrder(sizes).filter((phase) => phase in ms).map((phase) => [phase, ms[phase]]));
}

/** A phase's description for a table. */
export function phaseLabel(phase, sizes) {
  const layer = phase.match(/^(gemm_\w+_l)(\d+)$/);
  return layer ? LABELS[layer[1]](sizes, Number(layer[2])) : LABELS[phase] ?? phase;
}
