// GEMM kernels against a float64 scalar reference, on every combination of
// awkward sizes, as sub-blocks of larger matrices so leading dimensions,
// out-of-block reads and out-of-block writes are all exercised.
import { beforeAll, describe, expect, it } from "vitest";
import type { Core } from "../src/runtime/core.js";
import { getF32, loadCore, maxRelError, putF32, randomF32 } from "./helpers.js";

const SIZES = [1, 2, 3, 5, 7, 17, 33, 129];
/** Shapes [M, N, K] past the kernels' cache blocks (K > 256, M > 50, N > 512) and tile multiples. */
const LARGE: [number, number, number][] = [
  [130, 530, 520], [5, 8, 257], [10, 16, 512], [61, 1030, 33], [4, 1030, 300], [1, 600, 1000], [3, 17, 700],
];
const ACTS = ["linear", "relu", "leaky_relu", "sigmoid", "tanh"] as const;
const ALPHA = 0.1;
/** Marks memory around the C block; any change means a write outside it. */
const SENTINEL = 777.25;
/** Bytes after the workspace that must stay untouched. */
const GUARD = 256;

/**
 * f32 accumulation of K products of values in [-1, 1]: the rounding error of a
 * sum grows at most linearly with its length (K·u, u = 2⁻²⁴ ≈ 6e-8, on Σ|aᵢbᵢ| ≤ K)
 * and in practice like √K. 2e-7·K + 1e-6 stays well clear of blocked summation
 * orders yet is far below the error of a single wrong or missing product (≥ ~1e-3).
 */
function tolerance(K: number): number {
  return 2e-7 * K + 1e-6;
}

type Form = "nn" | "nt" | "tn";

interface Problem {
  M: number;
  N: number;
  K: number;
  A: Float32Array; // logical M×K, row-major
  B: Float32Array; // logical K×N, row-major
  P: Float64Array; // A·B in float64
}

function problem(M: number, N: number, K: number): Problem {
  const seed = M * 1_000_003 + N * 1009 + K;
  const A = randomF32(M * K, seed);
  const B = randomF32(K * N, seed + 7);
  const P = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) {
      const a = A[i * K + k];
      for (let j = 0; j < N; j++) P[i * N + j] += a * B[k * N + j];
    }
  }
  return { M, N, K, A, B, P };
}

/** A rows×cols matrix stored with leading dimension cols + pad, padding NaN so stray reads poison results. */
function padded(rows: number, cols: number, pad: number, at: (r: number, c: number) => number): { data: Float32Array; ld: number } {
  const ld = cols + pad;
  const data = new Float32Array(rows * ld).fill(NaN);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * ld + c] = at(r, c);
  return { data, ld };
}

/** op(A) and op(B) in the storage each form expects. */
function storeOperands(p: Problem, form: Form) {
  const { M, N, K, A, B } = p;
  const a = form === "tn" ? padded(K, M, 3, (k, i) => A[i * K + k]) : padded(M, K, 2, (i, k) => A[i * K + k]);
  const b = form === "nt" ? padded(N, K, 1, (j, k) => B[k * N + j]) : padded(K, N, 5, (k, j) => B[k * N + j]);
  return { a, b };
}

function activate(x: number, act: (typeof ACTS)[number]): number {
  switch (act) {
    case "relu": return Math.max(0, x);
    case "leaky_relu": return x > 0 ? x : ALPHA * x;
    case "sigmoid": return 1 / (1 + Math.exp(-x));
    case "tanh": return Math.tanh(x);
    default: return x;
  }
}

interface Outcome {
  error: number;
  outsideWrites: number;
  guardWrites: number;
}

/**
 * Runs one kernel call with C as a block at (1, 2) of an (M+2)×(N+3) matrix and
 * returns the error against `expected` plus counts of writes outside C and past
 * the workspace. `c0` seeds the block (NaN when the kernel must not read it).
 */
