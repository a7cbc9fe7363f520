// random.ts: bit-exact against a BigInt/uint32 reference of splitmix64 seeding,
// xoshiro128** and Lemire's bounded draw, plus statistical checks. Seeds are
// fixed, so the statistical tests are deterministic; their bounds are ~5σ.
import { describe, expect, it } from "vitest";
import type { Core } from "../src/runtime/core.js";
import { getF32, kernelArena, maxRelError, randomF32 } from "./helpers.js";

const SIZES = [1, 2, 3, 5, 7, 17, 33, 129];
const M64 = (1n << 64n) - 1n;

let core: Core;
const { f32, i32 } = kernelArena((c) => { core = c; });
function seeded(seed: number): number {
  const state = i32([0, 0, 0, 0]);
  core.kernels.rng_seed(state, seed);
  return state;
}

function splitmix64(x: bigint): bigint {
  let z = x & M64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}

/** Reference xoshiro128**, written from the published C. */
class Xoshiro {
  readonly s = new Uint32Array(4);
  constructor(seed: number) {
    const x = BigInt.asUintN(64, BigInt(Math.trunc(seed)));
    const a = splitmix64(x + 0x9e3779b97f4a7c15n), b = splitmix64(x + 2n * 0x9e3779b97f4a7c15n);
    this.s.set([Number(a & 0xffffffffn), Number(a >> 32n), Number(b & 0xffffffffn), Number(b >> 32n)]);
  }
  next(): number {
    const s = this.s;
    const rotl = (v: number, k: number) => (v << k) | (v >>> (32 - k));
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }
  /** Uniform integer below `bound` by Lemire's multiply-shift with rejection. */
  bounded(bound: number): number {
    const B = BigInt(bound);
    let m = BigInt(this.next()) * B;
    if (Number(m & 0xffffffffn) < bound) {
      const reject = (2 ** 32 - bound) % bound;
      while (Number(m & 0xffffffffn) < reject) m = BigInt(this.next()) * B;
    }
    return Number(m >> 32n);
  }
}

/** A state whose next xoshiro128** output is `x`: the output depends on s1 alone, and that map inverts. */
function stateEmitting(x: number): number[] {
  const inverse = (a: number) => {
    let inv = a; // correct to 3 bits for odd a; each Newton step doubles that
    for (let k = 0; k < 5; k++) inv = Math.imul(inv, 2 - Math.imul(a, inv));
    return inv;
  };
  const r = Math.imul(x, inverse(9)) >>> 0;
  const s1 = Math.imul((r >>> 7) | (r << 25), inverse(5)) >>> 0;
  return [0x2545f491, s1, 0x4f6cdd1d, 0x7c3e1a0b];
}

describe("rng_seed", () => {
  it("expands the seed with splitmix64 exactly as the reference", () => {
    for (const seed of [0, 1, 42, 123456789, 2 ** 32 + 5, 2 ** 53 - 1, -7]) {
      const state = seeded(seed);
      expect(Array.from(new Uint32Array(core.memory.buffer, state, 4)), `seed ${seed}`).toEqual(Array.from(new Xoshiro(seed).s));
    }
  });

  it("gives a nonzero state for every seed, and a NaN seed acts as 0 without trapping", () => {
    for (const seed of [0, -1, 2 ** 53, NaN, Infinity, -Infinity]) {
      const s = new Uint32Array(core.memory.buffer, seeded(seed), 4);
      expect(s.some((v) => v !== 0), `seed ${seed}`).toBe(true);
    }
    expect(Array.from(new Uint32Array(core.memory.buffer, seeded(NaN), 4))).toEqual(Array.from(new Xoshiro(0).s));
  });
});

