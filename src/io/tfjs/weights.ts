// The weights of a TensorFlow.js model.json: a manifest of groups, each a list
// of files whose bytes, concatenated in order, hold the group's weights one
// after another (a weight may span two files). The manifest comes from a file,
// so every path is checked to stay beside model.json and every weight's bytes
// are checked to lie inside what the files hold, before any value is read.
import { ModelFileError, WasmlpError } from "../../errors.js";
import { float16ToFloat32 } from "../../util/float16.js";
import { describe } from "../../util/options.js";
import { checkSideFileName } from "../side-file-name.js";

/** Reads a weight file named by the manifest, given its path relative to model.json's folder ("./" segments dropped). */
export type WeightReader = (path: string) => Promise<Uint8Array | ArrayBuffer>;

/** A weight of the manifest, decoded to float32. */
export interface TfjsWeight {
  name: string;
  shape: number[];
  values: Float32Array;
  /** The weight belongs to a saved optimizer (`group: "optimizer"`), not to the model. */
  optimizer: boolean;
}

/** Bytes per value of each stored form a weight can take. */
const STORED_BYTES: Record<string, number> = { float32: 4, int32: 4, float16: 2, uint8: 1, uint16: 2 };
const DTYPES = ["float32", "int32", "float16"];
const QUANTIZED = ["uint8", "uint16", "float16"];

interface Entry {
  name: string;
  shape: number[];
  count: number;
  dtype: string;
  /** How the values are stored: the dtype itself, or the quantization's dtype. */
  stored: string;
  scale: number;
  min: number;
  optimizer: boolean;
}

interface Group {
  where: string;
  paths: string[];
  entries: Entry[];
}

/** Checks the whole manifest, then reads each group's files and decodes its weights. */
export async function readTfjsWeights(manifest: unknown, read: WeightReader): Promise<TfjsWeight[]> {
  if (!Array.isArray(manifest)) throw new ModelFileError(`weightsManifest must be an array of {paths, weights} groups, got ${describe(manifest)}`);
  const groups = manifest.map(checkGroup);
  const seen = new Set<string>();
  for (const e of groups.flatMap((g) => g.entries)) {
    if (seen.has(e.name)) throw new ModelFileError(`weightsManifest: weight "${e.name}" is listed twice`);
    seen.add(e.name);
  }
  const files = new Map<string, Promise<Uint8Array>>();
  const readOnce = (path: string): Promise<Uint8Array> => {
    if (!files.has(path)) files.set(path, readFile(path, read));
    return files.get(path)!;
  };
  const weights: TfjsWeight[] = [];
  for (const group of groups) {
    const bytes = concat(await Promise.all(group.paths.map(readOnce)));
    let offset = 0;
    for (const e of group.entries) {
      const length = e.count * STORED_BYTES[e.stored];
      if (offset + length > bytes.length) {
        throw new ModelFileError(`${group.where}: weight "${e.name}" [${e.shape.join(", ")}] needs bytes ${offset}–${offset + length} ` +
          `but the group's files (${group.paths.join(", ")}) hold ${bytes.length} bytes; the files are truncated or belong to another model`);
      }
      // A copy of its own, aligned for the typed-array views decode makes (subarray, since a Node Buffer's slice is a view).
      const own = new Uint8Array(length);
      own.set(bytes.subarray(offset, offset + length));
      weights.push({ name: e.name, shape: e.shape, values: decode(e, own), optimizer: e.optimizer });
      offset += length;
    }
    if (offset !== bytes.length) {
      throw new ModelFileError(`${group.where}: the weights take ${offset} bytes but the group's files (${group.paths.join(", ")}) hold ${bytes.length}; ` +
        `the files belong to another model or the manifest misses a weight`);
    }
  }
  return weights;
}

/** A manifest path without its "." segments, once checkSideFileName has found it inside model.json's folder; else a ModelFileError. */
function checkWeightPath(path: unknown, where: string): string {
  if (typeof path !== "string" || path === "") throw new ModelFileError(`${where}: a path must be a non-empty string, got ${describe(path)}`);
  checkSideFileName(path, `${where}: path`, "weight files are named relative to model.json, in its folder or below it");
  return path.split("/").filter((s) => s !== ".").join("/");
}

