// Numerical stability through the public API: a single dense layer with
// identity weights turns inputs into logits unchanged, so predict, evaluate
// and computeGradients see logits of ±1e4 and rows of equal logits. Softmax,
// log-softmax (as the cross-entropy of one class), sigmoid, and binary and
// categorical cross-entropy must stay finite and match float64 references.
// (test/kernels-losses.test.ts and kernels-activations.test.ts check the same
// kernels directly on awkward sizes.)
import { beforeAll, describe, expect, it } from "vitest";
import { dense, init, Sequential } from "../src/index.js";

beforeAll(async () => { await init(); });

const K = 4;
/** Rows of logits: extremes, ties at the extremes, all equal, and the edge of exp's f32 range. */
const LOGITS = [
  [1e4, -1e4, 0, 5],
  [-1e4, 1e4, 1e4, -1e4],
  [-1e4, -1e4, -1e4, -1e4],
  [1e4, 1e4, 1e4, 1e4],
  [0, 0, 0, 0],
  [3.5, 3.5, 3.5, 3.5],
  [88, 89, -88, -89],
  [1e4, 1e4 - 1, 1e4 - 2, -1e4],
];
const ROWS = LOGITS.length;
const z = Float32Array.from(LOGITS.flat());

/** A model whose output layer receives exactly `x` as its logits. */
function identity(activation: "softmax" | "sigmoid"): Sequential {
  const m = new Sequential({ inputs: K, layers: [dense(K, activation)], seed: 1 });
  const w = new Float32Array(K * K);
  for (let i = 0; i < K; i++) w[i * K + i] = 1;
  m.setLayerWeights(0, { weight: w, bias: new Float32Array(K) });
  return m;
}

const lse = (row: number[]) => {
  const m = Math.max(...row);
  return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
};
const softmaxRef = (row: number[]) => row.map((v) => Math.exp(v - lse(row)));
const sigmoidRef = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const bceRef = (x: number, t: number) => Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));

/** |a − b| ≤ tol·max(1, |b|) for every element, and a finite. */
function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    expect(Number.isFinite(a[i]), `${what}[${i}] = ${a[i]}`).toBe(true);
    expect(Math.abs(a[i] - b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i])));
  }
}

describe("numerical stability at logits of ±1e4 and all-equal logits", () => {
  it("softmax: finite probabilities summing to 1, equal to the float64 reference", () => {
    const m = identity("softmax");
    const p = m.predict(z);
    expectClose(p, LOGITS.flatMap(softmaxRef), 1e-6, "softmax");
    for (let r = 0; r < ROWS; r++) expect(p[r * K] + p[r * K + 1] + p[r * K + 2] + p[r * K + 3]).toBeCloseTo(1, 6);
    // All-equal rows are exactly uniform.
    for (const r of [2, 3, 4, 5]) expect(Array.from(p.subarray(r * K, r * K + K))).toEqual([0.25, 0.25, 0.25, 0.25]);
    m.dispose();
  });

  it("log-softmax: the cross-entropy of each single class is logsumexp − z, e.g. 2e4 for a −1e4 logit against a 1e4 one", () => {
    const m = identity("softmax").compile({ loss: "categoricalCrossentropy" });
    for (let r = 0; r < ROWS; r++) {
      for (let j = 0; j < K; j++) {
        const { loss } = m.evaluate(z.subarray(r * K, r * K + K), [j]);
        const ref = lse(LOGITS[r]) - LOGITS[r][j];
        expect(Number.isFinite(loss), `row ${r} class ${j}`).toBe(true);
        expect(Math.abs(loss - ref), `row ${r} class ${j}: ${loss} vs ${ref}`).toBeLessThanOrEqual(1e-6 * Math.max(1, ref));
      }
    }
    m.dispose();
  });

  it("categorical cross-entropy and its gradient, with index and one-hot targets", () => {
    const m = identity("softmax").compile({ loss: "categoricalCrossentropy" });
    const labels = Int32Array.from(LOGITS, (_, r) => r % K);
    const onehot = new Float32Array(ROWS * K);
    labels.forEach((l, r) => { onehot[r * K + l] = 1; });
    const ref = LOGITS.reduce((s, row, r) => s + lse(row) - row[labels[r]], 0) / ROWS;
    for (const y of [labels, onehot]) {
      const { loss, gradients } = m.computeGradients(z, y);
      expect(Math.abs(loss - ref) / ref).toBeLessThan(1e-6);
      // dL/db = mean over rows of softmax − onehot; dL/dW = zᵀ(softmax − onehot)/rows.
      const delta = LOGITS.map((row, r) => softmaxRef(row).map((p, j) => (p - (j === labels[r] ? 1 : 0)) / ROWS));
      const bias = gradients.find((g) => g.name === "layers.0.bias")!.data;
      const weight = gradients.find((g) => g.name === "layers.0.weight")!.data;
      expectClose(bias, Array.from({ length: K }, (_, j) => delta.reduce((s, d) => s + d[j], 0)), 1e-6, "dL/db");
      const dW = Array.from({ length: K * K }, (_, ij) => LOGITS.reduce((s, row, r) => s + row[Math.floor(ij / K)] * delta[r][ij % K], 0));
      expectClose(weight, dW, 1e-5, "dL/dW");
    }
    m.dispose();
  });

  it("sigmoid and binary cross-entropy: finite, saturated exactly, equal to the float64 reference", () => {
    const m = identity("sigmoid").compile({ loss: "binaryCrossentropy" });
    const p = m.predict(z);
    expectClose(p, Array.from(z, sigmoidRef), 1e-6, "sigmoid");
    expect(p[0]).toBe(1);
    expect(p[1]).toBe(0);
    for (const t of [0, 1, 0.5]) {
      const targets = new Float32Array(ROWS * K).fill(t);
      const { loss, gradients } = m.computeGradients(z, targets);
      const ref = Array.from(z).reduce((s, x) => s + bceRef(x, t), 0) / (ROWS * K);
      expect(Math.abs(loss - ref) / Math.max(1, ref), `targets ${t}`).toBeLessThan(1e-6);
      const bias = gradients.find((g) => g.name === "layers.0.bias")!.data;
      const refBias = Array.from({ length: K }, (_, j) => LOGITS.reduce((s, row) => s + (sigmoidRef(row[j]) - t), 0) / (ROWS * K));
      expectClose(bias, refBias, 1e-6, `dL/db, targets ${t}`);
    }
    m.dispose();
  });

  it("training on extreme logits keeps every weight finite", async () => {
    const m = identity("softmax").compile({ optimizer: { type: "sgd", learningRate: 0.1 } });
    const labels = Int32Array.from(LOGITS, (_, r) => (r + 1) % K);
    const h = await m.fit(z, labels, { epochs: 5, batchSize: 4 });
    expect(h.loss.every(Number.isFinite)).toBe(true);
    expect(m.getWeights().every((t) => t.data.every(Number.isFinite))).toBe(true);
    m.dispose();
  });
});