describe("rng_uniform", () => {
  it("is bit-exact against the reference stream on every size, and the stream continues across calls", () => {
    for (const n of SIZES) {
      const ref = new Xoshiro(n);
      const expected = Array.from({ length: n }, () => (ref.next() >>> 8) / 2 ** 24);
      const state = seeded(n), x = f32(new Float32Array(n));
      core.kernels.rng_uniform(state, x, n, 0, 1);
      expect(Array.from(getF32(core, x, n)), `n=${n}`).toEqual(expected);
      // The second call must pick up where the first stopped.
      core.kernels.rng_uniform(state, x, n, 0, 1);
      expect(Array.from(getF32(core, x, n)), `n=${n} second call`).toEqual(Array.from({ length: n }, () => (ref.next() >>> 8) / 2 ** 24));
    }
  });

  it("same seed gives the same stream, different seeds differ", () => {
    const n = 257;
    const a = f32(new Float32Array(n)), b = f32(new Float32Array(n)), c = f32(new Float32Array(n));
    core.kernels.rng_uniform(seeded(2024), a, n, -1, 1);
    core.kernels.rng_uniform(seeded(2024), b, n, -1, 1);
    core.kernels.rng_uniform(seeded(2025), c, n, -1, 1);
    const va = getF32(core, a, n), vc = getF32(core, c, n);
    expect(Array.from(getF32(core, b, n))).toEqual(Array.from(va));
    expect(va.filter((v, i) => v === vc[i]).length).toBeLessThan(3);
  });

  it("has the mean, variance and range of U[lo, hi)", () => {
    const n = 100_000, lo = -2, hi = 3;
    const x = f32(new Float32Array(n));
    core.kernels.rng_uniform(seeded(7), x, n, lo, hi);
    const v = getF32(core, x, n);
    let sum = 0, sq = 0, min = Infinity, max = -Infinity;
    for (const u of v) { sum += u; sq += u * u; min = Math.min(min, u); max = Math.max(max, u); }
    const mean = sum / n, variance = sq / n - mean * mean;
    const sigma = (hi - lo) / Math.sqrt(12);
    expect(Math.abs(mean - (lo + hi) / 2)).toBeLessThan((5 * sigma) / Math.sqrt(n));
    // Var of the sample variance of a uniform is (4/5)σ⁴/n; 5σ is under 1%.
    expect(Math.abs(variance / sigma ** 2 - 1)).toBeLessThan(0.01);
    expect(min).toBeGreaterThanOrEqual(lo);
    expect(max).toBeLessThan(hi);
    expect(min).toBeLessThan(lo + 1e-3);
    expect(max).toBeGreaterThan(hi - 1e-3);
  });

  it("never returns hi, even where lo + span·u rounds up to it", () => {
    // hi is the float right after lo: about half the unclamped values would round to hi.
    const lo = 1, hi = 1 + 2 ** -23, n = 1003; // 1003 = 250 vectors + a scalar tail of 3
    const x = f32(new Float32Array(n));
    core.kernels.rng_uniform(seeded(3), x, n, lo, hi);
    expect(getF32(core, x, n).every((v) => v === lo)).toBe(true);
    core.kernels.rng_uniform(seeded(3), x, n, -hi, -lo);
    expect(getF32(core, x, n).every((v) => v >= -hi && v < -lo)).toBe(true);
  });
});

describe("rng_normal", () => {
  it("matches a float64 Box–Muller over the reference stream on every size", () => {
    for (const n of SIZES) {
      const ref = new Xoshiro(100 + n);
      const expected: number[] = [];
      while (expected.length < n) {
        const u1 = ((ref.next() >>> 8) + 1) / 2 ** 24, u2 = (ref.next() >>> 8) / 2 ** 24;
        const r = Math.sqrt(-2 * Math.log(u1));
        expected.push(0.5 + 2 * r * Math.cos(2 * Math.PI * u2), 0.5 + 2 * r * Math.sin(2 * Math.PI * u2));
      }
      expected.length = n;
      const state = seeded(100 + n), x = f32(new Float32Array(n));
      core.kernels.rng_normal(state, x, n, 0.5, 2);
      // f32 log, sqrt, sin, cos of an f32 angle: 1e-5 relative to max(1, |value|).
      expect(maxRelError(getF32(core, x, n), expected), `n=${n}`).toBeLessThan(1e-5);
      // An odd n still consumes a whole pair, so the next draw is the reference's next.
      const u = f32([0]);
      core.kernels.rng_uniform(state, u, 1, 0, 1);
      expect(core.f32(u, 1)[0]).toBe((ref.next() >>> 8) / 2 ** 24);
    }
  });

  it("has the requested mean and standard deviation, and is finite", () => {
    const n = 100_000, mean = 1.5, std = 2;
    const x = f32(new Float32Array(n));
    core.kernels.rng_normal(seeded(11), x, n, mean, std);
    const v = getF32(core, x, n);
    let sum = 0, sq = 0;
    for (const z of v) { sum += z; sq += z * z; }
    const m = sum / n, s = Math.sqrt(sq / n - m * m);
    expect(v.every(Number.isFinite)).toBe(true);
    expect(Math.abs(m - mean)).toBeLessThan((5 * std) / Math.sqrt(n));
    // The sample std of a normal has standard error σ/√(2n) ≈ 0.22%; 5σ ≈ 1.1%.
    expect(Math.abs(s / std - 1)).toBeLessThan(0.011);
    const tail = v.filter((z) => Math.abs(z - mean) > 3 * std).length / n;
    expect(Math.abs(tail - 0.0027)).toBeLessThan(0.001);
  });
});

