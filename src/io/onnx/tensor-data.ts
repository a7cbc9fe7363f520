// TensorProto → OnnxTensor: dims checked, values converted from raw_data (fixed-width
// little-endian), from the typed fields (float_data, double_data, int32_data — which
// also carries FLOAT16 bit patterns — and int64_data, packed or not), or noted for
// reading from a side file. The element count is checked against the data exactly
// before anything is allocated, so a tensor costs at most a copy of its own bytes.
import { ModelFileError } from "../../errors.js";
import { float16ToFloat32 } from "../../util/float16.js";
import { checkSideFileName } from "../side-file-name.js";
import { DataType, type OnnxTensor } from "./onnx-model.js";
import { ProtoReader, Wire } from "./protobuf.js";

/** Most dimensions a tensor or a value's shape may have. */
export const MAX_RANK = 8;
/** Most elements a tensor's dims may describe: beyond any real file, yet small enough that byte sizes stay exact. */
const MAX_ELEMENTS = 2 ** 40;
/** TensorProto.DataLocation.EXTERNAL: the values are in a side file named by external_data. */
const EXTERNAL = 1;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The data types whose values are decoded: bytes per element in raw_data, and the typed field holding them otherwise. */
const DECODED: Record<number, { type: string; size: number; field: number; fieldName: string; width: 0 | 4 | 8 }> = {
  [DataType.FLOAT]: { type: "FLOAT", size: 4, field: 4, fieldName: "float_data", width: 4 },
  [DataType.INT32]: { type: "INT32", size: 4, field: 5, fieldName: "int32_data", width: 0 },
  [DataType.INT64]: { type: "INT64", size: 8, field: 7, fieldName: "int64_data", width: 0 },
  // Dropout's training_mode flag: one byte each in raw_data, int32_data otherwise.
  [DataType.BOOL]: { type: "BOOL", size: 1, field: 5, fieldName: "int32_data", width: 0 },
  [DataType.FLOAT16]: { type: "FLOAT16", size: 2, field: 5, fieldName: "int32_data", width: 0 },
  [DataType.DOUBLE]: { type: "DOUBLE", size: 8, field: 10, fieldName: "double_data", width: 8 },
};

/** A tensor whose values are in a side file, to be filled in once that file is read. */
export interface ExternalRef {
  tensor: OnnxTensor;
  /** The tensor in error messages. */
  where: string;
  /** The side file, relative to the model's folder, as the model names it. */
  location: string;
  offset: number;
  /** Bytes to read; undefined for the rest of the file. */
  length?: number;
}

/** Decodes the TensorProto `r` reads; values stored in a side file are left out and described by the ExternalRef instead. */
export function decodeTensor(r: ProtoReader): { tensor: OnnxTensor; external?: ExternalRef } {
  const base = r.where;
  const dims: number[] = [];
  let name = "";
  let dataType = 0;
  let raw: Uint8Array | undefined;
  let location = 0;
  const entries: Record<string, string> = Object.create(null);
  while (r.next()) {
    switch (r.field) {
      case 1:
        for (const run = r.values(); run.pos < run.end;) {
          if (dims.length === MAX_RANK) r.fail(`has more than ${MAX_RANK} dims; wasmlp reads tensors of rank ${MAX_RANK} or less`);
          dims.push(run.int64());
        }
        break;
      case 2: r.expect(Wire.VARINT, "data_type"); dataType = r.int32(); break;
      case 3: r.fail("is one segment of a larger tensor; wasmlp reads whole tensors only");
      case 8: r.expect(Wire.BYTES, "name"); name = r.string(); r.where = `${base} ${JSON.stringify(name)}`; break;
      case 9: r.expect(Wire.BYTES, "raw_data"); raw = r.bytesField(); break;
      case 13: r.expect(Wire.BYTES, "external_data"); readEntry(r.message(r.where), entries); break;
      case 14: r.expect(Wire.VARINT, "data_location"); location = r.int32(); break;
      default: r.skip();
    }
  }
  const where = r.where;
  const count = elementCount(dims, where);
  const tensor: OnnxTensor = { name, dims, dataType };
  const spec = DECODED[dataType];
  if (location !== 0 && location !== EXTERNAL) throw new ModelFileError(`${where}: data_location is ${location}; ONNX defines 0 (in the file) and 1 (external)`);
  // Values of other types are not read: the graph import names the type if a node needs them.
  if (!spec) return { tensor };
  if (location === EXTERNAL) return { tensor, external: externalRef(tensor, entries, where) };
  if (raw) {
    if (raw.length !== count * spec.size) {
      throw new ModelFileError(`${where}: raw_data holds ${raw.length} bytes; dims [${dims.join(", ")}] of ${spec.type} need ${count * spec.size}`);
    }
    Object.assign(tensor, fromRaw(raw, dataType, where));
    return { tensor };
  }
  Object.assign(tensor, fromField(r.again(), dataType, count, dims));
  return { tensor };
}

