// GEMM throughput of the core's kernels, one thread: GFLOP/s = 2·M·N·K / time.
// Shapes: the first layer of a 784-256-… network at batch 128 (forward and both
// gradient products have this size), a square case, and a single sample.
// Row names read M×K×N.
import { init } from "../dist/core.js";
import { measureAll } from "./timing.js";

const SHAPES = [
  [128, 784, 256],
  [256, 256, 256],
  [1, 784, 256],
];
const FORMS = ["nn", "nt", "tn"];

/** Leading dimensions of A and B as each form stores them densely. */
function leadingDims(form, M, N, K) {
  if (form === "nn") return { lda: K, ldb: N };
  if (form === "nt") return { lda: K, ldb: K }; // B stored N×K
  return { lda: M, ldb: N }; // tn: A stored K×M
}

/** Benchmark rows for gemm_nn, gemm_nt and gemm_tn on each shape. */
export async function gemmSection({ quick = false, shapes = SHAPES } = {}) {
  const core = await init();
  const k = core.kernels;
  const cases = [];
  const allocated = [];
  for (const [M, K, N] of shapes) {
    const a = core.allocF32(M * K);
    const b = core.allocF32(K * N);
    const c = core.allocF32(M * N);
    const work = core.allocator.alloc(k.gemm_work_bytes(M, N, K));
    allocated.push(a, b, c, work);
    fill(core.f32(a, M * K), 1);
    fill(core.f32(b, K * N), 2);
    for (const form of FORMS) {
      const { lda, ldb } = leadingDims(form, M, N, K);
      const fn = k[`gemm_${form}`];
      cases.push({
        name: `gemm_${form}_${M}x${K}x${N}`,
        flops: 2 * M * N * K,
        run: () => fn(M, N, K, a, lda, b, ldb, c, N, 0, work),
      });
    }
  }
  const seconds = measureAll(cases.map((c) => c.run), { quick });
  for (const ptr of allocated) core.free(ptr);
  return cases.map((c, i) => ({ name: c.name, value: round(c.flops / seconds[i] / 1e9), unit: "GFLOP/s" }));
}

/** Deterministic values in [-1, 1). */
function fill(x, seed) {
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2147483648 - 1;
  }
}

function round(x) {
  return Math.round(x * 100) / 100;
}
