// activations.ts against float64 scalar references on awkward sizes (SIMD tails).
import { describe, expect, it } from "vitest";
import type { Core } from "../src/runtime/core.js";
import { getF32, kernelArena, maxRelError, randomF32 } from "./helpers.js";

const SIZES = [1, 2, 3, 5, 7, 17, 33, 129];
const LINEAR = 0, RELU = 1, LEAKY = 2, SIGMOID = 3, TANH = 4;

let core: Core;
const { f32: put } = kernelArena((c) => { core = c; });

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

const cases: { name: string; act: number; alpha: number; f: (x: number) => number; df: (x: number) => number; tol: number }[] = [
  // Linear ops: f32 rounding of one multiply at most, so ~1e-6 relative.
  { name: "linear", act: LINEAR, alpha: 0, f: (x) => x, df: () => 1, tol: 1e-6 },
  { name: "relu", act: RELU, alpha: 0, f: (x) => Math.max(x, 0), df: (x) => (x > 0 ? 1 : 0), tol: 1e-6 },
  { name: "leaky relu 0.1", act: LEAKY, alpha: 0.1, f: (x) => (x > 0 ? x : 0.1 * x), df: (x) => (x > 0 ? 1 : 0.1), tol: 1e-6 },
  { name: "leaky relu 0.3", act: LEAKY, alpha: 0.3, f: (x) => (x > 0 ? x : 0.3 * x), df: (x) => (x > 0 ? 1 : 0.3), tol: 1e-6 },
  // exp-based: f32 exp and a division, ~1e-5 absolute on values bounded by 1.
  { name: "sigmoid", act: SIGMOID, alpha: 0, f: sigmoid, df: (x) => sigmoid(x) * (1 - sigmoid(x)), tol: 1e-5 },
  { name: "tanh", act: TANH, alpha: 0, f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2, tol: 1e-5 },
];

/** Inputs away from the ReLU kink, with extremes mixed in to exercise the stable forms. */
function inputs(n: number, seed: number): Float32Array {
  const x = randomF32(n, seed, -6, 6);
  const extremes = [1e4, -1e4, 88, -88, 30, -30, 1e-3, -1e-3];
  for (let i = 0; i < n; i++) {
    if (Math.abs(x[i]) < 1e-3) x[i] = 0.5;
    if (i % 5 === 4) x[i] = extremes[i % extremes.length];
  }
  return x;
}

describe("activation_forward / activation_backward", () => {
  for (const c of cases) {
    it(`${c.name} matches float64 on every size`, () => {
      for (const n of SIZES) {
        const x = inputs(n, n);
        const dy = randomF32(n, 1000 + n, -2, 2);
        const px = put(x), py = put(new Float32Array(n)), pdy = put(dy), pdx = put(new Float32Array(n));
        core.kernels.activation_forward(c.act, px, py, n, c.alpha);
        const y = getF32(core, py, n);
        const yRef = Array.from(x, c.f);
        expect(y.every(Number.isFinite)).toBe(true);
        expect(maxRelError(y, yRef), `${c.name} forward n=${n}`).toBeLessThan(c.tol);

        core.kernels.activation_backward(c.act, py, pdy, pdx, n, c.alpha);
        const dxRef = Array.from(x, (v, i) => dy[i] * c.df(v));
        expect(maxRelError(getF32(core, pdx, n), dxRef), `${c.name} backward n=${n}`).toBeLessThan(c.tol);

        // In place: forward with y == x, backward with dx == dy.
        core.kernels.activation_forward(c.act, px, px, n, c.alpha);
        expect(maxRelError(getF32(core, px, n), yRef)).toBeLessThan(c.tol);
        core.kernels.activation_backward(c.act, py, pdy, pdy, n, c.alpha);
        expect(maxRelError(getF32(core, pdy, n), dxRef)).toBeLessThan(c.tol);
      }
    });
  }

  it("at x = 0 the (Leaky) ReLU derivative is the left slope: 0 for ReLU, alpha for Leaky ReLU", () => {
    const n = 5; // four SIMD lanes and a scalar tail, all at the kink
    const px = put(new Float32Array(n)), py = put(new Float32Array(n)), pdy = put(new Float32Array(n).fill(1));
    const pdx = put(new Float32Array(n));
    for (const [act, alpha, slope] of [[RELU, 0, 0], [LEAKY, 0.1, Math.fround(0.1)], [LEAKY, 0.3, Math.fround(0.3)]]) {
      core.kernels.activation_forward(act, px, py, n, alpha);
      core.kernels.activation_backward(act, py, pdy, pdx, n, alpha);
      expect(Array.from(getF32(core, pdx, n)), `act ${act} alpha ${alpha}`).toEqual(new Array(n).fill(slope));
    }
  });

  it("sigmoid and tanh saturate exactly and stay finite at ±1e4", () => {
    const x = [1e4, -1e4, 1e4, -1e4, 0];
    const px = put(x), py = put(new Float32Array(5));
    core.kernels.activation_forward(SIGMOID, px, py, 5, 0);
    expect(Array.from(getF32(core, py, 5))).toEqual([1, 0, 1, 0, 0.5]);
    core.kernels.activation_forward(TANH, px, py, 5, 0);
    expect(Array.from(getF32(core, py, 5))).toEqual([1, -1, 1, -1, 0]);
  });
});

