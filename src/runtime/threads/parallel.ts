// Splits the core's heavy kernels across the pool so that every output element
// is computed by exactly the same instructions whatever the thread count:
// GEMMs split the columns of C at multiples of 16 (every tile and strip edge of
// the kernels falls on the same global column), elementwise passes split at
// multiples of 16 elements, copies (repacking weights, gathering a batch) by
// columns or rows. Reductions stay on one thread. Results are
// therefore bit-identical for 1, 2 or more threads.
import type { KernelCounters, Kernels } from "../kernels.js";
import type { Pool, Task } from "./pool.js";

/** Column and element splits are multiples of this. */
const ALIGN = 16;
/** Below this many multiply-adds a GEMM runs on one thread: waking workers would cost more. */
const MIN_GEMM_MACS = 1 << 17;
/** The GEMMs' direct path for this many rows or fewer (assembly/gemm.ts SMALL_M). */
const SMALL_M = 4;
/** Fewest rows of C a thread takes when a GEMM is split by rows (well above the few-rows path's 4). */
const MIN_ROWS = 16;
/** Below this many elements an elementwise pass runs on one thread. */
const MIN_ELEMENTS = 1 << 15;

/**
 * Kernels the pool may run, by index in this list (workers receive the same list): the ones the
 * layers and optimizers call on whole batches or parameter vectors. The rest always run inline.
 */
export const POOL_KERNELS = [
  "gemm_nt", "gemm_tn", "gemm_nn_packed_bias_act", "adam_update", "momentum_update", "rmsprop_update", "activation_backward",
  "pack_b_nn", "gather_rows", "gather_rows_u8_scaled", "gemm_int8_requant", "gemm_int8_f32",
  "quantize_rows_u7",
] as const;

type PoolKernel = (typeof POOL_KERNELS)[number];
const index = (name: PoolKernel) => POOL_KERNELS.indexOf(name);

/** Splits [0, n) into `parts` ranges whose starts are multiples of ALIGN; empty ranges are dropped. */
export function split(n: number, parts: number): [number, number][] {
  const chunk = Math.ceil(n / parts / ALIGN) * ALIGN;
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += chunk) out.push([s, Math.min(n, s + chunk)]);
  return out;
}

/**
 * Kernels with the same signatures as `raw`, running the heavy ones on the pool.
 * `workspace(t, bytes)` returns a scratch area of at least `bytes` for worker t (0-based).
 * `raw` counts the calls it runs on this thread; `counters` gets the workers' shares.
 */
