// Two threads over one, from the rows of one run: training and batch inference
// (the training and threads sections), and the relaxed build's GEMMs on the
// first layer's 128×784×256 (the gemm and threads sections). A·B is compared in
// the form layers run it, weights packed ahead; plain gemm_nn has no two-thread
// path. A speedup whose two rows did not both run is left out.
const SHAPE = "128x784x256";
const PAIRS = [
  ["train_speedup_2t", "train_samples_per_s_1t", "train_samples_per_s_2t"],
  ["infer_speedup_2t", "infer_samples_per_s_1t", "infer_samples_per_s_2t"],
  ["gemm_nn_2t_speedup", `gemm_relaxed_nn_packed_${SHAPE}`, `gemm_relaxed_nn_packed_${SHAPE}_2t`],
  ["gemm_nt_2t_speedup", `gemm_relaxed_nt_${SHAPE}`, `gemm_relaxed_nt_${SHAPE}_2t`],
  ["gemm_tn_2t_speedup", `gemm_relaxed_tn_${SHAPE}`, `gemm_relaxed_tn_${SHAPE}_2t`],
];

/** Speedup rows (unit ×) for each pair of one- and two-thread rows present in `rows`. */
export function speedupRows(rows) {
  const value = (name) => rows.find((r) => r.name === name)?.value;
  return PAIRS.flatMap(([name, one, two]) => {
    const [a, b] = [value(one), value(two)];
    return a > 0 && b > 0 ? [{ name, value: Math.round((b / a) * 1000) / 1000, unit: "×" }] : [];
  });
}
