// The safetensors container: an 8-byte little-endian header length, a JSON
// header naming each tensor's dtype, shape and byte range, then the raw data.
// Parsing validates everything the header claims against the file before any
// tensor is touched, following the reference implementation's rules, so a
// hostile file costs at most a pass over its own bytes.
import { ModelFileError } from "../errors.js";

/** Bytes per element of every dtype the safetensors format defines. */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};

/** The reference implementation's cap on the JSON header (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One tensor as the header describes it; offsets are relative to the start of the data section. */
export interface TensorEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** A validated container: metadata strings, tensors in header order, and where their data starts. */
export interface SafetensorsFile {
  metadata: Record<string, string>;
  tensors: TensorEntry[];
  /** Byte offset of the data section in `bytes`. */
  dataStart: number;
  bytes: Uint8Array;
}

/** A float32 tensor to write. */
export interface F32Tensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** An int8 tensor to write (stored as dtype I8). */
export interface I8Tensor {
  name: string;
  shape: number[];
  data: Int8Array;
}

/** Writes float32 (F32) and int8 (I8) tensors contiguously in the given order, with string metadata, as safetensors bytes. */
export function encodeSafetensors(tensors: (F32Tensor | I8Tensor)[], metadata: Record<string, string>): Uint8Array {
  // The header text is joined by hand: a JS object would move integer-like names ("0") to the front.
  const entries = [`"__metadata__":${JSON.stringify(metadata)}`];
  const names = new Set<string>(["__metadata__"]);
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new ModelFileError(`tensor "${t.name}": shape [${t.shape}] needs ${count} values, got ${t.data.length}`);
    if (names.has(t.name)) throw new ModelFileError(`tensor "${t.name}" is written twice (or is named __metadata__)`);
    names.add(t.name);
    const dtype = t.data instanceof Int8Array ? "I8" : "F32";
    entries.push(`${JSON.stringify(t.name)}:${JSON.stringify({ dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] })}`);
    offset += t.data.byteLength;
  }
  let json = new TextEncoder().encode(`{${entries.join(",")}}`);
  // Padding with spaces (valid JSON whitespace) aligns the data to 8 bytes, so readers can view it in place.
  const headerBytes = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerBytes + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerBytes);
  json = new Uint8Array(0);
  let at = 8 + headerBytes;
  for (const t of tensors) {
    if (LITTLE_ENDIAN || t.data instanceof Int8Array) out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    else {
      const words = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
      for (let i = 0; i < words.length; i++) view.setUint32(at + 4 * i, words[i], true);
    }
    at += t.data.byteLength;
  }
  return out;
}

/** Validates a safetensors file's header against its bytes; throws a ModelFileError saying what is wrong and where. */
export function parseSafetensors(bytes: Uint8Array, maxHeaderBytes = MAX_HEADER_BYTES): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) throw new ModelFileError(`expected the file as a Uint8Array`);
  if (bytes.length < 8) {
    throw new ModelFileError(`file is ${bytes.length} bytes; a safetensors file starts with an 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const headerLength = high * 2 ** 32 + low;
  if (high !== 0 || headerLength > maxHeaderBytes) {
    throw new ModelFileError(`header length ${headerLength} (bytes 0-7) exceeds the limit of ${maxHeaderBytes} bytes`);
  }
  if (headerLength > bytes.length - 8) {
    throw new ModelFileError(`header length ${headerLength} (bytes 0-7) points past the end of the ${bytes.length}-byte file`);
  }
  if (headerLength < 2 || bytes[8] !== 0x7b) {
    throw new ModelFileError(`header (bytes 8-${8 + headerLength}) must be a JSON object starting with '{'`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw new ModelFileError(`header (bytes 8-${8 + headerLength}) is not valid UTF-8`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(`header (bytes 8-${8 + headerLength}) is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new ModelFileError(`header must be a JSON object`);
  }
  const dup = duplicateKey(text);
  if (dup) throw new ModelFileError(`header: ${dup.where} has the key ${JSON.stringify(dup.key)} twice`);

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> = Object.create(null);
  const tensors: TensorEntry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = checkMetadata(info);
      continue;
    }
    tensors.push(checkEntry(name, info));
  }
  checkCoverage(tensors, dataLength);
  return { metadata, tensors, dataStart, bytes };
}

/** The float32 values of a tensor: a view when aligned on a little-endian host, else a copy. */
export function readF32(file: SafetensorsFile, t: TensorEntry): Float32Array {
  if (t.dtype !== "F32") throw new ModelFileError(`tensor "${t.name}": dtype ${t.dtype}, expected F32`);
  const start = file.bytes.byteOffset + file.dataStart + t.begin;
  const count = (t.end - t.begin) / 4;
  if (LITTLE_ENDIAN && start % 4 === 0) return new Float32Array(file.bytes.buffer, start, count);
  // Copied as integers, since a float round trip through a JS number may change NaN payloads.
  const view = new DataView(file.bytes.buffer, start, t.end - t.begin);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getUint32(4 * i, true);
  return new Float32Array(out.buffer);
}

