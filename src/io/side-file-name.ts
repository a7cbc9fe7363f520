// A model names its side files (ONNX external data, TensorFlow.js weight shards)
// by paths relative to itself. A hostile model must not reach other files with
// them, so every reader of side files checks the name first, here.
import { ModelFileError } from "../errors.js";

/** Where side files may be, said after the reason a name is refused unless the caller says it its own way. */
const INSIDE = "side files must sit beside the model or below it";

/**
 * `name` if it is a relative path inside the model's folder; otherwise a ModelFileError `${what} "name" <why>; <hint>`,
 * the reason one of: leaves the model's folder, is absolute or a URL, holds a backslash, a colon or a NUL, names no file.
 */
export function checkSideFileName(name: string, what: string, hint = INSIDE): string {
  const why = refusal(name);
  if (why) throw new ModelFileError(`${what} ${JSON.stringify(name.slice(0, 200))} ${why}; ${hint}`);
  return name;
}

/** Why `name` is not a relative path to a file inside the model's folder, or undefined if it is one. */
function refusal(name: string): string | undefined {
  if (name.length > 4096) return "is longer than 4,096 characters";
  if (name.includes("\\")) return "holds a backslash";
  if (name.includes("\0")) return "holds a NUL character";
  // A scheme or a drive letter ("https:", "C:"); any other colon names a Windows stream of another file.
  if (name.startsWith("/") || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(name)) return "is absolute or a URL";
  if (name.includes(":")) return "holds a colon";
  const segments = name.split("/");
  if (segments.includes("..")) return "leaves the model's folder";
  if (segments.every((s) => s === ".") || segments.includes("")) return "names no file";
  return undefined;
}
