// The peak multiply-add rate of 128-bit WebAssembly SIMD on one core, the yardstick for the GEMMs:
// twelve independent chains c = c·b + k kept in registers (no loads, no stores), enough to hide the
// latency of a multiply then an add, or of one fused multiply-add, on two vector pipes. Twelve chains
// plus b and k hold 14 of the 15 vector registers V8 allocates, so nothing spills. bench/peak.js
// compiles it twice: with relaxed SIMD enabled each step is one f32x4.relaxed_madd, without it
// f32x4.mul then f32x4.add. Each chain converges to k / (1 − b), so no value becomes subnormal.
// The integer dots the int8 kernels run (assembly/gemm_int8.ts) get the same twelve chains: the
// relaxed dot (16 multiply-adds a step) and the widened int16 dot (8 a step); their rates over the
// float one are the ceiling of int8 inference's speed-up.

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

/**
 * Runs `iterations` rounds of 12 i32x4.relaxed_dot_i8x16_i7x16_add_s (192 multiply-adds a round) into
 * chains c = dot(w, x) + c, the accumulate form VNNI runs as one vpdpbusd; x is kept within 7 bits,
 * as the kernels keep their codes. Returns 0 where compiled without relaxed SIMD.
 */
export function dot_i8(iterations: i32, w: i32, x: i32): i32 {
  if (!ASC_FEATURE_RELAXED_SIMD) return 0;
  const vw = i8x16.splat(<i8>w);
  const vx = i8x16.splat(<i8>(x & 127));
  let c0 = i32x4.splat(0), c1 = i32x4.splat(1), c2 = i32x4.splat(2), c3 = i32x4.splat(3);
  let c4 = i32x4.splat(4), c5 = i32x4.splat(5), c6 = i32x4.splat(6), c7 = i32x4.splat(7);
  let c8 = i32x4.splat(8), c9 = i32x4.splat(9), c10 = i32x4.splat(10), c11 = i32x4.splat(11);
  for (let i = 0; i < iterations; i++) {
    c0 = dot8(vw, vx, c0); c1 = dot8(vw, vx, c1); c2 = dot8(vw, vx, c2); c3 = dot8(vw, vx, c3);
    c4 = dot8(vw, vx, c4); c5 = dot8(vw, vx, c5); c6 = dot8(vw, vx, c6); c7 = dot8(vw, vx, c7);
    c8 = dot8(vw, vx, c8); c9 = dot8(vw, vx, c9); c10 = dot8(vw, vx, c10); c11 = dot8(vw, vx, c11);
  }
  return lane_sum(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11);
}

/**
 * Runs `iterations` rounds of 12 i32x4.dot_i16x8_s and adds (96 multiply-adds a round). Each chain
 * feeds its own sum back as the first operand, c = dot(c, x) + c, so the product cannot be hoisted
 * out of the loop as a constant would be.
 */
export function dot_i16(iterations: i32, x: i32): i32 {
  const vx = i16x8.splat(<i16>x);
  let c0 = i32x4.splat(0), c1 = i32x4.splat(1), c2 = i32x4.splat(2), c3 = i32x4.splat(3);
  let c4 = i32x4.splat(4), c5 = i32x4.splat(5), c6 = i32x4.splat(6), c7 = i32x4.splat(7);
  let c8 = i32x4.splat(8), c9 = i32x4.splat(9), c10 = i32x4.splat(10), c11 = i32x4.splat(11);
  for (let i = 0; i < iterations; i++) {
    c0 = dot16(c0, vx); c1 = dot16(c1, vx); c2 = dot16(c2, vx); c3 = dot16(c3, vx);
    c4 = dot16(c4, vx); c5 = dot16(c5, vx); c6 = dot16(c6, vx); c7 = dot16(c7, vx);
    c8 = dot16(c8, vx); c9 = dot16(c9, vx); c10 = dot16(c10, vx); c11 = dot16(c11, vx);
  }
  return lane_sum(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11);
}

// @ts-ignore: decorator
@inline function dot8(w: v128, x: v128, c: v128): v128 {
  return i32x4.relaxed_dot_i8x16_i7x16_add_s(w, x, c);
}

// @ts-ignore: decorator
@inline function dot16(c: v128, x: v128): v128 {
  return i32x4.add(i32x4.dot_i16x8_s(c, x), c);
}

/** Lane 0 of the sum of twelve chains, so that none of them is dead. */
function lane_sum(c0: v128, c1: v128, c2: v128, c3: v128, c4: v128, c5: v128, c6: v128, c7: v128,
  c8: v128, c9: v128, c10: v128, c11: v128): i32 {
  const sum = i32x4.add(
    i32x4.add(i32x4.add(i32x4.add(c0, c1), i32x4.add(c2, c3)), i32x4.add(i32x4.add(c4, c5), i32x4.add(c6, c7))),
    i32x4.add(i32x4.add(c8, c9), i32x4.add(c10, c11)),
  );
  return i32x4.extract_lane(sum, 0);
}
