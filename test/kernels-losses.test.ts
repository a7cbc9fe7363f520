// losses.ts against float64 references, against central differences of the
// kernels' own loss, and at extreme logits.
import { describe, expect, it } from "vitest";
import type { Core } from "../src/runtime/core.js";
import { getF32, kernelArena, maxRelError, randomF32, rng } from "./helpers.js";

const ROWS = [1, 2, 3, 7, 33, 129];
const COLS = [1, 2, 3, 5, 7, 17, 33, 129];

let core: Core;
const { f32, i32 } = kernelArena((c) => { core = c; });
function labelsFor(rows: number, cols: number, seed: number): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: rows }, () => Math.floor(r() * cols));
}
function oneHot(labels: Int32Array, cols: number): Float32Array {
  const t = new Float32Array(labels.length * cols);
  labels.forEach((l, r) => { t[r * cols + l] = 1; });
  return t;
}
/** Random rows of non-negative weights summing to `total` (a distribution when total is 1). */
function distribution(rows: number, cols: number, seed: number, total = 1): Float32Array {
  const t = randomF32(rows * cols, seed, 0, 1);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += t[r * cols + j];
    for (let j = 0; j < cols; j++) t[r * cols + j] = (t[r * cols + j] / s) * total;
  }
  return t;
}

type Ref = { loss: number; grad: Float64Array };

/** Float64 softmax cross-entropy against arbitrary target rows t (one-hot or not). */
function ceRef(z: ArrayLike<number>, t: ArrayLike<number>, rows: number, cols: number): Ref {
  const grad = new Float64Array(rows * cols);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, z[r * cols + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(z[r * cols + j] - m);
    const lse = m + Math.log(s);
    let tsum = 0;
    for (let j = 0; j < cols; j++) {
      loss -= t[r * cols + j] * (z[r * cols + j] - lse);
      tsum += t[r * cols + j];
    }
    for (let j = 0; j < cols; j++) grad[r * cols + j] = (Math.exp(z[r * cols + j] - lse) * tsum - t[r * cols + j]) / rows;
  }
  return { loss: loss / rows, grad };
}

function bceRef(z: ArrayLike<number>, t: ArrayLike<number>): Ref {
  const n = z.length, grad = new Float64Array(n);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const x = z[i];
    loss += Math.max(x, 0) - x * t[i] + Math.log1p(Math.exp(-Math.abs(x)));
    const sig = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    grad[i] = (sig - t[i]) / n;
  }
  return { loss: loss / n, grad };
}

function mseRef(y: ArrayLike<number>, t: ArrayLike<number>): Ref {
  const n = y.length, grad = new Float64Array(n);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    loss += (y[i] - t[i]) ** 2;
    grad[i] = (2 * (y[i] - t[i])) / n;
  }
  return { loss: loss / n, grad };
}

/** |a − b| relative to max(1, |b|). */
function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1, Math.abs(b));
}
/** Gradient error measured on the per-row (or per-element) scale, i.e. multiplied back by the divisor. */
function gradError(g: Float32Array, ref: Float64Array, divisor: number): number {
  return maxRelError(g.map((v) => v * divisor), ref.map((v) => v * divisor));
}

type LossKernel = (z: number, t: number, grad: number, rows: number, cols: number) => number;

/**
 * Compares the kernel's gradient with central differences of the kernel's own loss,
 * perturbing the f32 inputs by h = 1e-2. Tolerance: 1e-2 of the gradient's largest entry.
 */
function checkCentralDifferences(kernel: LossKernel, z: Float32Array, pt: number, rows: number, cols: number): void {
  const n = rows * cols;
  const pz = f32(z), pg = f32(new Float32Array(n));
  kernel(pz, pt, pg, rows, cols);
  const g = getF32(core, pg, n);
  const scale = Math.max(...Array.from(g, Math.abs));
  const h = 1e-2;
  for (let i = 0; i < n; i++) {
    const view = core.f32(pz, n);
    const zp = Math.fround(z[i] + h), zm = Math.fround(z[i] - h);
    view[i] = zp;
    const lp = kernel(pz, pt, 0, rows, cols);
    core.f32(pz, n)[i] = zm;
    const lm = kernel(pz, pt, 0, rows, cols);
    core.f32(pz, n)[i] = z[i];
    const fd = (lp - lm) / (zp - zm);
    expect(Math.abs(fd - g[i]), `element ${i}: fd ${fd} vs ${g[i]}`).toBeLessThan(1e-2 * scale);
  }
}

