// Activation math shared by the elementwise passes and the GEMM epilogue.
// Not re-exported from index.ts: these are inlined, not called across the boundary.

/** Activation codes shared with the GEMM epilogue and the TypeScript wrapper. */
export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_LEAKY_RELU: i32 = 2;
export const ACT_SIGMOID: i32 = 3;
export const ACT_TANH: i32 = 4;

/** Logistic function, evaluated on |x| and mirrored so exp never overflows. */
// @ts-ignore: decorator
@inline export function sigmoid_scalar(x: f32): f32 {
  const e = Mathf.exp(-Mathf.abs(x));
  const s: f32 = 1.0 / (1.0 + e);
  return x >= 0 ? s : 1.0 - s;
}

/** tanh via the stable sigmoid identity tanh(x) = 2σ(2x) − 1, sign-symmetric. */
// @ts-ignore: decorator
@inline export function tanh_scalar(x: f32): f32 {
  const e = Mathf.exp(-2.0 * Mathf.abs(x));
  const t: f32 = (1.0 - e) / (1.0 + e);
  return x >= 0 ? t : -t;
}

/** Applies activation `act` to four lanes; used by the GEMM epilogue and the passes below. */
// @ts-ignore: decorator
@inline export function activate_v128(v: v128, act: i32, alpha: f32): v128 {
  if (act == ACT_RELU) return f32x4.max(v, f32x4.splat(0));
  if (act == ACT_LEAKY_RELU) {
    return v128.bitselect(v, f32x4.mul(v, f32x4.splat(alpha)), f32x4.gt(v, f32x4.splat(0)));
  }
  if (act == ACT_SIGMOID) {
    return f32x4(
      sigmoid_scalar(f32x4.extract_lane(v, 0)), sigmoid_scalar(f32x4.extract_lane(v, 1)),
      sigmoid_scalar(f32x4.extract_lane(v, 2)), sigmoid_scalar(f32x4.extract_lane(v, 3)));
  }
  if (act == ACT_TANH) {
    return f32x4(
      tanh_scalar(f32x4.extract_lane(v, 0)), tanh_scalar(f32x4.extract_lane(v, 1)),
      tanh_scalar(f32x4.extract_lane(v, 2)), tanh_scalar(f32x4.extract_lane(v, 3)));
  }
  return v;
}

/** Softmax's exp: the argument below which e^x is taken as 0, above where 2^k would leave the normal floats. */
const EXP_LOW: f32 = -86.6;

/**
 * e^x on four lanes for x ≤ 0 (softmax's x − max): x = k·ln 2 + r with k = nearest(x·log₂e), ln 2 in two parts so
 * that k·ln 2 is exact, a polynomial for e^r on |r| ≤ ln 2/2 (Cephes' expf), and k added to the exponent bits. Within
 * 2 ulp, and the same bits on every engine: plain multiplies and adds, nothing fused or relaxed. Below EXP_LOW the
 * result is 0; NaN stays NaN.
 */
// @ts-ignore: decorator
@inline export function exp_nonpositive_v128(x: v128): v128 {
  const xc = f32x4.pmax(x, f32x4.splat(EXP_LOW));
  // 1.5·2²³ rounds k to the nearest integer, ties to even, and leaves it in the low mantissa bits.
  const t = f32x4.add(f32x4.mul(xc, f32x4.splat(1.44269504)), f32x4.splat(12582912));
  const k = f32x4.sub(t, f32x4.splat(12582912));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(k, f32x4.splat(0.693359375))), f32x4.mul(k, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.add(f32x4.mul(f32x4.splat(1.9875691500e-4), r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const er = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  const scaled = i32x4.add(er, i32x4.shl(i32x4.sub(t, i32x4.splat(0x4b400000)), 23));
  // Lanes below EXP_LOW to 0; NaN lanes (whose k bits are meaningless) to all ones, a NaN.
  return v128.or(v128.andnot(scaled, f32x4.lt(x, f32x4.splat(EXP_LOW))), f32x4.ne(x, x));
}

/** Scalar twin of activate_v128 for ragged tails. */
// @ts-ignore: decorator
@inline export function activate_scalar(x: f32, act: i32, alpha: f32): f32 {
  if (act == ACT_RELU) return x > 0 ? x : 0;
  if (act == ACT_LEAKY_RELU) return x > 0 ? x : x * alpha;
  if (act == ACT_SIGMOID) return sigmoid_scalar(x);
  if (act == ACT_TANH) return tanh_scalar(x);
  return x;
}

/** Derivative of `act` at four lanes, expressed through the forward output y. */
// @ts-ignore: decorator
@inline export function derivative_v128(y: v128, act: i32, alpha: f32): v128 {
  const one = f32x4.splat(1);
  if (act == ACT_RELU) return v128.and(one, f32x4.gt(y, f32x4.splat(0)));
  if (act == ACT_LEAKY_RELU) return v128.bitselect(one, f32x4.splat(alpha), f32x4.gt(y, f32x4.splat(0)));
  if (act == ACT_SIGMOID) return f32x4.mul(y, f32x4.sub(one, y));
  if (act == ACT_TANH) return f32x4.sub(one, f32x4.mul(y, y));
  return one;
}

/** Scalar twin of derivative_v128. */
// @ts-ignore: decorator
@inline export function derivative_scalar(y: f32, act: i32, alpha: f32): f32 {
  if (act == ACT_RELU) return y > 0 ? 1 : 0;
  if (act == ACT_LEAKY_RELU) return y > 0 ? 1 : alpha;
  if (act == ACT_SIGMOID) return y * (1 - y);
  if (act == ACT_TANH) return 1 - y * y;
  return 1;
}

