// Small synthetic data sets for demos and tests. Deterministic for a given seed through
// util/random's mulberry32, so they need neither the WebAssembly core nor Math.random.
// Rows come in a random order fixed by the seed: the classic recipes generate them
// grouped by class, and a split or a batch taken in order would then see one class.
import { ConfigError } from "../errors.js";
import { checkKeys, describe, integerOption, numberOption } from "../util/options.js";
import { mulberry32, shuffleInPlace } from "../util/random.js";

export { mulberry32 };

/** A toy classification set: `rows` × `cols` inputs, row-major, and each row's class label in 0..classes−1. */
export interface ToyClassification {
  x: Float32Array;
  rows: number;
  cols: number;
  labels: Int32Array;
  classes: number;
}

/** A toy regression set: `rows` × `cols` inputs, row-major, and each row's target value. */
export interface ToyRegression {
  x: Float32Array;
  rows: number;
  cols: number;
  targets: Float32Array;
}

/** Any toy data set, as code taking either kind sees one: class labels (with their count) or regression targets. */
export interface ToyDataset {
  x: Float32Array;
  rows: number;
  cols: number;
  labels?: Int32Array;
  targets?: Float32Array;
  classes?: number;
}

/** Options of {@link spiral}. */
export interface SpiralOptions {
  /** Points on each arm (default 100). */
  pointsPerClass?: number;
  /** Number of arms, one class each (default 3). */
  classes?: number;
  /** Standard deviation of the Gaussian noise added to the angle, in radians (default 0.2). */
  noise?: number;
  /** Seed of the generator, an integer in [0, 2^32) (default 0). */
  seed?: number;
}

/** Options of {@link circles}. */
export interface CirclesOptions {
  /** Total points, at least 2: ⌊n/2⌋ on the outer circle, the rest on the inner (default 100). */
  n?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate (default 0.1). */
  noise?: number;
  /** Inner radius relative to the outer radius 1, in (0, 1) (default 0.5). */
  factor?: number;
  /** Seed of the generator, an integer in [0, 2^32) (default 0). */
  seed?: number;
}

/** Options of {@link moons}. */
export interface MoonsOptions {
  /** Total points, at least 2: ⌊n/2⌋ on the upper moon, the rest on the lower (default 100). */
  n?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate (default 0.1). */
  noise?: number;
  /** Seed of the generator, an integer in [0, 2^32) (default 0). */
  seed?: number;
}

/** Options of {@link xor} for a sampled XOR. */
export interface XorOptions {
  /** Number of points (default 200). */
  n?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate after labelling (default 0). */
  noise?: number;
  /** Seed of the generator, an integer in [0, 2^32) (default 0). */
  seed?: number;
}

/** Options of {@link sine}. */
export interface SineOptions {
  /** Number of points (default 100). */
  n?: number;
  /** Seed of the generator, an integer in [0, 2^32) (default 0). */
  seed?: number;
}

/** The CS231n spiral: class k's arm has r = i/N, θ = 4k + 4i/N + noise·N(0,1); x = (r sin θ, r cos θ). */
export function spiral(options: SpiralOptions = {}): ToyClassification {
  checkKeys(options, ["pointsPerClass", "classes", "noise", "seed"], "spiral");
  const { pointsPerClass = 100, classes = 3, noise = 0.2, seed = 0 } = options;
  count("spiral", "pointsPerClass", pointsPerClass, 1);
  count("spiral", "classes", classes, 1);
  nonNegative("spiral", "noise", noise);
  const rows = pointsPerClass * classes;
  if (rows > MAX_ROWS) {
    throw new ConfigError(`spiral: pointsPerClass × classes = ${rows} exceeds ${MAX_ROWS} rows`);
  }
  const randn = gaussian(seedOf("spiral", seed));
  const x = new Float32Array(rows * 2);
  const labels = new Int32Array(rows);
  for (let k = 0, row = 0; k < classes; k++) {
    for (let i = 0; i < pointsPerClass; i++, row++) {
      const r = i / pointsPerClass;
      const t = 4 * k + (4 * i) / pointsPerClass + noise * randn();
      x[2 * row] = r * Math.sin(t);
      x[2 * row + 1] = r * Math.cos(t);
      labels[row] = k;
    }
  }
  return inRandomOrder({ x, rows, cols: 2, labels, classes }, seed);
}

/**
 * Without options, the four corners of the unit square with XOR targets (also as labels). With options,
 * `n` points uniform in [-1, 1]², labelled 1 where x and y have opposite signs (as the TensorFlow
 * Playground's XOR), then moved by Gaussian noise.
 */
export function xor(): ToyClassification & { targets: Float32Array };
export function xor(options: XorOptions): ToyClassification;
export function xor(options?: XorOptions): ToyClassification & { targets?: Float32Array } {
  if (options !== undefined) return noisyXor(options);
  const labels = Int32Array.of(0, 1, 1, 0);
  return {
    x: Float32Array.of(0, 0, 0, 1, 1, 0, 1, 1),
    rows: 4,
    cols: 2,
    labels,
    targets: Float32Array.from(labels),
    classes: 2,
  };
}

