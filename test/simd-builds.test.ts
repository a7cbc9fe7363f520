// The two builds of the core — relaxed SIMD (fused multiply-add) and plain SIMD —
// chosen at load time. Runs in both vitest projects: without the relaxed-SIMD
// flag (Node 20 then lacks it) and with it (see vitest.config.ts).
import { describe, expect, it } from "vitest";
import { createCore, getCore, init, relaxedSimdSupported, type Core } from "../src/runtime/core.js";
import { CoreError, ConfigError } from "../src/errors.js";
import { getF32, maxRelError, putF32, randomF32 } from "./helpers.js";

const FLAG = "--experimental-wasm-relaxed-simd";
const flagged = process.execArgv.includes(FLAG);
const node20 = Number(process.versions.node.split(".")[0]) === 20;

describe("choosing the build", () => {
  it("detects relaxed SIMD: on Node 20 exactly when the flag is set", () => {
    if (node20) expect(relaxedSimdSupported()).toBe(flagged);
    if (flagged) expect(relaxedSimdSupported()).toBe(true);
  });

  it("'auto' loads the relaxed build where supported, the plain build elsewhere, and says which", async () => {
    const core = await init();
    expect(core.build).toBe(relaxedSimdSupported() ? "relaxed" : "plain");
    expect(getCore().build).toBe(core.build);
    expect(core.file).toMatch(relaxedSimdSupported() ? /^wasmlp-relaxed(-shared)?\.wasm$/ : /^wasmlp(-shared)?\.wasm$/);
    expect(core.raw.simd_build()).toBe(core.build === "relaxed" ? 1 : 0);
  });

  it("'plain' forces the plain build everywhere", async () => {
    const core = await createCore({ simd: "plain", threads: 1 });
    expect(core.build).toBe("plain");
    expect(core.file).toMatch(/^wasmlp(-shared)?\.wasm$/);
  });

  it.runIf(!relaxedSimdSupported())("'relaxed' where unsupported is a CoreError naming what it needs", async () => {
    const e = await createCore({ simd: "relaxed", threads: 1 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CoreError);
    expect((e as Error).message).toMatch(/relaxed SIMD/);
    expect((e as Error).message).toContain(FLAG);
  });

  it.runIf(relaxedSimdSupported())("'relaxed' loads the relaxed build where supported", async () => {
    const core = await createCore({ simd: "relaxed", threads: 1 });
    expect(core.build).toBe("relaxed");
    expect(core.file).toMatch(/^wasmlp-relaxed(-shared)?\.wasm$/);
  });

  it("a forced build that contradicts the loaded core or the given module is refused", async () => {
    const core = await init();
    const other = core.build === "relaxed" ? "plain" : "relaxed";
    await expect(init({ simd: other })).rejects.toThrow(CoreError);
    await expect(init({ simd: core.build })).resolves.toBe(core);
    const plainFile = new URL("../build/wasmlp.wasm", import.meta.url);
    await expect(createCore({ wasm: plainFile, simd: "relaxed", threads: 1 })).rejects.toThrow(/module given as wasm is the plain build/);
  });

  it("starts the thread pool under either flag setting; the packed forward GEMM gives the same bits on 1 and 2 threads", async () => {
    const core = await createCore({ threads: 2 });
    expect(core.threads).toBe(2);
    const [M, N, K] = [128, 256, 784];
    const k = core.raw;
    const [pa, pbias] = [putF32(core, randomF32(M * K, 1)), putF32(core, randomF32(N, 2))];
    const pb = putF32(core, randomF32(K * N, 3));
    const packed = core.allocator.alloc(k.packed_b_bytes(K, N));
    const work = core.allocator.alloc(k.gemm_work_bytes(M, N, K));
    const c = core.allocF32(M * N);
    k.pack_b_nn(K, N, pb, N, packed);
    const run = (kernels: typeof k) => {
      kernels.gemm_nn_packed_bias_act(M, N, K, pa, K, packed, pbias, c, N, 1, 0, work);
      return Buffer.from(getF32(core, c, M * N).buffer);
    };
    expect(run(core.kernels).equals(run(k))).toBe(true);
    await core.stopPool();
  });

  it("rejects an unknown simd option with a ConfigError", async () => {
    await expect(createCore({ simd: "fast" as never, threads: 1 })).rejects.toThrow(ConfigError);
  });
});

/** C = act(A·B + bias) in float64, A M×K and B K×N row-major. */
function reference(M: number, N: number, K: number, A: Float32Array, B: Float32Array, bias: Float32Array, relu: boolean): Float64Array {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = bias[j];
      for (let k = 0; k < K; k++) s += A[i * K + k] * B[k * N + j];
      C[i * N + j] = relu ? Math.max(0, s) : s;
    }
  }
  return C;
}

