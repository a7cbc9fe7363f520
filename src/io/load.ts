// Every way a model reaches wasmlp ends here: a wasmlp file, an ONNX file with
// its side files (external data), or a TensorFlow.js Layers model.json with its
// weight shards. The bytes say which, so callers need not: load(), loadModel()
// in Node, the worker and the CLI all take any of them.
import { ConfigError, ModelFileError } from "../errors.js";
import { init, type InitOptions } from "../runtime/core.js";
import { isNode } from "../runtime/platform.js";
import { readBytes, sourceName, type ByteSource } from "../runtime/read-bytes.js";
import type { Sequential } from "../model/model.js";
import type { QuantizedModel } from "../model/quantized-model.js";
import { guessBinaryKind, looksLikeSafetensors } from "../util/file-kind.js";
import { booleanOption, checkKeys, describe } from "../util/options.js";
import { buildImported } from "./import/build.js";
import { decodeModel, type DecodeOptions } from "./model-file.js";
import { decodeQuantizedModel, isQuantizedFile } from "./quantized-file.js";
import { parseSafetensors } from "./safetensors.js";
import { checkSideFileName } from "./side-file-name.js";
import { importOnnx } from "./onnx/import.js";
import { importTfjsLayers } from "./tfjs/layers.js";

/** Options of load() and loadModel(). */
export interface LoadOptions extends DecodeOptions {
  /**
   * An ONNX model's side files (external data, as PyTorch's exporter writes `model.onnx.data`) by the name the model
   * gives them: bytes, a Blob, a Response or a URL. A model loaded from a URL finds them beside itself without this.
   */
  externalData?: Record<string, ByteSource>;
}

/** A TensorFlow.js Layers model as model.save() writes it: the model.json and its weight files by the paths model.json names. */
export interface TfjsModelFiles {
  /** The model.json, parsed or as text. */
  modelJson: object | string;
  /** Each weight file named in model.json's weightsManifest (e.g. "group1-shard1of1.bin"), or a function reading one by its path. */
  weights: Record<string, ByteSource> | ((path: string) => Promise<Uint8Array> | Uint8Array);
}

/** Where load() reads a model from: bytes, a Blob or File, a fetch Response, a URL to fetch, or a TensorFlow.js model's files. */
export type ModelSource = ByteSource | TfjsModelFiles;

/** Reads a side file (ONNX external data, a TensorFlow.js weight shard) by the relative name the model gives it. */
export type SideFiles = (name: string) => Promise<Uint8Array>;

/** The formats wasmlp reads models in. */
export type ModelFileFormat = "wasmlp" | "onnx" | "tfjs-layers";

/** Reads a wasmlp, ONNX or TensorFlow.js model from bytes, a Blob, a Response, a URL or a TensorFlow.js model's files; loads the core first if needed. */
export async function load(source: ModelSource, options: LoadOptions = {}, initOptions?: InitOptions): Promise<Sequential> {
  return readModel(source, options, initOptions, decodeAnyModel);
}

/** load() for a model of either kind, float or int8: what the worker serves. */
export async function loadInference(source: ModelSource, options: LoadOptions = {}, initOptions?: InitOptions): Promise<Sequential | QuantizedModel> {
  return readModel(source, options, initOptions, decodeInferenceModel);
}

/** Reads a model from any source, decoding its bytes with `decode`. */
async function readModel<M>(source: ModelSource, options: LoadOptions, initOptions: InitOptions | undefined,
  decode: (bytes: Uint8Array, options: LoadOptions, source: { name?: string; sideFiles: SideFiles }) => Promise<M | Sequential>): Promise<M | Sequential> {
  checkLoadOptions(options, "load");
  if (isTfjsFiles(source)) {
    const json = typeof source.modelJson === "string" ? parseJson(new TextEncoder().encode(source.modelJson), "modelJson") : source.modelJson;
    const weights = source.weights;
    const files: SideFiles = typeof weights === "function"
      ? async (path) => weights(path)
      : sideFilesFrom(weights, undefined, "weights", (name) => `load: the model's weights are in "${name}", which load({ modelJson, weights }) was not given; add it to weights`);
    await init(initOptions);
    return buildImported(await importTfjsLayers(json, files), options);
  }
  const bytes = await readBytes(source, {
    where: "load", what: "a model", paths: "in Node, read a model file with loadModel(path) from 'wasmlp/node'",
  });
  await init(initOptions);
  const name = sourceName(source);
  const files = sideFilesFrom(options.externalData, baseUrl(source), "externalData", (file) =>
    `load: the model's data is in a side file "${file}": pass it as load(model, { externalData: { ${JSON.stringify(file)}: bytes or a URL } })` +
    (isNode ? ", or read the model with loadModel(path) from 'wasmlp/node', which finds it beside the model" : ""));
  return decode(bytes, options, { name, sideFiles: files });
}

/**
 * Reads a quantised (int8) wasmlp model, as model.quantize() makes and 'wasmlp quantize' writes, from bytes, a Blob, a
 * Response or a URL; loads the core first if needed. load() reads float models: the two return types stay exact.
 */
export async function loadQuantized(source: ByteSource, options: DecodeOptions = {}, initOptions?: InitOptions): Promise<QuantizedModel> {
  checkKeys(options, ["checkFinite", "maxHeaderBytes"], "loadQuantized");
  const bytes = await readBytes(source, { where: "loadQuantized", what: "a model", paths: "in Node, read a model file with loadQuantizedModel(path) from 'wasmlp/node'" });
  await init(initOptions);
  return decodeQuantizedModel(bytes, options, sourceName(source));
}