/** Float64 log-softmax, max-subtracted: x − max − log Σ exp(x − max), row by row. */
function logSoftmaxRef(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(x[r * cols + j] - m);
    for (let j = 0; j < cols; j++) y[r * cols + j] = x[r * cols + j] - m - Math.log(s);
  }
  return y;
}

const softmaxRef = (x: ArrayLike<number>, rows: number, cols: number) => logSoftmaxRef(x, rows, cols).map(Math.exp);

describe("softmax_forward / softmax_backward", () => {
  it("forward matches a float64 max-subtracted softmax", () => {
    for (const rows of [1, 3, 7, 17]) {
      for (const cols of SIZES) {
        const x = randomF32(rows * cols, rows * 1000 + cols, -8, 8);
        const px = put(x), py = put(new Float32Array(rows * cols));
        core.kernels.softmax_forward(px, py, rows, cols);
        // Probabilities are ≤ 1, so maxRelError is an absolute error here: 1e-6 for f32 exp and one division.
        expect(maxRelError(getF32(core, py, rows * cols), softmaxRef(x, rows, cols)), `${rows}x${cols}`).toBeLessThan(1e-6);
      }
    }
  });

  it("forward keeps every probability down to 1e-37 within a few ulp of float64, in every column, and takes a NaN row to NaN", () => {
    // Differences from the row's max spread over [−86, 0] (e^x from 1 down to 4e-38), then past the cut-off at −86.6.
    const cols = 23;
    const rows = 64;
    const r = randomF32(rows * cols, 11, -86, 0);
    const x = Float32Array.from(r, (v, i) => (i % cols === 0 ? 0 : v));
    const px = put(x), py = put(new Float32Array(rows * cols));
    core.kernels.softmax_forward(px, py, rows, cols);
    const y = getF32(core, py, rows * cols);
    const want = softmaxRef(x, rows, cols);
    let worst = 0;
    for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i] - want[i]) / want[i]);
    expect(worst).toBeLessThan(8 * 2 ** -24);
    const edge = put([0, -86.5, -86.7, -200, -Infinity]);
    const py2 = put(new Float32Array(5));
    core.kernels.softmax_forward(edge, py2, 1, 5);
    const e = getF32(core, py2, 5);
    expect(e[1] / Math.exp(-86.5)).toBeCloseTo(1, 5);
    expect(Array.from(e.slice(2))).toEqual([0, 0, 0]);
    const nan = put([1, NaN, 2, 3, 4, 5]);
    const py3 = put(new Float32Array(6));
    core.kernels.softmax_forward(nan, py3, 1, 6);
    expect(getF32(core, py3, 6).every(Number.isNaN)).toBe(true);
  });

  it("forward is finite and exact for logits ±1e4 and all-equal rows", () => {
    const cols = 5;
    const x = [
      1e4, -1e4, 0, 1e4, -1e4, // two tied winners far apart from the rest
      -1e4, -1e4, -1e4, -1e4, -1e4,
      1e4, 1e4, 1e4, 1e4, 1e4,
      3, 3, 3, 3, 3,
    ];
    const px = put(x), py = put(new Float32Array(20));
    core.kernels.softmax_forward(px, py, 4, cols);
    const y = getF32(core, py, 20);
    expect(y.every(Number.isFinite)).toBe(true);
    expect(maxRelError(y, softmaxRef(x, 4, cols))).toBeLessThan(1e-7);
    expect(Array.from(y.slice(0, 5))).toEqual([0.5, 0, 0, 0.5, 0]);
  });

  it("backward matches an explicit Jacobian-vector product in float64", () => {
    for (const rows of [1, 2, 5]) {
      for (const cols of SIZES) {
        const x = randomF32(rows * cols, 7 * rows + cols, -4, 4);
        const dy = randomF32(rows * cols, 99 + cols, -1, 1);
        const px = put(x), py = put(new Float32Array(rows * cols)), pdy = put(dy), pdx = put(new Float32Array(rows * cols));
        core.kernels.softmax_forward(px, py, rows, cols);
        core.kernels.softmax_backward(py, pdy, pdx, rows, cols);
        const s = softmaxRef(x, rows, cols);
        const ref = new Float64Array(rows * cols);
        for (let r = 0; r < rows; r++) {
          for (let i = 0; i < cols; i++) {
            let acc = 0;
            for (let j = 0; j < cols; j++) {
              const jac = (i === j ? s[r * cols + i] : 0) - s[r * cols + i] * s[r * cols + j];
              acc += jac * dy[r * cols + j];
            }
            ref[r * cols + i] = acc;
          }
        }
        // Sums of cols f32 products of magnitude ≤ 1: 1e-6 absolute.
        expect(maxRelError(getF32(core, pdx, rows * cols), ref), `${rows}x${cols}`).toBeLessThan(1e-6);
        core.kernels.softmax_backward(py, pdy, pdy, rows, cols);
        expect(maxRelError(getF32(core, pdy, rows * cols), ref), `in place ${rows}x${cols}`).toBeLessThan(1e-6);
      }
    }
  });
});