describe("softmax_cross_entropy_index", () => {
  it("matches float64 loss and gradient on every shape", () => {
    for (const rows of ROWS) {
      for (const cols of COLS) {
        const z = randomF32(rows * cols, rows * 1009 + cols, -6, 6);
        const labels = labelsFor(rows, cols, rows + 17 * cols);
        const pz = f32(z), pl = i32(labels), pg = f32(new Float32Array(rows * cols));
        const loss = core.kernels.softmax_cross_entropy_index(pz, pl, pg, rows, cols);
        const ref = ceRef(z, oneHot(labels, cols), rows, cols);
        // exp/log in f32 with f64 sums: 1e-5 relative on the loss, 1e-5 on the per-row gradient.
        expect(rel(loss, ref.loss), `${rows}x${cols}`).toBeLessThan(1e-5);
        expect(gradError(getF32(core, pg, rows * cols), ref.grad, rows), `${rows}x${cols}`).toBeLessThan(1e-5);
        // grad = 0 means loss only, and it must be the same loss.
        expect(core.kernels.softmax_cross_entropy_index(pz, pl, 0, rows, cols)).toBe(loss);
      }
    }
  });

  it("gradient matches central differences of the kernel's loss", () => {
    const rows = 3, cols = 5;
    const labels = labelsFor(rows, cols, 5);
    checkCentralDifferences(core.kernels.softmax_cross_entropy_index, randomF32(rows * cols, 4, -2, 2), i32(labels), rows, cols);
  });

  it("is finite and exact for logits ±1e4 and all-equal logits", () => {
    const cols = 4;
    const z = [
      1e4, -1e4, 0, 5, // label on the −1e4 logit: loss 2e4
      1e4, -1e4, 0, 5, // label on the winner: loss ≈ 0
      -1e4, -1e4, -1e4, -1e4,
      1e4, 1e4, 1e4, 1e4,
      2, 2, 2, 2,
    ];
    const labels = [1, 0, 2, 3, 0];
    const pg = f32(new Float32Array(z.length));
    const loss = core.kernels.softmax_cross_entropy_index(f32(z), i32(labels), pg, 5, cols);
    const ref = ceRef(z, oneHot(Int32Array.from(labels), cols), 5, cols);
    const g = getF32(core, pg, z.length);
    expect(Number.isFinite(loss)).toBe(true);
    expect(g.every(Number.isFinite)).toBe(true);
    expect(Math.abs(loss - ref.loss) / ref.loss).toBeLessThan(1e-6);
    expect(gradError(g, ref.grad, 5)).toBeLessThan(1e-6);
    // All-equal rows: each contributes log(cols) and a gradient of (1/cols − onehot)/rows.
    const eq = core.kernels.softmax_cross_entropy_index(f32([3, 3, 3, 3, 3, 3, 3, 3]), i32([1, 3]), 0, 2, 4);
    expect(Math.abs(eq - Math.log(4))).toBeLessThan(1e-6);
  });

  it("stays finite on wide rows whose ±1e4 logits sit in any SIMD lane or the tail", () => {
    for (const cols of [8, 9, 17, 33, 129]) {
      const rows = cols; // the huge logit walks through every column, one row each
      const z = randomF32(rows * cols, cols, -3, 3);
      for (let r = 0; r < rows; r++) {
        z[r * cols + r] = 1e4;
        z[r * cols + ((r + 3) % cols)] = -1e4;
      }
      const labels = Int32Array.from({ length: rows }, (_, r) => (r * 5) % cols);
      const pg = f32(new Float32Array(rows * cols));
      const loss = core.kernels.softmax_cross_entropy_index(f32(z), i32(labels), pg, rows, cols);
      const ref = ceRef(z, oneHot(labels, cols), rows, cols);
      expect(rel(loss, ref.loss), `cols=${cols}`).toBeLessThan(1e-6);
      expect(gradError(getF32(core, pg, rows * cols), ref.grad, rows), `cols=${cols}`).toBeLessThan(1e-6);
      const pg2 = f32(new Float32Array(rows * cols));
      const loss2 = core.kernels.softmax_cross_entropy_onehot(f32(z), f32(oneHot(labels, cols)), pg2, rows, cols);
      expect(rel(loss2, ref.loss), `onehot cols=${cols}`).toBeLessThan(1e-6);
      expect(gradError(getF32(core, pg2, rows * cols), ref.grad, rows), `onehot cols=${cols}`).toBeLessThan(1e-6);
    }
  });

  it("turns an out-of-range label into a NaN loss without touching memory outside the row", () => {
    const z = [1, 2, 3, 4, 5, 6];
    const pg = f32(new Float32Array(6));
    const loss = core.kernels.softmax_cross_entropy_index(f32(z), i32([3, -1]), pg, 2, 3);
    expect(loss).toBeNaN();
    // With no valid target a row's gradient is softmax/rows; both rows hold the same shifted logits.
    const e = [1, 2, 3].map((v) => Math.exp(v));
    const soft = e.map((v) => v / (e[0] + e[1] + e[2]) / 2);
    expect(maxRelError(getF32(core, pg, 6), [...soft, ...soft])).toBeLessThan(1e-7);
  });
});

