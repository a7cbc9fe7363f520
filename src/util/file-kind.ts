// What a file's first bytes say it is. A data file given where a model file is expected
// (or a model where data is) should be called what it is, not a corrupt model with an
// absurd header length or a CSV file with odd rows.

const TEXT_PREFIX = 1024;

/** What `bytes` look like ("CSV text", "ONNX", "gzip-compressed data", …), or undefined if nothing recognisable. */
export function guessFileKind(bytes: Uint8Array): string | undefined {
  return guessBinaryKind(bytes) ?? guessTextKind(bytes);
}

/** Whether `bytes` start as a safetensors file does: an 8-byte little-endian header length below 2^32, then a JSON object. */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  return bytes.length > 8 && bytes[4] === 0 && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0 && bytes[8] === 0x7b;
}

/** The binary format whose signature `bytes` start with ("a ZIP archive", "ONNX", …), or undefined. */
export function guessBinaryKind(bytes: Uint8Array): string | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) return undefined;
  if (looksLikeSafetensors(bytes)) return "a safetensors file (such as a wasmlp model)";
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x1f, 0x8b)) return "gzip-compressed data";
  if (starts(0x00, 0x61, 0x73, 0x6d)) return "a WebAssembly module";
  if (starts(0x50, 0x4b, 0x03, 0x04)) return "a ZIP archive (such as a PyTorch .pt or a Keras .keras file)";
  if (starts(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59)) return "a NumPy .npy array";
  if (starts(0x89, 0x50, 0x4e, 0x47)) return "a PNG image";
  if (starts(0x89, 0x48, 0x44, 0x46)) return "an HDF5 file (such as a Keras .h5 model)";
  if (bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5) return "a Python pickle";
  // ModelProto: ir_version (field 1, varint) first, then producer, domain, graph or opsets.
  if (bytes[0] === 0x08 && bytes[1] >= 1 && bytes[1] < 0x20 && [0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42].includes(bytes[2])) return "ONNX";
  if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] >= 0x08 && bytes[2] <= 0x0e && bytes[3] >= 1 && bytes[3] <= 4) return "an IDX file (images or labels)";
  return undefined;
}

function guessTextKind(bytes: Uint8Array): string | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) return undefined;
  const text = asText(bytes.subarray(0, TEXT_PREFIX));
  if (text === undefined) return undefined;
  const start = text.replace(/^\uFEFF?\s*/, "");
  if (start.startsWith("<")) return "HTML or XML text (a web page instead of the file?)";
  if (start.startsWith("{") || start.startsWith("[")) return "JSON text";
  const firstLine = start.split(/\r?\n/, 1)[0];
  if (/[,;\t]/.test(firstLine)) return "CSV text";
  return "text";
}

/** The bytes as text, if they are UTF-8 without control characters other than tab, newline, return and form feed. */
function asText(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    // stream: a multi-byte character cut at the end of the prefix is not an error.
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: true });
  } catch {
    return undefined;
  }
  return /[\x00-\x08\x0b\x0e-\x1f\x7f]/.test(text) ? undefined : text;
}
