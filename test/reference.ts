// A float64 reference of the whole network, written independently of the core:
// plain loops over plain arrays. Gradient checks differentiate it numerically.
import type { LayerConfig, NamedTensor } from "../src/index.js";

type Weights = Map<string, Float64Array>;

/** Weights from getWeights(), widened to float64 and keyed by name. */
export function toF64(weights: NamedTensor[]): Weights {
  return new Map(weights.map((w) => [w.name, Float64Array.from(w.data)]));
}

function act(name: string, z: number, alpha: number): number {
  switch (name) {
    case "relu": return Math.max(0, z);
    case "leakyRelu": return z > 0 ? z : alpha * z;
    case "sigmoid": return 1 / (1 + Math.exp(-z));
    case "tanh": return Math.tanh(z);
    default: return z;
  }
}

/**
 * Runs rows×inputs `x` through the layers in float64 (dropout as identity).
 * With `logits`, the last dense layer's activation is left out.
 */
export function forward(layers: LayerConfig[], w: Weights, x: Float64Array, rows: number, inputs: number, logits = false): Float64Array {
  let h = x;
  let width = inputs;
  layers.forEach((l, i) => {
    if (l.type === "dropout") return;
    const pieces = l.type === "maxout" ? (l.pieces as number) : 1;
    const units = l.units as number;
    const cols = units * pieces;
    const W = w.get(`layers.${i}.weight`)!;
    const b = w.get(`layers.${i}.bias`);
    const z = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) {
        let s = b ? b[j] : 0;
        for (let k = 0; k < width; k++) s += h[r * width + k] * W[k * cols + j];
        z[r * cols + j] = s;
      }
    }
    const out = new Float64Array(rows * units);
    const last = i === layers.length - 1;
    for (let r = 0; r < rows; r++) {
      if (l.type === "maxout") {
        for (let j = 0; j < units; j++) {
          let m = -Infinity;
          for (let p = 0; p < pieces; p++) m = Math.max(m, z[r * cols + j * pieces + p]);
          out[r * units + j] = m;
        }
      } else if (l.activation === "softmax" && !(logits && last)) {
        let m = -Infinity;
        for (let j = 0; j < units; j++) m = Math.max(m, z[r * units + j]);
        let s = 0;
        for (let j = 0; j < units; j++) s += Math.exp(z[r * units + j] - m);
        for (let j = 0; j < units; j++) out[r * units + j] = Math.exp(z[r * units + j] - m) / s;
      } else {
        const name = logits && last ? "linear" : (l.activation as string) ?? "linear";
        for (let j = 0; j < units; j++) out[r * units + j] = act(name, z[r * units + j], (l.alpha as number) ?? 0.01);
      }
    }
    h = out;
    width = units;
  });
  return h;
}

/** Mean loss in float64, for the loss names compile() accepts; `y` is labels or a dense matrix. */
export function loss(name: string, out: Float64Array, y: ArrayLike<number>, rows: number, cols: number, logits: boolean): number {
  let total = 0;
  if (name === "categoricalCrossentropy") {
    for (let r = 0; r < rows; r++) {
      const z = out.subarray(r * cols, (r + 1) * cols);
      let m = -Infinity;
      for (const v of z) m = Math.max(m, v);
      let s = 0;
      for (const v of z) s += Math.exp(v - m);
      const lse = m + Math.log(s);
      if (y.length === rows) total += lse - z[y[r]];
      else for (let j = 0; j < cols; j++) total -= y[r * cols + j] * (z[j] - lse);
    }
    if (!logits) throw new Error("reference cross-entropy expects logits");
    return total / rows;
  }
  if (name === "binaryCrossentropy") {
    for (let i = 0; i < rows * cols; i++) {
      const z = out[i];
      total += Math.max(z, 0) - z * y[i] + Math.log1p(Math.exp(-Math.abs(z)));
    }
    return total / (rows * cols);
  }
  for (let i = 0; i < rows * cols; i++) total += (out[i] - y[i]) ** 2;
  return total / (rows * cols);
}

/** λ/2·Σw² over every weight tensor (biases excluded). */
export function l2Penalty(w: Weights, lambda: number): number {
  let s = 0;
  for (const [name, t] of w) if (name.endsWith(".weight")) for (const v of t) s += v * v;
  return 0.5 * lambda * s;
}