/** The four products training and inference run, on one core: nn with bias+ReLU (plain and prepacked B), nt, tn. */
function products(core: Core, M: number, N: number, K: number, A: Float32Array, B: Float32Array, bias: Float32Array): Float32Array[] {
  const k = core.raw;
  const [pa, pb, pbias] = [putF32(core, A), putF32(core, B), putF32(core, bias)];
  // Aᵀ stored K×M and Bᵀ stored N×K, for tn and nt.
  const At = new Float32Array(K * M), Bt = new Float32Array(N * K);
  for (let i = 0; i < M; i++) for (let q = 0; q < K; q++) At[q * M + i] = A[i * K + q];
  for (let q = 0; q < K; q++) for (let j = 0; j < N; j++) Bt[j * K + q] = B[q * N + j];
  const [pat, pbt] = [putF32(core, At), putF32(core, Bt)];
  const c = core.allocF32(M * N);
  const work = core.allocator.alloc(k.gemm_work_bytes(M, N, K));
  const packed = core.allocator.alloc(k.packed_b_bytes(K, N));
  const out: Float32Array[] = [];
  k.gemm_nn_bias_act(M, N, K, pa, K, pb, N, pbias, c, N, 1, 0, work);
  out.push(getF32(core, c, M * N));
  k.pack_b_nn(K, N, pb, N, packed);
  k.gemm_nn_packed_bias_act(M, N, K, pa, K, packed, pbias, c, N, 1, 0, work);
  out.push(getF32(core, c, M * N));
  k.gemm_nt(M, N, K, pa, K, pbt, K, c, N, 0, work);
  out.push(getF32(core, c, M * N));
  k.gemm_tn(M, N, K, pat, M, pb, N, c, N, 0, work);
  out.push(getF32(core, c, M * N));
  for (const p of [pa, pb, pbias, pat, pbt, c, work, packed]) core.free(p);
  return out;
}

describe("both builds against the float64 reference", () => {
  const SHAPES: [number, number, number][] = [[1, 1, 1], [1, 129, 784], [3, 17, 7], [7, 33, 129], [17, 10, 33], [129, 17, 257], [128, 256, 784]];

  it.each(SHAPES)("M=%i N=%i K=%i: every build here agrees with the reference and with the other build", async (M, N, K) => {
    const cores = [await createCore({ simd: "plain", threads: 1 })];
    if (relaxedSimdSupported()) cores.push(await createCore({ simd: "relaxed", threads: 1 }));
    const A = randomF32(M * K, M + 3 * N + 7 * K);
    const B = randomF32(K * N, M + N + K);
    const bias = randomF32(N, 11);
    const withBias = reference(M, N, K, A, B, bias, true);
    const plain = reference(M, N, K, A, B, new Float32Array(N), false);
    const tol = 2e-7 * K + 1e-6;
    const results = cores.map((core) => products(core, M, N, K, A, B, bias));
    for (const [ci, r] of results.entries()) {
      const name = cores[ci].build;
      expect(maxRelError(r[0], withBias), `${name} nn_bias_act`).toBeLessThanOrEqual(tol);
      expect(maxRelError(r[1], withBias), `${name} nn_packed_bias_act`).toBeLessThanOrEqual(tol);
      expect(maxRelError(r[2], plain), `${name} nt`).toBeLessThanOrEqual(tol);
      expect(maxRelError(r[3], plain), `${name} tn`).toBeLessThanOrEqual(tol);
    }
    if (results.length === 2) {
      for (let f = 0; f < 4; f++) expect(maxRelError(results[1][f], results[0][f]), `relaxed vs plain, product ${f}`).toBeLessThanOrEqual(tol);
    }
  });
});
