// GEMM throughput of the core's kernels: GFLOP/s = 2·M·N·K / time, on as many
// threads as the shared core uses (one, unless the threads section set two).
// Shapes: the first layer of a 784-256-… network at batch 128 (forward and both
// gradient products have this size), a square case, and a single sample.
// Row names read M×K×N. Both builds are measured, each in a core of its own:
// gemm_* rows the plain SIMD build, gemm_relaxed_* rows the relaxed-SIMD build
// (fused multiply-add; Node 20 needs --experimental-wasm-relaxed-simd, which
// `npm run bench` passes). *_packed rows run the dense forward pass as layers do:
// weights packed ahead by pack_b_nn, bias and ReLU fused.
import { createCore, init, relaxedSimdSupported } from "../dist/runtime/core.js";
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

/** Benchmark rows for gemm_nn, gemm_nt, gemm_tn and the packed forward GEMM on each shape, for each build this engine runs. */
export async function gemmSection({ quick = false, shapes = SHAPES, log = () => {} } = {}) {
  const threads = (await init()).threads;
  const builds = relaxedSimdSupported() ? ["plain", "relaxed"] : ["plain"];
  if (builds.length === 1) log("gemm: this engine lacks relaxed SIMD (Node 20: run with --experimental-wasm-relaxed-simd), so no gemm_relaxed_* rows");
  const cases = [];
  const cores = [];
  for (const build of builds) {
    const core = await createCore({ simd: build, threads });
    cores.push(core);
    cases.push(...gemmCases(core, build === "relaxed" ? "gemm_relaxed" : "gemm", shapes));
  }
  // Interleaved in one measurement, so a burst of load elsewhere costs every row alike.
  const seconds = measureAll(cases.map((c) => c.run), { quick });
  for (const core of cores) await core.stopPool();
  return cases.map((c, i) => ({ name: c.name, value: round(c.flops / seconds[i] / 1e9), unit: "GFLOP/s" }));
}

/** Cases { name, flops, run } of each form and of the packed forward GEMM on each shape, in `core`, named `${prefix}_${form}_MxKxN`. */
export function gemmCases(core, prefix, shapes) {
  const cases = [];
  const k = core.kernels;
  for (const [M, K, N] of shapes) {
    const a = core.allocF32(M * K);
    const b = core.allocF32(K * N);
    const c = core.allocF32(M * N);
    const bias = core.allocF32(N);
    const packed = core.allocator.alloc(k.packed_b_bytes(K, N));
    const work = core.allocator.alloc(k.gemm_work_bytes(M, N, K));
    fill(core.f32(a, M * K), 1);
    fill(core.f32(b, K * N), 2);
    fill(core.f32(bias, N), 3);
    k.pack_b_nn(K, N, b, N, packed);
    const flops = 2 * M * N * K;
    for (const form of FORMS) {
      const { lda, ldb } = leadingDims(form, M, N, K);
      const fn = k[`gemm_${form}`];
      cases.push({ name: `${prefix}_${form}_${M}x${K}x${N}`, flops, run: () => fn(M, N, K, a, lda, b, ldb, c, N, 0, work) });
    }
    cases.push({
      name: `${prefix}_nn_packed_${M}x${K}x${N}`, flops,
      run: () => k.gemm_nn_packed_bias_act(M, N, K, a, K, packed, bias, c, N, 1, 0, work),
    });
  }
  return cases;
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
