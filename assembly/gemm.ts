// Matrix multiply: C[M×N] (+)= op(A)·op(B), row-major f32, leading dimensions in
// elements, so the same kernels run on sub-blocks of larger matrices.
//
// Packing does every transposition: op(A) goes into MR-row panels, op(B) into
// K×NR column panels, and one register-blocked micro-kernel serves A·B, A·Bᵀ
// and Aᵀ·B alike. Short A (M ≤ SMALL_M, single-sample inference) skips packing,
// where padded rows would waste most of a tile. Weights that change only once
// per optimizer step can be packed ahead (pack_b_nn) and reused by every
// forward pass (gemm_nn_packed_bias_act).
//
// Exported kernels and who calls them in src/:
//   gemm_work_bytes          nn/layers/affine.ts (scratch size), runtime/threads/parallel.ts (workers' scratch)
//   gemm_nn_packed_bias_act  nn/layers/affine.ts forward: every dense and maxout layer
//   gemm_tn                  nn/layers/affine.ts backward: weight gradient Xᵀ·dZ
//   gemm_nt                  nn/layers/affine.ts backward: input gradient dZ·Wᵀ
//   packed_b_bytes, pack_b_nn  nn/network.ts: packed weight copies, repacked after each update
//   gemm_nn, gemm_nn_bias_act  no caller in src/: the unpacked forms the tests and bench/gemm.js
//                              hold the packed forward pass to (same bits once M > SMALL_M)

import { activate_scalar, activate_v128, ACT_LINEAR } from "./activation_math";
import { matrix, scratch, span } from "./checks";
import { madd } from "./fma";

/**
 * Micro-tile rows × columns. With a separate multiply and add, 5×8 holds 10 f32x4
 * accumulators + 2 B vectors + one A vector + one product = 14 of V8's 15 free
 * vector registers; 6×8 would need 16 and spills (measured ~30% slower). A fused
 * multiply-add needs no product register, so the relaxed build fits 6×8 in 15.
 */
const MR = ASC_FEATURE_RELAXED_SIMD ? 6 : 5;
const NR = 8;
/** K block: a packed A micro-panel (KC·MR·16 bytes) stays in L1 while B panels stream past it. */
const KC = 256;
/** M block, a multiple of MR: the packed A block (≤ 200 KiB) and B block share L2. */
const MC = ASC_FEATURE_RELAXED_SIMD ? 48 : 50;
/** N block, a multiple of NR: the packed B block is at most KC·NC·4 = 512 KiB. */
const NC = 512;
/** Up to this many rows of A the direct (unpacked) kernels run instead. */
const SMALL_M = 4;
/** K block of the direct path: 128 rows of B stay in L2 while every row of A passes over them. */
const KB_DIRECT = 128;
/** Scratch for one spilled micro-tile at the start of `work`; a multiple of 16. */
const TILE_BYTES = MR * NR * 4;

/** How gemm_packed finds B: stored K×N, stored N×K (Bᵀ), or already in panels by pack_b_nn. */
const B_ROWS = 0;
const B_COLS = 1;
const B_PACKED = 2;

// ---------------------------------------------------------------------------
// Exports

/**
 * Bytes of scratch the gemm kernels need for these sizes (one region per concurrent call);
 * a multiple of 16, never smaller for larger sizes, so sub-blocks fit a whole product's region.
 */
export function gemm_work_bytes(M: i32, N: i32, K: i32): i32 {
  const kc = clamp(K, KC);
  const mc = clamp(round_up(M, MR), MC);
  const nc = clamp(round_up(N, NR), NC);
  // A panels are stored pre-broadcast (16 bytes per element), B panels plain.
  return TILE_BYTES + mc * kc * 16 + kc * nc * 4;
}

/** C (+)= A·B with A M×K and B K×N. */
export function gemm_nn(M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32,
  c: usize, ldc: i32, accumulate: i32, work: usize): void {
  assert(M >= 0 && N >= 0 && K >= 0, "gemm_nn: a negative size");
  assert(matrix(a, M, K, lda), "gemm_nn: A outside memory, misaligned or lda too small");
  assert(matrix(b, K, N, ldb), "gemm_nn: B outside memory, misaligned or ldb too small");
  assert(matrix(c, M, N, ldc), "gemm_nn: C outside memory, misaligned or ldc too small");
  assert(scratch(work, gemm_work_bytes(M, N, K)), "gemm_nn: work shorter than gemm_work_bytes or misaligned");
  if (M <= 0 || N <= 0) return;
  if (K <= 0) return empty_product(M, N, c, ldc, accumulate != 0, 0, ACT_LINEAR, 0);
  if (M <= SMALL_M) direct_a_b(M, N, K, a, <usize>lda << 2, 4, b, ldb, c, ldc, accumulate != 0, 0, ACT_LINEAR, 0);
  else gemm_packed(M, N, K, a, lda, false, b, ldb, B_ROWS, c, ldc, accumulate != 0, 0, ACT_LINEAR, 0, work);
}

