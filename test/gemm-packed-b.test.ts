// B packed once for a whole product (pack_b_nt, gemm_packed_b): the path the
// thread pool takes when threads splitting A·Bᵀ or Aᵀ·B by rows share one
// packing of B. It must give the same bits as gemm_nt, gemm_tn and gemm_nn on
// their packed path, and pack_b_nt the panels pack_b_nn makes of Bᵀ.
import { beforeAll, describe, expect, it } from "vitest";
import type { Core } from "../src/runtime/core.js";
import { getF32, loadCore, maxRelError, putF32, randomF32 } from "./helpers.js";

let core: Core;
beforeAll(async () => { core = await loadCore(); });

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
/** Shapes [M, N, K]: tile and cache-block edges (K > 256 runs in blocks, N not a multiple of 8). */
const SHAPES = [[5, 8, 1], [6, 17, 33], [13, 129, 300], [64, 256, 784], [130, 530, 520]];

describe("pack_b_nt", () => {
  it("packs B stored N×K into the panels pack_b_nn makes of the same matrix stored K×N", () => {
    for (const [K, N] of [[1, 1], [3, 8], [5, 17], [33, 24], [7, 129], [300, 13]]) {
      const ldb = K + 3;
      const bt = randomF32(N * ldb, K * 7 + N);
      const b = new Float32Array(K * N);
      for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) b[k * N + j] = bt[j * ldb + k];
      const [pbt, pb] = [putF32(core, bt), putF32(core, b)];
      const bytes = core.kernels.packed_b_bytes(K, N);
      const [p1, p2] = [core.allocator.alloc(bytes), core.allocator.alloc(bytes)];
      core.f32(p1, bytes / 4).fill(NaN);
      core.kernels.pack_b_nt(K, N, pbt, ldb, p1);
      core.kernels.pack_b_nn(K, N, pb, N, p2);
      expect(bits(getF32(core, p1, bytes / 4)).equals(bits(getF32(core, p2, bytes / 4))), `K=${K} N=${N}`).toBe(true);
      for (const p of [pbt, pb, p1, p2]) core.free(p);
    }
  });
});

describe("gemm_packed_b", () => {
  it("gives the bits of gemm_nt and gemm_tn once M > 4, accumulating or not, on sub-blocks of B", () => {
    const failures: string[] = [];
    for (const [M, N, K] of SHAPES) {
      // B's leading dimension one wider than its rows, as for a sub-block.
      const a = putF32(core, randomF32(M * K, M + N));
      const at = putF32(core, randomF32(K * M, M + K));
      const b = putF32(core, randomF32(K * (N + 1), N + K));
      const bt = putF32(core, randomF32(N * (K + 1), N * K));
      const start = randomF32(M * N, 3);
      const [c1, c2] = [putF32(core, start), putF32(core, start)];
      const work = core.allocator.alloc(core.kernels.gemm_work_bytes(M, N, K));
      const packed = core.allocator.alloc(core.kernels.packed_b_bytes(K, N));
      const same = (what: string) => {
        if (!bits(getF32(core, c1, M * N)).equals(bits(getF32(core, c2, M * N)))) failures.push(`${what} ${M}x${N}x${K}: bits differ`);
      };
      for (const acc of [0, 1]) {
        core.kernels.pack_b_nt(K, N, bt, K + 1, packed);
        core.kernels.gemm_nt(M, N, K, a, K, bt, K + 1, c1, N, acc, work);
        core.kernels.gemm_packed_b(M, N, K, a, K, 0, packed, c2, N, acc, work);
        same(`A·Bᵀ acc=${acc}`);
        core.kernels.pack_b_nn(K, N, b, N + 1, packed);
        core.kernels.gemm_tn(M, N, K, at, M, b, N + 1, c1, N, acc, work);
        core.kernels.gemm_packed_b(M, N, K, at, M, 1, packed, c2, N, acc, work);
        same(`Aᵀ·B acc=${acc}`);
        core.kernels.gemm_nn(M, N, K, a, K, b, N + 1, c1, N, acc, work);
        core.kernels.gemm_packed_b(M, N, K, a, K, 0, packed, c2, N, acc, work);
        same(`A·B acc=${acc}`);
      }
      for (const p of [a, at, b, bt, c1, c2, work, packed]) core.free(p);
    }
    expect(failures).toEqual([]);
  });

  it("computes A·B for a few rows too, where the other forms take their direct path", () => {
    for (const [M, N, K] of [[1, 10, 128], [3, 17, 33], [4, 256, 784]]) {
      const A = randomF32(M * K, 1);
      const B = randomF32(K * N, 2);
      const want = new Float64Array(M * N);
      for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) want[i * N + j] += A[i * K + k] * B[k * N + j];
      const [a, b, c] = [putF32(core, A), putF32(core, B), core.allocF32(M * N)];
      const packed = core.allocator.alloc(core.kernels.packed_b_bytes(K, N));
      const work = core.allocator.alloc(core.kernels.gemm_work_bytes(M, N, K));
      core.kernels.pack_b_nn(K, N, b, N, packed);
      core.kernels.gemm_packed_b(M, N, K, a, K, 0, packed, c, N, 0, work);
      expect(maxRelError(getF32(core, c, M * N), want), `${M}x${N}x${K}`).toBeLessThan(2e-7 * K + 1e-6);
      for (const p of [a, b, c, packed, work]) core.free(p);
    }
  });
});
