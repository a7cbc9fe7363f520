// How a model writes itself as file bytes without importing src/io: the file
// formats live above the model (they build models when they load), so io
// registers its encoders here when imported. Every entry point (index, node,
// worker, cli) imports io, so save() and toONNX() always find theirs.
import { StateError } from "../errors.js";
import type { ModelState, StateOptions } from "./state.js";

/** What an encoder reads a model through. */
export interface Stateful {
  state(options?: StateOptions): ModelState;
}

/** Turns a model into file bytes; `options` are save()'s, passed on unchecked. */
export type ModelEncoder = (model: Stateful, options?: { optimizer?: boolean }) => Uint8Array;

/** The formats a model can be written in. */
export type ModelFormat = "wasmlp" | "onnx";

const encoders = new Map<ModelFormat, ModelEncoder>();

/** Makes `encoder` the one model.save() ('wasmlp') or model.toONNX() ('onnx') uses. */
export function registerEncoder(format: ModelFormat, encoder: ModelEncoder): void {
  encoders.set(format, encoder);
}

/** The encoder of `format`; a StateError if nothing registered one (src/io was never imported). */
export function encoderFor(format: ModelFormat, what: string): ModelEncoder {
  const encoder = encoders.get(format);
  if (!encoder) throw new StateError(`${what}: no ${format} encoder is loaded; import wasmlp (or its io modules) rather than the model module alone`);
  return encoder;
}