/** C (+)= A·Bᵀ with A M×K and B stored N×K. */
export function gemm_nt(M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32,
  c: usize, ldc: i32, accumulate: i32, work: usize): void {
  assert(M >= 0 && N >= 0 && K >= 0, "gemm_nt: a negative size");
  assert(matrix(a, M, K, lda), "gemm_nt: A outside memory, misaligned or lda too small");
  assert(matrix(b, N, K, ldb), "gemm_nt: B outside memory, misaligned or ldb too small");
  assert(matrix(c, M, N, ldc), "gemm_nt: C outside memory, misaligned or ldc too small");
  assert(scratch(work, gemm_work_bytes(M, N, K)), "gemm_nt: work shorter than gemm_work_bytes or misaligned");
  if (M <= 0 || N <= 0) return;
  if (K <= 0) return empty_product(M, N, c, ldc, accumulate != 0, 0, ACT_LINEAR, 0);
  if (M <= SMALL_M) direct_a_bt(M, N, K, a, lda, b, ldb, c, ldc, accumulate != 0);
  else gemm_packed(M, N, K, a, lda, false, b, ldb, B_COLS, c, ldc, accumulate != 0, 0, ACT_LINEAR, 0, work);
}

/** C (+)= Aᵀ·B with A stored K×M and B K×N. */
export function gemm_tn(M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32,
  c: usize, ldc: i32, accumulate: i32, work: usize): void {
  assert(M >= 0 && N >= 0 && K >= 0, "gemm_tn: a negative size");
  assert(matrix(a, K, M, lda), "gemm_tn: A outside memory, misaligned or lda too small");
  assert(matrix(b, K, N, ldb), "gemm_tn: B outside memory, misaligned or ldb too small");
  assert(matrix(c, M, N, ldc), "gemm_tn: C outside memory, misaligned or ldc too small");
  assert(scratch(work, gemm_work_bytes(M, N, K)), "gemm_tn: work shorter than gemm_work_bytes or misaligned");
  if (M <= 0 || N <= 0) return;
  if (K <= 0) return empty_product(M, N, c, ldc, accumulate != 0, 0, ACT_LINEAR, 0);
  if (M <= SMALL_M) direct_a_b(M, N, K, a, 4, <usize>lda << 2, b, ldb, c, ldc, accumulate != 0, 0, ACT_LINEAR, 0);
  else gemm_packed(M, N, K, a, lda, true, b, ldb, B_ROWS, c, ldc, accumulate != 0, 0, ACT_LINEAR, 0, work);
}

/** C = act(A·B + bias), the dense-layer forward pass with its epilogue fused; bias 0 means none. */
export function gemm_nn_bias_act(M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32,
  bias: usize, c: usize, ldc: i32, act: i32, alpha: f32, work: usize): void {
  assert(M >= 0 && N >= 0 && K >= 0, "gemm_nn_bias_act: a negative size");
  assert(matrix(a, M, K, lda), "gemm_nn_bias_act: A outside memory, misaligned or lda too small");
  assert(matrix(b, K, N, ldb), "gemm_nn_bias_act: B outside memory, misaligned or ldb too small");
  assert(bias == 0 || span(bias, N, 4), "gemm_nn_bias_act: bias outside memory or misaligned");
  assert(matrix(c, M, N, ldc), "gemm_nn_bias_act: C outside memory, misaligned or ldc too small");
  assert(scratch(work, gemm_work_bytes(M, N, K)), "gemm_nn_bias_act: work shorter than gemm_work_bytes or misaligned");
  if (M <= 0 || N <= 0) return;
  if (K <= 0) return empty_product(M, N, c, ldc, false, bias, act, alpha);
  if (M <= SMALL_M) direct_a_b(M, N, K, a, <usize>lda << 2, 4, b, ldb, c, ldc, false, bias, act, alpha);
  else gemm_packed(M, N, K, a, lda, false, b, ldb, B_ROWS, c, ldc, false, bias, act, alpha, work);
}

/** Bytes of B (K×N) packed by pack_b_nn: N rounded up to whole NR-column panels, each K rows deep. */
export function packed_b_bytes(K: i32, N: i32): i32 {
  return max(K, 1) * round_up(max(N, 1), NR) * 4;
}

/**
 * Packs B (K×N, row-major, ldb) for gemm_nn_packed_bias_act: NR-column panels,
 * each holding all K rows (k-major), columns past N zero. The panels span the
 * whole of K, so the layout does not depend on the kernels' cache blocking.
 */
export function pack_b_nn(K: i32, N: i32, b: usize, ldb: i32, packed: usize): void {
  assert(K >= 0 && N >= 0, "pack_b_nn: a negative size");
  assert(matrix(b, K, N, ldb), "pack_b_nn: B outside memory, misaligned or ldb too small");
  assert(K == 0 || N == 0 || scratch(packed, packed_b_bytes(K, N)), "pack_b_nn: packed shorter than packed_b_bytes or misaligned");
  if (K <= 0 || N <= 0) return;
  pack_b_n(K, N, b, ldb, packed);
}

