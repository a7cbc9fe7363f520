// The core's exported kernels, as TypeScript sees them, and the counts of their
// calls. Pointers are byte addresses into the shared linear memory; sizes are
// element counts.
// Activation codes: 0 linear, 1 ReLU, 2 Leaky ReLU, 3 sigmoid, 4 tanh.

/** Signatures of every function exported by build/wasmlp.wasm. */
export interface Kernels {
  heap_base(): number;
  /** 1 in the relaxed-SIMD build (fused multiply-add), 0 in the plain SIMD build. */
  simd_build(): number;

  // gemm.ts — C[M×N] (+)= op(A)·op(B); leading dimensions in elements; `work` is scratch of gemm_work_bytes.
  gemm_work_bytes(M: number, N: number, K: number): number;
  gemm_nn(M: number, N: number, K: number, a: number, lda: number, b: number, ldb: number,
    c: number, ldc: number, accumulate: number, work: number): void;
  gemm_nt(M: number, N: number, K: number, a: number, lda: number, b: number, ldb: number,
    c: number, ldc: number, accumulate: number, work: number): void;
  gemm_tn(M: number, N: number, K: number, a: number, lda: number, b: number, ldb: number,
    c: number, ldc: number, accumulate: number, work: number): void;
  gemm_nn_bias_act(M: number, N: number, K: number, a: number, lda: number, b: number, ldb: number,
    bias: number, c: number, ldc: number, act: number, alpha: number, work: number): void;
  /** Bytes of B (K×N) packed by pack_b_nn: ⌈N/8⌉ panels of K×8 floats. */
  packed_b_bytes(K: number, N: number): number;
  /**
   * Packs B (K×N, ldb) into 8-column panels spanning all of K, zero-padded; the
   * columns n0…n1 of a split at a multiple of 8 start at packed + 4·n0·K.
   */
  pack_b_nn(K: number, N: number, b: number, ldb: number, packed: number): void;
  /** gemm_nn_bias_act with B packed ahead by pack_b_nn (the same bits once M > 4). */
  gemm_nn_packed_bias_act(M: number, N: number, K: number, a: number, lda: number, packed: number,
    bias: number, c: number, ldc: number, act: number, alpha: number, work: number): void;

  // gemm_int8.ts — activations are codes in [0, 127] with a zero point, weights int8 per column;
  // y = act((Σ a·w − a_zp·colsum)·in_scale·w_scale + bias). Single-threaded; a split at 8 columns gives the same bits.
  /** Bytes of K×N int8 weights packed by pack_int8_weights: ⌈N/8⌉ panels of 96 + 8·round_up(K, 4) bytes. */
  int8_packed_bytes(K: number, N: number): number;
  /** Packs int8 weights (K×N, rows ldw bytes apart), per-column scales, the input's scale and bias (0: none); K ≤ 131072. */
  pack_int8_weights(K: number, N: number, w: number, ldw: number, wScale: number, inScale: number, bias: number, packed: number): void;
  /**
   * Codes c (ldc bytes apart) = clamp(nearest(y·outInvScale) + outZp, 0, 127); a's rows (lda bytes apart) are read to round_up(K, 4) codes;
   * fused: what int8_fused_dot_exact returned.
   */
  gemm_int8_requant(M: number, N: number, K: number, a: number, lda: number, aZp: number, packed: number,
    c: number, ldc: number, act: number, alpha: number, outInvScale: number, outZp: number, fused: number): void;
  /** c (f32, ldc) = y; operands as for gemm_int8_requant. */
  gemm_int8_f32(M: number, N: number, K: number, a: number, lda: number, aZp: number, packed: number,
    c: number, ldc: number, act: number, alpha: number, fused: number): void;
  /** 1 when the engine runs the fused relaxed dot exactly in every tier; ask once per process, as (3, 5, 7), and keep the answer. */
  int8_fused_dot_exact(w: number, x: number, acc: number): number;
  /** Codes q (ldq bytes apart) = clamp(nearest(x·invScale) + zp, 0, 127) from f32 rows x (ldx); stores 1 at nonfinite (an i32, unless 0) if some x·invScale is not finite. */
  quantize_rows_u7(x: number, ldx: number, rows: number, cols: number, invScale: number, zp: number, q: number, ldq: number, nonfinite: number): void;
  /** Bytes per activation code, the unit of the int8 kernels' code strides: 1 (relaxed build) or 2 (plain, i16). */
  int8_code_bytes(): number;

  // activations.ts
  activation_forward(act: number, x: number, y: number, n: number, alpha: number): void;
  activation_backward(act: number, y: number, dy: number, dx: number, n: number, alpha: number): void;
  softmax_forward(x: number, y: number, rows: number, cols: number): void;
  softmax_backward(y: number, dy: number, dx: number, rows: number, cols: number): void;
  log_softmax_forward(x: number, y: number, rows: number, cols: number): void;

  // maxout.ts — z is rows×(units·pieces), the pieces of unit j at columns j·pieces … j·pieces+pieces−1.
  maxout_forward(z: number, y: number, argmax: number, rows: number, units: number, pieces: number): void;
  maxout_backward(dy: number, argmax: number, dz: number, rows: number, units: number, pieces: number): void;

