// The yardstick for the GEMMs: the peak rate of 128-bit WebAssembly SIMD
// multiply-adds on one core, from a tiny module (bench/peak-loop.as.ts) that this
// section compiles itself, plain and with relaxed SIMD. Rows peak_*_1t give its
// GFLOP/s; rows peak_fraction_* give the first-layer GEMM (128×784×256, one
// thread) in each form as a percentage of the peak of its own build: plain
// against multiply then add, relaxed against fused multiply-add. The GEMMs are
// timed again here, interleaved with the peak loops, so that load from other
// processes moves both sides of each ratio alike.
// The same module's integer loops give the ceiling of int8 inference: rows peak_gmac_* (multiply-adds
// per second: f32 multiply then add, f32 fused, int16 dot_i16x8_s, int8 relaxed dot) and
// int8_peak_ratio_relaxed / int8_peak_ratio_plain, the relaxed dot's and the int16 dot's rate over
// the fused f32 one (over multiply then add where the engine lacks relaxed SIMD).
import { readFile } from "node:fs/promises";
import asc from "assemblyscript/asc";
import { createCore, relaxedSimdSupported } from "../dist/runtime/core.js";
import { measureAll } from "./timing.js";

const SOURCE = new URL("./peak-loop.as.ts", import.meta.url);
/** Multiply-adds per round of each loop: 12 chains × 4 lanes, × 4 bytes a lane for the int8 dot, × 2 for int16. */
const MACS_PER_ROUND = { f32: 12 * 4, int8: 12 * 16, int16: 12 * 8 };
const ROUNDS = 100_000; // a call lasts a fraction of a millisecond
const [M, K, N] = [128, 784, 256];
// Leading dimensions of A and B as each form stores them densely (nt: B is N×K; tn: A is K×M).
const FORMS = { nn: [K, N], nt: [K, K], tn: [M, N] };

/** The peak-loop module compiled for one build; resolves to its exports. */
async function compilePeakLoop(build) {
  const enable = build === "relaxed" ? ["simd", "relaxed-simd"] : ["simd"];
  const { error, binary, stderr } = await asc.compileString(
    { "peak-loop.ts": await readFile(SOURCE, "utf8") },
    { optimizeLevel: 3, runtime: "stub", noAssert: true, use: ["abort="], enable },
  );
  if (error) throw new Error(`peak loop (${build}) did not compile: ${stderr}`);
  const { instance } = await WebAssembly.instantiate(binary);
  return instance.exports;
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

/**
 * Rows peak_mul_add_1t and peak_relaxed_madd_1t (GFLOP/s per core), peak_fraction_* (each GEMM form, % of its
 * build's peak), peak_gmac_* (multiply-adds per second of each loop) and int8_peak_ratio_* (the int8 ceilings).
 */
export async function peakSection({ quick, log }) {
  const builds = relaxedSimdSupported() ? ["plain", "relaxed"] : ["plain"];
  if (builds.length === 1) log("peak: this engine lacks relaxed SIMD, so no relaxed rows");
  const cases = [];
  const cores = [];
  for (const build of builds) {
    const loops = await compilePeakLoop(build);
    cases.push({ build, loop: "f32", run: () => loops.multiply_add(ROUNDS, 0.5, 1), flops: 2 * ROUNDS * MACS_PER_ROUND.f32 });
    const int = build === "relaxed" ? { loop: "int8", run: () => loops.dot_i8(ROUNDS, 3, 5) } : { loop: "int16", run: () => loops.dot_i16(ROUNDS, 3) };
    cases.push({ build, ...int, flops: 2 * ROUNDS * MACS_PER_ROUND[int.loop] });
    const core = await createCore({ simd: build, threads: 1 });
    cores.push(core);
    for (const { form, run } of gemmCalls(core)) cases.push({ build, form, run, flops: 2 * M * N * K });
  }
  const seconds = measureAll(cases.map((c) => c.run), { quick });
  for (const core of cores) await core.stopPool();
  const rate = cases.map((c, i) => c.flops / seconds[i] / 1e9);
  const rows = [];
  const gmac = (build, loop) => rate[cases.findIndex((c) => c.build === build && c.loop === loop)] / 2;
  for (const build of builds) {
    const peak = rate[cases.findIndex((c) => c.build === build && c.loop === "f32")];
    rows.push({ name: build === "relaxed" ? "peak_relaxed_madd_1t" : "peak_mul_add_1t", value: round(peak), unit: "GFLOP/s" });
    cases.forEach((c, i) => {
      if (c.build !== build || !c.form) return;
      const gemm = `${build === "relaxed" ? "gemm_relaxed" : "gemm"}_${c.form}_${M}x${K}x${N}`;
      rows.push({ name: `peak_fraction_${gemm}`, value: round((100 * rate[i]) / peak), unit: "% of peak" });
    });
  }
  // The float yardstick of both ratios: the fused loop where the engine has relaxed SIMD.
  const float = gmac(builds.at(-1), "f32");
  const unit = builds.includes("relaxed") ? "× f32 fused" : "× f32 mul+add";
  for (const build of builds) rows.push({ name: `peak_gmac_f32_${build === "relaxed" ? "fma" : "mul_add"}_1t`, value: round(gmac(build, "f32")), unit: "GMAC/s" });
  rows.push({ name: "peak_gmac_int16_dot_1t", value: round(gmac("plain", "int16")), unit: "GMAC/s" });
  if (builds.includes("relaxed")) {
    rows.push({ name: "peak_gmac_int8_relaxed_dot_1t", value: round(gmac("relaxed", "int8")), unit: "GMAC/s" });
    rows.push({ name: "int8_peak_ratio_relaxed", value: round(gmac("relaxed", "int8") / float), unit });
  }
  rows.push({ name: "int8_peak_ratio_plain", value: round(gmac("plain", "int16") / float), unit });
  return rows;
}

function round(x) {
  return Math.round(x * 100) / 100;
}