/**
 * gemm_nn_bias_act with B packed ahead by pack_b_nn: C = act(A·B + bias). The
 * packed path gives the same bits as gemm_nn_bias_act; the M ≤ SMALL_M path
 * sums along the whole of K in one pass, so it agrees to float tolerance.
 */
export function gemm_nn_packed_bias_act(M: i32, N: i32, K: i32, a: usize, lda: i32, packed: usize,
  bias: usize, c: usize, ldc: i32, act: i32, alpha: f32, work: usize): void {
  assert(M >= 0 && N >= 0 && K >= 0, "gemm_nn_packed_bias_act: a negative size");
  assert(matrix(a, M, K, lda), "gemm_nn_packed_bias_act: A outside memory, misaligned or lda too small");
  assert(K == 0 || N == 0 || scratch(packed, packed_b_bytes(K, N)), "gemm_nn_packed_bias_act: packed B outside memory or misaligned");
  assert(bias == 0 || span(bias, N, 4), "gemm_nn_packed_bias_act: bias outside memory or misaligned");
  assert(matrix(c, M, N, ldc), "gemm_nn_packed_bias_act: C outside memory, misaligned or ldc too small");
  assert(scratch(work, gemm_work_bytes(M, N, K)), "gemm_nn_packed_bias_act: work shorter than gemm_work_bytes or misaligned");
  if (M <= 0 || N <= 0) return;
  if (K <= 0) return empty_product(M, N, c, ldc, false, bias, act, alpha);
  if (M <= SMALL_M) direct_packed(M, N, K, a, lda, packed, bias, c, ldc, act, alpha, work);
  else gemm_packed(M, N, K, a, lda, false, packed, 0, B_PACKED, c, ldc, false, bias, act, alpha, work);
}

// ---------------------------------------------------------------------------
// Packed path

/**
 * The blocked loop nest: N blocks, then K blocks (B block packed once each), then
 * M blocks (A block packed), then A micro-panels, then B micro-panels.
 * a_t: A is stored K×M (Aᵀ·B); b_form: one of B_ROWS, B_COLS (A·Bᵀ), B_PACKED
 * (panels from pack_b_nn, read in place). Every K block but the last writes
 * raw sums; bias and activation run once the sum is complete.
 */
function gemm_packed(M: i32, N: i32, K: i32, a: usize, lda: i32, a_t: bool, b: usize, ldb: i32, b_form: i32,
  c: usize, ldc: i32, accumulate: bool, bias: usize, act: i32, alpha: f32, work: usize): void {
  const tile = work;
  const pa = work + TILE_BYTES;
  const pb = pa + (<usize>clamp(round_up(M, MR), MC) * <usize>clamp(K, KC) << 4);
  // Equal K blocks: K = 784 runs as 4×196 rather than 3×256 plus a thin 16.
  const kblocks = (K + KC - 1) / KC;
  const kc_step = (K + kblocks - 1) / kblocks;
  const ldc_bytes = <usize>ldc << 2;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += kc_step) {
      const kc = min(kc_step, K - pc);
      const load_c = accumulate || pc > 0;
      const last = pc + kc >= K;
      const tile_bias = last ? bias : 0;
      const tile_act = last ? act : ACT_LINEAR;
      // B micro-panel jr/NR of this block starts at b_block + (jr/NR)·panel_bytes.
      let b_block = pb;
      let panel_bytes = <usize>kc * NR << 2;
      if (b_form == B_PACKED) {
        b_block = b + ((<usize>jc * <usize>K + <usize>pc * NR) << 2);
        panel_bytes = <usize>K * NR << 2;
      } else if (b_form == B_COLS) pack_b_t(kc, nc, b + ((<usize>jc * <usize>ldb + <usize>pc) << 2), ldb, pb);
      else pack_b_n(kc, nc, b + ((<usize>pc * <usize>ldb + <usize>jc) << 2), ldb, pb);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        if (a_t) pack_a_t(mc, kc, a + ((<usize>pc * <usize>lda + <usize>ic) << 2), lda, pa);
        else pack_a_n(mc, kc, a + ((<usize>ic * <usize>lda + <usize>pc) << 2), lda, pa);
        for (let ir = 0; ir < mc; ir += MR) {
          const mr = min(MR, mc - ir);
          const panel_a = pa + (<usize>ir * <usize>kc << 4);
          const c_row = c + <usize>(ic + ir) * ldc_bytes;
          for (let jr = 0; jr < nc; jr += NR) {
            const col = <usize>(jc + jr) << 2;
            micro_mrx8(kc, panel_a, b_block + <usize>(jr / NR) * panel_bytes, c_row + col, ldc_bytes, mr, min(NR, nc - jr),
              load_c, tile_bias != 0 ? tile_bias + col : 0, tile_act, alpha, tile);
          }
        }
      }
    }
  }
}

/**
 * MR×8 register tile from a packed A micro-panel (kc × MR broadcast vectors) and a
 * packed B micro-panel (kc × 8 floats). The last panel of A with at most 3 real rows
 * (M = 128 leaves 2 in 6-row panels) runs a 3-row tile that skips the zero rows.
 */
