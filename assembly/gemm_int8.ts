// Int8 matrix multiply for quantised inference, with int32 accumulation and the
// dense layer's epilogue fused:
//   y[i][j] = act((Σ_k a[i][k]·w[k][j] − a_zp·colsum[j]) · in_scale·w_scale[j] + bias[j])
// written as float, or requantised to the next layer's activation codes.
//
// Operands. Activations are 7-bit codes in [0, 127] (see below for their size) with a zero
// point per tensor: value = (code − zp)·scale. Weights are any int8, symmetric per
// output column (quantisation gives [−127, 127]). The activations are the 7-bit
// operand of i32x4.relaxed_dot_i8x16_i7x16_add_s: with its second operand in
// [0, 127] the instruction is fully defined (signed and unsigned readings of a
// byte agree, and no pair of products reaches the i16 saturation of the
// non-VNNI lowering: 2·128·127 < 2¹⁵), so every engine computes the same exact
// integers. The requantisation below clamps codes to [0, 127], so a layer's
// output is a valid input of the next without further work. The plain SIMD build
// uses i32x4.dot_i16x8_s on weights widened to i16 as they load and codes kept as
// i16 (two bytes each, so a pair of them loads straight onto every lane): the same
// integers. int8_code_bytes gives a build's code size; strides are in bytes.
//
// Why the zero point sits on the activations: Σ(a − zp)·w = Σ a·w − zp·Σ w, and
// Σ_k w[k][j] (colsum) is a property of the weights, computed once when packing.
// The inner loop is the bare dot product, which an engine that lowers the relaxed
// dot to VNNI (vpdpbusd) runs as one instruction per 16 multiply-adds. Where an
// engine cannot be trusted with that fused form (int8_fused_dot_exact), the
// relaxed build runs the two-operand relaxed dot and widens: the same integers.
//
// Exported kernels (single-threaded; a column split at multiples of 8 gives the same bits):
//   int8_packed_bytes, pack_int8_weights  weights into panels, once per model
//   gemm_int8_requant                      a hidden layer: codes in, codes out
//   gemm_int8_f32                          the last layer: codes in, floats out
//   int8_fused_dot_exact                   whether the engine may run the fused relaxed dot (once, at load)
//   quantize_rows_u7                       floats into codes, for the first layer's input, noting non-finite ones
//   int8_code_bytes                        bytes per activation code: 1 (relaxed) or 2 (plain)

import { activate_v128, ACT_LINEAR, ACT_RELU } from "./activation_math";
import { scratch, span } from "./checks";

/** Columns per packed panel: two i32x4 accumulators a row. */
const NR = 8;
/**
 * Rows per register tile: 4×8 holds 8 accumulators, 2 weight vectors and one
 * activation (plus the plain build's product): 12 of V8's 15 vector registers, and
 * the non-VNNI lowering of the relaxed dot needs a scratch or two of its own.
 */
const MR = 4;
/**
 * Rows per register tile of the fused dot: 10 accumulators, 2 weight vectors, one activation and the
 * scratch V8 gives every dot take 14 of its 15 vector registers (6 rows spill), and 10 independent sums
 * hide more of the dot's latency on VNNI than 8.
 */
const MR_FUSED = 5;
/**
 * Consecutive k per lane in a packed weight vector: 4 bytes feed one i32 lane of
 * the relaxed dot, 2 i16 values one lane of dot_i16x8_s. Either way a panel
 * holds 8·round_up(K, 4) weight bytes, so both builds pack to the same size.
 */
const KG: i32 = ASC_FEATURE_RELAXED_SIMD ? 4 : 2;
/** Bytes per activation code: i16 in the plain build, where dot_i16x8_s takes them as they load. */
const CODE_BYTES: i32 = ASC_FEATURE_RELAXED_SIMD ? 1 : 2;
/** log2(CODE_BYTES): output codes of column j lie j << CODE_SHIFT bytes into a row. */
const CODE_SHIFT: usize = ASC_FEATURE_RELAXED_SIMD ? 0 : 1;
/** Code bytes of one k group of a row: 4 in both builds, one i32 lane. */
const GROUP_BYTES: usize = <usize>(KG * CODE_BYTES);
/** Weight bytes the inner loop consumes per step (one k group of all 8 columns). */
const STEP_BYTES: usize = <usize>(NR * KG);
/** Panel header: colsum (8 × i32), then in_scale·w_scale (8 × f32), then bias (8 × f32). */
const HEADER_BYTES = 3 * NR * 4;
/**
 * Row block: MC rows of activations (MC·K codes, 47 or 94 KB at K = 784) stay in L2 while each panel in L1
 * passes over them. A multiple of both tile heights, so only a batch's last block has a shorter tile.
 */
const MC = 60;
/** Largest K whose int32 sums cannot overflow, even with weights of −128: 2¹⁷ · 127 · 128 < 2³¹. */
const K_MAX = 1 << 17;
/** Requantised values are clamped to this before rounding, so the rounding trick below holds and codes fit an i16. */
const CODE_LIMIT: f32 = 512;
/**
 * 1.5·2²³: a float of magnitude at most 2²² plus this rounds, ties to even, to an integer held in the
 * low mantissa bits, which MAGIC_BITS (its bit pattern) then removes. One add instead of nearest and
 * trunc_sat, both several instructions on x86.
 */
const MAGIC: f32 = 12582912;
const MAGIC_BITS: i32 = 0x4b400000;

// ---------------------------------------------------------------------------
// Exports

/**
 * Bytes of the packed form of a K×N int8 weight matrix: ⌈N/8⌉ panels of
 * 96 + 8·round_up(K, 4) bytes each (a multiple of 16). Columns n0… of a split at a
 * multiple of 8 start at packed + (n0/8)·int8_packed_bytes(K, 8).
 */
export function int8_packed_bytes(K: i32, N: i32): i32 {
  return (max(N, 1) + NR - 1) / NR * panel_bytes(max(K, 0));
}

