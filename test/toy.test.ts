// Toy data sets: shapes, per-seed determinism, class balance, geometry checked against the
// defining formulas, and argument errors.
import { describe, expect, it } from "vitest";
import { circles, moons, sine, spiral, xor, type ToyDataset } from "../src/data/toy.js";
import { ConfigError } from "../src/errors.js";

function classCounts(d: ToyDataset): number[] {
  const counts = new Array(d.classes).fill(0);
  for (const y of d.labels!) counts[y]++;
  return counts;
}

function expectConfigError(f: () => unknown, pattern: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as Error).message).toMatch(pattern);
}

/** Angle difference wrapped into (−π, π]. */
function wrap(a: number): number {
  return a - 2 * Math.PI * Math.round(a / (2 * Math.PI));
}

describe("spiral", () => {
  it("has the default shape and balanced classes", () => {
    const d = spiral({ seed: 1 });
    expect(d.rows).toBe(300);
    expect(d.cols).toBe(2);
    expect(d.classes).toBe(3);
    expect(d.x).toBeInstanceOf(Float32Array);
    expect(d.x.length).toBe(600);
    expect(d.labels).toBeInstanceOf(Int32Array);
    expect(classCounts(d)).toEqual([100, 100, 100]);
    expect(d.targets).toBeUndefined();
  });

  it("is deterministic per seed and differs between seeds", () => {
    const a = spiral({ pointsPerClass: 50, classes: 4, seed: 7 });
    expect(spiral({ pointsPerClass: 50, classes: 4, seed: 7 }).x).toEqual(a.x);
    expect(spiral({ pointsPerClass: 50, classes: 4, seed: 8 }).x).not.toEqual(a.x);
    expect(spiral().x).toEqual(spiral({ seed: 0 }).x);
  });

  it("matches r = i/N, θ = 4k + 4i/N exactly without noise, each point once", () => {
    const N = 17;
    const d = spiral({ pointsPerClass: N, classes: 5, noise: 0, seed: 3 });
    const seen = new Set<string>();
    for (let row = 0; row < d.rows; row++) {
      // Rows come shuffled: the point's arm is its label, its step along the arm its radius.
      const k = d.labels![row];
      const i = Math.round(Math.hypot(d.x[2 * row], d.x[2 * row + 1]) * N);
      const r = i / N;
      const t = 4 * k + (4 * i) / N;
      expect(d.x[2 * row]).toBeCloseTo(r * Math.sin(t), 6);
      expect(d.x[2 * row + 1]).toBeCloseTo(r * Math.cos(t), 6);
      seen.add(`${k} ${i}`);
    }
    expect(seen.size).toBe(5 * N);
  });

  it("adds Gaussian noise of the stated deviation to the angle only", () => {
    const N = 3000;
    const d = spiral({ pointsPerClass: N, classes: 2, noise: 0.2, seed: 11 });
    let sum = 0;
    let sumSq = 0;
    let m = 0;
    for (let row = 0; row < d.rows; row++) {
      const k = d.labels![row];
      const radius = Math.hypot(d.x[2 * row], d.x[2 * row + 1]);
      const i = Math.round(radius * N);
      expect(Math.abs(radius - i / N)).toBeLessThan(1e-6);
      if (i < N / 10) continue; // near the centre float32 rounding blurs the angle
      const e = wrap(Math.atan2(d.x[2 * row], d.x[2 * row + 1]) - (4 * k + (4 * i) / N));
      sum += e;
      sumSq += e * e;
      m++;
    }
    const mean = sum / m;
    const sd = Math.sqrt(sumSq / m - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(sd).toBeGreaterThan(0.18);
    expect(sd).toBeLessThan(0.22);
  });
});

describe("row order", () => {
  // Generated grouped by class, the rows come in a random order fixed by the seed, so that a split or a
  // batch taken in order sees every class. (sine and the sampled xor draw each row independently anyway.)
  const sets = { spiral: (seed: number) => spiral({ seed }), circles: (seed: number) => circles({ n: 300, seed }), moons: (seed: number) => moons({ n: 300, seed }) };
  for (const [name, make] of Object.entries(sets)) {
    it(`${name}: every class is spread over the rows, in an order fixed by the seed`, () => {
      const d = make(4);
      const fifth = Math.floor(d.rows / 5);
      for (let part = 0; part < 5; part++) {
        const counts = new Array(d.classes).fill(0);
        for (const y of d.labels!.subarray(part * fifth, (part + 1) * fifth)) counts[y]++;
        for (const c of counts) expect(c).toBeGreaterThan((0.5 * fifth) / d.classes!);
      }
      expect(make(4).labels).toEqual(d.labels);
      expect(make(5).labels).not.toEqual(d.labels);
    });
  }
});

describe("xor", () => {
  it("is the four corners with XOR targets", () => {
    const d = xor();
    expect(d.rows).toBe(4);
    expect(d.cols).toBe(2);
    expect(Array.from(d.x)).toEqual([0, 0, 0, 1, 1, 0, 1, 1]);
    expect(Array.from(d.targets!)).toEqual([0, 1, 1, 0]);
    expect(Array.from(d.labels!)).toEqual([0, 1, 1, 0]);
    expect(d.classes).toBe(2);
    for (let r = 0; r < 4; r++) expect(d.targets![r]).toBe(d.x[2 * r] ^ d.x[2 * r + 1]);
  });

  it("with options, samples the square with XOR-of-signs labels, seeded, noise after labelling", () => {
    const d = xor({ n: 500, seed: 3 });
    expect([d.rows, d.cols, d.classes]).toEqual([500, 2, 2]);
    for (let r = 0; r < 500; r++) {
      const [px, py] = [d.x[2 * r], d.x[2 * r + 1]];
      expect(Math.abs(px) <= 1 && Math.abs(py) <= 1).toBe(true);
      expect(d.labels![r]).toBe(px * py < 0 ? 1 : 0);
    }
    const ones = d.labels!.reduce((a, b) => a + b, 0);
    expect(ones).toBeGreaterThan(200);
    expect(ones).toBeLessThan(300);
    expect(Array.from(xor({ n: 500, seed: 3 }).x)).toEqual(Array.from(d.x));
    const noisy = xor({ n: 500, seed: 3, noise: 0.2 });
    expect(Array.from(noisy.labels!)).toEqual(Array.from(d.labels!));
    expect(Array.from(noisy.x)).not.toEqual(Array.from(d.x));
    expect(() => xor({ n: 0 })).toThrow(/xor: n must be an integer/);
    expect(() => xor({ nois: 1 } as never)).toThrow(/xor: unknown option 'nois' \(did you mean 'noise'\?\)/);
  });
});

describe("circles", () => {
  it("puts ⌊n/2⌋ points on the unit circle (label 0) and the rest on radius factor (label 1)", () => {
    const d = circles({ n: 101, noise: 0, factor: 0.3, seed: 2 });
    expect(d.rows).toBe(101);
    expect(d.cols).toBe(2);
    expect(d.x.length).toBe(202);
    expect(classCounts(d)).toEqual([50, 51]);
    for (let row = 0; row < d.rows; row++) {
      const radius = Math.hypot(d.x[2 * row], d.x[2 * row + 1]);
      expect(radius).toBeCloseTo(d.labels![row] === 0 ? 1 : 0.3, 6);
    }
    // Points are spread around the whole circle, not bunched.
    const sector = (r: number) => Math.round((Math.atan2(d.x[2 * r + 1], d.x[2 * r]) * 8) / Math.PI);
    const angles = new Set(Array.from({ length: d.rows }, (_, r) => r).filter((r) => d.labels![r] === 0).map(sector));
    expect(angles.size).toBeGreaterThanOrEqual(16);
  });

  it("is deterministic per seed, and noise moves points about the stated amount", () => {
    const a = circles({ n: 2000, noise: 0.05, seed: 5 });
    expect(circles({ n: 2000, noise: 0.05, seed: 5 }).x).toEqual(a.x);
    expect(circles({ n: 2000, noise: 0.05, seed: 6 }).x).not.toEqual(a.x);
    let sq = 0;
    for (let row = 0; row < a.rows; row++) {
      const target = a.labels![row] === 0 ? 1 : 0.5; // default factor
      sq += (Math.hypot(a.x[2 * row], a.x[2 * row + 1]) - target) ** 2;
    }
    const rms = Math.sqrt(sq / a.rows);
    expect(rms).toBeGreaterThan(0.04);
    expect(rms).toBeLessThan(0.06);
  });
});

describe("moons", () => {
  it("puts points on the two half circles without noise", () => {
    const d = moons({ n: 99, noise: 0, seed: 1 });
    expect(d.rows).toBe(99);
    expect(d.cols).toBe(2);
    expect(classCounts(d)).toEqual([49, 50]);
    for (let row = 0; row < d.rows; row++) {
      const [px, py] = [d.x[2 * row], d.x[2 * row + 1]];
      if (d.labels![row] === 0) {
        expect(Math.hypot(px, py)).toBeCloseTo(1, 6);
        expect(py).toBeGreaterThanOrEqual(-1e-6);
      } else {
        expect(Math.hypot(px - 1, py - 0.5)).toBeCloseTo(1, 6);
        expect(py).toBeLessThanOrEqual(0.5 + 1e-6);
      }
    }
    // Endpoints are included: upper moon runs from (1, 0) to (−1, 0), lower from (0, 0.5) to (2, 0.5).
    const at = (px: number, py: number) => Array.from({ length: d.rows }, (_, r) => r)
      .filter((r) => Math.abs(d.x[2 * r] - px) < 1e-6 && Math.abs(d.x[2 * r + 1] - py) < 1e-6).map((r) => d.labels![r]);
    expect([at(1, 0), at(-1, 0), at(0, 0.5), at(2, 0.5)]).toEqual([[0], [0], [1], [1]]);
  });

  it("is deterministic per seed with balanced default classes", () => {
    const a = moons({ seed: 9 });
    expect(a.rows).toBe(100);
    expect(classCounts(a)).toEqual([50, 50]);
    expect(moons({ seed: 9 }).x).toEqual(a.x);
    expect(moons({ seed: 10 }).x).not.toEqual(a.x);
    expect(moons({ seed: 9, noise: 0 }).x).not.toEqual(a.x);
  });
});

describe("sine", () => {
  it("has x uniform in [−π, π] and targets sin x", () => {
    const d = sine({ n: 4000, seed: 4 });
    expect(d.rows).toBe(4000);
    expect(d.cols).toBe(1);
    expect(d.x.length).toBe(4000);
    expect(d.targets).toBeInstanceOf(Float32Array);
    expect(d.labels).toBeUndefined();
    const bins = new Array(4).fill(0);
    for (let i = 0; i < d.rows; i++) {
      expect(Math.abs(d.x[i])).toBeLessThanOrEqual(Math.fround(Math.PI));
      expect(Math.abs(d.targets![i] - Math.sin(d.x[i]))).toBeLessThan(1e-6);
      bins[Math.min(3, Math.floor(((d.x[i] + Math.PI) / (2 * Math.PI)) * 4))]++;
    }
    for (const b of bins) expect(Math.abs(b - 1000)).toBeLessThan(120);
  });

  it("is deterministic per seed", () => {
    expect(sine({ seed: 3 }).x).toEqual(sine({ seed: 3 }).x);
    expect(sine({ seed: 3 }).x).not.toEqual(sine({ seed: 4 }).x);
    expect(sine().rows).toBe(100);
  });
});

describe("argument errors", () => {
  it("rejects non-positive or non-integer counts", () => {
    expectConfigError(() => spiral({ pointsPerClass: 0 }), /spiral: pointsPerClass must be an integer/);
    expectConfigError(() => spiral({ pointsPerClass: 2.5 }), /pointsPerClass .* got 2\.5/);
    expectConfigError(() => spiral({ classes: -1 }), /spiral: classes must be an integer/);
    expectConfigError(() => spiral({ classes: NaN }), /classes .* got NaN/);
    expectConfigError(() => spiral({ classes: "3" as unknown as number }), /classes .* got '3'/);
    expectConfigError(() => spiral({ pointsPerClass: 1 << 20, classes: 1 << 10 }), /exceeds/);
    expectConfigError(() => circles({ n: 1 }), /circles: n must be an integer in \[2,/);
    expectConfigError(() => moons({ n: 0 }), /moons: n must be an integer in \[2,/);
    expectConfigError(() => sine({ n: 0 }), /sine: n must be an integer in \[1,/);
    expectConfigError(() => sine({ n: Infinity }), /sine: n .* got Infinity/);
  });

  it("rejects negative or non-finite noise", () => {
    expectConfigError(() => spiral({ noise: -0.1 }), /spiral: noise must be a finite number ≥ 0, got -0\.1/);
    expectConfigError(() => circles({ noise: Infinity }), /circles: noise .* got Infinity/);
    expectConfigError(() => moons({ noise: NaN }), /moons: noise .* got NaN/);
  });

  it("rejects a bad factor, seed or option name, as ConfigErrors like every other option of the API", () => {
    expectConfigError(() => circles({ factor: 1 }), /circles: factor must be a number in \(0, 1\), got 1/);
    expectConfigError(() => circles({ factor: 0 }), /factor .* got 0/);
    expectConfigError(() => spiral({ seed: -1 }), /spiral: seed must be an integer in \[0, 4294967295\], got -1/);
    expectConfigError(() => sine({ seed: 0.5 }), /sine: seed .* got 0\.5/);
    expectConfigError(() => moons({ seed: 2 ** 32 }), /moons: seed/);
    expectConfigError(() => spiral({ pointPerClass: 5 } as never), /spiral: unknown option 'pointPerClass' \(did you mean 'pointsPerClass'\?\); known options: pointsPerClass, classes, noise, seed/);
    expectConfigError(() => sine(null as never), /sine: options must be an object, got null/);
  });
});
