// Multiply-add for the two builds from one source: the relaxed-SIMD build
// (asc --enable relaxed-simd) fuses it into one instruction, the plain SIMD
// build multiplies then adds. Not re-exported from index.ts: inlined only.

/**
 * a·b + c on four lanes. relaxed_madd may round once (FMA) or twice, as the
 * hardware prefers, so the two builds agree to float tolerance, not bit for bit.
 */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