/**
 * Packs int8 weights w (K×N, row-major, rows ldw bytes apart) with their per-column
 * scales w_scale (N f32), the input's scale in_scale and bias (N f32, or 0 for none)
 * into int8_packed_bytes(K, N) bytes at packed (16-byte aligned). Each 8-column panel
 * carries its column sums Σ_k w[k][j], the products in_scale·w_scale[j] and the bias,
 * then its weights in k groups; columns past N and k past K are zero. The weight
 * layout is the building core's own (relaxed and plain differ): pack with the core
 * that runs the kernels. K ≤ 131072.
 */
export function pack_int8_weights(K: i32, N: i32, w: usize, ldw: i32, w_scale: usize, in_scale: f32,
  bias: usize, packed: usize): void {
  assert(K >= 0 && N >= 0 && K <= K_MAX, "pack_int8_weights: a negative size or K above 131072");
  assert(K == 0 || N == 0 || (ldw >= N && span(w, <i64>(K - 1) * ldw + N, 1)), "pack_int8_weights: w outside memory or ldw too small");
  assert(span(w_scale, N, 4), "pack_int8_weights: w_scale outside memory or misaligned");
  assert(bias == 0 || span(bias, N, 4), "pack_int8_weights: bias outside memory or misaligned");
  assert(N == 0 || scratch(packed, int8_packed_bytes(K, N)), "pack_int8_weights: packed shorter than int8_packed_bytes or misaligned");
  if (N <= 0) return;
  const pbytes = <usize>panel_bytes(K);
  memory.fill(packed, 0, <usize>int8_packed_bytes(K, N));
  for (let j = 0; j < N; j++) {
    const panel = packed + <usize>(j / NR) * pbytes;
    const q = j % NR;
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const v = load<i8>(w + <usize>k * <usize>ldw + <usize>j);
      sum += v;
      store<i8>(panel + HEADER_BYTES + <usize>(k / KG) * STEP_BYTES + <usize>(q * KG + k % KG), v);
    }
    store<i32>(panel + (<usize>q << 2), sum);
    store<f32>(panel + (<usize>(NR + q) << 2), in_scale * load<f32>(w_scale + (<usize>j << 2)));
    store<f32>(panel + (<usize>(2 * NR + q) << 2), bias != 0 ? load<f32>(bias + (<usize>j << 2)) : 0);
  }
}

/**
 * A hidden layer: codes c (M×N codes of int8_code_bytes() each, rows ldc bytes apart) = clamp(nearest(y·out_inv_scale)
 * + out_zp, 0, 127), ties to even, with y the epilogue's float in the file header
 * (activation act: 0 linear, 1 ReLU, 2 Leaky ReLU with slope alpha, 3 sigmoid, 4 tanh).
 * a: M×K activation codes in [0, 127], rows lda ≥ K·int8_code_bytes() bytes apart, zero point a_zp;
 * each row is read to round_up(K, 4) codes (those past K meet zero weights but must
 * lie in memory). packed: from pack_int8_weights for this K and N. fused: 1 to run the
 * relaxed build's one-instruction dot, where int8_fused_dot_exact() returned 1; 0 otherwise
 * (the plain build ignores it). Allocates nothing; the same integers and bits in both
 * builds, in either form and for any M.
 */
export function gemm_int8_requant(M: i32, N: i32, K: i32, a: usize, lda: i32, a_zp: i32, packed: usize,
  c: usize, ldc: i32, act: i32, alpha: f32, out_inv_scale: f32, out_zp: i32, fused: i32): void {
  assert(ldc >= N * CODE_BYTES && (M == 0 || span(c, <i64>(M - 1) * ldc + N * CODE_BYTES, 1)), "gemm_int8_requant: c outside memory or ldc too small");
  if (!operands_fit(M, N, K, a, lda, packed)) return;
  gemm_int8(M, N, K, a, lda, a_zp, packed, c, ldc, act, alpha, true, out_inv_scale, out_zp, fused != 0);
}

/**
 * The last layer: c (M×N f32, rows ldc ≥ N floats apart) = y, the epilogue's float
 * in the file header. Operands as for gemm_int8_requant.
 */
export function gemm_int8_f32(M: i32, N: i32, K: i32, a: usize, lda: i32, a_zp: i32, packed: usize,
  c: usize, ldc: i32, act: i32, alpha: f32, fused: i32): void {
  assert(ldc >= N && (M == 0 || span(c, <i64>(M - 1) * ldc + N, 4)), "gemm_int8_f32: c outside memory, misaligned or ldc too small");
  if (!operands_fit(M, N, K, a, lda, packed)) return;
  gemm_int8(M, N, K, a, lda, a_zp, packed, c, ldc, act, alpha, false, 0, 0, fused != 0);
}

/**
 * 1 when the fused relaxed dot may be used (always 1 in the plain build). V8 11.3's baseline
 * compiler (Node 20, relaxed SIMD behind a flag) may give i32x4.relaxed_dot_i8x16_i7x16_add_s's
 * accumulator register to one of its scratches and return 2·dot instead of acc + dot, while its
 * optimising compiler is right: the answer would change as a kernel tiers up. This call reproduces
 * that case (all three operands temporaries). Ask once per process and keep the answer (engines
 * share compiled code, and tiers, between instances of one module), with w = 3, x = 5, acc = 7,
 * before anything else calls it: its first call runs in the baseline compiler, as every kernel's does.
 */
export function int8_fused_dot_exact(w: i32, x: i32, acc: i32): i32 {
  if (!ASC_FEATURE_RELAXED_SIMD) return 1;
  const r = i32x4.relaxed_dot_i8x16_i7x16_add_s(i8x16.splat(<i8>w), i8x16.splat(<i8>(x & 127)), i32x4.splat(acc));
  return i32x4.extract_lane(r, 0) == acc + 4 * <i32><i8>w * (x & 127) ? 1 : 0;
}