function noisyXor(options: XorOptions): ToyClassification {
  checkKeys(options, ["n", "noise", "seed"], "xor");
  const { n = 200, noise = 0, seed = 0 } = options;
  count("xor", "n", n, 1);
  nonNegative("xor", "noise", noise);
  const rand = mulberry32(seedOf("xor", seed));
  const randn = gaussian(seedOf("xor", seed) ^ 0x5bd1e995);
  const x = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const px = 2 * rand() - 1;
    const py = 2 * rand() - 1;
    labels[i] = px * py < 0 ? 1 : 0;
    x[2 * i] = px + noise * randn();
    x[2 * i + 1] = py + noise * randn();
  }
  return { x, rows: n, cols: 2, labels, classes: 2 };
}

/** Two concentric circles (radii 1 and `factor`), label 0 outer, 1 inner, with Gaussian noise. */
export function circles(options: CirclesOptions = {}): ToyClassification {
  checkKeys(options, ["n", "noise", "factor", "seed"], "circles");
  const { n = 100, noise = 0.1, factor = 0.5, seed = 0 } = options;
  count("circles", "n", n, 2);
  nonNegative("circles", "noise", noise);
  if (typeof factor !== "number" || !(factor > 0 && factor < 1)) {
    throw new ConfigError(`circles: factor must be a number in (0, 1), got ${describe(factor)}`);
  }
  const randn = gaussian(seedOf("circles", seed));
  const outer = Math.floor(n / 2);
  const x = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  for (let row = 0; row < n; row++) {
    const inner = row >= outer;
    const m = inner ? n - outer : outer;
    const i = inner ? row - outer : row;
    const t = (2 * Math.PI * i) / m; // endpoint excluded: 0 and 2π are the same point
    const r = inner ? factor : 1;
    x[2 * row] = r * Math.cos(t) + noise * randn();
    x[2 * row + 1] = r * Math.sin(t) + noise * randn();
    labels[row] = inner ? 1 : 0;
  }
  return inRandomOrder({ x, rows: n, cols: 2, labels, classes: 2 }, seed);
}

/** Two interleaving half circles (scikit-learn's make_moons layout), label 0 upper, 1 lower, with Gaussian noise. */
export function moons(options: MoonsOptions = {}): ToyClassification {
  checkKeys(options, ["n", "noise", "seed"], "moons");
  const { n = 100, noise = 0.1, seed = 0 } = options;
  count("moons", "n", n, 2);
  nonNegative("moons", "noise", noise);
  const randn = gaussian(seedOf("moons", seed));
  const upper = Math.floor(n / 2);
  const x = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  for (let row = 0; row < n; row++) {
    const lower = row >= upper;
    const m = lower ? n - upper : upper;
    const i = lower ? row - upper : row;
    const t = m > 1 ? (Math.PI * i) / (m - 1) : 0; // endpoints included, as np.linspace(0, π, m)
    const px = lower ? 1 - Math.cos(t) : Math.cos(t);
    const py = lower ? 0.5 - Math.sin(t) : Math.sin(t);
    x[2 * row] = px + noise * randn();
    x[2 * row + 1] = py + noise * randn();
    labels[row] = lower ? 1 : 0;
  }
  return inRandomOrder({ x, rows: n, cols: 2, labels, classes: 2 }, seed);
}

/** Regression toy: x uniform in [−π, π], target sin x. */
export function sine(options: SineOptions = {}): ToyRegression {
  checkKeys(options, ["n", "seed"], "sine");
  const { n = 100, seed = 0 } = options;
  count("sine", "n", n, 1);
  const rand = mulberry32(seedOf("sine", seed));
  const x = new Float32Array(n);
  const targets = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = Math.PI * (2 * rand() - 1);
    x[i] = v;
    targets[i] = Math.sin(v);
  }
  return { x, rows: n, cols: 1, targets };
}

// Sizes past this are a typo, not a toy; the check keeps the error a ConfigError, not a RangeError.
const MAX_ROWS = 1 << 24;

function count(fn: string, name: string, v: unknown, min: number): void {
  integerOption(v, `${fn}: ${name}`, min, MAX_ROWS);
}

function nonNegative(fn: string, name: string, v: unknown): void {
  numberOption(v, `${fn}: ${name}`, 0);
}

function seedOf(fn: string, v: unknown): number {
  return integerOption(v, `${fn}: seed`, 0, 0xffffffff);
}

/** Mixed into a data set's seed for its row order, so the order's draws differ from the points'. */
const ORDER_SALT = 0x85ebca6b;

/** The data set's rows (2 inputs and a label each) in a random order fixed by `seed`. */
function inRandomOrder(d: ToyClassification, seed: number): ToyClassification {
  const order = shuffleInPlace(Int32Array.from({ length: d.rows }, (_, i) => i), mulberry32((seed ^ ORDER_SALT) >>> 0));
  const x = new Float32Array(d.x.length);
  order.forEach((from, to) => {
    x[2 * to] = d.x[2 * from];
    x[2 * to + 1] = d.x[2 * from + 1];
  });
  return { ...d, x, labels: order.map((from) => d.labels[from]) };
}

/** Standard normal samples by Box–Muller on mulberry32 (one of each pair is used; toy sizes don't care). */
function gaussian(seed: number): () => number {
  const rand = mulberry32(seed);
  return () => {
    const u = 1 - rand(); // (0, 1]: log(0) never happens
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
}