/** The model in `bytes` for inference, float or quantised: what the CLI and the worker serve, which take both. */
export async function decodeInferenceModel(bytes: Uint8Array, options: LoadOptions, source: { name?: string; sideFiles: SideFiles }): Promise<Sequential | QuantizedModel> {
  if (modelFormat(bytes, source.name) === "wasmlp" && looksLikeSafetensors(bytes) && holdsQuantized(bytes, options.maxHeaderBytes)) {
    checkLoadOptions(options, "load");
    return decodeQuantizedModel(bytes, { checkFinite: options.checkFinite, maxHeaderBytes: options.maxHeaderBytes }, source.name);
  }
  return decodeAnyModel(bytes, options, source);
}

/** Whether the bytes are a quantised wasmlp file; a damaged container is left for the decoder to report. */
function holdsQuantized(bytes: Uint8Array, maxHeaderBytes: number | undefined): boolean {
  try {
    return isQuantizedFile(parseSafetensors(bytes, maxHeaderBytes));
  } catch {
    return false;
  }
}

/** Checks load()'s options (all of them, before anything is read). */
export function checkLoadOptions(options: LoadOptions, where: string): void {
  checkKeys(options, ["checkFinite", "maxHeaderBytes", "externalData"], where);
  if (options.checkFinite !== undefined) booleanOption(options.checkFinite, `${where}: checkFinite`);
  const given = options.externalData;
  if (given === undefined) return;
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    throw new ConfigError(`${where}: externalData must map side-file names to bytes or URLs, got ${describe(given)}`);
  }
  for (const [name, file] of Object.entries(given)) {
    if (!isByteSource(file)) throw new ConfigError(`${where}: externalData[${JSON.stringify(name)}] must be bytes, a Blob, a Response or a URL, got ${describe(file)}`);
  }
}

/** The format of a model file's bytes: a file named *.onnx is ONNX even when damaged, so that its errors are ONNX's. */
export function modelFormat(bytes: Uint8Array, name?: string): ModelFileFormat {
  if (looksLikeSafetensors(bytes)) return "wasmlp";
  if (guessBinaryKind(bytes) === "ONNX" || /\.onnx$/i.test(name ?? "")) return "onnx";
  if (looksLikeTfjs(bytes) || /(^|[/\\])model\.json$/i.test(name ?? "")) return "tfjs-layers";
  return "wasmlp";
}

/** The model in `bytes`, whatever its format; `sideFiles` reads the side files an ONNX or TensorFlow.js model names. */
export async function decodeAnyModel(bytes: Uint8Array, options: LoadOptions, source: { name?: string; sideFiles: SideFiles }): Promise<Sequential> {
  checkLoadOptions(options, "load");
  const { name, sideFiles } = source;
  switch (modelFormat(bytes, name)) {
    case "onnx": return buildImported(await importOnnx(bytes, { external: sideFiles, name }), options);
    case "tfjs-layers": return buildImported(await importTfjsLayers(parseJson(bytes, name ?? "model.json"), sideFiles), options);
    default: return decodeModel(bytes, { checkFinite: options.checkFinite, maxHeaderBytes: options.maxHeaderBytes }, name);
  }
}

function isTfjsFiles(source: ModelSource): source is TfjsModelFiles {
  return typeof source === "object" && source !== null && !isByteSource(source) && "modelJson" in source;
}

function isByteSource(v: unknown): v is ByteSource {
  return v instanceof Uint8Array || v instanceof ArrayBuffer || ArrayBuffer.isView(v) || typeof v === "string" || v instanceof URL ||
    (typeof Blob !== "undefined" && v instanceof Blob) || (typeof Response !== "undefined" && v instanceof Response);
}

/** Whether the bytes are JSON text with a TensorFlow.js model's topology. */
function looksLikeTfjs(bytes: Uint8Array): boolean {
  const head = new TextDecoder().decode(bytes.subarray(0, 4096));
  return /^\uFEFF?\s*\{/.test(head) && /"(modelTopology|weightsManifest)"\s*:/.test(head);
}

function parseJson(bytes: Uint8Array, name: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new ModelFileError(`${name} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The URL side files are found beside, for a model read from a URL (or a Response with one). */
function baseUrl(source: ByteSource): URL | undefined {
  const href = typeof source === "string" || source instanceof URL ? String(source)
    : typeof Response !== "undefined" && source instanceof Response ? source.url : "";
  if (!href) return undefined;
  try {
    // A relative URL is relative to the page; in Node a plain string is a path, which load() does not read.
    return new URL(href, (globalThis as { location?: { href: string } }).location?.href);
  } catch {
    return undefined;
  }
}

/** Side files from a map of given files, else beside `base`. */
function sideFilesFrom(given: Record<string, ByteSource> | undefined, base: URL | undefined, option: string, missing: (name: string) => string): SideFiles {
  return sideFileReader((name) => (given && Object.hasOwn(given, name) ? given[name] : base ? new URL(name, base) : undefined), `load: ${option}`, missing);
}

/** Reads side files once each, after checking their names; `locate` says where a name is (undefined: nowhere, see `missing`). */
export function sideFileReader(locate: (name: string) => ByteSource | undefined, where: string, missing = (name: string) => `${where}: no side file "${name}"`): SideFiles {
  const read = new Map<string, Promise<Uint8Array>>();
  return (name) => {
    let bytes = read.get(name);
    if (!bytes) {
      checkSideFileName(name, "side file");
      const file = locate(name);
      if (file === undefined) return Promise.reject(new ModelFileError(missing(name)));
      bytes = readBytes(file, { where, what: `side file "${name}"`, error: ModelFileError, paths: true });
      read.set(name, bytes);
    }
    return bytes;
  };
}