/** Bytes per activation code in this build: 1 (relaxed), 2 (plain, i16). Strides of codes are in bytes. */
export function int8_code_bytes(): i32 {
  return CODE_BYTES;
}

/**
 * Codes q (rows×cols codes of int8_code_bytes() each, rows ldq bytes apart) = clamp(nearest(x·inv_scale) + zp, 0, 127),
 * ties to even, from x (rows×cols f32, rows ldx apart): the first layer's input, by
 * the same rounding as gemm_int8_requant's output, except that a NaN gives code 0 where the requantisation gives the zero
 * point: the clamp then needs no NaN mask (two instructions a vector), and predict() refuses a NaN input anyway. Where some x·inv_scale is not finite (x infinite or NaN, or
 * so large the product overflows), 1 is stored at nonfinite (an i32) unless it is 0; otherwise that word is left
 * as it is. The check rides on the pass that reads x anyway, so inference needs no separate pass over its input.
 */
export function quantize_rows_u7(x: usize, ldx: i32, rows: i32, cols: i32, inv_scale: f32, zp: i32, q: usize, ldq: i32,
  nonfinite: usize): void {
  assert(rows >= 0 && cols >= 0, "quantize_rows_u7: a negative size");
  assert(rows == 0 || (ldx >= cols && span(x, <i64>(rows - 1) * ldx + cols, 4)), "quantize_rows_u7: x outside memory, misaligned or ldx too small");
  assert(rows == 0 || (ldq >= cols * CODE_BYTES && span(q, <i64>(rows - 1) * ldq + cols * CODE_BYTES, 1)), "quantize_rows_u7: q outside memory or ldq too small");
  // Constants as the tile epilogue makes them (see there): V8 rebuilds a constant vector at every use, but keeps
  // vectors made from runtime values in registers. zp | 127 is 127 for every zero point in [0, 127].
  const k = f32x4.replace_lane(f32x4(-CODE_LIMIT, CODE_LIMIT, MAGIC, 0), 3, inv_scale);
  const lo = v128.shuffle<i32>(k, k, 0, 0, 0, 0), hi = v128.shuffle<i32>(k, k, 1, 1, 1, 1);
  const mg = v128.shuffle<i32>(k, k, 2, 2, 2, 2), inv = v128.shuffle<i32>(k, k, 3, 3, 3, 3);
  const top = ASC_FEATURE_RELAXED_SIMD ? i8x16.splat(<i8>(zp | 127)) : i16x8.splat(<i16>(zp | 127));
  const offset = i32x4.splat(zp - MAGIC_BITS);
  // p − p is +0 for every finite product and NaN otherwise: OR-ing those bits leaves a nonzero lane only after a non-finite one.
  let seen = i32x4.splat(0);
  let seen_scalar = false;
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>r * <usize>ldx << 2);
    const qr = q + <usize>r * <usize>ldq;
    let j = 0;
    for (; j + 16 <= cols; j += 16) {
      const p = xr + (<usize>j << 2);
      const y0 = f32x4.mul(v128.load(p), inv), y1 = f32x4.mul(v128.load(p, 16), inv);
      const y2 = f32x4.mul(v128.load(p, 32), inv), y3 = f32x4.mul(v128.load(p, 48), inv);
      seen = v128.or(seen, v128.or(v128.or(f32x4.sub(y0, y0), f32x4.sub(y1, y1)), v128.or(f32x4.sub(y2, y2), f32x4.sub(y3, y3))));
      const h0 = i16x8.narrow_i32x4_s(rounded_low_nan(y0, offset, lo, hi, mg), rounded_low_nan(y1, offset, lo, hi, mg));
      const h1 = i16x8.narrow_i32x4_s(rounded_low_nan(y2, offset, lo, hi, mg), rounded_low_nan(y3, offset, lo, hi, mg));
      if (ASC_FEATURE_RELAXED_SIMD) v128.store(qr + <usize>j, code_bytes_below(h0, h1, top));
      else {
        v128.store(qr + (<usize>j << 1), code_i16_below(h0, top));
        v128.store(qr + (<usize>j << 1), code_i16_below(h1, top), 16);
      }
    }
    for (; j + 4 <= cols; j += 4) {
      const y = f32x4.mul(v128.load(xr + (<usize>j << 2)), inv);
      seen = v128.or(seen, f32x4.sub(y, y));
      const h = i16x8.narrow_i32x4_s(rounded_low_nan(y, offset, lo, hi, mg), i32x4.splat(0));
      if (ASC_FEATURE_RELAXED_SIMD) v128.store32_lane(qr + <usize>j, code_bytes_below(h, h, top), 0);
      else v128.store64_lane(qr + (<usize>j << 1), code_i16_below(h, top), 0);
    }
    for (; j < cols; j++) {
      const y = load<f32>(xr + (<usize>j << 2));
      if (!isFinite(y * inv_scale)) seen_scalar = true;
      store_code(qr, j, code_scalar(y, inv_scale, zp));
    }
  }
  if (nonfinite != 0 && (seen_scalar || v128.any_true(seen))) store<i32>(nonfinite, 1);
}

// ---------------------------------------------------------------------------
// Loop nest

/** The shared preconditions of both GEMMs; false when there is nothing to compute. */
// @ts-ignore: decorator
@inline function operands_fit(M: i32, N: i32, K: i32, a: usize, lda: i32, packed: usize): bool {
  assert(M >= 0 && N >= 0 && K >= 0 && K <= K_MAX, "gemm_int8: a negative size or K above 131072");
  assert(M == 0 || (lda >= K * CODE_BYTES && span(a, <i64>(M - 1) * lda + round_up4(K) * CODE_BYTES, 1)), "gemm_int8: a outside memory (rows are read to a multiple of 4 codes) or lda too small");
  assert(N == 0 || scratch(packed, int8_packed_bytes(K, N)), "gemm_int8: packed shorter than int8_packed_bytes or misaligned");
  return M > 0 && N > 0;
}