function micro_mrx8(kc: i32, pa: usize, pb: usize, c: usize, ldc_bytes: usize, mr: i32, nr: i32,
  load_c: bool, bias: usize, act: i32, alpha: f32, tile: usize): void {
  if (mr <= 3) micro_tile(3, kc, pa, pb, c, ldc_bytes, mr, nr, load_c, bias, act, alpha, tile);
  else micro_tile(MR, kc, pa, pb, c, ldc_bytes, mr, nr, load_c, bias, act, alpha, tile);
}

/**
 * The register tile of `rows` (a constant: 3, 5 or 6) × 8 accumulators. Inlined with a
 * constant `rows`, the row tests fold away and every accumulator is a local of its own,
 * as a hand-written tile would be. Full tiles store straight from registers; edges go
 * through `tile`, so one routine owns every special case.
 */
// @ts-ignore: decorator
@inline function micro_tile(rows: i32, kc: i32, pa: usize, pb: usize, c: usize, ldc_bytes: usize, mr: i32, nr: i32,
  load_c: bool, bias: usize, act: i32, alpha: f32, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  const pb_end = pb + (<usize>kc * NR << 2);
  // One k per iteration: unrolled by hand, binaryen and V8 hoist the loads and spill.
  // A arrives pre-broadcast, so each row costs a plain load with a folded offset
  // (a load32_splat per row costs an extra address computation in V8's code).
  while (pb < pb_end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av = v128.load(pa);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load(pa, 16);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load(pa, 32);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    if (rows > 3) {
      av = v128.load(pa, 48);
      c30 = madd(av, b0, c30);
      c31 = madd(av, b1, c31);
      av = v128.load(pa, 64);
      c40 = madd(av, b0, c40);
      c41 = madd(av, b1, c41);
    }
    if (rows > 5) {
      av = v128.load(pa, 80);
      c50 = madd(av, b0, c50);
      c51 = madd(av, b1, c51);
    }
    pa += MR * 16;
    pb += NR * 4;
  }
  if (rows == MR && mr == MR && nr == NR) {
    let p = c;
    if (bias == 0 && act == ACT_LINEAR) {
      put_row8(p, c00, c01, load_c); p += ldc_bytes;
      put_row8(p, c10, c11, load_c); p += ldc_bytes;
      put_row8(p, c20, c21, load_c); p += ldc_bytes;
      put_row8(p, c30, c31, load_c); p += ldc_bytes;
      put_row8(p, c40, c41, load_c);
      if (rows > 5) put_row8(p + ldc_bytes, c50, c51, load_c);
      return;
    }
    // The fused epilogue of a full tile, in registers: bias loaded once for all rows.
    const b0 = bias != 0 ? v128.load(bias) : f32x4.splat(0);
    const b1 = bias != 0 ? v128.load(bias, 16) : f32x4.splat(0);
    put_row8_act(p, c00, c01, load_c, b0, b1, act, alpha); p += ldc_bytes;
    put_row8_act(p, c10, c11, load_c, b0, b1, act, alpha); p += ldc_bytes;
    put_row8_act(p, c20, c21, load_c, b0, b1, act, alpha); p += ldc_bytes;
    put_row8_act(p, c30, c31, load_c, b0, b1, act, alpha); p += ldc_bytes;
    put_row8_act(p, c40, c41, load_c, b0, b1, act, alpha);
    if (rows > 5) put_row8_act(p + ldc_bytes, c50, c51, load_c, b0, b1, act, alpha);
    return;
  }
  v128.store(tile, c00, 0); v128.store(tile, c01, 16);
  v128.store(tile, c10, 32); v128.store(tile, c11, 48);
  v128.store(tile, c20, 64); v128.store(tile, c21, 80);
  if (rows > 3) {
    v128.store(tile, c30, 96); v128.store(tile, c31, 112);
    v128.store(tile, c40, 128); v128.store(tile, c41, 144);
  }
  if (rows > 5) { v128.store(tile, c50, 160); v128.store(tile, c51, 176); }
  store_tile(tile, c, ldc_bytes, mr, nr, load_c, bias, act, alpha);
}

/** Stores one full 8-wide tile row, adding what C holds when accumulating. */
// @ts-ignore: decorator
@inline function put_row8(p: usize, lo: v128, hi: v128, load_c: bool): void {
  if (load_c) {
    lo = f32x4.add(lo, v128.load(p));
    hi = f32x4.add(hi, v128.load(p, 16));
  }
  v128.store(p, lo);
  v128.store(p, hi, 16);
}

/** put_row8 followed by the epilogue: + bias (b0, b1; zeros when none), then activation. */
// @ts-ignore: decorator
@inline function put_row8_act(p: usize, lo: v128, hi: v128, load_c: bool, b0: v128, b1: v128, act: i32, alpha: f32): void {
  if (load_c) {
    lo = f32x4.add(lo, v128.load(p));
    hi = f32x4.add(hi, v128.load(p, 16));
  }
  v128.store(p, activate_v128(f32x4.add(lo, b0), act, alpha));
  v128.store(p, activate_v128(f32x4.add(hi, b1), act, alpha), 16);
}