function runCase(core: Core, p: Problem, form: Form, c0: Float32Array,
  expected: ArrayLike<number>, call: (a: number, lda: number, b: number, ldb: number, c: number, ldc: number, work: number) => void): Outcome {
  const { M, N, K } = p;
  const { a, b } = storeOperands(p, form);
  const ldc = N + 3;
  const full = new Float32Array((M + 2) * ldc).fill(SENTINEL);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) full[(i + 1) * ldc + 2 + j] = c0[i * N + j];
  const workBytes = core.kernels.gemm_work_bytes(M, N, K);
  const pa = putF32(core, a.data);
  const pb = putF32(core, b.data);
  const pc = putF32(core, full);
  const pw = core.allocator.alloc(workBytes + GUARD);
  try {
    core.u8(pw + workBytes, GUARD).fill(0xa5);
    call(pa, a.ld, pb, b.ld, pc + (ldc + 2) * 4, ldc, pw);
    const out = getF32(core, pc, full.length);
    const block = new Float32Array(M * N);
    let outsideWrites = 0;
    for (let r = 0; r < M + 2; r++) {
      for (let c = 0; c < ldc; c++) {
        const inside = r >= 1 && r <= M && c >= 2 && c < N + 2;
        if (inside) block[(r - 1) * N + c - 2] = out[r * ldc + c];
        else if (out[r * ldc + c] !== SENTINEL) outsideWrites++;
      }
    }
    const guardWrites = core.u8(pw + workBytes, GUARD).filter((x) => x !== 0xa5).length;
    return { error: maxRelError(block, expected), outsideWrites, guardWrites };
  } finally {
    for (const ptr of [pa, pb, pc, pw]) core.free(ptr);
  }
}

/** Every (N, K) pair of SIZES for one M. */
function shapesFor(M: number): [number, number][] {
  const out: [number, number][] = [];
  for (const N of SIZES) for (const K of SIZES) out.push([N, K]);
  return out;
}

let core: Core;
beforeAll(async () => {
  core = await loadCore();
});

/** Collects failures of one sweep so a single assertion reports all of them. */
function check(label: string, o: Outcome, K: number, failures: string[]): void {
  if (!(o.error <= tolerance(K)) || o.outsideWrites > 0 || o.guardWrites > 0) {
    failures.push(`${label}: error ${o.error.toExponential(2)} (tol ${tolerance(K).toExponential(1)}), ` +
      `${o.outsideWrites} writes outside C, ${o.guardWrites} bytes written past work`);
  }
}

const KERNEL: Record<Form, "gemm_nn" | "gemm_nt" | "gemm_tn"> = { nn: "gemm_nn", nt: "gemm_nt", tn: "gemm_tn" };

describe.each(["nn", "nt", "tn"] as Form[])("gemm_%s", (form) => {
  for (const accumulate of [0, 1]) {
    const mode = accumulate ? "C += op(A)·op(B)" : "C = op(A)·op(B)";

    it.each(SIZES)(`${mode}, M = %i, every N and K`, (M) => {
      const failures: string[] = [];
      for (const [N, K] of shapesFor(M)) sweepOne(M, N, K, form, accumulate, failures);
      expect(failures).toEqual([]);
    });

    it(`${mode}, shapes past the cache blocks`, () => {
      const failures: string[] = [];
      for (const [M, N, K] of LARGE) sweepOne(M, N, K, form, accumulate, failures);
      expect(failures).toEqual([]);
    });
  }
});

function sweepOne(M: number, N: number, K: number, form: Form, accumulate: number, failures: string[]): void {
  const p = problem(M, N, K);
  const c0 = accumulate ? randomF32(M * N, M + N + K) : new Float32Array(M * N).fill(NaN);
  const expected = accumulate ? p.P.map((x, i) => x + c0[i]) : p.P;
  const fn = core.kernels[KERNEL[form]];
  const o = runCase(core, p, form, c0, expected, (a, lda, b, ldb, c, ldc, work) =>
    fn(M, N, K, a, lda, b, ldb, c, ldc, accumulate, work));
  check(`${form} M=${M} N=${N} K=${K} accumulate=${accumulate}`, o, K, failures);
}

