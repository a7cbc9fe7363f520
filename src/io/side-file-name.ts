// A model names its side files (ONNX external data, TensorFlow.js weight shards)
// by paths relative to itself. A hostile model must not reach other files with
// them, so every reader of side files checks the name first.
import { ModelFileError } from "../errors.js";

/** `name` if it is a relative path inside the model's folder; a ModelFileError otherwise. */
export function checkSideFileName(name: string, what: string): string {
  const segments = name.split("/");
  if (name === "" || name.length > 4096 || /[\\\0:]/.test(name) || name.startsWith("/") || segments.some((s) => s === ".." || s === "")) {
    throw new ModelFileError(`${what} ${JSON.stringify(name.slice(0, 200))} is not a relative path inside the model's folder; side files must sit beside the model or below it`);
  }
  return name;
}
