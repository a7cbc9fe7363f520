// Random numbers for initialisation, shuffling and dropout: xoshiro128** with
// its 16-byte state (four u32) in caller memory, so the core keeps no state and
// a seed always reproduces the same stream.
// Bulk draws write raw bits into the output first, then turn them into values
// in place with SIMD; the generator itself is a serial chain and stays scalar.
import { span } from "./checks";

const INV_2_24: f32 = 1.0 / 16777216.0;

/** Advances the state at `state` and returns the next 32 bits (xoshiro128**), for draws taken one at a time. */
// @ts-ignore: decorator
@inline function next_u32(state: usize): u32 {
  const s0 = load<u32>(state);
  const s1 = load<u32>(state, 4);
  const s2 = load<u32>(state, 8) ^ s0;
  const s3 = load<u32>(state, 12) ^ s1;
  store<u32>(state, s0 ^ s3);
  store<u32>(state, s1 ^ s2, 4);
  store<u32>(state, s2 ^ (s1 << 9), 8);
  store<u32>(state, rotl<u32>(s3, 11), 12);
  return rotl<u32>(s1 * 5, 7) * 9;
}

/** Writes n raw 32-bit draws at out: next_u32's step with the state kept in locals, twice as fast in bulk. */
// @ts-ignore: decorator
@inline function fill_bits(state: usize, out: usize, n: i32): void {
  let s0 = load<u32>(state), s1 = load<u32>(state, 4), s2 = load<u32>(state, 8), s3 = load<u32>(state, 12);
  for (let i = 0; i < n; i++) {
    store<u32>(out + (<usize>i << 2), rotl<u32>(s1 * 5, 7) * 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl<u32>(s3, 11);
  }
  store<u32>(state, s0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
}

/** One splitmix64 output for counter value x (already advanced by the caller). */
// @ts-ignore: decorator
@inline function splitmix64(x: u64): u64 {
  let z = x;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

/** Seeds the state from an integer-valued f64 (a JS number up to 2^53) via splitmix64. */
export function rng_seed(state: usize, seed: f64): void {
  assert(span(state, 4, 4), "rng_seed: state outside memory or misaligned");
  // Compiles to a saturating conversion (nontrapping-f2i): NaN gives 0, fractions truncate, never a trap.
  const x = <u64><i64>seed;
  const a = splitmix64(x + 0x9e3779b97f4a7c15);
  const b = splitmix64(x + 0x3c6ef372fe94f82a);
  let s0 = <u32>a, s1 = <u32>(a >> 32), s2 = <u32>b, s3 = <u32>(b >> 32);
  // xoshiro's one forbidden state; splitmix64 almost never yields it, but never is cheap.
  if ((s0 | s1 | s2 | s3) == 0) s0 = 1;
  store<u32>(state, s0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
}

/** n floats uniform in [lo, hi), each from the top 24 bits of one draw. */
export function rng_uniform(state: usize, x: usize, n: i32, lo: f32, hi: f32): void {
  assert(n >= 0, "rng_uniform: a negative size");
  assert(span(state, 4, 4), "rng_uniform: state outside memory or misaligned");
  assert(span(x, n, 4), "rng_uniform: x outside memory or misaligned");
  fill_bits(state, x, n);
  const span = (hi - lo) * INV_2_24;
  // lo + span·k can round up to hi; clamping to the float just below hi keeps the interval half-open.
  const hb = reinterpret<i32>(hi);
  let top = lo;
  if (hi > lo) top = reinterpret<f32>(hi > 0 ? hb - 1 : hi < 0 ? hb + 1 : 0x80000001);
  const vspan = f32x4.splat(span), vlo = f32x4.splat(lo), vtop = f32x4.splat(top);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const k = f32x4.convert_i32x4_s(i32x4.shr_u(v128.load(x + o), 8));
    v128.store(x + o, f32x4.min(f32x4.add(vlo, f32x4.mul(k, vspan)), vtop));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(x + o, Mathf.min(lo + <f32>(load<u32>(x + o) >>> 8) * span, top));
  }
}

/** sin(r) for |r| ≤ π/4: musl's __sindf minimax polynomial, good to f32 precision. */
// @ts-ignore: decorator
@inline function sin_kernel(r: f64): f64 {
  const z = r * r, w = z * z, s = z * r;
  return (r + s * (-0.166666666416265235595 + z * 0.0083333293858894631756)) +
    s * w * (-0.000198393348360966317347 + z * 0.0000027183114939898219064);
}

/** cos(r) for |r| ≤ π/4: musl's __cosdf minimax polynomial, good to f32 precision. */
// @ts-ignore: decorator
@inline function cos_kernel(r: f64): f64 {
  const z = r * r, w = z * z;
  return ((1.0 + z * -0.499999997251031003120) + w * 0.0416666233237390631894) +
    (w * z) * (-0.00138867637746099294692 + z * 0.0000243904487962774090654);
}

/** n normal floats (mean, std) by Box–Muller, two values per pair of draws. */
export function rng_normal(state: usize, x: usize, n: i32, mean: f32, std: f32): void {
  assert(n >= 0, "rng_normal: a negative size");
  assert(span(state, 4, 4), "rng_normal: state outside memory or misaligned");
  assert(span(x, n, 4), "rng_normal: x outside memory or misaligned");
  for (let i = 0; i < n; i += 2) {
    // u1 in (0, 1] so log(u1) is finite; the angle is 2π·k/2^24, held as the turn fraction t = 4k/2^24.
    const u1 = <f32>((next_u32(state) >>> 8) + 1) * INV_2_24;
    const t = <f64>(next_u32(state) >>> 8) * (4.0 / 16777216.0);
    const rad = Mathf.sqrt(-2.0 * Mathf.log(u1)) * std;
    // Reducing the turn fraction to the nearest quarter is exact, so the trig needs no range
    // reduction (Mathf.sin/cos would bring the standard library's mutable scratch global).
    const q = <i32>(t + 0.5);
    const r = (t - <f64>q) * (Math.PI / 2);
    const s = sin_kernel(r), c = cos_kernel(r);
    const qq = q & 3;
    const cosv = <f32>(qq == 0 ? c : qq == 1 ? -s : qq == 2 ? -c : s);
    const sinv = <f32>(qq == 0 ? s : qq == 1 ? c : qq == 2 ? -s : -c);
    store<f32>(x + (<usize>i << 2), mean + rad * cosv);
    if (i + 1 < n) store<f32>(x + (<usize>i << 2), mean + rad * sinv, 4);
  }
}

/** Uniform integer in [0, bound) for bound ≥ 1: Lemire's multiply-shift with rejection, unbiased. */
// @ts-ignore: decorator
@inline function bounded(state: usize, bound: u32): u32 {
  let m = <u64>next_u32(state) * <u64>bound;
  if (<u32>m < bound) {
    // Low words below 2^32 mod bound belong to an over-represented residue; redraw them.
    const reject = (<u32>0 - bound) % bound;
    while (<u32>m < reject) m = <u64>next_u32(state) * <u64>bound;
  }
  return <u32>(m >> 32);
}

/** Fisher–Yates shuffle of n i32 values in place; every permutation equally likely. */
export function rng_shuffle(state: usize, index: usize, n: i32): void {
  assert(n >= 0, "rng_shuffle: a negative size");
  assert(span(state, 4, 4), "rng_shuffle: state outside memory or misaligned");
  assert(span(index, n, 4), "rng_shuffle: index outside memory or misaligned");
  for (let i = n - 1; i > 0; i--) {
    const j = bounded(state, <u32>(i + 1));
    const pi = index + (<usize>i << 2);
    const pj = index + (<usize>j << 2);
    const t = load<i32>(pi);
    store<i32>(pi, load<i32>(pj));
    store<i32>(pj, t);
  }
}

/** Inverted dropout: mask = 0 or 1/(1−rate), keeping each element with probability 1−rate; y = x·mask. */
export function dropout_forward(state: usize, x: usize, y: usize, mask: usize, n: i32, rate: f32): void {
  assert(n >= 0, "dropout_forward: a negative size");
  assert(span(state, 4, 4), "dropout_forward: state outside memory or misaligned");
  assert(span(x, n, 4), "dropout_forward: x outside memory or misaligned");
  assert(span(y, n, 4), "dropout_forward: y outside memory or misaligned");
  assert(span(mask, n, 4), "dropout_forward: mask outside memory or misaligned");
  if (rate <= 0) {
    // Nothing dropped: draws are skipped and y is x exactly.
    const one = f32x4.splat(1);
    let i = 0;
    for (; i + 4 <= n; i += 4) v128.store(mask + (<usize>i << 2), one);
    for (; i < n; i++) store<f32>(mask + (<usize>i << 2), 1);
    if (y != x) memory.copy(y, x, <usize>n << 2);
    return;
  }
  fill_bits(state, mask, n);
  // Keep when u ≥ rate with u = k/2^24, so rate ≥ 1 drops everything and no 1/0 is ever stored.
  const keep: f32 = rate < 1 ? 1.0 / (1.0 - rate) : 0;
  const vkeep = f32x4.splat(keep), vrate = f32x4.splat(rate), vzero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const u = f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(v128.load(mask + o), 8)), f32x4.splat(INV_2_24));
    const m = v128.bitselect(vkeep, vzero, f32x4.ge(u, vrate));
    v128.store(mask + o, m);
    v128.store(y + o, f32x4.mul(v128.load(x + o), m));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const u = <f32>(load<u32>(mask + o) >>> 8) * INV_2_24;
    const m: f32 = u >= rate ? keep : 0;
    store<f32>(mask + o, m);
    store<f32>(y + o, load<f32>(x + o) * m);
  }
}

/** dx = dy·mask over n floats; dx may equal dy. */
export function dropout_backward(dy: usize, mask: usize, dx: usize, n: i32): void {
  assert(n >= 0, "dropout_backward: a negative size");
  assert(span(dy, n, 4), "dropout_backward: dy outside memory or misaligned");
  assert(span(mask, n, 4), "dropout_backward: mask outside memory or misaligned");
  assert(span(dx, n, 4), "dropout_backward: dx outside memory or misaligned");
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), v128.load(mask + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(dy + o) * load<f32>(mask + o));
  }
}
