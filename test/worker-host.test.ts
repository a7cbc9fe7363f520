// The worker side of createWorkerModel() in Node: requests posted to its message handler are answered as
// the model answers them (the page side is exercised in the browser tests).
import { beforeAll, describe, expect, it, vi } from "vitest";
import { dense, init, Sequential, type ByteMatrix } from "../src/index.js";
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
});