/** The int8 values of an I8 tensor: a view of the file's bytes (bytes have no order to swap). */
export function readI8(file: SafetensorsFile, t: TensorEntry): Int8Array {
  if (t.dtype !== "I8") throw new ModelFileError(`tensor "${t.name}": dtype ${t.dtype}, expected I8`);
  return new Int8Array(file.bytes.buffer, file.bytes.byteOffset + file.dataStart + t.begin, t.end - t.begin);
}

function checkMetadata(info: unknown): Record<string, string> {
  if (typeof info !== "object" || info === null || Array.isArray(info)) {
    throw new ModelFileError(`header: "__metadata__" must be an object of strings`);
  }
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(info)) {
    if (typeof v !== "string") throw new ModelFileError(`header: "__metadata__"."${k}" must be a string, got ${typeof v}`);
    out[k] = v;
  }
  return out;
}

function checkEntry(name: string, info: unknown): TensorEntry {
  const where = `tensor ${JSON.stringify(name)}`;
  if (name === "") throw new ModelFileError(`header: a tensor has an empty name`);
  if (typeof info !== "object" || info === null || Array.isArray(info)) throw new ModelFileError(`${where}: expected {dtype, shape, data_offsets}`);
  const { dtype, shape, data_offsets: offsets, ...rest } = info as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length) throw new ModelFileError(`${where}: unknown field ${JSON.stringify(extra[0])}; expected dtype, shape, data_offsets`);
  if (typeof dtype !== "string" || !Object.hasOwn(DTYPE_BYTES, dtype)) {
    throw new ModelFileError(`${where}: unknown dtype ${JSON.stringify(dtype)}; known: ${Object.keys(DTYPE_BYTES).join(", ")} ` +
      "(if a newer wasmlp wrote the file, upgrade wasmlp to read it)");
  }
  if (!Array.isArray(shape)) throw new ModelFileError(`${where}: shape must be an array of non-negative integers`);
  // The element count is built up with an overflow check at every step, as the reference reader does.
  let count = 1;
  for (const [i, d] of shape.entries()) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ModelFileError(`${where}: shape[${i}] is ${JSON.stringify(d)}, not a non-negative integer`);
    if (d !== 0 && count > Number.MAX_SAFE_INTEGER / d) throw new ModelFileError(`${where}: shape [${shape}] has more elements than can be counted`);
    count *= d;
  }
  const size = DTYPE_BYTES[dtype];
  if (count > Number.MAX_SAFE_INTEGER / size) throw new ModelFileError(`${where}: shape [${shape}] of ${dtype} has more bytes than can be counted`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw new ModelFileError(`${where}: data_offsets must be [begin, end] with non-negative integers`);
  }
  const [begin, end] = offsets as number[];
  if (end < begin) throw new ModelFileError(`${where}: data offsets [${begin}, ${end}) end before they begin`);
  if (end - begin !== count * size) {
    throw new ModelFileError(`${where}: shape [${shape}] of ${dtype} needs ${count * size} bytes, data offsets [${begin}, ${end}) hold ${end - begin}`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Offsets must tile the data section exactly: from 0, no holes, no overlap, nothing after the last tensor. */
function checkCoverage(tensors: TensorEntry[], dataLength: number): void {
  const sorted = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev: TensorEntry | undefined;
  for (const t of sorted) {
    const where = `tensor ${JSON.stringify(t.name)}: data offsets [${t.begin}, ${t.end})`;
    if (t.end > dataLength) throw new ModelFileError(`${where} run past the end of the ${dataLength}-byte data section`);
    if (t.begin < at) throw new ModelFileError(`${where} overlap the previous tensor ${JSON.stringify(prev!.name)} [${prev!.begin}, ${prev!.end})`);
    if (t.begin > at) throw new ModelFileError(`${where} leave a hole of ${t.begin - at} bytes after byte ${at}`);
    at = t.end;
    prev = t;
  }
  if (at !== dataLength) throw new ModelFileError(`data section has ${dataLength - at} trailing bytes after the last tensor (ends at ${at} of ${dataLength})`);
}

/**
 * JSON.parse keeps the last of duplicate keys silently; the format forbids them, so this scans
 * the (already valid) text once with an explicit stack and reports the first repeated key.
 */
function duplicateKey(text: string): { key: string; where: string } | undefined {
  const stack: (Set<string> | null)[] = [];
  const path: string[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const keys = stack[stack.length - 1]!;
        if (keys.has(key)) return { key, where: stack.length === 1 ? "the header" : `"${path.slice(1, stack.length).join(".")}"` };
        keys.add(key);
        path[stack.length] = key;
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b) {
      stack.push(new Set());
      path[stack.length] = "";
      expectKey = true;
    } else if (c === 0x5b) {
      stack.push(null);
      path[stack.length] = "[]";
      expectKey = false;
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return undefined;
}
