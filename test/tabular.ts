// Generated tabular problems for the convergence tests: seeded, so every run
// sees the same rows, and written as CSV so the command line reads them as a
// user's file. Each has a rule a small network can learn and noise it cannot.
import { writeFile } from "node:fs/promises";
import { rng } from "./helpers.js";

/** Rows of inputs and one target each (a class index or a value). */
export interface Table {
  x: number[][];
  y: number[];
}

/** Standard normal samples from a seeded uniform generator (Box–Muller). */
function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** `k` Gaussian blobs in `d` dimensions: centres uniform in [−1, 1]^d, points spread by `spread` around them. */
export function blobs(n: number, d: number, k: number, spread: number, seed: number): Table {
  const random = rng(seed);
  const normal = gaussian(rng(seed ^ 0x51ed));
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => 2 * random() - 1));
  const y = Array.from({ length: n }, () => Math.floor(random() * k));
  return { x: y.map((c) => centres[c].map((v) => v + spread * normal())), y };
}

/** Points uniform in [−1, 1]^d, class 1 where x0·x1 + 0.5·sin(3·x2) + 0.3·x3 > 0, each label flipped with probability `flip`. */
export function nonlinearRule(n: number, d: number, flip: number, seed: number): Table {
  const random = rng(seed);
  const x = Array.from({ length: n }, () => Array.from({ length: d }, () => 2 * random() - 1));
  const y = x.map((r) => ((r[0] * r[1] + 0.5 * Math.sin(3 * r[2]) + 0.3 * r[3] > 0) !== random() < flip ? 1 : 0));
  return { x, y };
}

/** Like scikit-learn's diabetes data: 10 standardised inputs, a whole-number target about 152 ± 77 within [25, 346]. */
export function diabetesLike(n: number, seed: number): Table {
  const normal = gaussian(rng(seed));
  const w = [10, -25, 60, 35, -20, 10, -30, 20, 45, 15];
  const x = Array.from({ length: n }, () => Array.from({ length: 10 }, () => normal()));
  const y = x.map((r) => {
    const v = 152 + r.reduce((s, v, i) => s + w[i] * v, 0) + 12 * r[2] * r[8] + 40 * normal();
    return Math.min(346, Math.max(25, Math.round(v)));
  });
  return { x, y };
}

/** Writes a table as CSV with columns x0 … x{d−1} and `label`. */
export async function writeCsv(path: string, t: Table, label = "label"): Promise<void> {
  const header = [...t.x[0].map((_, i) => `x${i}`), label].join(",");
  await writeFile(path, [header, ...t.x.map((r, i) => [...r.map((v) => v.toPrecision(7)), t.y[i]].join(","))].join("\n") + "\n");
}

/** The first `fraction` of the rows and the rest (the rows are independent draws, so this is a random split). */
export function splitTable(t: Table, fraction: number): [Table, Table] {
  const n = Math.round(t.y.length * fraction);
  return [{ x: t.x.slice(0, n), y: t.y.slice(0, n) }, { x: t.x.slice(n), y: t.y.slice(n) }];
}

/** Root mean squared error on `test` of ordinary least squares (with an intercept) fitted on `train`, in float64. */
export function leastSquaresRmse(train: Table, test: Table): number {
  const row = (r: number[]) => [1, ...r];
  const p = train.x[0].length + 1;
  // Normal equations XᵀX·w = Xᵀy, solved by Gaussian elimination with partial pivoting.
  const a = Array.from({ length: p }, () => new Array<number>(p + 1).fill(0));
  train.x.forEach((r, i) => {
    const v = row(r);
    for (let j = 0; j < p; j++) {
      for (let k = 0; k < p; k++) a[j][k] += v[j] * v[k];
      a[j][p] += v[j] * train.y[i];
    }
  });
  for (let c = 0; c < p; c++) {
    const pivot = a.slice(c).reduce((best, r, i) => (Math.abs(r[c]) > Math.abs(a[best][c]) ? c + i : best), c);
    [a[c], a[pivot]] = [a[pivot], a[c]];
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      for (let k = c; k <= p; k++) a[r][k] -= f * a[c][k];
    }
  }
  const w = a.map((r, i) => r[p] / r[i]);
  const se = test.x.reduce((s, r, i) => s + (row(r).reduce((t, v, j) => t + v * w[j], 0) - test.y[i]) ** 2, 0);
  return Math.sqrt(se / test.y.length);
}
