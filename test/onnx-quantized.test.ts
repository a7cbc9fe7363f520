// ONNX export of int8 models checked by a real runtime: onnxruntime-web, loaded
// from node_modules, runs the QDQ graph of every activation, maxout, input
// preprocessing and a scaled regression target; its outputs must lie within the
// quantisation error of the int8 model's predict(): closer to it than the int8
// model is to the float model it came from, with the same classes.
import { beforeAll, describe, expect, it } from "vitest";
import { dense, dropout, encodeQuantizedOnnx, init, maxout, scaling, Sequential, sine, spiral, type LayerConfig } from "../src/index.js";
import { runOnnx, useOnnxRuntime } from "./onnx-runtime.js";

beforeAll(async () => {
  await init();
  useOnnxRuntime();
});

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const CASES: [string, LayerConfig[]][] = [
  ["relu → softmax", [dense(16, "relu"), dense(3, "softmax")]],
  ["leakyRelu α=0.2 → logSoftmax", [dense(16, { activation: "leakyRelu", alpha: 0.2 }), dense(3, "logSoftmax")]],
  ["sigmoid, tanh, linear → softmax", [dense(12, "sigmoid"), dense(10, "tanh"), dense(8, "linear"), dense(3, "softmax")]],
  ["maxout k=3, dropout → softmax", [maxout(8, 3), dropout(0.3), dense(3, "softmax")]],
];

describe("ONNX export of int8 models (onnxruntime-web)", () => {
  const data = spiral({ pointsPerClass: 60, classes: 3, seed: 2 });
  it.each(CASES)("%s: within the quantisation error of predict()", async (_, layers) => {
    const float = new Sequential({ inputs: 2, layers, seed: 4 });
    float.setPreprocessing(scaling(0.8, 0.1));
    float.compile({ optimizer: "adam" });
    await float.fit(data.x, data.labels!, { epochs: 5 });
    const q = float.quantize({ calibration: data.x });
    const onnx = encodeQuantizedOnnx(q.state());
    for (const op of ["Clip", "QuantizeLinear", "DequantizeLinear", "MatMul"]) expect(Buffer.from(onnx).includes(op), op).toBe(true);
    const out = await runOnnx(onnx, data.x, 2);
    const int8 = q.predict(data.x);
    const quantisationError = maxDiff(int8, float.predict(data.x));
    expect(quantisationError).toBeGreaterThan(0);
    // A code may round the other way where the runtime divides by a scale and the kernels multiply by its inverse,
    // or where its float sum differs in the last bit: measured at 15–40% of the int8 model's own error.
    expect(maxDiff(out, int8)).toBeLessThan(quantisationError);
    expect(Array.from(q.predictClasses(data.x)).filter((c, r) => {
      const row = out.subarray(3 * r, 3 * r + 3);
      return c !== row.indexOf(Math.max(...row));
    }).length).toBeLessThanOrEqual(1);
    for (const m of [float, q]) m.dispose();
  }, 30_000);

  it("a regression target's scaling: the graph outputs the targets' own units", async () => {
    const wave = sine({ n: 200, seed: 3 });
    const float = new Sequential({ inputs: 1, layers: [dense(24, "tanh"), dense(1, "linear")], seed: 1 });
    float.setPreprocessing({ method: "minmax", scale: 1, offset: 0, target: { name: "y", scale: [0.5], offset: [2] } } as never);
    float.compile({ optimizer: "adam", loss: "meanSquaredError" });
    await float.fit(wave.x, wave.targets, { epochs: 5 });
    const q = float.quantize({ calibration: wave.x });
    const out = await runOnnx(encodeQuantizedOnnx(q.state()), wave.x, 1);
    const int8 = q.predict(wave.x);
    expect(maxDiff(out, int8)).toBeLessThan(maxDiff(int8, float.predict(wave.x)));
    for (const m of [float, q]) m.dispose();
  }, 30_000);
});
