// How a model writes itself as file bytes without importing src/io: the file
// formats live above the model (they build models when they load), so io
// registers its encoders here when imported. Every entry point (index, node,
// worker, cli) imports io, so save() and toONNX() always find theirs, for float
// and int8 models alike.
import { ConfigError, StateError } from "../errors.js";
import type { QuantizedModelState } from "./quantized-state.js";
import type { ModelState, StateOptions } from "./state.js";

/** What an encoder reads a model through. */
export interface Stateful {
  state(options?: StateOptions): ModelState;
}

/** Turns a model into file bytes; `options` are save()'s, passed on unchecked. */
export type ModelEncoder = (model: Stateful, options?: { optimizer?: boolean }) => Uint8Array;

/** Turns an int8 model's state into file bytes. */
export type QuantizedEncoder = (state: QuantizedModelState) => Uint8Array;

/** The encoder of each format: a float model's file and ONNX graph, an int8 model's file and QDQ ONNX graph. */
interface Encoders {
  wasmlp: ModelEncoder;
  onnx: ModelEncoder;
  "wasmlp-int8": QuantizedEncoder;
  "onnx-int8": QuantizedEncoder;
}

/** The formats a model can be written in. */
export type ModelFormat = keyof Encoders;

const encoders: Partial<Encoders> = {};

/** Makes `encoder` the one save() ('wasmlp', 'wasmlp-int8') or toONNX() ('onnx', 'onnx-int8') uses. */
export function registerEncoder<F extends ModelFormat>(format: F, encoder: Encoders[F]): void {
  encoders[format] = encoder;
}

/** The encoder of `format`; a StateError if nothing registered one (src/io was never imported). */
export function encoderFor<F extends ModelFormat>(format: F, what: string): Encoders[F] {
  const encoder = encoders[format];
  if (!encoder) throw new StateError(`${what}: no ${format} encoder is loaded; import wasmlp (or its io modules) rather than the model module alone`);
  return encoder;
}

/** save() returns the file's bytes: a path given to it is a ConfigError naming `writer`, the function of 'wasmlp/node' that writes a file. */
export function refusePath(options: unknown, writer: string): void {
  if (typeof options === "string") {
    throw new ConfigError(`save: model.save() returns the file's bytes and takes no path; to write a file, use ${writer}(model, ${JSON.stringify(options)}) from 'wasmlp/node'`);
  }
}
