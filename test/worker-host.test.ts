// The worker side of createWorkerModel() in Node: requests posted to its message handler are answered as
// the model answers them (the page side is exercised in the browser tests).
import { beforeAll, describe, expect, it, vi } from "vitest";
import { dense, encodeQuantized, init, maxout, Sequential, type ByteMatrix } from "../src/index.js";
import type { Reply, Request } from "../src/worker/protocol.js";
import { randomF32 } from "./helpers.js";

const replies: Reply[] = [];
const scope = globalThis as unknown as { onmessage: (e: { data: Request }) => void; postMessage: (m: Reply) => void };
let next = 0;

beforeAll(async () => {
  await init();
  scope.postMessage = (m) => replies.push(m);
  await import("../src/worker/host.js");
});

/** Posts one request to the host and resolves to its reply's value (or rejects with its error). */
async function send(request: Record<string, unknown>): Promise<unknown> {
  const id = ++next;
  scope.onmessage({ data: { ...request, id } as Request });
  const reply = await vi.waitFor(() => {
    const r = replies.find((x) => x.id === id);
    if (!r) throw new Error(`no reply to request ${id} yet`);
    return r;
  });
  if (!reply.ok) throw Object.assign(new Error(reply.error.message), { name: reply.error.name });
  return reply.value;
}

describe("worker host", () => {
  it("predictLabels answers with the model's 0/1 matrix, and a refused threshold with the model's error", async () => {
    const config = { inputs: 3, layers: [dense(5, "tanh"), dense(3, "sigmoid")], seed: 8 };
    await send({ op: "init", options: {} });
    await send({ op: "build", config });
    const x = randomF32(3 * 11, 4);
    const direct = new Sequential(config);
    const labels = await send({ op: "predictLabels", x, options: { threshold: 0.4 } }) as ByteMatrix;
    expect(labels).toEqual(direct.predictLabels(x, { threshold: 0.4 }));
    await expect(send({ op: "predictLabels", x, options: { threshold: 2 } })).rejects.toThrow(/threshold must be a probability in \(0, 1\), got 2/);
    direct.dispose();
  });

  it("loads an ONNX file with its side file, and a TensorFlow.js model's files, as load() does", async () => {
    const { readFile } = await import("node:fs/promises");
    const onnx = new URL("./fixtures/onnx/torch-dynamo-flatten-softmax-external.onnx", import.meta.url);
    const side = await readFile(new URL("./fixtures/onnx/torch-dynamo-flatten-softmax-external.onnx.data", import.meta.url));
    await send({ op: "init", options: {} });
    const summary = await send({ op: "load", source: await readFile(onnx), options: { externalData: { "torch-dynamo-flatten-softmax-external.onnx.data": side } } });
    expect(summary).toMatchObject({ inputs: 36, outputs: 3, compiled: null });
    await expect(send({ op: "load", source: await readFile(onnx) })).rejects.toThrow(/side file/);
    const dir = new URL("./fixtures/tfjs/dense-activations/", import.meta.url);
    const modelJson = JSON.parse(await readFile(new URL("model.json", dir), "utf8"));
    const weights = { "weights.bin": await readFile(new URL("weights.bin", dir)) };
    expect(await send({ op: "load", source: { modelJson, weights } })).toMatchObject({ inputs: 6, outputs: 3 });
  });

  it("loads an int8 model file: predicts, evaluates and saves it as the model does, and refuses training by name", async () => {
    const float = new Sequential({ inputs: 3, layers: [maxout(6, 2), dense(3, "softmax")], seed: 5 });
    const x = randomF32(3 * 40, 6);
    const q = float.quantize({ calibration: x });
    const bytes = encodeQuantized(q.state());
    await send({ op: "init", options: {} });
    const summary = await send({ op: "load", source: bytes });
    expect(summary).toEqual({
      config: { inputs: 3, layers: [{ type: "maxout", units: 6, pieces: 2 }, { type: "dense", units: 3, activation: "softmax" }] },
      inputs: 3, outputs: 3, parameterCount: 3 * 12 + 12 + 6 * 3 + 3, compiled: null, quantized: true,
    });
    const bits = (a: Float32Array) => Array.from(new Uint32Array(a.slice().buffer));
    expect(bits(await send({ op: "predict", x }) as Float32Array)).toEqual(bits(q.predict(x)));
    const y = Int32Array.from({ length: 40 }, (_, i) => i % 3);
    expect(await send({ op: "predictClasses", x })).toEqual(q.predictClasses(x));
    expect(await send({ op: "evaluate", x, y })).toEqual(q.evaluate(x, y));
    expect(Buffer.from(await send({ op: "save" }) as Uint8Array).equals(Buffer.from(bytes))).toBe(true);
    await expect(send({ op: "fit", x, y, options: {}, epochEvents: false, batchEvents: false })).rejects.toThrow(/fit: a quantised model only runs inference/);
    await expect(send({ op: "compile", options: {} })).rejects.toThrow(/compile: a quantised model only runs inference/);
    await expect(send({ op: "getWeights" })).rejects.toThrow(/getWeights: the worker's model is an int8 model, which has no float weights/);
    await send({ op: "dispose" });
    for (const m of [float, q]) m.dispose();
  });
});