/** Fills in the values of a tensor stored externally from its side file's bytes. */
export function readExternal(ref: ExternalRef, side: Uint8Array): void {
  const { tensor, where, location, offset } = ref;
  const spec = DECODED[tensor.dataType];
  const need = elementCount(tensor.dims, where) * spec.size;
  if (offset > side.length) throw new ModelFileError(`${where}: offset ${offset} is past the end of "${location}" (${side.length} bytes)`);
  const length = ref.length ?? side.length - offset;
  if (length > side.length - offset) {
    throw new ModelFileError(`${where}: ${length} bytes at offset ${offset} run past the end of "${location}" (${side.length} bytes)`);
  }
  if (length !== need) {
    throw new ModelFileError(`${where}: "${location}" holds ${length} bytes for it at offset ${offset}; dims [${tensor.dims.join(", ")}] of ${spec.type} need ${need}`);
  }
  Object.assign(tensor, fromRaw(side.subarray(offset, offset + length), tensor.dataType, where));
}

/** The product of the dims, refused when a dim is negative or the product passes MAX_ELEMENTS. */
function elementCount(dims: number[], where: string): number {
  let count = 1;
  for (const d of dims) {
    if (d < 0) throw new ModelFileError(`${where}: dims [${dims.join(", ")}] include a negative size`);
    count *= d;
    if (count > MAX_ELEMENTS) throw new ModelFileError(`${where}: dims [${dims.join(", ")}] describe more than 2^40 elements, more than any file holds`);
  }
  return count;
}

/** One StringStringEntryProto of external_data, kept if its key is one wasmlp reads. */
function readEntry(r: ProtoReader, entries: Record<string, string>): void {
  let key = "";
  let value = "";
  while (r.next()) {
    if (r.field === 1 || r.field === 2) {
      r.expect(Wire.BYTES, r.field === 1 ? "key" : "value");
      if (r.field === 1) key = r.string();
      else value = r.string();
    } else r.skip();
  }
  if (key === "location" || key === "offset" || key === "length") entries[key] = value;
}

function externalRef(tensor: OnnxTensor, entries: Record<string, string>, where: string): ExternalRef {
  if (entries.location === undefined) throw new ModelFileError(`${where}: data_location is EXTERNAL but external_data names no location`);
  const location = checkSideFileName(entries.location, `${where}: external data location`);
  const number = (key: string): number | undefined => {
    const text = entries[key];
    if (text === undefined) return undefined;
    if (!/^[0-9]{1,15}$/.test(text)) throw new ModelFileError(`${where}: external data ${key} ${JSON.stringify(text)} is not a byte count`);
    return Number(text);
  };
  return { tensor, where, location, offset: number("offset") ?? 0, length: number("length") };
}