describe("gemm_nn_bias_act", () => {
  for (const act of ACTS) {
    for (const withBias of [true, false]) {
      const label = `${act}${act === "leaky_relu" ? ` (alpha ${ALPHA})` : ""}, ${withBias ? "with" : "without"} bias`;

      it.each(SIZES)(`${label}, M = %i, every N and K`, (M) => {
        const failures: string[] = [];
        for (const [N, K] of shapesFor(M)) fusedOne(M, N, K, act, withBias, failures);
        expect(failures).toEqual([]);
      });

      it(`${label}, shapes past the cache blocks`, () => {
        const failures: string[] = [];
        for (const [M, N, K] of LARGE) fusedOne(M, N, K, act, withBias, failures);
        expect(failures).toEqual([]);
      });
    }
  }
});

function fusedOne(M: number, N: number, K: number, act: (typeof ACTS)[number], withBias: boolean, failures: string[],
  prepacked = false): void {
  const p = problem(M, N, K);
  const bias = randomF32(N, 99 + N, -2, 2);
  const expected = p.P.map((x, i) => activate(x + (withBias ? bias[i % N] : 0), act));
  const code = ACTS.indexOf(act);
  const pbias = withBias ? putF32(core, bias) : 0;
  try {
    const o = runCase(core, p, "nn", new Float32Array(M * N).fill(NaN), expected, (a, lda, b, ldb, c, ldc, work) => {
      if (!prepacked) return core.kernels.gemm_nn_bias_act(M, N, K, a, lda, b, ldb, pbias, c, ldc, code, ALPHA, work);
      withPacked(K, N, b, ldb, failures, (packed) =>
        core.kernels.gemm_nn_packed_bias_act(M, N, K, a, lda, packed, pbias, c, ldc, code, ALPHA, work));
    });
    check(`${prepacked ? "packed_" : ""}bias_act ${act} bias=${withBias} M=${M} N=${N} K=${K}`, o, K, failures);
  } finally {
    if (pbias) core.free(pbias);
  }
}

/** Packs B (K×N at b, ldb) with pack_b_nn into a guarded buffer, runs `use` on it, and reports writes past its size. */
function withPacked(K: number, N: number, b: number, ldb: number, failures: string[], use: (packed: number) => void): void {
  const bytes = core.kernels.packed_b_bytes(K, N);
  const packed = core.allocator.alloc(bytes + GUARD);
  try {
    core.u8(packed + bytes, GUARD).fill(0xa5);
    core.kernels.pack_b_nn(K, N, b, ldb, packed);
    use(packed);
    const stray = core.u8(packed + bytes, GUARD).filter((x) => x !== 0xa5).length;
    if (stray > 0) failures.push(`pack_b_nn K=${K} N=${N}: ${stray} bytes written past packed_b_bytes`);
  } finally {
    core.free(packed);
  }
}

