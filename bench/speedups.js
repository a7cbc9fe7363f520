// Two threads over one. The relaxed build's GEMMs on the first layer's
// 128×784×256 are timed here, a one-thread and a two-thread core interleaved in
// one measurement, so that a burst of load elsewhere costs both sides alike; A·B
// in the form layers run it (weights packed ahead), as plain gemm_nn has no
// two-thread path. Training and batch inference are the ratios of the training
// and threads sections' rows of the same run.
import { createCore, relaxedSimdSupported } from "../dist/runtime/core.js";
import { gemmCases } from "./gemm.js";
import { measureAll } from "./timing.js";

const SHAPE = [128, 784, 256];
const FORMS = { nn: "nn_packed", nt: "nt", tn: "tn" };
const PAIRS = [
  ["train_speedup_2t", "train_samples_per_s_1t", "train_samples_per_s_2t"],
  ["infer_speedup_2t", "infer_samples_per_s_1t", "infer_samples_per_s_2t"],
];

const ratio = (one, two) => Math.round((two / one) * 1000) / 1000;

/** Rows gemm_{nn,nt,tn}_2t_speedup (unit ×): one thread's time over two threads'; none without relaxed SIMD. */
export async function gemmSpeedupRows({ quick, log = () => {} }) {
  if (!relaxedSimdSupported()) {
    log("speedups: this engine lacks relaxed SIMD, so no gemm_*_2t_speedup rows");
    return [];
  }
  const cores = [await createCore({ simd: "relaxed", threads: 1 }), await createCore({ simd: "relaxed", threads: 2 })];
  try {
    const wanted = new Set(Object.values(FORMS).map((f) => `gemm_${f}_${SHAPE.join("x")}`));
    const [one, two] = cores.map((core) => gemmCases(core, "gemm", [SHAPE]).filter((c) => wanted.has(c.name)));
    const seconds = measureAll([...one, ...two].map((c) => c.run), { quick });
    return Object.entries(FORMS).map(([form, caseForm]) => {
      const i = one.findIndex((c) => c.name.startsWith(`gemm_${caseForm}_`));
      return { name: `gemm_${form}_2t_speedup`, value: ratio(seconds[one.length + i], seconds[i]), unit: "×" };
    });
  } finally {
    for (const core of cores) await core.stopPool();
  }
}

/** Rows train_speedup_2t and infer_speedup_2t (unit ×) for each pair of one- and two-thread rows present in `rows`. */
export function speedupRows(rows) {
  const value = (name) => rows.find((r) => r.name === name)?.value;
  return PAIRS.flatMap(([name, one, two]) => {
    const [a, b] = [value(one), value(two)];
    return a > 0 && b > 0 ? [{ name, value: ratio(a, b), unit: "×" }] : [];
  });
}
