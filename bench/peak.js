// The yardstick for the GEMMs: the peak rate of 128-bit WebAssembly SIMD
// multiply-adds on one core, from a tiny module (bench/peak-loop.as.ts) that this
// section compiles itself, plain and with relaxed SIMD. Rows peak_*_1t give its
// GFLOP/s; rows peak_fraction_* give the first-layer GEMM (128×784×256, one
// thread) in each form as a percentage of the peak of its own build: plain
// against multiply then add, relaxed against fused multiply-add. The GEMMs are
// timed again here, interleaved with the peak loops, so that load from other
// processes moves both sides of each ratio alike.
import { readFile } from "node:fs/promises";
import asc from "assemblyscript/asc";
import { createCore, relaxedSimdSupported } from "../dist/runtime/core.js";
import { measureAll } from "./timing.js";

const SOURCE = new URL("./peak-loop.as.ts", import.meta.url);
const FLOPS_PER_ROUND = 12 * 4 * 2; // 12 chains × 4 lanes × (multiply + add)
const ROUNDS = 100_000; // a call lasts a fraction of a millisecond
const [M, K, N] = [128, 784, 256];
// Leading dimensions of A and B as each form stores them densely (nt: B is N×K; tn: A is K×M).
const FORMS = { nn: [K, N], nt: [K, K], tn: [M, N] };

/** The peak-loop module compiled for one build; resolves to its multiply_add export. */
async function compilePeakLoop(build) {
  const enable = build === "relaxed" ? ["simd", "relaxed-simd"] : ["simd"];
  const { error, binary, stderr } = await asc.compileString(
    { "peak-loop.ts": await readFile(SOURCE, "utf8") },
    { optimizeLevel: 3, runtime: "stub", noAssert: true, use: ["abort="], enable },
  );
  if (error) throw new Error(`peak loop (${build}) did not compile: ${stderr}`);
  const { instance } = await WebAssembly.instantiate(binary);
  return instance.exports.multiply_add;
}

/** The three GEMM forms of one build's core on the first-layer shape, as functions to time. */
function gemmCalls(core) {
  const k = core.kernels;
  const [a, b, c] = [core.allocF32(M * K), core.allocF32(K * N), core.allocF32(M * N)];
  const work = core.allocator.alloc(k.gemm_work_bytes(M, N, K));
  core.f32(a, M * K).fill(0.5);
  core.f32(b, K * N).fill(0.25);
  return Object.entries(FORMS).map(([form, [lda, ldb]]) => ({ form, run: () => k[`gemm_${form}`](M, N, K, a, lda, b, ldb, c, N, 0, work) }));
}

/** Rows peak_mul_add_1t and peak_relaxed_madd_1t (GFLOP/s per core) and peak_fraction_* (each GEMM form, % of its build's peak). */
export async function peakSection({ quick, log }) {
  const builds = relaxedSimdSupported() ? ["plain", "relaxed"] : ["plain"];
  if (builds.length === 1) log("peak: this engine lacks relaxed SIMD, so no relaxed rows");
  const cases = [];
  const cores = [];
  for (const build of builds) {
    const loop = await compilePeakLoop(build);
    cases.push({ build, run: () => loop(ROUNDS, 0.5, 1), flops: ROUNDS * FLOPS_PER_ROUND });
    const core = await createCore({ simd: build, threads: 1 });
    cores.push(core);
    for (const { form, run } of gemmCalls(core)) cases.push({ build, form, run, flops: 2 * M * N * K });
  }
  const seconds = measureAll(cases.map((c) => c.run), { quick });
  for (const core of cores) await core.stopPool();
  const rate = cases.map((c, i) => c.flops / seconds[i] / 1e9);
  const rows = [];
  for (const build of builds) {
    const peak = rate[cases.findIndex((c) => c.build === build && !c.form)];
    rows.push({ name: build === "relaxed" ? "peak_relaxed_madd_1t" : "peak_mul_add_1t", value: round(peak), unit: "GFLOP/s" });
    cases.forEach((c, i) => {
      if (c.build !== build || !c.form) return;
      const gemm = `${build === "relaxed" ? "gemm_relaxed" : "gemm"}_${c.form}_${M}x${K}x${N}`;
      rows.push({ name: `peak_fraction_${gemm}`, value: round((100 * rate[i]) / peak), unit: "% of peak" });
    });
  }
  return rows;
}

function round(x) {
  return Math.round(x * 100) / 100;
}