describe("softmax_cross_entropy_onehot", () => {
  it("matches float64 for one-hot, distribution and unnormalised targets", () => {
    for (const rows of ROWS) {
      for (const cols of COLS) {
        const z = randomF32(rows * cols, rows * 7919 + cols, -6, 6);
        const targets = [
          oneHot(labelsFor(rows, cols, rows * 3 + cols), cols),
          distribution(rows, cols, rows + cols),
          distribution(rows, cols, rows + 2 * cols, 2.5),
        ];
        for (const [k, t] of targets.entries()) {
          const pg = f32(new Float32Array(rows * cols));
          const pz = f32(z), pt = f32(t);
          const loss = core.kernels.softmax_cross_entropy_onehot(pz, pt, pg, rows, cols);
          const ref = ceRef(z, t, rows, cols);
          const tag = `${rows}x${cols} targets #${k}`;
          // Same budget as the index form: 1e-5 relative on loss and per-row gradient.
          expect(rel(loss, ref.loss), tag).toBeLessThan(1e-5);
          expect(gradError(getF32(core, pg, rows * cols), ref.grad, rows), tag).toBeLessThan(1e-5);
          expect(core.kernels.softmax_cross_entropy_onehot(pz, pt, 0, rows, cols)).toBe(loss);
        }
      }
    }
  });

  it("agrees with the index form on one-hot targets", () => {
    const rows = 17, cols = 7;
    const z = randomF32(rows * cols, 3, -5, 5);
    const labels = labelsFor(rows, cols, 8);
    const g1 = f32(new Float32Array(rows * cols)), g2 = f32(new Float32Array(rows * cols));
    const a = core.kernels.softmax_cross_entropy_index(f32(z), i32(labels), g1, rows, cols);
    const b = core.kernels.softmax_cross_entropy_onehot(f32(z), f32(oneHot(labels, cols)), g2, rows, cols);
    expect(rel(a, b)).toBeLessThan(1e-6);
    expect(maxRelError(getF32(core, g1, rows * cols), getF32(core, g2, rows * cols))).toBeLessThan(1e-7);
  });

  it("gradient matches central differences of the kernel's loss (soft, unnormalised targets)", () => {
    const rows = 3, cols = 5;
    const t = distribution(rows, cols, 21, 1.7);
    checkCentralDifferences(core.kernels.softmax_cross_entropy_onehot, randomF32(rows * cols, 20, -2, 2), f32(t), rows, cols);
  });

  it("is finite and exact for logits ±1e4 and all-equal logits", () => {
    const cols = 3;
    const z = [1e4, -1e4, 0, /**/ -1e4, -1e4, -1e4, /**/ 1e4, 1e4, 1e4, /**/ 1e4, -1e4, 1e4];
    const t = [0, 1, 0, /**/ 0, 0, 1, /**/ 0.2, 0.3, 0.5, /**/ 0.5, 0.25, 0.25];
    const pg = f32(new Float32Array(z.length));
    const loss = core.kernels.softmax_cross_entropy_onehot(f32(z), f32(t), pg, 4, cols);
    const ref = ceRef(z, t, 4, cols);
    const g = getF32(core, pg, z.length);
    expect(Number.isFinite(loss)).toBe(true);
    expect(g.every(Number.isFinite)).toBe(true);
    expect(Math.abs(loss - ref.loss) / ref.loss).toBeLessThan(1e-6);
    expect(gradError(g, ref.grad, 4)).toBeLessThan(1e-6);
  });
});