function checkGroup(g: unknown, index: number): Group {
  const where = `weightsManifest group ${index + 1}`;
  const group = g as { paths?: unknown; weights?: unknown };
  if (typeof group !== "object" || group === null || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
    throw new ModelFileError(`${where} must be an object {paths, weights} with two arrays, got ${describe(g)}`);
  }
  if (group.paths.length === 0) throw new ModelFileError(`${where}: paths is empty; it must name the group's weight files`);
  return { where, paths: group.paths.map((p) => checkWeightPath(p, where)), entries: group.weights.map((e) => checkEntry(e, where)) };
}

function checkEntry(e: unknown, where: string): Entry {
  const entry = e as { name?: unknown; shape?: unknown; dtype?: unknown; group?: unknown; quantization?: { dtype?: unknown; scale?: unknown; min?: unknown } };
  if (typeof entry !== "object" || entry === null || typeof entry.name !== "string" || entry.name === "") {
    throw new ModelFileError(`${where}: a weight must be an object {name, shape, dtype} with a non-empty name, got ${describe(e)}`);
  }
  const name = entry.name;
  const at = `${where}: weight "${name}"`;
  const shape = entry.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ModelFileError(`${at}: shape must be an array of non-negative integers, got ${describe(shape)}`);
  }
  const count = shape.reduce((n: number, d: number) => n * d, 1);
  if (!Number.isSafeInteger(count * 4)) throw new ModelFileError(`${at}: shape [${shape.join(", ")}] is too large`);
  if (typeof entry.dtype !== "string" || !DTYPES.includes(entry.dtype)) {
    throw new ModelFileError(`${at}: dtype ${describe(entry.dtype)} is not supported; wasmlp reads ${DTYPES.join(", ")} weights`);
  }
  const q = entry.quantization;
  let stored = entry.dtype;
  let scale = 1;
  let min = 0;
  if (q !== undefined && q !== null) {
    if (typeof q !== "object" || typeof q.dtype !== "string" || !QUANTIZED.includes(q.dtype) || (entry.dtype === "int32" && q.dtype === "float16")) {
      throw new ModelFileError(`${at}: quantization ${describe(q?.dtype ?? q)} of ${entry.dtype} is not supported; wasmlp reads ${QUANTIZED.join(", ")} quantization of float32 (uint8, uint16 of int32)`);
    }
    stored = q.dtype;
    if (stored !== "float16") {
      if (typeof q.scale !== "number" || !Number.isFinite(q.scale) || typeof q.min !== "number" || !Number.isFinite(q.min)) {
        throw new ModelFileError(`${at}: ${stored} quantization needs a finite scale and min, got scale ${describe(q.scale)} and min ${describe(q.min)}`);
      }
      [scale, min] = [q.scale, q.min];
    }
  }
  return { name, shape: [...shape], count, dtype: entry.dtype, stored, scale, min, optimizer: entry.group === "optimizer" };
}

async function readFile(path: string, read: WeightReader): Promise<Uint8Array> {
  let bytes: unknown;
  try {
    bytes = await read(path);
  } catch (e) {
    if (e instanceof WasmlpError) throw e;
    throw new ModelFileError(`weight file "${path}" could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (bytes instanceof Uint8Array) return bytes;
  throw new ModelFileError(`weight file "${path}": the reader must give a Uint8Array or an ArrayBuffer, got ${describe(bytes)}`);
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The float32 values of an entry from its bytes (a buffer of their own; little-endian, as TensorFlow.js writes them). */
function decode(e: Entry, bytes: Uint8Array): Float32Array {
  const buffer = bytes.buffer as ArrayBuffer;
  switch (e.stored) {
    case "float32": return new Float32Array(buffer);
    case "int32": return Float32Array.from(new Int32Array(buffer));
    case "float16": return float16ToFloat32(new Uint16Array(buffer));
  }
  const q = e.stored === "uint8" ? bytes : new Uint16Array(buffer);
  const out = new Float32Array(q.length);
  // As TensorFlow.js dequantizes: v·scale + min in double precision, rounded for int32 weights.
  const { scale, min } = e;
  if (e.dtype === "int32") for (let i = 0; i < q.length; i++) out[i] = Math.round(q[i] * scale + min);
  else for (let i = 0; i < q.length; i++) out[i] = q[i] * scale + min;
  return out;
}
