// The peak multiply-add rate of 128-bit WebAssembly SIMD on one core, the yardstick for the GEMMs:
// twelve independent chains c = c·b + k kept in registers (no loads, no stores), enough to hide the
// latency of a multiply then an add, or of one fused multiply-add, on two vector pipes. Twelve chains
// plus b and k hold 14 of the 15 vector registers V8 allocates, so nothing spills. bench/peak.js
// compiles it twice: with relaxed SIMD enabled each step is one f32x4.relaxed_madd, without it
// f32x4.mul then f32x4.add. Each chain converges to k / (1 − b), so no value becomes subnormal.

/** Runs `iterations` rounds of 12 f32x4 multiply-adds (96 flops a round); returns a lane of their sum so none is dead. */
export function multiply_add(iterations: i32, b: f32, k: f32): f32 {
  const vb = f32x4.splat(b);
  const vk = f32x4.splat(k);
  let c0 = f32x4.splat(1.0), c1 = f32x4.splat(1.1), c2 = f32x4.splat(1.2), c3 = f32x4.splat(1.3);
  let c4 = f32x4.splat(1.4), c5 = f32x4.splat(1.5), c6 = f32x4.splat(1.6), c7 = f32x4.splat(1.7);
  let c8 = f32x4.splat(1.8), c9 = f32x4.splat(1.9), c10 = f32x4.splat(2.0), c11 = f32x4.splat(2.1);
  for (let i = 0; i < iterations; i++) {
    c0 = step(c0, vb, vk); c1 = step(c1, vb, vk); c2 = step(c2, vb, vk); c3 = step(c3, vb, vk);
    c4 = step(c4, vb, vk); c5 = step(c5, vb, vk); c6 = step(c6, vb, vk); c7 = step(c7, vb, vk);
    c8 = step(c8, vb, vk); c9 = step(c9, vb, vk); c10 = step(c10, vb, vk); c11 = step(c11, vb, vk);
  }
  const sum = f32x4.add(
    f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7))),
    f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11)),
  );
  return f32x4.extract_lane(sum, 0);
}

/** One multiply-add on four lanes: fused in the relaxed-SIMD build, a multiply then an add in the plain one. */
// @ts-ignore: decorator
@inline function step(c: v128, b: v128, k: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(c, b, k);
  return f32x4.add(f32x4.mul(c, b), k);
}