describe("sigmoid_binary_cross_entropy", () => {
  it("matches float64 loss and gradient on every shape, hard and soft targets", () => {
    for (const rows of ROWS) {
      for (const cols of COLS) {
        const n = rows * cols;
        const z = randomF32(n, rows * 31 + cols, -8, 8);
        const r = rng(rows + cols);
        const hard = Float32Array.from({ length: n }, () => (r() < 0.5 ? 0 : 1));
        for (const t of [hard, randomF32(n, n + 1, 0, 1)]) {
          const pz = f32(z), pt = f32(t), pg = f32(new Float32Array(n));
          const loss = core.kernels.sigmoid_binary_cross_entropy(pz, pt, pg, rows, cols);
          const ref = bceRef(z, t);
          // f32 exp/log1p with f64 sums: 1e-5 relative; gradient per element (times rows·cols) 1e-5.
          expect(rel(loss, ref.loss), `${rows}x${cols}`).toBeLessThan(1e-5);
          expect(gradError(getF32(core, pg, n), ref.grad, n), `${rows}x${cols}`).toBeLessThan(1e-5);
          expect(core.kernels.sigmoid_binary_cross_entropy(pz, pt, 0, rows, cols)).toBe(loss);
        }
      }
    }
  });

  it("gradient matches central differences of the kernel's loss", () => {
    const rows = 3, cols = 5;
    checkCentralDifferences(core.kernels.sigmoid_binary_cross_entropy, randomF32(15, 30, -3, 3), f32(randomF32(15, 31, 0, 1)), rows, cols);
  });

  it("is finite and exact for logits ±1e4 and zero logits", () => {
    const z = [1e4, 1e4, -1e4, -1e4, 0, 0, 1e4, -1e4, 30, -30];
    const t = [1, 0, 1, 0, 0, 1, 0.25, 0.75, 1, 0];
    const pg = f32(new Float32Array(z.length));
    const loss = core.kernels.sigmoid_binary_cross_entropy(f32(z), f32(t), pg, 2, 5);
    const ref = bceRef(z, t);
    const g = getF32(core, pg, z.length);
    expect(Number.isFinite(loss)).toBe(true);
    expect(g.every(Number.isFinite)).toBe(true);
    expect(Math.abs(loss - ref.loss) / ref.loss).toBeLessThan(1e-6);
    // Far tails are exact: σ(±30) is within 1e-13 of 0 or 1, and e/(1+e) keeps the small side's digits.
    expect(maxRelError(g.map((v) => v * 10), ref.grad.map((v) => v * 10))).toBeLessThan(1e-6);
    expect(Math.abs(g[9] * 10 - ref.grad[9] * 10) / (ref.grad[9] * 10)).toBeLessThan(1e-5);
  });
});

describe("mean_squared_error", () => {
  it("matches float64 loss and gradient on every shape", () => {
    for (const rows of ROWS) {
      for (const cols of COLS) {
        const n = rows * cols;
        const y = randomF32(n, rows * 101 + cols, -3, 3), t = randomF32(n, rows + cols * 7, -3, 3);
        const py = f32(y), pt = f32(t), pg = f32(new Float32Array(n));
        const loss = core.kernels.mean_squared_error(py, pt, pg, rows, cols);
        const ref = mseRef(y, t);
        // Linear in f32 with exact f64 squares: 1e-6 relative.
        expect(rel(loss, ref.loss), `${rows}x${cols}`).toBeLessThan(1e-6);
        expect(gradError(getF32(core, pg, n), ref.grad, n), `${rows}x${cols}`).toBeLessThan(1e-6);
        expect(core.kernels.mean_squared_error(py, pt, 0, rows, cols)).toBe(loss);
      }
    }
  });

  it("gradient matches central differences of the kernel's loss", () => {
    checkCentralDifferences(core.kernels.mean_squared_error, randomF32(21, 40, -2, 2), f32(randomF32(21, 41, -2, 2)), 3, 7);
  });
});

