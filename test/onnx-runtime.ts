// onnxruntime-web's WebAssembly build, loaded from node_modules, for the tests that
// check an exported graph in a real runtime.
import * as ort from "onnxruntime-web";
import { expect } from "vitest";

/** Points onnxruntime-web at its .wasm beside the entry point in node_modules (nothing is fetched), one thread. */
export function useOnnxRuntime(): void {
  ort.env.wasm.wasmPaths = new URL("./", import.meta.resolve("onnxruntime-web")).href;
  ort.env.wasm.numThreads = 1;
}

/** Runs ONNX bytes on a row-major batch and returns the "output" tensor's values. */
export async function runOnnx(bytes: Uint8Array, x: Float32Array, inputs: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ input: new ort.Tensor("float32", x, [x.length / inputs, inputs]) });
  await session.release();
  expect(out.output.dims).toEqual([x.length / inputs, expect.any(Number)]);
  return out.output.data as Float32Array;
}