  // losses.ts — return the mean loss over the batch; write d(mean loss)/d(input) to grad unless grad is 0.
  softmax_cross_entropy_index(z: number, labels: number, grad: number, rows: number, cols: number): number;
  softmax_cross_entropy_onehot(z: number, targets: number, grad: number, rows: number, cols: number): number;
  sigmoid_binary_cross_entropy(z: number, targets: number, grad: number, rows: number, cols: number): number;
  mean_squared_error(y: number, targets: number, grad: number, rows: number, cols: number): number;
  // The same with one weight per row: Σ_r weights[r]·loss_r / rows, row r's gradient times weights[r].
  softmax_cross_entropy_index_weighted(z: number, labels: number, weights: number, grad: number, rows: number, cols: number): number;
  softmax_cross_entropy_onehot_weighted(z: number, targets: number, weights: number, grad: number, rows: number, cols: number): number;
  sigmoid_binary_cross_entropy_weighted(z: number, targets: number, weights: number, grad: number, rows: number, cols: number): number;
  mean_squared_error_weighted(y: number, targets: number, weights: number, grad: number, rows: number, cols: number): number;

  // metrics.ts
  argmax_rows(y: number, out: number, rows: number, cols: number): void;
  count_correct_index(y: number, labels: number, rows: number, cols: number): number;
  count_correct_onehot(y: number, targets: number, rows: number, cols: number): number;
  count_correct_binary(y: number, targets: number, n: number, threshold: number): number;
  /** out[i] = 1 (a byte) where y[i] ≥ threshold, else 0. */
  threshold_u8(y: number, out: number, n: number, threshold: number): void;
  /** Σ |y − targets|·w[c] over rows×cols in f64; w is cols floats, or 0 for ones. */
  sum_abs_diff(y: number, targets: number, rows: number, cols: number, w: number): number;
  /** Σ ((y − targets)·w[c])² over rows×cols in f64; w is cols floats, or 0 for ones. */
  sum_squared_diff(y: number, targets: number, rows: number, cols: number, w: number): number;
  /** Index of the first float outside [lo, hi] (NaN included), or −1. */
  first_outside_range(x: number, n: number, lo: number, hi: number): number;

  // reduce.ts
  column_sums(x: number, out: number, rows: number, cols: number, accumulate: number): void;
  sum_squares(x: number, n: number): number;
  axpy(alpha: number, x: number, y: number, n: number): void;
  scale(x: number, n: number, s: number): void;
  /** x = min(max(x, lo), hi); NaN stays NaN. */
  clamp(x: number, n: number, lo: number, hi: number): void;
  count_nonfinite(x: number, n: number): number;
  first_label_out_of_range(labels: number, n: number, classes: number): number;
  gather_rows(src: number, index: number, dst: number, rows: number, cols: number): void;
  gather_i32(src: number, index: number, dst: number, n: number): void;

  // convert.ts — stored rows into the f32 rows the first layer reads.
  gather_rows_u8_scaled(src: number, index: number, dst: number, rows: number, cols: number, scale: number, offset: number): void;
  scale_shift_columns(x: number, rows: number, cols: number, scale: number, offset: number): void;

  // random.ts — xoshiro128** with its 16-byte state in linear memory.
  rng_seed(state: number, seed: number): void;
  rng_uniform(state: number, x: number, n: number, lo: number, hi: number): void;
  rng_normal(state: number, x: number, n: number, mean: number, std: number): void;
  rng_shuffle(state: number, index: number, n: number): void;
  dropout_forward(state: number, x: number, y: number, mask: number, n: number, rate: number): void;
  dropout_backward(dy: number, mask: number, dx: number, n: number): void;

  // optimizers.ts — one pass over parameters, gradients and state.
  momentum_update(p: number, g: number, v: number, n: number, lr: number, mu: number, nesterov: number): void;
  adam_update(p: number, g: number, m: number, v: number, n: number, stepSize: number,
    beta1: number, beta2: number, sqrtBiasCorrection2: number, eps: number, decay: number): void;
  rmsprop_update(p: number, g: number, s: number, n: number, lr: number, rho: number, eps: number): void;
}

/** What the core has run since it loaded or since its last resetStats(); see Core.stats(). */
export interface CoreStats {
  /**
   * Kernel calls by thread: [0] the calling thread, [1 + w] pool worker w. A call split across
   * the pool counts once on each thread that ran a share of it.
   */
  callsByThread: number[];
  /** Kernel calls by kernel name (only those called), once per call whether split or not. */
  callsByKernel: Record<string, number>;
  /** Calls split across the pool. */
  splitCalls: number;
  /** Shares of split calls that pool workers ran. */
  poolTasks: number;
}

/** Time in one kernel's calls while profiling was on; wall-clock milliseconds on the calling thread. */
export interface KernelTime {
  calls: number;
  /** The whole calls, waits on the pool included. */
  ms: number;
  /** Of `ms`, what split calls spent beyond the calling thread's own share: handing out shares, waking workers, joining them. */
  poolWaitMs: number;
}