/**
 * One to three rows (a single sample, say) run tiles several panels wide, so the
 * weights stream through once with six to eight independent sums in flight. More
 * rows go by 5-row tiles (fused dot) or 4-row ones, row block by row block, each
 * panel used by every tile of the block while it is in L1. Sums span the whole of
 * K: integers need no partial stores, and every path gives the same exact sums.
 */
function gemm_int8(M: i32, N: i32, K: i32, a: usize, lda: i32, a_zp: i32, packed: usize,
  c: usize, ldc: i32, act: i32, alpha: f32, requant: bool, inv: f32, ozp: i32, fused: bool): void {
  if (ASC_FEATURE_RELAXED_SIMD && fused) loop_nest(true, M, N, K, a, lda, a_zp, packed, c, ldc, act, alpha, requant, inv, ozp);
  else loop_nest(false, M, N, K, a, lda, a_zp, packed, c, ldc, act, alpha, requant, inv, ozp);
}

/** The loops of gemm_int8 for one form of the dot (a constant: each form gets its own copy and tiles). */
// @ts-ignore: decorator
@inline function loop_nest(fused: bool, M: i32, N: i32, K: i32, a: usize, lda: i32, a_zp: i32, packed: usize,
  c: usize, ldc: i32, act: i32, alpha: f32, requant: bool, inv: f32, ozp: i32): void {
  const pbytes = <usize>panel_bytes(K);
  const shift: usize = requant ? CODE_SHIFT : 2;
  const la = <usize>lda;
  const lc: usize = requant ? <usize>ldc : <usize>ldc << 2;
  let j = 0;
  if (M == 1) {
    for (; j + 3 * NR < N; j += 4 * NR) {
      run_tile(fused, 1, 4, K, a, la, packed + <usize>(j / NR) * pbytes, pbytes, c + (<usize>j << shift), lc, N - j, a_zp, act, alpha, requant, inv, ozp);
    }
    for (; j + 2 * NR < N; j += 3 * NR) {
      run_tile(fused, 1, 3, K, a, la, packed + <usize>(j / NR) * pbytes, pbytes, c + (<usize>j << shift), lc, N - j, a_zp, act, alpha, requant, inv, ozp);
    }
  } else if (M == 2) {
    for (; j + NR < N; j += 2 * NR) {
      run_tile(fused, 2, 2, K, a, la, packed + <usize>(j / NR) * pbytes, pbytes, c + (<usize>j << shift), lc, N - j, a_zp, act, alpha, requant, inv, ozp);
    }
  }
  for (let ic = 0; ic < M; ic += MC) {
    const mc = min(MC, M - ic);
    for (let jr = j; jr < N; jr += NR) {
      const pw = packed + <usize>(jr / NR) * pbytes;
      let i = 0;
      if (fused) {
        for (; i + MR_FUSED <= mc; i += MR_FUSED) {
          run_tile(fused, 5, 1, K, a + <usize>(ic + i) * la, la, pw, pbytes, c + <usize>(ic + i) * lc + (<usize>jr << shift), lc, N - jr, a_zp, act, alpha, requant, inv, ozp);
        }
      }
      for (; i + MR <= mc; i += MR) {
        run_tile(fused, 4, 1, K, a + <usize>(ic + i) * la, la, pw, pbytes, c + <usize>(ic + i) * lc + (<usize>jr << shift), lc, N - jr, a_zp, act, alpha, requant, inv, ozp);
      }
      const rest = mc - i;
      const ai = a + <usize>(ic + i) * la;
      const ci = c + <usize>(ic + i) * lc + (<usize>jr << shift);
      if (rest == 3) run_tile(fused, 3, 1, K, ai, la, pw, pbytes, ci, lc, N - jr, a_zp, act, alpha, requant, inv, ozp);
      else if (rest == 2) run_tile(fused, 2, 1, K, ai, la, pw, pbytes, ci, lc, N - jr, a_zp, act, alpha, requant, inv, ozp);
      else if (rest == 1) run_tile(fused, 1, 1, K, ai, la, pw, pbytes, ci, lc, N - jr, a_zp, act, alpha, requant, inv, ozp);
    }
  }
}

