// Node-only file helpers. Nothing outside src/node/ may import this folder, so the rest of
// the library stays loadable in browsers.
import { open, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { init, type InitOptions } from "../runtime/core.js";
import { InputError } from "../errors.js";
import { fileErrorReason, isFileSystemError } from "../util/file-errors.js";
import { guessBinaryKind } from "../util/file-kind.js";
import { parseCsv, type CsvDataset, type CsvOptions } from "../data/csv.js";
import { fashionMnistFromIdx, type FashionMnistSplit } from "../data/fashion-mnist.js";
import { imagesFromIdx, type ImageDataset } from "../data/images.js";
import type { DecodeOptions, SaveOptions } from "../io/model-file.js";
import { decodeQuantizedModel } from "../io/quantized-file.js";
import type { QuantizedModel } from "../model/quantized-model.js";
import { checkKeys } from "../util/options.js";
import { checkLoadOptions, decodeAnyModel, sideFileReader, type LoadOptions, type SideFiles } from "../io/load.js";
import type { Sequential } from "../model/model.js";
import { checkWritable, saveFile, writeFileAtomic } from "../runtime/write-file.js";

export { checkWritable, saveFile, writeFileAtomic };

/** Reads a whole file as a plain Uint8Array; a missing file is an InputError naming the path. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    return readFailure(path, e);
  }
}

/** Opens a file to be read as a stream of chunks of `chunkBytes`; a missing file is an InputError naming the path. */
export async function openFileStream(path: string, chunkBytes: number): Promise<AsyncIterable<Uint8Array>> {
  const file = await open(path, "r").catch((e) => readFailure(path, e));
  return file.createReadStream({ highWaterMark: chunkBytes });
}

function readFailure(path: string, e: unknown): never {
  if (!isFileSystemError(e)) throw e;
  throw new InputError((e as NodeJS.ErrnoException).code === "ENOENT" ? `file not found: ${path}` : `cannot read ${path}: ${fileErrorReason(e)}`);
}

/** Saves a model as a wasmlp file (safetensors) at `path`, atomically. */
export async function saveModel(model: Sequential, path: string, options?: SaveOptions): Promise<void> {
  await saveFile(path, model.save(options));
}

/** Loads a model file from `path`: a wasmlp file, an ONNX file (its side files read from beside it) or a TensorFlow.js model.json (with its weight files); loads the core first if needed. */
export async function loadModel(path: string, options: LoadOptions = {}, initOptions?: InitOptions): Promise<Sequential> {
  checkLoadOptions(options, "loadModel");
  const bytes = await readFileBytes(path);
  await init(initOptions);
  return decodeAnyModel(bytes, options, { name: path, sideFiles: filesBeside(path, options.externalData) });
}

/** Loads a quantised (int8) model file from `path` (as 'wasmlp quantize' writes it); loads the core first if needed. */
export async function loadQuantizedModel(path: string, options: DecodeOptions = {}, initOptions?: InitOptions): Promise<QuantizedModel> {
  checkKeys(options, ["checkFinite", "maxHeaderBytes"], "loadQuantizedModel");
  const bytes = await readFileBytes(path);
  await init(initOptions);
  return decodeQuantizedModel(bytes, options, path);
}

/** Saves a quantised model as a wasmlp file (safetensors, format 1.1) at `path`, atomically. */
export async function saveQuantizedModel(model: QuantizedModel, path: string): Promise<void> {
  await saveFile(path, model.save());
}

/** Side files (ONNX external data, TensorFlow.js weight files) by their names relative to the model file at `path`, unless given. */
export function filesBeside(path: string, given: LoadOptions["externalData"]): SideFiles {
  return sideFileReader((name) => (given && Object.hasOwn(given, name) ? given[name] : join(dirname(path), name)), "loadModel");
}

/** Loads Fashion-MNIST's four IDX files (each `.gz` or uncompressed) from a folder. */
export async function loadFashionMnist(dir: string): Promise<{ train: FashionMnistSplit; test: FashionMnistSplit }> {
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"].map(
      (name) => readIdxFile(dir, name),
    ),
  );
  return {
    train: await fromFiles(trainImages, trainLabels),
    test: await fromFiles(testImages, testLabels),
  };
}

interface NamedBytes {
  path: string;
  bytes: Uint8Array;
}

/** Reads a CSV file into inputs and labels or targets (see parseCsv); errors name the path and line. */
export async function loadCsv(path: string, options: Omit<CsvOptions, "source"> = {}): Promise<CsvDataset> {
  const bytes = await readFileBytes(path);
  const binary = guessBinaryKind(bytes);
  if (binary !== undefined) throw new InputError(`${path}: expected a CSV file, but it looks like ${binary}`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`${path}: not UTF-8 text; expected a CSV file`);
  }
  return parseCsv(text, { ...options, source: path });
}

/** Loads labelled images from an images IDX file and a labels IDX file (each gzip or not). */
export async function loadIdxImages(imagesPath: string, labelsPath: string): Promise<ImageDataset> {
  // One after the other, so that with both files missing the error always names the images file.
  const images = await readFileBytes(imagesPath);
  const labels = await readFileBytes(labelsPath);
  return imagesFromIdx(images, labels, { images: imagesPath, labels: labelsPath });
}

/** Loads one split of a folder in the MNIST layout: train-images-idx3-ubyte[.gz] and its labels, or the t10k pair. */
export async function loadIdxFolder(dir: string, split: "train" | "test"): Promise<ImageDataset> {
  const prefix = split === "train" ? "train" : "t10k";
  const images = await readIdxFile(dir, `${prefix}-images-idx3-ubyte`);
  const labels = await readIdxFile(dir, `${prefix}-labels-idx1-ubyte`);
  return imagesFromIdx(images.bytes, labels.bytes, { images: images.path, labels: labels.path });
}

/** Reads `name.gz`, or else `name`, from `dir`. */
async function readIdxFile(dir: string, name: string): Promise<NamedBytes> {
  for (const path of [join(dir, name + ".gz"), join(dir, name)]) {
    try {
      return { path, bytes: await readFileBytes(path) };
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
    }
  }
  throw new InputError(`IDX file missing in ${dir}: neither ${name}.gz nor ${name} exists`);
}

/** Parses one split, naming the files in any error. */
function fromFiles(images: NamedBytes, labels: NamedBytes): Promise<FashionMnistSplit> {
  return fashionMnistFromIdx(images.bytes, labels.bytes, { images: images.path, labels: labels.path });
}