/** Writes the valid mr×nr corner of a spilled tile (rows NR floats apart) with the epilogue. */
function store_tile(t: usize, c: usize, ldc_bytes: usize, mr: i32, nr: i32,
  load_c: bool, bias: usize, act: i32, alpha: f32): void {
  for (let r = 0; r < mr; r++) {
    const src = t + <usize>(r * NR * 4);
    const dst = c + <usize>r * ldc_bytes;
    let j = 0;
    for (; j + 4 <= nr; j += 4) {
      const o = <usize>j << 2;
      v128.store(dst + o, finish_v128(v128.load(src + o), dst + o, load_c, bias != 0 ? bias + o : 0, act, alpha));
    }
    for (; j < nr; j++) {
      const o = <usize>j << 2;
      store<f32>(dst + o, finish_scalar(load<f32>(src + o), dst + o, load_c, bias != 0 ? bias + o : 0, act, alpha));
    }
  }
}

/** The epilogue for four outputs bound for p: (+C), (+bias at bias_p unless 0), activation. */
// @ts-ignore: decorator
@inline function finish_v128(v: v128, p: usize, load_c: bool, bias_p: usize, act: i32, alpha: f32): v128 {
  if (load_c) v = f32x4.add(v, v128.load(p));
  if (bias_p != 0) v = f32x4.add(v, v128.load(bias_p));
  return act != ACT_LINEAR ? activate_v128(v, act, alpha) : v;
}

/** Scalar twin of finish_v128 for ragged columns. */
// @ts-ignore: decorator
@inline function finish_scalar(v: f32, p: usize, load_c: bool, bias_p: usize, act: i32, alpha: f32): f32 {
  if (load_c) v += load<f32>(p);
  if (bias_p != 0) v += load<f32>(bias_p);
  return act != ACT_LINEAR ? activate_scalar(v, act, alpha) : v;
}

/**
 * Packs an mc×kc block of A stored row-major (lda) into MR-row panels, k-major,
 * each element broadcast to a full vector; rows past mc are zero.
 */
function pack_a_n(mc: i32, kc: i32, a: usize, lda: i32, dst: usize): void {
  const lda_bytes = <usize>lda << 2;
  const k_stride: usize = MR * 16;
  for (let i = 0; i < mc; i += MR) {
    const rows = min(MR, mc - i);
    for (let r = 0; r < MR; r++) {
      let d = dst + (<usize>r << 4);
      if (r >= rows) {
        for (let k = 0; k < kc; k++) { v128.store(d, f32x4.splat(0)); d += k_stride; }
        continue;
      }
      // Along one row of A four k at a time: one load, four lane broadcasts.
      const s = a + <usize>(i + r) * lda_bytes;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const v = v128.load(s + (<usize>k << 2));
        v128.store(d, v128.shuffle<f32>(v, v, 0, 0, 0, 0));
        v128.store(d + k_stride, v128.shuffle<f32>(v, v, 1, 1, 1, 1));
        v128.store(d + 2 * k_stride, v128.shuffle<f32>(v, v, 2, 2, 2, 2));
        v128.store(d + 3 * k_stride, v128.shuffle<f32>(v, v, 3, 3, 3, 3));
        d += 4 * k_stride;
      }
      for (; k < kc; k++) {
        v128.store(d, v128.load32_splat(s + (<usize>k << 2)));
        d += k_stride;
      }
    }
    dst += <usize>kc * k_stride;
  }
}

/**
 * Packs an mc×kc block of Aᵀ (A stored K×M, lda) into the same broadcast panels.
 * Each k is a contiguous run of A, read row by row so reads stay sequential.
 */
function pack_a_t(mc: i32, kc: i32, a: usize, lda: i32, dst: usize): void {
  const lda_bytes = <usize>lda << 2;
  const k_stride: usize = MR * 16;
  const panel_bytes = <usize>kc * k_stride;
  const full = mc / MR;
  const rows = mc - full * MR;
  for (let k = 0; k < kc; k++) {
    const s = a + <usize>k * lda_bytes;
    let d = dst + <usize>k * k_stride;
    for (let p = 0; p < full; p++) {
      const src = s + <usize>(p * MR * 4);
      const v = v128.load(src);
      v128.store(d, v128.shuffle<f32>(v, v, 0, 0, 0, 0));
      v128.store(d, v128.shuffle<f32>(v, v, 1, 1, 1, 1), 16);
      v128.store(d, v128.shuffle<f32>(v, v, 2, 2, 2, 2), 32);
      v128.store(d, v128.shuffle<f32>(v, v, 3, 3, 3, 3), 48);
      v128.store(d, v128.load32_splat(src, 16), 64);
      if (MR == 6) v128.store(d, v128.load32_splat(src, 20), 80);
      d += panel_bytes;
    }
    if (rows > 0) {
      const src = s + <usize>(full * MR * 4);
      for (let r = 0; r < MR; r++) {
        v128.store(d + (<usize>r << 4), r < rows ? v128.load32_splat(src + (<usize>r << 2)) : f32x4.splat(0));
      }
    }
  }
}