describe("rng_shuffle", () => {
  it("matches the reference Fisher–Yates with Lemire draws, and yields a permutation", () => {
    for (const n of [...SIZES, 1000]) {
      const ref = new Xoshiro(n);
      const expected = Array.from({ length: n }, (_, i) => i * 3);
      for (let i = n - 1; i > 0; i--) {
        const j = ref.bounded(i + 1);
        [expected[i], expected[j]] = [expected[j], expected[i]];
      }
      const idx = i32(Array.from({ length: n }, (_, i) => i * 3));
      core.kernels.rng_shuffle(seeded(n), idx, n);
      const got = Array.from(core.i32(idx, n));
      expect(got, `n=${n}`).toEqual(expected);
      expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i * 3));
    }
  });

  it("is roughly uniform: chi-square over first positions and over all permutations of 4", () => {
    const state = seeded(99);
    // First position of a 7-element shuffle: 7 cells, 6 dof; 22.46 is the 0.001 critical value.
    const trials = 14_000, n = 7, first = new Array(n).fill(0);
    const idx = i32(new Int32Array(n));
    for (let t = 0; t < trials; t++) {
      core.i32(idx, n).set([0, 1, 2, 3, 4, 5, 6]);
      core.kernels.rng_shuffle(state, idx, n);
      first[core.i32(idx, n)[0]]++;
    }
    const e1 = trials / n;
    expect(first.reduce((s, c) => s + (c - e1) ** 2 / e1, 0)).toBeLessThan(22.46);

    // Every ordering of 4: 24 cells, 23 dof; 49.73 is the 0.001 critical value.
    const counts = new Map<string, number>();
    const perms = 24_000, idx4 = i32(new Int32Array(4));
    for (let t = 0; t < perms; t++) {
      core.i32(idx4, 4).set([0, 1, 2, 3]);
      core.kernels.rng_shuffle(state, idx4, 4);
      const key = core.i32(idx4, 4).join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    const e2 = perms / 24;
    expect([...counts.values()].reduce((s, c) => s + (c - e2) ** 2 / e2, 0)).toBeLessThan(49.73);
  });

  it("redraws the rare biased draw (Lemire's rejection), here forced by a state whose next output is 0", () => {
    // Output depends only on s1, and s1 = 0 emits 0: for bound 3, 0·3 has low word 0 < (2^32 − 3) mod 3 = 1.
    const forced = [0x12345678, 0, 0x9abcdef0, 0x0fedcba9];
    const ref = new Xoshiro(0);
    ref.s.set(forced);
    const expected = [0, 1, 2];
    for (let i = 2; i > 0; i--) {
      const j = ref.bounded(i + 1);
      [expected[i], expected[j]] = [expected[j], expected[i]];
    }
    // The same shuffle with a plain multiply-shift (no rejection) must come out differently.
    const plain = new Xoshiro(0);
    plain.s.set(forced);
    const biased = [0, 1, 2];
    for (let i = 2; i > 0; i--) {
      const j = Number((BigInt(plain.next()) * BigInt(i + 1)) >> 32n);
      [biased[i], biased[j]] = [biased[j], biased[i]];
    }
    expect(expected).not.toEqual(biased);
    const state = i32(forced), idx = i32([0, 1, 2]);
    core.kernels.rng_shuffle(state, idx, 3);
    expect(Array.from(core.i32(idx, 3))).toEqual(expected);
  });

  it("leaves 0 and 1 elements alone", () => {
    const idx = i32([5]);
    core.kernels.rng_shuffle(seeded(1), idx, 1);
    core.kernels.rng_shuffle(seeded(1), idx, 0);
    expect(core.i32(idx, 1)[0]).toBe(5);
  });
});