describe("gemm_nn_packed_bias_act (B packed once by pack_b_nn)", () => {
  for (const act of ACTS) {
    for (const withBias of [true, false]) {
      const label = `${act}${act === "leaky_relu" ? ` (alpha ${ALPHA})` : ""}, ${withBias ? "with" : "without"} bias`;

      it.each(SIZES)(`${label}, M = %i, every N and K`, (M) => {
        const failures: string[] = [];
        for (const [N, K] of shapesFor(M)) fusedOne(M, N, K, act, withBias, failures, true);
        expect(failures).toEqual([]);
      });

      it(`${label}, shapes past the cache blocks`, () => {
        const failures: string[] = [];
        for (const [M, N, K] of LARGE) fusedOne(M, N, K, act, withBias, failures, true);
        expect(failures).toEqual([]);
      });
    }
  }

  it("packs 8-column panels spanning all of K, zero-padded, from a sub-block of B", () => {
    for (const [K, N] of [[1, 1], [3, 8], [5, 17], [33, 24], [7, 129]]) {
      const ldb = N + 3;
      const B = randomF32(K * ldb, K * 31 + N);
      const pb = putF32(core, B);
      const bytes = core.kernels.packed_b_bytes(K, N);
      expect(bytes).toBe(K * Math.ceil(N / 8) * 8 * 4);
      const packed = core.allocator.alloc(bytes);
      core.f32(packed, bytes / 4).fill(NaN);
      core.kernels.pack_b_nn(K, N, pb, ldb, packed);
      const got = getF32(core, packed, bytes / 4);
      const want = new Float32Array(bytes / 4);
      for (let j = 0; j < Math.ceil(N / 8) * 8; j++) {
        for (let k = 0; k < K; k++) want[(Math.floor(j / 8) * K + k) * 8 + (j % 8)] = j < N ? B[k * ldb + j] : 0;
      }
      expect(Array.from(got)).toEqual(Array.from(want));
      core.free(pb);
      core.free(packed);
    }
  });

  it("gives the same bits as gemm_nn_bias_act once M > 4, and agrees to tolerance below", () => {
    const failures: string[] = [];
    for (const [M, N, K] of [[5, 33, 17], [7, 129, 33], [50, 10, 784], [128, 256, 784], [130, 530, 520], [2, 256, 784], [1, 10, 128]]) {
      const p = problem(M, N, K);
      const bias = randomF32(N, 5);
      const [pa, pb, pbias] = [putF32(core, p.A), putF32(core, p.B), putF32(core, bias)];
      const [c1, c2] = [core.allocF32(M * N), core.allocF32(M * N)];
      const work = core.allocator.alloc(core.kernels.gemm_work_bytes(M, N, K));
      withPacked(K, N, pb, N, failures, (packed) => {
        core.kernels.gemm_nn_bias_act(M, N, K, pa, K, pb, N, pbias, c1, N, 1, 0, work);
        core.kernels.gemm_nn_packed_bias_act(M, N, K, pa, K, packed, pbias, c2, N, 1, 0, work);
      });
      const [r1, r2] = [getF32(core, c1, M * N), getF32(core, c2, M * N)];
      if (M > 4 && !Buffer.from(r1.buffer).equals(Buffer.from(r2.buffer))) failures.push(`M=${M} N=${N} K=${K}: bits differ`);
      const e = maxRelError(r2, r1);
      if (!(e <= tolerance(K))) failures.push(`M=${M} N=${N} K=${K}: packed vs unpacked error ${e}`);
      for (const ptr of [pa, pb, pbias, c1, c2, work]) core.free(ptr);
    }
    expect(failures).toEqual([]);
  });
});

describe("gemm_work_bytes", () => {
  it("is positive, a multiple of 16, and never shrinks as any size grows", () => {
    const sizes = [1, 4, 5, 6, 49, 50, 51, 255, 256, 257, 511, 512, 513, 784, 2000];
    for (const M of sizes) {
      for (const N of sizes) {
        for (const K of sizes) {
          const w = core.kernels.gemm_work_bytes(M, N, K);
          expect(w).toBeGreaterThan(0);
          expect(w % 16).toBe(0);
          // A thread pool sizes one workspace for a whole product and runs sub-blocks in it.
          expect(core.kernels.gemm_work_bytes(Math.max(1, M >> 1), N, K)).toBeLessThanOrEqual(w);
          expect(core.kernels.gemm_work_bytes(M, Math.max(1, N >> 1), K)).toBeLessThanOrEqual(w);
          expect(core.kernels.gemm_work_bytes(M, N, Math.max(1, K >> 1))).toBeLessThanOrEqual(w);
        }
      }
    }
  });
});