// Errors relative to max(1, |y|): f32 rounding of x − max, of log Σ, and of their difference, ~2e-7 each.
const LOG_SOFTMAX_TOL = 1e-6;

describe("log_softmax_forward", () => {
  it(`matches a float64 max-subtracted log-softmax within ${LOG_SOFTMAX_TOL} (relative to max(1, |y|)), in place too`, () => {
    for (const rows of [1, 3, 7, 17]) {
      for (const cols of SIZES) {
        const x = randomF32(rows * cols, rows * 1000 + cols, -8, 8);
        const ref = logSoftmaxRef(x, rows, cols);
        const px = put(x), py = put(new Float32Array(rows * cols));
        core.kernels.log_softmax_forward(px, py, rows, cols);
        expect(maxRelError(getF32(core, py, rows * cols), ref), `${rows}x${cols}`).toBeLessThan(LOG_SOFTMAX_TOL);
        core.kernels.log_softmax_forward(px, px, rows, cols);
        expect(maxRelError(getF32(core, px, rows * cols), ref), `in place ${rows}x${cols}`).toBeLessThan(LOG_SOFTMAX_TOL);
      }
    }
  });

  it("is the log of softmax_forward where the probabilities are not tiny", () => {
    const rows = 5, cols = 9;
    const x = randomF32(rows * cols, 41, -3, 3);
    const px = put(x), pp = put(new Float32Array(rows * cols)), pl = put(new Float32Array(rows * cols));
    core.kernels.softmax_forward(px, pp, rows, cols);
    core.kernels.log_softmax_forward(px, pl, rows, cols);
    expect(maxRelError(Array.from(getF32(core, pp, rows * cols), Math.log), getF32(core, pl, rows * cols))).toBeLessThan(1e-6);
  });

  it("stays finite and accurate for huge and tiny logits, where log(softmax) would give −Infinity", () => {
    const cols = 7;
    const x = [
      1e4, -1e4, 0, 1e4, -1e4, 3e4, -3e4, // the max far from the rest: its log-probability is exactly 0
      -1e4, -1e4, -1e4, -1e4, -1e4, -1e4, -1e4, // all equal: −log 7 each
      2e38, -1e38, 2e38, 1, -1, 0, 2e38, // near f32's largest, log-probabilities down to −3e38 still in range
      1e-30, -1e-30, 1e-38, 0, 1e-45, -1e-45, 0, // tiny (and subnormal) logits: −log 7 each
      88, -88, 88, 0, 0, 0, 0, // exp(±88) near f32's range
      5, 5 - 1e-6, 5 + 1e-6, 4, 6, 6, 3, // close values
    ];
    const rows = x.length / cols;
    const px = put(x), py = put(new Float32Array(x.length));
    core.kernels.log_softmax_forward(px, py, rows, cols);
    const y = getF32(core, py, x.length);
    expect(y.every(Number.isFinite)).toBe(true);
    expect(maxRelError(y, logSoftmaxRef(Float32Array.from(x), rows, cols))).toBeLessThan(LOG_SOFTMAX_TOL);
    expect(y[5]).toBe(0);
    expect(y[1]).toBe(-4e4);
    expect(Array.from(y.slice(7, 14))).toEqual(new Array(7).fill(Math.fround(-Math.log(7))));
  });
});
