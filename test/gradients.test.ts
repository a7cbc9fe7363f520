// Backpropagation checked against central differences of an independent
// float64 reference (test/reference.ts), for every activation, loss and layer.
import { beforeAll, describe, expect, it } from "vitest";
import { init, Sequential, type LayerConfig } from "../src/index.js";
import { forward, l2Penalty, loss, toF64 } from "./reference.js";
import { randomF32, rng } from "./helpers.js";

interface Case {
  name: string;
  inputs: number;
  layers: LayerConfig[];
  loss: string;
  l2?: number;
  targets: "index" | "onehot" | "binary" | "values";
}

const d = (units: number, activation: string, extra: object = {}): LayerConfig => ({ type: "dense", units, activation, ...extra });

const CASES: Case[] = [
  { name: "no hidden layer, softmax + cross-entropy (labels)", inputs: 4, layers: [d(3, "softmax")], loss: "categoricalCrossentropy", targets: "index" },
  { name: "no hidden layer, sigmoid + binary cross-entropy", inputs: 3, layers: [d(1, "sigmoid")], loss: "binaryCrossentropy", targets: "binary" },
  { name: "no hidden layer, linear + MSE", inputs: 3, layers: [d(2, "linear")], loss: "meanSquaredError", targets: "values" },
  { name: "sigmoid hidden, softmax + cross-entropy (one-hot)", inputs: 4, layers: [d(5, "sigmoid"), d(3, "softmax")], loss: "categoricalCrossentropy", targets: "onehot" },
  { name: "tanh hidden, sigmoid + binary cross-entropy, 2 outputs", inputs: 3, layers: [d(6, "tanh"), d(2, "sigmoid")], loss: "binaryCrossentropy", targets: "binary" },
  { name: "ReLU hidden, linear + MSE", inputs: 3, layers: [d(7, "relu"), d(2, "linear")], loss: "meanSquaredError", targets: "values" },
  { name: "Leaky ReLU (α = 0.2) hidden, sigmoid + MSE (unfused output)", inputs: 3, layers: [d(5, "leakyRelu", { alpha: 0.2 }), d(2, "sigmoid")], loss: "meanSquaredError", targets: "values" },
  { name: "softmax output with MSE (softmax backward)", inputs: 3, layers: [d(4, "tanh"), d(3, "softmax")], loss: "meanSquaredError", targets: "values" },
  { name: "maxout (3 pieces), softmax + cross-entropy", inputs: 4, layers: [{ type: "maxout", units: 4, pieces: 3 }, d(3, "softmax")], loss: "categoricalCrossentropy", targets: "index" },
  { name: "two maxout layers, linear output", inputs: 3, layers: [{ type: "maxout", units: 3, pieces: 2 }, { type: "maxout", units: 2, pieces: 4 }, d(1, "linear")], loss: "meanSquaredError", targets: "values" },
  { name: "L2 on a ReLU network", inputs: 4, layers: [d(5, "relu"), d(3, "softmax")], loss: "categoricalCrossentropy", l2: 0.3, targets: "index" },
  { name: "deep: tanh, dropout, ReLU, sigmoid, logits output", inputs: 3, layers: [d(4, "tanh"), { type: "dropout", rate: 0.5 }, d(5, "relu"), d(4, "sigmoid"), d(3, "linear")], loss: "categoricalCrossentropy", targets: "index" },
  { name: "dense without bias", inputs: 3, layers: [d(4, "tanh", { useBias: false }), d(2, "linear", { useBias: false })], loss: "meanSquaredError", targets: "values" },
];

function makeTargets(c: Case, rows: number, outputs: number, seed: number): { y: Int32Array | Float32Array; ref: ArrayLike<number> } {
  const r = rng(seed);
  if (c.targets === "index") {
    const y = Int32Array.from({ length: rows }, () => Math.floor(r() * outputs));
    return { y, ref: y };
  }
  const y = new Float32Array(rows * outputs);
  for (let i = 0; i < rows; i++) {
    if (c.targets === "onehot") y[i * outputs + Math.floor(r() * outputs)] = 1;
    else for (let j = 0; j < outputs; j++) y[i * outputs + j] = c.targets === "binary" ? (r() < 0.5 ? 0 : 1) : 2 * r() - 1;
  }
  return { y, ref: y };
}

beforeAll(async () => { await init(); });

describe("gradients match float64 central differences", () => {
  for (const [i, c] of CASES.entries()) {
    it(c.name, () => {
      const rows = 5;
      const model = new Sequential({ inputs: c.inputs, layers: c.layers, seed: 100 + i });
      model.compile({ loss: c.loss, l2: c.l2 ?? 0 });
      const x = randomF32(rows * c.inputs, 7 + i, -1.5, 1.5);
      const { y, ref } = makeTargets(c, rows, model.outputs, 11 + i);
      const { loss: analyticLoss, gradients } = model.computeGradients(x, y);
      const w = toF64(model.getWeights());
      const x64 = Float64Array.from(x);
      const logits = c.loss !== "meanSquaredError";
      const objective = () => loss(c.loss, forward(c.layers, w, x64, rows, c.inputs, logits), ref, rows, model.outputs, logits) + l2Penalty(w, c.l2 ?? 0);

      // The core's float32 loss agrees with the float64 reference.
      expect(Math.abs(analyticLoss - objective())).toBeLessThan(1e-5 * Math.max(1, Math.abs(objective())));

      // Central differences in float64: truncation error O(h²) ≈ 1e-10, far below the float32
      // rounding of the analytic gradient (≈1e-7 relative), so 1e-3 relative + 1e-5 absolute is safe.
      const h = 1e-5;
      let checked = 0;
      for (const g of gradients) {
        const t = w.get(g.name)!;
        for (let k = 0; k < t.length; k++) {
          const saved = t[k];
          t[k] = saved + h;
          const up = objective();
          t[k] = saved - h;
          const down = objective();
          t[k] = saved;
          const numeric = (up - down) / (2 * h);
          const err = Math.abs(g.data[k] - numeric);
          if (err > 1e-3 * Math.max(Math.abs(numeric), Math.abs(g.data[k])) + 1e-5) {
            throw new Error(`${g.name}[${k}]: analytic ${g.data[k]} vs numeric ${numeric}`);
          }
          checked++;
        }
      }
      expect(checked).toBe(model.parameterCount);
      model.dispose();
    });
  }
});