/** Where kernel time went while profiling was on (Core.setProfiling), since the core loaded or its last resetStats(). */
export interface KernelProfile {
  /** By kernel name (only those called). */
  byKernel: Record<string, KernelTime>;
  /** The GEMMs by name and shape as called, "gemm_tn 784x256x128" (M×N×K), so that each layer's product stands apart. */
  byGemm: Record<string, KernelTime>;
}

/** Call counts kept by a core: plain increments at dispatch, nothing per element; and, while profiling, call times. */
export class KernelCounters {
  /** Shares each pool worker ran; the calling thread's count is the sum of byKernel, where every call counts once. */
  private byWorker: number[] = [];
  private byKernel: number[];
  private splitCalls = 0;
  private poolTasks = 0;
  /** Whether calls are being timed; the pool's split calls then time their waits. */
  profiling = false;
  private timeByKernel: KernelTime[];
  private timeByGemm = new Map<string, KernelTime>();
  /** The entries the timed call now running adds its pool waits to. */
  private running: KernelTime[] = [];

  constructor(private readonly names: readonly string[]) {
    this.byKernel = names.map(() => 0);
    this.timeByKernel = names.map(noTime);
  }

  /**
   * Kernels that count each call on the calling thread and run the function `raw()` holds under that name at
   * the time of the call. The function is looked up again only when `raw()` is another object (an instance's
   * exports are frozen): every wrapper shares one lookup site, which a lookup per call makes megamorphic,
   * and a small network's step makes a dozen and more kernel calls.
   */
  count(raw: () => Kernels): Kernels {
    return Object.fromEntries(this.names.map((name, i) => {
      let from: Kernels | undefined;
      let fn: (...a: number[]) => number = () => 0;
      return [name, (...a: number[]) => {
        this.byKernel[i]++;
        const r = raw();
        if (r !== from) {
          from = r;
          fn = (r as unknown as Record<string, (...a: number[]) => number>)[name];
        }
        return fn(...a);
      }];
    })) as unknown as Kernels;
  }

  /**
   * Kernels that time each call with performance.now() and run the function `inner()` holds under that name at
   * the time of the call; they count nothing (the kernels under them do). Installed only while profiling, so
   * that timing costs nothing otherwise.
   */
  time(inner: () => Kernels): Kernels {
    return Object.fromEntries(this.names.map((name, i) => {
      // Every GEMM takes M, N, K first; gemm_work_bytes computes a size and is timed by name only.
      const gemm = name.startsWith("gemm_") && name !== "gemm_work_bytes";
      return [name, (...a: number[]) => {
        const entries = gemm ? [this.timeByKernel[i], this.gemmEntry(`${name} ${a[0]}x${a[1]}x${a[2]}`)] : [this.timeByKernel[i]];
        this.running = entries;
        const t0 = performance.now();
        try {
          return (inner() as unknown as Record<string, (...a: number[]) => number>)[name](...a);
        } finally {
          const ms = performance.now() - t0;
          for (const e of entries) {
            e.calls++;
            e.ms += ms;
          }
          this.running = [];
        }
      }];
    })) as unknown as Kernels;
  }

  private gemmEntry(key: string): KernelTime {
    let e = this.timeByGemm.get(key);
    if (!e) this.timeByGemm.set(key, (e = noTime()));
    return e;
  }

  /** Milliseconds the running timed call spent on the pool beyond the calling thread's share. */
  addPoolWait(ms: number): void {
    for (const e of this.running) e.poolWaitMs += ms;
  }

  /** A copy of the times. */
  profile(): KernelProfile {
    const byKernel: Record<string, KernelTime> = {};
    this.names.forEach((name, i) => { if (this.timeByKernel[i].calls) byKernel[name] = { ...this.timeByKernel[i] }; });
    return { byKernel, byGemm: Object.fromEntries([...this.timeByGemm].map(([key, e]) => [key, { ...e }])) };
  }

  /** One call split across the pool, `tasks` of its shares handed to workers 0 … tasks − 1. */
  countSplit(tasks: number): void {
    this.splitCalls++;
    this.poolTasks += tasks;
    for (let w = 0; w < tasks; w++) this.byWorker[w] = (this.byWorker[w] ?? 0) + 1;
  }

  /** A copy of the counts. */
  snapshot(): CoreStats {
    const callsByKernel: Record<string, number> = {};
    this.names.forEach((name, i) => { if (this.byKernel[i]) callsByKernel[name] = this.byKernel[i]; });
    const calling = this.byKernel.reduce((sum, n) => sum + n, 0);
    return { callsByThread: [calling, ...this.byWorker], callsByKernel, splitCalls: this.splitCalls, poolTasks: this.poolTasks };
  }

  /** Sets every count back to zero. */
  reset(): void {
    this.byWorker = [];
    this.byKernel.fill(0);
    this.splitCalls = 0;
    this.poolTasks = 0;
    this.timeByKernel = this.names.map(noTime);
    this.timeByGemm.clear();
  }
}

function noTime(): KernelTime {
  return { calls: 0, ms: 0, poolWaitMs: 0 };
}