describe("dropout", () => {
  it("keeps with probability 1 − rate from the reference stream, mask exact, y = x·mask exact", () => {
    for (const n of SIZES) {
      for (const rate of [0.25, 0.5, 0.9]) {
        const x = randomF32(n, n, -3, 3);
        const ref = new Xoshiro(n);
        const keep = Math.fround(1 / Math.fround(1 - Math.fround(rate)));
        const mask = Array.from({ length: n }, () => ((ref.next() >>> 8) / 2 ** 24 >= Math.fround(rate) ? keep : 0));
        const px = f32(x), py = f32(new Float32Array(n)), pm = f32(new Float32Array(n));
        core.kernels.dropout_forward(seeded(n), px, py, pm, n, rate);
        expect(Array.from(getF32(core, pm, n)), `n=${n} rate=${rate}`).toEqual(mask);
        expect(Array.from(getF32(core, py, n))).toEqual(Array.from(x, (v, i) => Math.fround(v * mask[i])));
        const dy = randomF32(n, 2 * n), pdy = f32(dy), pdx = f32(new Float32Array(n));
        core.kernels.dropout_backward(pdy, pm, pdx, n);
        expect(Array.from(getF32(core, pdx, n))).toEqual(Array.from(dy, (v, i) => Math.fround(v * mask[i])));
        core.kernels.dropout_backward(pdy, pm, pdy, n); // in place
        expect(Array.from(getF32(core, pdy, n))).toEqual(Array.from(dy, (v, i) => Math.fround(v * mask[i])));
      }
    }
  });

  it("keeps a fraction 1 − rate of a large batch and preserves the mean", () => {
    const n = 100_000, rate = 0.3;
    const px = f32(new Float32Array(n).fill(1)), py = f32(new Float32Array(n)), pm = f32(new Float32Array(n));
    core.kernels.dropout_forward(seeded(5), px, py, pm, n, rate);
    const m = getF32(core, pm, n), y = getF32(core, py, n);
    const kept = m.filter((v) => v !== 0).length / n;
    // Binomial: 5σ = 5·sqrt(0.21/n) ≈ 0.0072.
    expect(Math.abs(kept - 0.7)).toBeLessThan(0.0072);
    const keep = Math.fround(1 / Math.fround(1 - Math.fround(rate)));
    expect(m.every((v) => v === 0 || v === keep)).toBe(true);
    expect(Math.abs(y.reduce((s, v) => s + v, 0) / n - 1)).toBeLessThan(0.011);
  });

  it("rate 0 passes x through with mask 1; rate 1 drops everything without infinities", () => {
    const n = 33;
    const x = randomF32(n, 1);
    const px = f32(x), py = f32(new Float32Array(n).fill(9)), pm = f32(new Float32Array(n).fill(9));
    core.kernels.dropout_forward(seeded(1), px, py, pm, n, 0);
    expect(Array.from(getF32(core, pm, n))).toEqual(new Array(n).fill(1));
    expect(Array.from(getF32(core, py, n))).toEqual(Array.from(x));
    core.kernels.dropout_forward(seeded(1), px, py, pm, n, 1);
    expect(Array.from(getF32(core, pm, n))).toEqual(new Array(n).fill(0));
    expect(getF32(core, py, n).every((v) => v === 0)).toBe(true);
  });

  it("keeps exactly when u ≥ rate, so the keep probability is 1 − rate with no 2^-24 bias", () => {
    const rate = 0.25, keep = Math.fround(1 / 0.75);
    for (const [bits, kept] of [[0x40000000, true], [0x40000000 - 256, false]] as const) {
      const forced = stateEmitting(bits);
      const ref = new Xoshiro(0);
      ref.s.set(forced);
      expect(ref.next()).toBe(bits);
      for (const n of [1, 4]) { // the scalar tail and a SIMD lane
        const px = f32(new Float32Array(n).fill(2)), py = f32(new Float32Array(n)), pm = f32(new Float32Array(n));
        core.kernels.dropout_forward(i32(forced), px, py, pm, n, rate);
        expect(core.f32(pm, n)[0], `bits ${bits.toString(16)} n=${n}`).toBe(kept ? keep : 0);
      }
    }
  });

  it("same seed gives the same mask", () => {
    const n = 129, x = f32(randomF32(n, 2));
    const m1 = f32(new Float32Array(n)), m2 = f32(new Float32Array(n)), y = f32(new Float32Array(n));
    core.kernels.dropout_forward(seeded(77), x, y, m1, n, 0.5);
    core.kernels.dropout_forward(seeded(77), x, y, m2, n, 0.5);
    expect(Array.from(getF32(core, m1, n))).toEqual(Array.from(getF32(core, m2, n)));
  });
});