/** The tile function of a shape (constant rows and panels) and dot form (constant fused). */
// @ts-ignore: decorator
@inline function run_tile(fused: bool, rows: i32, panels: i32, K: i32, a: usize, la: usize, pw: usize, pbytes: usize, c: usize, lc: usize, cols: i32,
  a_zp: i32, act: i32, alpha: f32, requant: bool, inv: f32, ozp: i32): void {
  const f = ASC_FEATURE_RELAXED_SIMD && fused;
  if (panels == 4) f ? tile_1x4_fused(K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp) : tile_1x4(K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
  else if (panels == 3) f ? tile_1x3_fused(K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp) : tile_1x3(K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
  else if (panels == 2) f ? tile_2x2_fused(K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp) : tile_2x2(K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
  else if (rows == 5) tile_5x1_fused(K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
  else if (rows == 4) f ? tile_4x1_fused(K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp) : tile_4x1(K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
  else if (rows == 3) f ? tile_3x1_fused(K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp) : tile_3x1(K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
  else if (rows == 2) f ? tile_2x1_fused(K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp) : tile_2x1(K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
  else f ? tile_1x1_fused(K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp) : tile_1x1(K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
}

// One function per tile shape and dot form, each with its accumulators in locals of its own: with both forms in one
// function, the optimiser merged their loops into one that ran both dots on every step and kept one.
function tile_5x1_fused(K: i32, a: usize, la: usize, pw: usize, pbytes: usize, c: usize, lc: usize, cols: i32,
  a_zp: i32, act: i32, alpha: f32, requant: bool, inv: f32, ozp: i32): void {
  tile(5, 1, true, K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
}
function tile_4x1_fused(K: i32, a: usize, la: usize, pw: usize, pbytes: usize, c: usize, lc: usize, cols: i32,
  a_zp: i32, act: i32, alpha: f32, requant: bool, inv: f32, ozp: i32): void {
  tile(4, 1, true, K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
}
function tile_3x1_fused(K: i32, a: usize, la: usize, pw: usize, pbytes: usize, c: usize, lc: usize, cols: i32,
  a_zp: i32, act: i32, alpha: f32, requant: bool, inv: f32, ozp: i32): void {
  tile(3, 1, true, K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
}
function tile_2x1_fused(K: i32, a: usize, la: usize, pw: usize, pbytes: usize, c: usize, lc: usize, cols: i32,
  a_zp: i32, act: i32, alpha: f32, requant: bool, inv: f32, ozp: i32): void {
  tile(2, 1, true, K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
}
function tile_1x1_fused(K: i32, a: usize, la: usize, pw: usize, pbytes: usize, c: usize, lc: usize, cols: i32,
  a_zp: i32, act: i32, alpha: f32, requant: bool, inv: f32, ozp: i32): void {
  tile(1, 1, true, K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
}
function tile_2x2_fused(K: i32, a: usize, la: usize, pw: usize, pbytes: usize, c: usize, lc: usize, cols: i32,
  a_zp: i32, act: i32, alpha: f32, requant: bool, inv: f32, ozp: i32): void {
  tile(2, 2, true, K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
}
function tile_1x3_fused(K: i32, a: usize, la: usize, pw: usize, pbytes: usize, c: usize, lc: usize, cols: i32,
  a_zp: i32, act: i32, alpha: f32, requant: bool, inv: f32, ozp: i32): void {
  tile(1, 3, true, K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
}
function tile_1x4_fused(K: i32, a: usize, la: usize, pw: usize, pbytes: usize, c: usize, lc: usize, cols: i32,
  a_zp: i32, act: i32, alpha: f32, requant: bool, inv: f32, ozp: i32): void {
  tile(1, 4, true, K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
}
function tile_4x1(K: i32, a: usize, la: usize, pw: usize, pbytes: usize, c: usize, lc: usize, cols: i32,
  a_zp: i32, act: i32, alpha: f32, requant: bool, inv: f32, ozp: i32): void {
  tile(4, 1, false, K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
}
function tile_3x1(K: i32, a: usize, la: usize, pw: usize, pbytes: usize, c: usize, lc: usize, cols: i32,
  a_zp: i32, act: i32, alpha: f32, requant: bool, inv: f32, ozp: i32): void {
  tile(3, 1, false, K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
}
function tile_2x1(K: i32, a: usize, la: usize, pw: usize, pbytes: usize, c: usize, lc: usize, cols: i32,
  a_zp: i32, act: i32, alpha: f32, requant: bool, inv: f32, ozp: i32): void {
  tile(2, 1, false, K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
}
function tile_1x1(K: i32, a: usize, la: usize, pw: usize, pbytes: usize, c: usize, lc: usize, cols: i32,
  a_zp: i32, act: i32, alpha: f32, requant: bool, inv: f32, ozp: i32): void {
  tile(1, 1, false, K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
}
function tile_2x2(K: i32, a: usize, la: usize, pw: usize, pbytes: usize, c: usize, lc: usize, cols: i32,
  a_zp: i32, act: i32, alpha: f32, requant: bool, inv: f32, ozp: i32): void {
  tile(2, 2, false, K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
}
function tile_1x4(K: i32, a: usize, la: usize, pw: usize, pbytes: usize, c: usize, lc: usize, cols: i32,
  a_zp: i32, act: i32, alpha: f32, requant: bool, inv: f32, ozp: i32): void {
  tile(1, 4, false, K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
}
function tile_1x3(K: i32, a: usize, la: usize, pw: usize, pbytes: usize, c: usize, lc: usize, cols: i32,
  a_zp: i32, act: i32, alpha: f32, requant: bool, inv: f32, ozp: i32): void {
  tile(1, 3, false, K, a, la, pw, pbytes, c, lc, cols, a_zp, act, alpha, requant, inv, ozp);
}

/**
 * `rows` rows of activations (la bytes apart) times `panels` consecutive panels from
 * pw (pbytes apart): rows × panels × 2 accumulators along the whole of K, then the
 * epilogue into c (rows lc bytes apart) for the first `cols` columns (capped at the
 * tile's width). Inlined with constant rows and panels (rows·panels ≤ 5, or 1×3 and 1×4),
 * the unused accumulators and branches fold away.
 */
// @ts-ignore: decorator
@inline function tile(rows: i32, panels: i32, fused: bool, K: i32, a: usize, la: usize, pw: usize, pbytes: usize,
  c: usize, lc: usize, cols: i32, a_zp: i32, act: i32, alpha: f32, requant: bool, inv: f32, ozp: i32): void {
  // Every sum starts at −a_zp·colsum, so the loop's last dot leaves the exact Σ(a − a_zp)·w (int32 wraps alike either way).
  const nzp = i32x4.splat(-a_zp);
  const z0 = i32x4.mul(nzp, v128.load(pw)), z1 = i32x4.mul(nzp, v128.load(pw, 16));
  let z2 = z0, z3 = z1, z4 = z0, z5 = z1, z6 = z0, z7 = z1;
  if (panels > 1) {
    z2 = i32x4.mul(nzp, v128.load(pw + pbytes));
    z3 = i32x4.mul(nzp, v128.load(pw + pbytes, 16));
  }
  if (panels > 2) {
    z4 = i32x4.mul(nzp, v128.load(pw + 2 * pbytes));
    z5 = i32x4.mul(nzp, v128.load(pw + 2 * pbytes, 16));
  }
  if (panels > 3) {
    z6 = i32x4.mul(nzp, v128.load(pw + 3 * pbytes));
    z7 = i32x4.mul(nzp, v128.load(pw + 3 * pbytes, 16));
  }
  let c00 = z0, c01 = z1, c02 = z2, c03 = z3, c04 = z4, c05 = z5, c06 = z6, c07 = z7;
  let c10 = z0, c11 = z1, c12 = z2, c13 = z3;
  let c20 = z0, c21 = z1;
  let c30 = z0, c31 = z1;
  let c40 = z0, c41 = z1;
  let x0 = a, x1 = a + la, x2 = a + 2 * la, x3 = a + 3 * la, x4 = a + 4 * la;
  let w = pw + HEADER_BYTES;
  const end = w + <usize>round_up4(K) * NR;
  // One k group per step; kept simple, as unrolled loops make V8 hoist loads and spill (see gemm.ts).
  while (w < end) {
    const p0 = v128.load(w);
    const w00 = lo(p0, w), w01 = hi(p0, w);
    let w10 = w00, w11 = w01;
    if (panels > 1) {
      const p1 = v128.load(w + pbytes);
      w10 = lo(p1, w + pbytes);
      w11 = hi(p1, w + pbytes);
    }
    let x = splat(x0);
    c00 = mac(fused, c00, w00, x);
    c01 = mac(fused, c01, w01, x);
    if (panels > 1) {
      c02 = mac(fused, c02, w10, x);
      c03 = mac(fused, c03, w11, x);
    }
    if (panels > 2) {
      // One row only: each vector of the third and fourth panels is used once, straight from its load.
      const p2 = v128.load(w + 2 * pbytes);
      c04 = mac(fused, c04, lo(p2, w + 2 * pbytes), x);
      c05 = mac(fused, c05, hi(p2, w + 2 * pbytes), x);
    }
    if (panels > 3) {
      const p3 = v128.load(w + 3 * pbytes);
      c06 = mac(fused, c06, lo(p3, w + 3 * pbytes), x);
      c07 = mac(fused, c07, hi(p3, w + 3 * pbytes), x);
    }
    if (rows > 1) {
      x = splat(x1);
      c10 = mac(fused, c10, w00, x);
      c11 = mac(fused, c11, w01, x);
      if (panels > 1) {
        c12 = mac(fused, c12, w10, x);
        c13 = mac(fused, c13, w11, x);
      }
    }
    if (rows > 2) {
      x = splat(x2);
      c20 = mac(fused, c20, w00, x);
      c21 = mac(fused, c21, w01, x);
    }
    if (rows > 3) {
      x = splat(x3);
      c30 = mac(fused, c30, w00, x);
      c31 = mac(fused, c31, w01, x);
    }
    if (rows > 4) {
      x = splat(x4);
      c40 = mac(fused, c40, w00, x);
      c41 = mac(fused, c41, w01, x);
    }
    w += STEP_BYTES;
    x0 += GROUP_BYTES; x1 += GROUP_BYTES; x2 += GROUP_BYTES; x3 += GROUP_BYTES;
    if (rows > 4) x4 += GROUP_BYTES;
  }
  if (panels == 1 && requant && (act == ACT_RELU || act == ACT_LINEAR)) {
    // The usual hidden layer, inline. Through finish_row (a call per row, which spills and reloads the sums and
    // rebuilds the header and constants each time) the epilogue took about a sixth of the tile's time at K = 256;
    // here they load once per tile. V8 rebuilds a constant vector at every use (three instructions); one made with
    // a runtime lane (inv) stays put, and each of its lanes spreads with one shuffle.
    const relu = act == ACT_RELU;
    const sc0 = v128.load(pw, NR * 4), sc1 = v128.load(pw, NR * 4 + 16);
    const b0 = v128.load(pw, 2 * NR * 4), b1 = v128.load(pw, 2 * NR * 4 + 16);
    const k = f32x4.replace_lane(f32x4(-CODE_LIMIT, CODE_LIMIT, MAGIC, 0), 3, inv);
    const lo = v128.shuffle<i32>(k, k, 0, 0, 0, 0), hi = v128.shuffle<i32>(k, k, 1, 1, 1, 1);
    const mg = v128.shuffle<i32>(k, k, 2, 2, 2, 2), invv = v128.shuffle<i32>(k, k, 3, 3, 3, 3);
    const offset = i32x4.splat(ozp - MAGIC_BITS);
    store_codes(row_codes(c00, c01, sc0, sc1, b0, b1, relu, invv, offset, lo, hi, mg), c, cols);
    if (rows > 1) store_codes(row_codes(c10, c11, sc0, sc1, b0, b1, relu, invv, offset, lo, hi, mg), c + lc, cols);
    if (rows > 2) store_codes(row_codes(c20, c21, sc0, sc1, b0, b1, relu, invv, offset, lo, hi, mg), c + 2 * lc, cols);
    if (rows > 3) store_codes(row_codes(c30, c31, sc0, sc1, b0, b1, relu, invv, offset, lo, hi, mg), c + 3 * lc, cols);
    if (rows > 4) store_codes(row_codes(c40, c41, sc0, sc1, b0, b1, relu, invv, offset, lo, hi, mg), c + 4 * lc, cols);
    return;
  }
  const shift: usize = requant ? CODE_SHIFT : 2;
  finish_row(c00, c01, pw, c, cols, act, alpha, requant, inv, ozp);
  if (panels > 1) finish_row(c02, c03, pw + pbytes, c + (<usize>NR << shift), cols - NR, act, alpha, requant, inv, ozp);
  if (panels > 2) finish_row(c04, c05, pw + 2 * pbytes, c + (<usize>(2 * NR) << shift), cols - 2 * NR, act, alpha, requant, inv, ozp);
  if (panels > 3) finish_row(c06, c07, pw + 3 * pbytes, c + (<usize>(3 * NR) << shift), cols - 3 * NR, act, alpha, requant, inv, ozp);
  if (rows > 1) {
    finish_row(c10, c11, pw, c + lc, cols, act, alpha, requant, inv, ozp);
    if (panels > 1) finish_row(c12, c13, pw + pbytes, c + lc + (<usize>NR << shift), cols - NR, act, alpha, requant, inv, ozp);
  }
  if (rows > 2) finish_row(c20, c21, pw, c + 2 * lc, cols, act, alpha, requant, inv, ozp);
  if (rows > 3) finish_row(c30, c31, pw, c + 3 * lc, cols, act, alpha, requant, inv, ozp);
  if (rows > 4) finish_row(c40, c41, pw, c + 4 * lc, cols, act, alpha, requant, inv, ozp);
}

/** Columns 0–3 of a packed k group: as loaded (relaxed), or the first four columns' pairs widened to i16 (plain). */
// @ts-ignore: decorator
@inline function lo(v: v128, p: usize): v128 {
  return ASC_FEATURE_RELAXED_SIMD ? v : i16x8.extend_low_i8x16_s(v);
}

/** Columns 4–7 of a packed k group: the next vector (relaxed), or the high half widened (plain). */
// @ts-ignore: decorator
@inline function hi(v: v128, p: usize): v128 {
  return ASC_FEATURE_RELAXED_SIMD ? v128.load(p, 16) : i16x8.extend_high_i8x16_s(v);
}

/** The activation codes of one k group of a row on every lane: 4 bytes (relaxed), or 2 i16 (plain). */
// @ts-ignore: decorator
@inline function splat(p: usize): v128 {
  return v128.load32_splat(p);
}

/**
 * acc + the dot products of each lane's k group: weights w (any int8), codes x (in [0, 127]).
 * `fused`: the relaxed build's one-instruction form, which VNNI runs as one vpdpbusd; otherwise
 * the two-operand relaxed dot, widened and added: the same integers (see int8_fused_dot_exact).
 */
// @ts-ignore: decorator
@inline function mac(fused: bool, acc: v128, w: v128, x: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD && fused) return i32x4.relaxed_dot_i8x16_i7x16_add_s(w, x, acc);
  if (ASC_FEATURE_RELAXED_SIMD) return i32x4.add(acc, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(w, x)));
  return i32x4.add(acc, i32x4.dot_i16x8_s(w, x));
}

// ---------------------------------------------------------------------------
// Epilogue

/**
 * One row of a panel (exact sums of columns 0–3 and 4–7) as codes or floats; a separate function per form keeps each
 * small. Tiles of one panel requantising under ReLU or no activation inline theirs instead (see tile).
 */
// @ts-ignore: decorator
@inline function finish_row(s0: v128, s1: v128, panel: usize, c: usize, cols: i32, act: i32, alpha: f32,
  requant: bool, inv: f32, ozp: i32): void {
  if (requant) finish_codes(s0, s1, panel, c, cols, act, alpha, inv, ozp);
  else finish_floats(s0, s1, panel, c, cols, act, alpha);
}

/** The first min(cols, 8) floats of a row: y = act(float(s)·scale + bias) from the panel header at h. */
function finish_floats(s0: v128, s1: v128, h: usize, c: usize, cols: i32, act: i32, alpha: f32): void {
  let y0 = scaled(s0, h), y1 = scaled(s1, h + 16);
  if (act != ACT_LINEAR) {
    y0 = activate_v128(y0, act, alpha);
    y1 = activate_v128(y1, act, alpha);
  }
  if (cols >= NR) {
    v128.store(c, y0);
    v128.store(c, y1, 16);
    return;
  }
  store_lanes(c, y0, min(cols, 4));
  if (cols > 4) store_lanes(c + 16, y1, cols - 4);
}

/** The first min(cols, 8) codes of a row: the floats of finish_floats requantised (for ReLU and no activation, as row_codes). */
function finish_codes(s0: v128, s1: v128, h: usize, c: usize, cols: i32, act: i32, alpha: f32, inv: f32, ozp: i32): void {
  let y0 = scaled(s0, h), y1 = scaled(s1, h + 16);
  if (act == ACT_RELU) {
    y0 = pseudo_relu(y0);
    y1 = pseudo_relu(y1);
  } else if (act != ACT_LINEAR) {
    y0 = activate_v128(y0, act, alpha);
    y1 = activate_v128(y1, act, alpha);
  }
  store_codes(codes_of(y0, y1, f32x4.splat(inv), i32x4.splat(ozp - MAGIC_BITS),
    f32x4.splat(-CODE_LIMIT), f32x4.splat(CODE_LIMIT), f32x4.splat(MAGIC)), c, cols);
}

/**
 * The eight rounded values (i16, for store_codes) of a row of one panel under ReLU (relu) or no activation, from its
 * exact sums s0, s1 and its header's scales sc0, sc1 and biases b0, b1: the operations of finish_codes, so the same codes.
 */
// @ts-ignore: decorator
@inline function row_codes(s0: v128, s1: v128, sc0: v128, sc1: v128, b0: v128, b1: v128, relu: bool, invv: v128, offset: v128, lo: v128, hi: v128, mg: v128): v128 {
  let y0 = scaled_by(s0, sc0, b0), y1 = scaled_by(s1, sc1, b1);
  if (relu) {
    y0 = pseudo_relu(y0);
    y1 = pseudo_relu(y1);
  }
  return codes_of(y0, y1, invv, offset, lo, hi, mg);
}

/** Eight floats y0, y1 (after the activation) to rounded values (i16, for store_codes), constants as rounded_by takes them. */
// @ts-ignore: decorator
@inline function codes_of(y0: v128, y1: v128, invv: v128, offset: v128, lo: v128, hi: v128, mg: v128): v128 {
  return i16x8.narrow_i32x4_s(rounded_by(f32x4.mul(y0, invv), offset, lo, hi, mg), rounded_by(f32x4.mul(y1, invv), offset, lo, hi, mg));
}

/**
 * ReLU as a pseudo-max (one instruction): it differs from f32x4.max only on NaN and −0, which requantising makes
 * the zero point either way.
 */
// @ts-ignore: decorator
@inline function pseudo_relu(y: v128): v128 {
  return f32x4.pmax(y, f32x4.splat(0));
}

/** The codes of eight rounded values h16 (i16), clamped to [0, 127], as the first min(cols, 8) codes of a row at c. */
// @ts-ignore: decorator
@inline function store_codes(h16: v128, c: usize, cols: i32): void {
  const q = ASC_FEATURE_RELAXED_SIMD ? code_bytes(h16, h16) : code_i16(h16);
  if (cols < NR) store_some_codes(q, c, cols);
  else if (ASC_FEATURE_RELAXED_SIMD) v128.store64_lane(c, q, 0);
  else v128.store(c, q);
}

/** The first cols (1–7) codes of q at c: a row's ragged end. */
function store_some_codes(q: v128, c: usize, cols: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    let bytes = i64x2.extract_lane(q, 0);
    for (let j = 0; j < cols; j++, bytes >>= 8) store<u8>(c + <usize>j, <u8>bytes);
    return;
  }
  let codes = i64x2.extract_lane(q, 0);
  for (let j = 0; j < cols; j++, codes >>= 16) {
    if (j == 4) codes = i64x2.extract_lane(q, 1);
    store<u16>(c + (<usize>j << 1), <u16>codes);
  }
}

/** float(s)·scale + bias for four columns whose header entries start at h: a multiply then an add in both builds, so they agree bit for bit. */
// @ts-ignore: decorator
@inline function scaled(s: v128, h: usize): v128 {
  return scaled_by(s, v128.load(h, NR * 4), v128.load(h, 2 * NR * 4));
}

/** float(s)·scale + bias, from a header's entries already loaded. */
// @ts-ignore: decorator
@inline function scaled_by(s: v128, scale: v128, bias: v128): v128 {
  return f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(s), scale), bias);
}

/** The first n (1–3) lanes of y at c. */
function store_lanes(c: usize, y: v128, n: i32): void {
  if (n == 4) return v128.store(c, y);
  v128.store32_lane(c, y, 0);
  if (n > 1) v128.store32_lane(c, y, 1, 4);
  if (n > 2) v128.store32_lane(c, y, 2, 8);
}

/**
 * A product y·inv to nearest(y·inv) + zp as i32, ties to even, with offset = zp − MAGIC_BITS: clamped to ±CODE_LIMIT
 * (NaN to 0, as trunc_sat makes it), rounded by MAGIC; lo = −CODE_LIMIT, hi = CODE_LIMIT and mg = MAGIC on every
 * lane. Clamping before rounding equals clamping after, as the limits are integers.
 */
// @ts-ignore: decorator
@inline function rounded_by(product: v128, offset: v128, lo: v128, hi: v128, mg: v128): v128 {
  let x = v128.and(product, f32x4.eq(product, product));
  x = f32x4.pmin(f32x4.pmax(x, lo), hi);
  return i32x4.add(f32x4.add(x, mg), offset);
}

/**
 * rounded_by for input codes, but a NaN product clamps to −CODE_LIMIT (code 0) instead of becoming 0 (the zero point):
 * with lo as pmax's first operand a NaN compares false and lo comes out, so no mask is needed.
 */
// @ts-ignore: decorator
@inline function rounded_low_nan(product: v128, offset: v128, lo: v128, hi: v128, mg: v128): v128 {
  const x = f32x4.pmin(hi, f32x4.pmax(lo, product));
  return i32x4.add(f32x4.add(x, mg), offset);
}

/** Sixteen rounded values (as two i16x8 of rounded_by's results) clamped to codes in [0, 127], one byte each. */
// @ts-ignore: decorator
@inline function code_bytes(h0: v128, h1: v128): v128 {
  return code_bytes_below(h0, h1, i8x16.splat(127));
}

/** code_bytes with its upper bound given: 127 on every byte. */
// @ts-ignore: decorator
@inline function code_bytes_below(h0: v128, h1: v128, top: v128): v128 {
  return i8x16.min_u(i8x16.narrow_i16x8_u(h0, h1), top);
}

/** Eight rounded values (an i16x8 of rounded_by's results) clamped to codes in [0, 127], as i16. */
// @ts-ignore: decorator
@inline function code_i16(h: v128): v128 {
  return code_i16_below(h, i16x8.splat(127));
}

/** code_i16 with its upper bound given: 127 on every lane. */
// @ts-ignore: decorator
@inline function code_i16_below(h: v128, top: v128): v128 {
  return i16x8.min_s(i16x8.max_s(h, i16x8.splat(0)), top);
}

/** Code j of a row at q, in this build's size. */
// @ts-ignore: decorator
@inline function store_code(q: usize, j: i32, code: u8): void {
  if (ASC_FEATURE_RELAXED_SIMD) store<u8>(q + <usize>j, code);
  else store<u16>(q + (<usize>j << 1), code);
}

/** Scalar twin of rounded_low_nan and code_bytes for ragged row ends: the same rounding and clamps, so the same code. */
// @ts-ignore: decorator
@inline function code_scalar(y: f32, inv: f32, zp: i32): u8 {
  const p = y * inv;
  if (p != p) return 0;
  const r = <i32>min(max(nearest(p), -CODE_LIMIT), CODE_LIMIT);
  return <u8>min(max(r + zp, 0), 127);
}

// ---------------------------------------------------------------------------
// Helpers

/** Bytes of one panel of 8 columns: header, then 8·round_up(K, 4) weight bytes. */
// @ts-ignore: decorator
@inline function panel_bytes(K: i32): i32 {
  return HEADER_BYTES + round_up4(K) * NR;
}

// @ts-ignore: decorator
@inline function round_up4(x: i32): i32 {
  return (x + 3) & ~3;
}