/** Values from fixed-width little-endian bytes whose length is already checked against the dims. */
function fromRaw(raw: Uint8Array, dataType: number, where: string): Pick<OnnxTensor, "floats" | "ints"> {
  const size = DECODED[dataType].size;
  // Aligned little-endian elements are read in place; otherwise from an aligned copy in the host's byte order.
  const inPlace = LITTLE_ENDIAN && raw.byteOffset % size === 0;
  const bytes = inPlace ? raw : nativeCopy(raw, size);
  const view = <T>(Type: { new (buffer: ArrayBufferLike, offset: number, length: number): T; BYTES_PER_ELEMENT: number }) =>
    new Type(bytes.buffer, bytes.byteOffset, raw.length / Type.BYTES_PER_ELEMENT);
  switch (dataType) {
    // In place, the values are copied: a tensor must not change with the caller's bytes.
    case DataType.FLOAT: return { floats: inPlace ? view(Float32Array).slice() : view(Float32Array) };
    case DataType.DOUBLE: return { floats: new Float32Array(view(Float64Array)) };
    case DataType.FLOAT16: return { floats: float16ToFloat32(view(Uint16Array)) };
    case DataType.INT32: return { ints: Array.from(view(Int32Array)) };
    case DataType.BOOL: return { ints: Array.from(raw, (b) => (b === 0 ? 0 : 1)) };
    default: return { ints: int64s(view(Uint32Array), where) };
  }
}

/** A copy of little-endian elements of `size` bytes in an aligned buffer, in the host's byte order. */
function nativeCopy(raw: Uint8Array, size: number): Uint8Array {
  // new Uint8Array(view) copies; Buffer#slice would not.
  const copy = new Uint8Array(raw);
  if (!LITTLE_ENDIAN) for (let i = 0; i < copy.length; i += size) copy.subarray(i, i + size).reverse();
  return copy;
}

/** INT64 values from (low, high) 32-bit word pairs, each a safe integer. */
function int64s(words: Uint32Array, where: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < words.length; i += 2) {
    const v = (words[i + 1] | 0) * 4294967296 + words[i];
    if (!Number.isSafeInteger(v)) throw new ModelFileError(`${where}: value ${i / 2} is beyond ±(2^53 − 1), the integers JavaScript holds exactly`);
    out.push(v);
  }
  return out;
}

/** Values from the typed field of `dataType`, counted first so the count can be checked before anything is allocated. */
function fromField(r: ProtoReader, dataType: number, count: number, dims: number[]): Pick<OnnxTensor, "floats" | "ints"> {
  const spec = DECODED[dataType];
  let held = 0;
  for (const counter = r.again(); counter.next();) {
    if (counter.field === spec.field) held += counter.countValues(spec.width, spec.fieldName);
    else counter.skip();
  }
  if (held !== count) {
    throw new ModelFileError(`${r.where}: ${spec.fieldName} holds ${held} values; dims [${dims.join(", ")}] of ${spec.type} need ${count}` +
      (held === 0 ? " (and there is no raw_data)" : ""));
  }
  const floats = dataType === DataType.FLOAT || dataType === DataType.DOUBLE ? new Float32Array(count) : undefined;
  const halves = dataType === DataType.FLOAT16 ? new Uint16Array(count) : undefined;
  const ints: number[] = [];
  let k = 0;
  while (r.next()) {
    if (r.field !== spec.field) {
      r.skip();
      continue;
    }
    const run = r.values();
    switch (dataType) {
      case DataType.FLOAT: while (run.pos < run.end) floats![k++] = run.float(); break;
      case DataType.DOUBLE: while (run.pos < run.end) floats![k++] = run.double(); break;
      case DataType.FLOAT16: while (run.pos < run.end) halves![k++] = run.uint32(); break;
      case DataType.INT32: while (run.pos < run.end) ints.push(run.int32()); break;
      case DataType.BOOL: while (run.pos < run.end) ints.push(run.int32() === 0 ? 0 : 1); break;
      default: while (run.pos < run.end) ints.push(run.int64());
    }
  }
  return halves ? { floats: float16ToFloat32(halves) } : floats ? { floats } : { ints };
}
