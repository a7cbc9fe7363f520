// IDX files (the MNIST format): a 4-byte magic 0x00 0x00 <type> <dims>, one big-endian
// uint32 per dimension, then the values in row-major order, big-endian.
// Platform-neutral: gzip goes through the standard DecompressionStream, no node: imports.
import { InputError } from "../errors.js";

interface IdxTypedArrays {
  uint8: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/** Element type of an IDX file. */
export type IdxDtype = keyof IdxTypedArrays;

/** A parsed IDX file; `data` is the typed array matching `dtype`, in row-major order. */
export type IdxArray = {
  [D in IdxDtype]: { dtype: D; shape: number[]; data: IdxTypedArrays[D] };
}[IdxDtype];

const TYPE_CODES: Record<number, { dtype: IdxDtype; size: number }> = {
  0x08: { dtype: "uint8", size: 1 },
  0x09: { dtype: "int8", size: 1 },
  0x0b: { dtype: "int16", size: 2 },
  0x0c: { dtype: "int32", size: 4 },
  0x0d: { dtype: "float32", size: 4 },
  0x0e: { dtype: "float64", size: 8 },
};

const hex = (b: number) => "0x" + b.toString(16).padStart(2, "0");

/** Parses IDX bytes, gzip-compressed or not; uint8/int8 data is a view into the (decompressed) bytes, not a copy. */
export async function parseIdx(bytes: Uint8Array): Promise<IdxArray> {
  if (!(bytes instanceof Uint8Array)) {
    throw new InputError(`parseIdx: expected a Uint8Array, got ${describe(bytes)}`);
  }
  if (bytes.length === 0) throw new InputError("IDX: input is empty (0 bytes)");
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = await gunzip(bytes);
  return parseRaw(bytes);
}

/** Parses uncompressed IDX bytes. */
function parseRaw(bytes: Uint8Array): IdxArray {
  if (bytes.length < 4) {
    throw new InputError(`IDX: truncated header: need 4 magic bytes, got ${bytes.length}`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new InputError(
      `IDX: bad magic number: bytes 0-1 must be 0x00 0x00, got ${hex(bytes[0])} ${hex(bytes[1])}`,
    );
  }
  const type = TYPE_CODES[bytes[2]];
  if (!type) {
    const known = Object.entries(TYPE_CODES).map(([c, t]) => `${hex(+c)} ${t.dtype}`).join(", ");
    throw new InputError(`IDX: unknown type code ${hex(bytes[2])} at byte 2 (known: ${known})`);
  }
  const ndims = bytes[3];
  if (ndims === 0) throw new InputError("IDX: dimension count at byte 3 is 0; at least 1 is needed");

  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new InputError(
      `IDX: truncated header: ${ndims} dimensions need ${headerBytes} header bytes, got ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1n; // BigInt: 255 dimensions of up to 2^32 overflow a double's exact range
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= BigInt(d);
  }
  const dataBytes = count * BigInt(type.size);
  const available = BigInt(bytes.length - headerBytes);
  const what =
    `shape [${shape.join(", ")}] of ${type.dtype} needs ${dataBytes} data bytes ` +
    `after the ${headerBytes}-byte header`;
  if (available < dataBytes) throw new InputError(`IDX: truncated: ${what}, got ${available}`);
  if (available > dataBytes) {
    throw new InputError(`IDX: ${available - dataBytes} trailing bytes: ${what}, got ${available}`);
  }

  const n = Number(count);
  const start = bytes.byteOffset + headerBytes;
  switch (type.dtype) {
    case "uint8":
      return { dtype: "uint8", shape, data: new Uint8Array(bytes.buffer, start, n) };
    case "int8":
      return { dtype: "int8", shape, data: new Int8Array(bytes.buffer, start, n) };
    case "int16": {
      const data = new Int16Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getInt16(headerBytes + 2 * i, false);
      return { dtype: "int16", shape, data };
    }
    case "int32": {
      const data = new Int32Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getInt32(headerBytes + 4 * i, false);
      return { dtype: "int32", shape, data };
    }
    case "float32": {
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getFloat32(headerBytes + 4 * i, false);
      return { dtype: "float32", shape, data };
    }
    case "float64": {
      const data = new Float64Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getFloat64(headerBytes + 8 * i, false);
      return { dtype: "float64", shape, data };
    }
  }
}

/** Decompresses gzip bytes with the platform's DecompressionStream. */
async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof DecompressionStream !== "function") {
    throw new InputError("IDX: input is gzip-compressed but this platform has no DecompressionStream");
  }
  const stream = new DecompressionStream("gzip");
  const writer = stream.writable.getWriter();
  // A corrupt stream errors both sides; report it once, from the reading side.
  writer.write(bytes as Uint8Array<ArrayBuffer>).then(() => writer.close()).catch(() => {});
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } catch (e) {
    throw new InputError(`IDX: gzip data is corrupt or truncated (${(e as Error).message})`);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return typeof v;
}

/** parseIdx with the input's name put in front of any error. */
export async function parseNamed(bytes: Uint8Array, name: string): Promise<IdxArray> {
  try {
    return await parseIdx(bytes);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${name}: ${e.message}`);
    throw e;
  }
}
