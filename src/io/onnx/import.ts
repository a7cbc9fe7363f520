// ONNX import: the file's bytes (and side files) decoded, then its graph turned into layers.
import type { ImportedModel } from "../import/chain.js";
import { decodeOnnx } from "./decode.js";
import { importOnnxGraph } from "./graph.js";

/** An ONNX model's architecture, weights and preprocessing; `external` reads side files (external data) by the name the model gives them. */
export async function importOnnx(bytes: Uint8Array, options: { external?: (location: string) => Promise<Uint8Array>; name?: string } = {}): Promise<ImportedModel> {
  return importOnnxGraph(await decodeOnnx(bytes, options));
}