// The _weighted twins: Σ_r w_r·loss_r / rows (Keras's sum over the batch size), row r's gradient times w_r.
describe("weighted losses", () => {
  type Weighted = (z: number, t: number, w: number, grad: number, rows: number, cols: number) => number;
  /** Each kernel with its plain twin, its float64 reference on one row, and targets for a rows×cols batch. */
  const cases: { name: string; weighted: () => Weighted; plain: () => LossKernel; rowRef: (z: Float32Array, t: Float32Array, cols: number) => Ref;
    targets: (rows: number, cols: number, seed: number) => { ptr: number; row: (r: number) => Float32Array } }[] = [
    { name: "softmax_cross_entropy_index_weighted", weighted: () => core.kernels.softmax_cross_entropy_index_weighted,
      plain: () => core.kernels.softmax_cross_entropy_index, rowRef: (z, t, cols) => ceRef(z, t, 1, cols),
      targets: (rows, cols, seed) => { const l = labelsFor(rows, cols, seed); const t = oneHot(l, cols); return { ptr: i32(l), row: (r) => t.subarray(r * cols, (r + 1) * cols) }; } },
    { name: "softmax_cross_entropy_onehot_weighted", weighted: () => core.kernels.softmax_cross_entropy_onehot_weighted,
      plain: () => core.kernels.softmax_cross_entropy_onehot, rowRef: (z, t, cols) => ceRef(z, t, 1, cols),
      targets: (rows, cols, seed) => { const t = distribution(rows, cols, seed, 1.5); return { ptr: f32(t), row: (r) => t.subarray(r * cols, (r + 1) * cols) }; } },
    { name: "sigmoid_binary_cross_entropy_weighted", weighted: () => core.kernels.sigmoid_binary_cross_entropy_weighted,
      plain: () => core.kernels.sigmoid_binary_cross_entropy, rowRef: (z, t) => bceRef(z, t),
      targets: (rows, cols, seed) => { const t = randomF32(rows * cols, seed, 0, 1); return { ptr: f32(t), row: (r) => t.subarray(r * cols, (r + 1) * cols) }; } },
    { name: "mean_squared_error_weighted", weighted: () => core.kernels.mean_squared_error_weighted,
      plain: () => core.kernels.mean_squared_error, rowRef: (z, t) => mseRef(z, t),
      targets: (rows, cols, seed) => { const t = randomF32(rows * cols, seed, -3, 3); return { ptr: f32(t), row: (r) => t.subarray(r * cols, (r + 1) * cols) }; } },
  ];

  for (const c of cases) {
    it(`${c.name} matches a float64 weighted sum over the batch size, on every shape`, () => {
      for (const rows of ROWS) {
        for (const cols of COLS) {
          if (c.name.startsWith("softmax") && cols < 2) continue;
          const z = randomF32(rows * cols, rows * 13 + cols, -5, 5);
          // Weights of every kind Keras allows: 0, fractions, large, and exactly 1.
          const w = Float32Array.from(randomF32(rows, rows + 3 * cols, 0, 4), (v, r) => (r % 5 === 0 ? 0 : r % 5 === 1 ? 1 : v));
          const t = c.targets(rows, cols, rows * 5 + cols);
          const pz = f32(z), pw = f32(w), pg = f32(new Float32Array(rows * cols));
          const loss = c.weighted()(pz, t.ptr, pw, pg, rows, cols);
          let ref = 0;
          const grad = new Float64Array(rows * cols);
          for (let r = 0; r < rows; r++) {
            const one = c.rowRef(z.subarray(r * cols, (r + 1) * cols), t.row(r), cols);
            ref += (w[r] * one.loss) / rows;
            for (let j = 0; j < cols; j++) grad[r * cols + j] = (w[r] * one.grad[j]) / rows;
          }
          const tag = `${rows}x${cols}`;
          // As the plain kernels: 1e-5 on the loss (relative to max(1, |loss|)) and on the per-element gradient.
          expect(rel(loss, ref), tag).toBeLessThan(1e-5);
          expect(maxRelError(getF32(core, pg, rows * cols).map((v) => v * rows * cols), grad.map((v) => v * rows * cols)), tag).toBeLessThan(1e-5);
          expect(c.weighted()(pz, t.ptr, pw, 0, rows, cols), tag).toBe(loss);
        }
      }
    });

    it(`${c.name} with every weight 1 gives the plain kernel's loss and gradient`, () => {
      const rows = 33, cols = 7;
      const z = randomF32(rows * cols, 77, -4, 4);
      const t = c.targets(rows, cols, 78);
      const pz = f32(z), g1 = f32(new Float32Array(rows * cols)), g2 = f32(new Float32Array(rows * cols));
      const a = c.weighted()(pz, t.ptr, f32(new Float32Array(rows).fill(1)), g1, rows, cols);
      const b = c.plain()(pz, t.ptr, g2, rows, cols);
      expect(rel(a, b)).toBeLessThan(1e-12);
      expect(maxRelError(getF32(core, g1, rows * cols), getF32(core, g2, rows * cols))).toBeLessThan(1e-6);
    });
  }
});