/**
 * Packs a kc×nc block of B stored row-major (ldb) into kc×NR column panels,
 * columns past nc zero. Walks B row by row so reads stay sequential; the
 * scattered writes land in the L2-resident panels.
 */
function pack_b_n(kc: i32, nc: i32, b: usize, ldb: i32, dst: usize): void {
  const ldb_bytes = <usize>ldb << 2;
  const panel_bytes = <usize>kc * NR << 2;
  const full = nc / NR;
  const cols = nc - full * NR;
  for (let k = 0; k < kc; k++) {
    let s = b + <usize>k * ldb_bytes;
    let d = dst + (<usize>k * NR << 2);
    for (let p = 0; p < full; p++) {
      v128.store(d, v128.load(s));
      v128.store(d, v128.load(s, 16), 16);
      s += NR * 4;
      d += panel_bytes;
    }
    for (let q = 0; q < NR && cols > 0; q++) {
      store<f32>(d + (<usize>q << 2), q < cols ? load<f32>(s + (<usize>q << 2)) : 0);
    }
  }
}

/** Packs a kc×nc block of Bᵀ (B stored N×K, ldb) into kc×NR column panels via 4×4 transposes. */
function pack_b_t(kc: i32, nc: i32, b: usize, ldb: i32, dst: usize): void {
  const ldb_bytes = <usize>ldb << 2;
  for (let j = 0; j < nc; j += NR) {
    const cols = min(NR, nc - j);
    const src = b + <usize>j * ldb_bytes;
    let k = 0;
    if (cols == NR) {
      for (; k + 4 <= kc; k += 4) {
        const o = <usize>k << 2;
        transpose4_store(src + o, ldb_bytes, dst, NR * 4);
        transpose4_store(src + 4 * ldb_bytes + o, ldb_bytes, dst + 16, NR * 4);
        dst += 4 * NR * 4;
      }
    }
    for (; k < kc; k++) {
      const o = <usize>k << 2;
      for (let q = 0; q < NR; q++) {
        store<f32>(dst + (<usize>q << 2), q < cols ? load<f32>(src + <usize>q * ldb_bytes + o) : 0);
      }
      dst += NR * 4;
    }
  }
}

/** Reads 4 rows × 4 floats at src (rows src_stride apart) and writes them transposed, rows dst_stride apart. */
// @ts-ignore: decorator
@inline function transpose4_store(src: usize, src_stride: usize, dst: usize, dst_stride: usize): void {
  const r0 = v128.load(src);
  const r1 = v128.load(src + src_stride);
  const r2 = v128.load(src + 2 * src_stride);
  const r3 = v128.load(src + 3 * src_stride);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + dst_stride, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * dst_stride, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * dst_stride, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

// ---------------------------------------------------------------------------
// Direct path for M ≤ SMALL_M: no packing, B read in place.

/**
 * op(A)·B with B stored K×N, for a few rows of op(A). Element (i, k) of op(A)
 * sits at a + i·a_row + k·a_k bytes, which covers A (nn) and Aᵀ (tn). K is cut
 * into KB_DIRECT blocks so each block of B stays in cache across all rows.
 */
function direct_a_b(M: i32, N: i32, K: i32, a: usize, a_row: usize, a_k: usize, b: usize, ldb: i32,
  c: usize, ldc: i32, accumulate: bool, bias: usize, act: i32, alpha: f32): void {
  for (let p = 0; p < K; p += KB_DIRECT) {
    const kb = min(KB_DIRECT, K - p);
    const last = p + kb >= K;
    direct_a_b_block(M, N, kb, a + <usize>p * a_k, a_row, a_k, b + (<usize>p * <usize>ldb << 2), ldb, c, ldc,
      accumulate || p > 0, last ? bias : 0, last ? act : ACT_LINEAR, alpha);
  }
}

/** One K block of direct_a_b: raw sums strip by strip, then bias and activation over the row. */
function direct_a_b_block(M: i32, N: i32, K: i32, a: usize, a_row: usize, a_k: usize, b: usize, ldb: i32,
  c: usize, ldc: i32, load_c: bool, bias: usize, act: i32, alpha: f32): void {
  const ldb_bytes = <usize>ldb << 2;
  for (let i = 0; i < M; i++) {
    const ai = a + <usize>i * a_row;
    const ci = c + (<usize>i * <usize>ldc << 2);
    let j = 0;
    for (; j + 16 <= N; j += 16) {
      const o = <usize>j << 2;
      strip(4, false, K, ai, a_k, b + o, ldb_bytes, 0, ci + o, 16, load_c, 0, ACT_LINEAR, 0, 0);
    }
    for (; j + 4 <= N; j += 4) {
      const o = <usize>j << 2;
      strip(1, false, K, ai, a_k, b + o, ldb_bytes, 0, ci + o, 4, load_c, 0, ACT_LINEAR, 0, 0);
    }
    for (; j < N; j++) {
      const o = <usize>j << 2;
      let s: f32 = 0;
      let pa = ai, pb = b + o;
      for (let k = 0; k < K; k++) {
        s += load<f32>(pa) * load<f32>(pb);
        pa += a_k;
        pb += ldb_bytes;
      }
      store<f32>(ci + o, load_c ? s + load<f32>(ci + o) : s);
    }
    if (bias != 0 || act != ACT_LINEAR) bias_act_row(ci, N, bias, act, alpha);
  }
}

/** p[j] = act(p[j] + bias[j]) over one row of n outputs; bias 0 means none. */
function bias_act_row(p: usize, n: i32, bias: usize, act: i32, alpha: f32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(p + o, finish_v128(v128.load(p + o), 0, false, bias != 0 ? bias + o : 0, act, alpha));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(p + o, finish_scalar(load<f32>(p + o), 0, false, bias != 0 ? bias + o : 0, act, alpha));
  }
}