export function parallelKernels(raw: Kernels, pool: Pool, threads: () => number,
  workspace: (t: number, bytes: number) => number, counters: KernelCounters): Kernels {
  const k = { ...raw } as Kernels;

  /** Runs ranges[0] inline and the others on workers; `args` builds a range's argument list. */
  const fan = (name: PoolKernel, ranges: [number, number][], args: (r: [number, number], t: number) => number[]): void => {
    const fn = raw[name] as (...a: number[]) => void;
    if (ranges.length === 1) return fn(...args(ranges[0], 0));
    const tasks: Task[] = ranges.slice(1).map((r, t) => ({ kernel: index(name), args: args(r, t + 1) }));
    const first = args(ranges[0], 0);
    counters.countSplit(tasks.length);
    if (!counters.profiling) return pool.run(tasks, () => fn(...first));
    const t0 = performance.now();
    let own = 0;
    pool.run(tasks, () => {
      const s = performance.now();
      fn(...first);
      own = performance.now() - s;
    });
    counters.addPoolWait(performance.now() - t0 - own);
  };

  /** Columns of C for each thread, or null when the product is too small to share. */
  const columns = (M: number, N: number, K: number): [number, number][] | null => {
    const t = threads();
    if (t < 2 || M * N * K < MIN_GEMM_MACS || N < 2 * ALIGN) return null;
    const ranges = split(N, t);
    return ranges.length > 1 ? ranges : null;
  };
  const scratch = (t: number, work: number, M: number, N: number, K: number): number =>
    t === 0 ? work : workspace(t - 1, raw.gemm_work_bytes(M, N, K));

  /**
   * Rows of C for each thread, when every share has at least MIN_ROWS rows. Splitting rows lets each
   * thread pack only its own rows of A, where splitting columns makes every thread pack all of A.
   * Each row's arithmetic does not depend on which register tile holds it, and no share is small
   * enough to take the few-rows path, so results stay bit-identical.
   */
  const rowShares = (M: number, N: number, K: number): [number, number][] | null => {
    const t = threads();
    if (t < 2 || M * N * K < MIN_GEMM_MACS || M < MIN_ROWS * t) return null;
    return rowRanges(M, t);
  };

  /**
   * One of the three plain forms, split by rows of C when it can be, else by columns. A share of rows
   * starts `aRow(lda)` elements further into A per row; a share of columns `bCol(ldb)` further into B.
   */
  const plainGemm = (name: "gemm_nt" | "gemm_tn", aRow: (lda: number) => number, bCol: (ldb: number) => number) =>
    (M: number, N: number, K: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, acc: number, work: number): void => {
      const byRows = rowShares(M, N, K);
      if (byRows) {
        return fan(name, byRows, ([m0, m1], t) =>
          [m1 - m0, N, K, a + 4 * m0 * aRow(lda), lda, b, ldb, c + 4 * m0 * ldc, ldc, acc, scratch(t, work, m1 - m0, N, K)]);
      }
      const ranges = columns(M, N, K);
      if (!ranges) return raw[name](M, N, K, a, lda, b, ldb, c, ldc, acc, work);
      fan(name, ranges, ([n0, n1], t) =>
        [M, n1 - n0, K, a, lda, b + 4 * n0 * bCol(ldb), ldb, c + 4 * n0, ldc, acc, scratch(t, work, M, n1 - n0, K)]);
    };
  // Aᵀ·B: A is stored K×M, so rows of C are columns of A.
  k.gemm_tn = plainGemm("gemm_tn", () => 1, () => 1);
  // A·Bᵀ: B is stored N×K, so columns of C are rows of B.
  k.gemm_nt = plainGemm("gemm_nt", (lda) => lda, (ldb) => ldb);
  k.gemm_nn_packed_bias_act = (M, N, K, a, lda, packed, bias, c, ldc, act, alpha, work) => {
    // A few rows (single-sample inference, ~15 µs for 784×256) stay on the calling thread: waking a
    // worker costs about as much when it is spinning, and hundreds of µs when the machine is busy.
    const byRows = M > SMALL_M ? rowShares(M, N, K) : null;
    if (byRows) {
      return fan("gemm_nn_packed_bias_act", byRows, ([m0, m1], t) =>
        [m1 - m0, N, K, a + 4 * m0 * lda, lda, packed, bias, c + 4 * m0 * ldc, ldc, act, alpha, scratch(t, work, m1 - m0, N, K)]);
    }
    const ranges = M > SMALL_M ? columns(M, N, K) : null;
    if (!ranges) return raw.gemm_nn_packed_bias_act(M, N, K, a, lda, packed, bias, c, ldc, act, alpha, work);
    // Packed B is 8-column panels spanning all of K: columns from n0 (a multiple of 16) start at packed + 4·n0·K.
    fan("gemm_nn_packed_bias_act", ranges, ([n0, n1], t) =>
      [M, n1 - n0, K, a, lda, packed + 4 * n0 * K, bias ? bias + 4 * n0 : 0, c + 4 * n0, ldc, act, alpha, scratch(t, work, M, n1 - n0, K)]);
  };

  /** Element ranges for a pass over n floats, or null when too short to share. */
  const elements = (n: number): [number, number][] | null => {
    const t = threads();
    if (t < 2 || n < MIN_ELEMENTS) return null;
    return split(n, t);
  };
  k.adam_update = (p, g, m, v, n, step, b1, b2, bc2, eps, decay) => {
    const ranges = elements(n);
    if (!ranges) return raw.adam_update(p, g, m, v, n, step, b1, b2, bc2, eps, decay);
    fan("adam_update", ranges, ([s, e]) => [p + 4 * s, g + 4 * s, m + 4 * s, v + 4 * s, e - s, step, b1, b2, bc2, eps, decay]);
  };
  k.momentum_update = (p, g, v, n, lr, mu, nesterov) => {
    const ranges = elements(n);
    if (!ranges) return raw.momentum_update(p, g, v, n, lr, mu, nesterov);
    fan("momentum_update", ranges, ([s, e]) => [p + 4 * s, g + 4 * s, v ? v + 4 * s : 0, e - s, lr, mu, nesterov]);
  };
  k.rmsprop_update = (p, g, s2, n, lr, rho, eps) => {
    const ranges = elements(n);
    if (!ranges) return raw.rmsprop_update(p, g, s2, n, lr, rho, eps);
    fan("rmsprop_update", ranges, ([s, e]) => [p + 4 * s, g + 4 * s, s2 + 4 * s, e - s, lr, rho, eps]);
  };
  k.activation_backward = (act, y, dy, dx, n, alpha) => {
    const ranges = elements(n);
    if (!ranges) return raw.activation_backward(act, y, dy, dx, n, alpha);
    fan("activation_backward", ranges, ([s, e]) => [act, y + 4 * s, dy + 4 * s, dx + 4 * s, e - s, alpha]);
  };
  // Copies: any split gives the same bits. The weights are repacked after every optimizer step and a
  // batch is gathered before every step, each on one thread a serial part of the step.
  k.pack_b_nn = (K, N, b, ldb, packed) => {
    const ranges = elements(K * N) ? split(N, threads()) : null;
    if (!ranges) return raw.pack_b_nn(K, N, b, ldb, packed);
    // Panels span all of K: columns from n0 (a multiple of 16) start at packed + 4·n0·K.
    fan("pack_b_nn", ranges, ([n0, n1]) => [K, n1 - n0, b + 4 * n0, ldb, packed + 4 * n0 * K]);
  };
  k.gather_rows = (src, index, dst, rows, cols) => {
    const ranges = elements(rows * cols) ? rowRanges(rows, threads()) : null;
    if (!ranges) return raw.gather_rows(src, index, dst, rows, cols);
    fan("gather_rows", ranges, ([r0, r1]) => [src, index + 4 * r0, dst + 4 * r0 * cols, r1 - r0, cols]);
  };
  k.gather_rows_u8_scaled = (src, index, dst, rows, cols, scale, offset) => {
    const ranges = elements(rows * cols) ? rowRanges(rows, threads()) : null;
    if (!ranges) return raw.gather_rows_u8_scaled(src, index, dst, rows, cols, scale, offset);
    fan("gather_rows_u8_scaled", ranges, ([r0, r1]) => [src, index + 4 * r0, dst + 4 * r0 * cols, r1 - r0, cols, scale, offset]);
  };
  // Int8 GEMMs by rows of C: a row's sums are exact integers and its epilogue the same float operations on every
  // path of the kernel, so any split gives the same bits; rows lie lda (codes) and ldc apart.
  k.gemm_int8_requant = (M, N, K, a, lda, aZp, packed, c, ldc, act, alpha, inv, zp, fused) => {
    const ranges = rowShares(M, N, K);
    if (!ranges) return raw.gemm_int8_requant(M, N, K, a, lda, aZp, packed, c, ldc, act, alpha, inv, zp, fused);
    fan("gemm_int8_requant", ranges, ([m0, m1]) => [m1 - m0, N, K, a + m0 * lda, lda, aZp, packed, c + m0 * ldc, ldc, act, alpha, inv, zp, fused]);
  };
  k.gemm_int8_f32 = (M, N, K, a, lda, aZp, packed, c, ldc, act, alpha, fused) => {
    const ranges = rowShares(M, N, K);
    if (!ranges) return raw.gemm_int8_f32(M, N, K, a, lda, aZp, packed, c, ldc, act, alpha, fused);
    fan("gemm_int8_f32", ranges, ([m0, m1]) => [m1 - m0, N, K, a + m0 * lda, lda, aZp, packed, c + 4 * m0 * ldc, ldc, act, alpha, fused]);
  };
  // The int8 input's codes by rows (each code depends on its own float only): on one thread, a serial part of every batch.
  // Every part may store 1 at `nonfinite`, the same word: the caller reads it after the join.
  k.quantize_rows_u7 = (x, ldx, rows, cols, inv, zp, q, ldq, nonfinite) => {
    const ranges = elements(rows * cols) ? rowRanges(rows, threads()) : null;
    if (!ranges) return raw.quantize_rows_u7(x, ldx, rows, cols, inv, zp, q, ldq, nonfinite);
    fan("quantize_rows_u7", ranges, ([r0, r1]) => [x + 4 * r0 * ldx, ldx, r1 - r0, cols, inv, zp, q + r0 * ldq, ldq, nonfinite]);
  };
  return k;
}

/** Splits [0, rows) into `parts` nearly equal ranges, or null when there is only one. */
function rowRanges(rows: number, parts: number): [number, number][] | null {
  const chunk = Math.ceil(rows / parts);
  const out: [number, number][] = [];
  for (let s = 0; s < rows; s += chunk) out.push([s, Math.min(rows, s + chunk)]);
  return out.length > 1 ? out : null;
}