/**
 * A·Bᵀ with B stored N×K, for a few rows of A: dot products along contiguous K,
 * four columns of C at a time, reduced across lanes once at the end.
 */
function direct_a_bt(M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32,
  c: usize, ldc: i32, load_c: bool): void {
  const ldb_bytes = <usize>ldb << 2;
  const k4 = K & ~3;
  for (let i = 0; i < M; i++) {
    const ai = a + (<usize>i * <usize>lda << 2);
    const ci = c + (<usize>i * <usize>ldc << 2);
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const b0 = b + <usize>j * ldb_bytes;
      const b1 = b0 + ldb_bytes, b2 = b1 + ldb_bytes, b3 = b2 + ldb_bytes;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      for (let k = 0; k < k4; k += 4) {
        const o = <usize>k << 2;
        const av = v128.load(ai + o);
        s0 = madd(av, v128.load(b0 + o), s0);
        s1 = madd(av, v128.load(b1 + o), s1);
        s2 = madd(av, v128.load(b2 + o), s2);
        s3 = madd(av, v128.load(b3 + o), s3);
      }
      // Transpose-and-add: lane q of `sum` becomes the total of s_q.
      const t01 = f32x4.add(v128.shuffle<f32>(s0, s1, 0, 4, 1, 5), v128.shuffle<f32>(s0, s1, 2, 6, 3, 7));
      const t23 = f32x4.add(v128.shuffle<f32>(s2, s3, 0, 4, 1, 5), v128.shuffle<f32>(s2, s3, 2, 6, 3, 7));
      let sum = f32x4.add(v128.shuffle<f32>(t01, t23, 0, 1, 4, 5), v128.shuffle<f32>(t01, t23, 2, 3, 6, 7));
      if (k4 < K) {
        let e0: f32 = 0, e1: f32 = 0, e2: f32 = 0, e3: f32 = 0;
        for (let k = k4; k < K; k++) {
          const o = <usize>k << 2;
          const x = load<f32>(ai + o);
          e0 += x * load<f32>(b0 + o);
          e1 += x * load<f32>(b1 + o);
          e2 += x * load<f32>(b2 + o);
          e3 += x * load<f32>(b3 + o);
        }
        sum = f32x4.add(sum, f32x4(e0, e1, e2, e3));
      }
      const p = ci + (<usize>j << 2);
      v128.store(p, load_c ? f32x4.add(sum, v128.load(p)) : sum);
    }
    for (; j < N; j++) {
      const bj = b + <usize>j * ldb_bytes;
      let s = f32x4.splat(0);
      for (let k = 0; k < k4; k += 4) {
        const o = <usize>k << 2;
        s = madd(v128.load(ai + o), v128.load(bj + o), s);
      }
      let x = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
      for (let k = k4; k < K; k++) x += load<f32>(ai + (<usize>k << 2)) * load<f32>(bj + (<usize>k << 2));
      const p = ci + (<usize>j << 2);
      store<f32>(p, load_c ? load<f32>(p) + x : x);
    }
  }
}

// ---------------------------------------------------------------------------
// Direct path over pre-packed B for M ≤ SMALL_M: the single-sample forward pass.

/**
 * act(A·B + bias) for a few rows of A with B in pack_b_nn panels: each row of A
 * against three panels (24 columns) at a time along the whole of K, the epilogue
 * fused into the store. A panel is one contiguous run, so B streams through once
 * per row and no sum is stored and reloaded between K blocks.
 */
function direct_packed(M: i32, N: i32, K: i32, a: usize, lda: i32, packed: usize,
  bias: usize, c: usize, ldc: i32, act: i32, alpha: f32, tile: usize): void {
  const panel_bytes = <usize>K * NR << 2;
  for (let i = 0; i < M; i++) {
    const ai = a + (<usize>i * <usize>lda << 2);
    const ci = c + (<usize>i * <usize>ldc << 2);
    let j = 0;
    // Six accumulators (24 columns): six chains of dependent multiply-adds keep more in
    // flight than four; eight (32 columns) spill in V8.
    for (; j + 3 * NR <= N; j += 3 * NR) {
      const o = <usize>j << 2;
      strip(6, true, K, ai, 4, packed + <usize>(j / NR) * panel_bytes, NR * 4, panel_bytes, ci + o, 3 * NR, false, bias != 0 ? bias + o : 0, act, alpha, tile);
    }
    if (j + 2 * NR <= N) {
      const o = <usize>j << 2;
      strip(4, true, K, ai, 4, packed + <usize>(j / NR) * panel_bytes, NR * 4, panel_bytes, ci + o, 2 * NR, false, bias != 0 ? bias + o : 0, act, alpha, tile);
      j += 2 * NR;
    }
    for (; j < N; j += NR) {
      const o = <usize>j << 2;
      strip(2, true, K, ai, 4, packed + <usize>(j / NR) * panel_bytes, NR * 4, panel_bytes, ci + o, min(NR, N - j), false, bias != 0 ? bias + o : 0, act, alpha, tile);
    }
  }
}

/**
 * One row of op(A) times `vectors` (a constant: 1, 2, 4, or 6 from panels) vectors of B along K, one
 * accumulator each; element k of A is at pa + k·a_step, and row k of the strip of B at
 * pb + k·b_step: contiguous in a row of B, or with `panels` (a constant) in pack_b_nn
 * panels of 8 columns, panel_bytes apart. The first nr columns get
 * out = act((out +) sum + bias); bias 0 means none. Inlined with constant `vectors`
 * and `panels`, each form keeps its accumulators in locals of their own.
 */
// @ts-ignore: decorator
@inline function strip(vectors: i32, panels: bool, K: i32, pa: usize, a_step: usize, pb: usize, b_step: usize,
  panel_bytes: usize, out: usize, nr: i32, load_c: bool, bias: usize, act: i32, alpha: f32, tile: usize): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0), s4 = f32x4.splat(0), s5 = f32x4.splat(0);
  let pb1 = pb + panel_bytes;
  let pb2 = pb1 + panel_bytes;
  for (let k = 0; k < K; k++) {
    const av = v128.load32_splat(pa);
    s0 = madd(av, v128.load(pb), s0);
    if (vectors > 1) s1 = madd(av, v128.load(pb, 16), s1);
    if (vectors > 2 && !panels) {
      s2 = madd(av, v128.load(pb, 32), s2);
      s3 = madd(av, v128.load(pb, 48), s3);
    }
    if (vectors > 2 && panels) {
      s2 = madd(av, v128.load(pb1), s2);
      s3 = madd(av, v128.load(pb1, 16), s3);
      pb1 += b_step;
    }
    if (vectors > 4) {
      s4 = madd(av, v128.load(pb2), s4);
      s5 = madd(av, v128.load(pb2, 16), s5);
      pb2 += b_step;
    }
    pa += a_step;
    pb += b_step;
  }
  if (nr < vectors * 4) {
    v128.store(tile, s0);
    v128.store(tile, s1, 16);
    return store_tile(tile, out, 0, 1, nr, load_c, bias, act, alpha);
  }
  v128.store(out, finish_v128(s0, out, load_c, bias, act, alpha));
  if (vectors > 1) v128.store(out, finish_v128(s1, out + 16, load_c, bias != 0 ? bias + 16 : 0, act, alpha), 16);
  if (vectors > 2) {
    v128.store(out, finish_v128(s2, out + 32, load_c, bias != 0 ? bias + 32 : 0, act, alpha), 32);
    v128.store(out, finish_v128(s3, out + 48, load_c, bias != 0 ? bias + 48 : 0, act, alpha), 48);
  }
  if (vectors > 4) {
    v128.store(out, finish_v128(s4, out + 64, load_c, bias != 0 ? bias + 64 : 0, act, alpha), 64);
    v128.store(out, finish_v128(s5, out + 80, load_c, bias != 0 ? bias + 80 : 0, act, alpha), 80);
  }
}

// ---------------------------------------------------------------------------
// Helpers

/** K = 0: the product is zero, so C = act(bias) — or C is left as it is when accumulating. */
function empty_product(M: i32, N: i32, c: usize, ldc: i32, accumulate: bool, bias: usize, act: i32, alpha: f32): void {
  if (accumulate) return;
  for (let i = 0; i < M; i++) {
    const ci = c + (<usize>i * <usize>ldc << 2);
    for (let j = 0; j < N; j++) {
      const v: f32 = bias != 0 ? load<f32>(bias + (<usize>j << 2)) : 0;
      store<f32>(ci + (<usize>j << 2), activate_scalar(v, act, alpha));
    }
  }
}

/** min(max(x, 1), cap): workspace sizing stays positive for degenerate sizes. */
// @ts-ignore: decorator
@inline function clamp(x: i32, cap: i32): i32 {
  return min(max(x, 1), cap);
}

// @ts-ignore: decorator
@inline function round_up(x: i32, m: i32): i32 {
  return (x + m - 1) / m * m;
}
