// Labelled images from a pair of IDX files (the MNIST layout: images [n, h, w]
// uint8, labels [n] uint8). Pixels stay bytes; a model widens them per batch.
import { InputError } from "../errors.js";
import { parseNamed } from "./idx.js";

/** n images of `shape` pixels (row-major bytes, one row per image) and their class labels. */
export interface ImageDataset {
  x: Uint8Array;
  rows: number;
  /** Pixels per image: the product of `shape`. */
  cols: number;
  /** Shape of one image, e.g. [28, 28]. */
  shape: number[];
  labels: Int32Array;
  /** 1 + the largest label. */
  classes: number;
}

/** Checks and pairs images and labels IDX bytes (gzip or not); `sources` name the two inputs in errors. */
export async function imagesFromIdx(images: Uint8Array, labels: Uint8Array,
  sources: { images?: string; labels?: string } = {}): Promise<ImageDataset> {
  const imgName = sources.images ?? "images";
  const labName = sources.labels ?? "labels";
  const img = await parseNamed(images, imgName);
  if (img.dtype !== "uint8" || img.shape.length < 2) {
    throw new InputError(`${imgName}: expected uint8 images of shape [n, height, width] (or [n, features]), got ${img.dtype} [${img.shape.join(", ")}]`);
  }
  const lab = await parseNamed(labels, labName);
  if (lab.dtype !== "uint8" || lab.shape.length !== 1) {
    throw new InputError(`${labName}: expected uint8 labels of shape [n], got ${lab.dtype} [${lab.shape.join(", ")}]`);
  }
  const rows = img.shape[0];
  if (lab.shape[0] !== rows) throw new InputError(`${imgName} has ${rows} images but ${labName} has ${lab.shape[0]} labels`);
  if (rows === 0) throw new InputError(`${imgName}: holds no images`);
  const shape = img.shape.slice(1);
  const cols = shape.reduce((a, b) => a * b, 1);
  if (cols === 0) throw new InputError(`${imgName}: images of shape [${shape.join(", ")}] have no pixels`);
  const out = Int32Array.from(lab.data as Uint8Array);
  const classes = out.reduce((a, b) => Math.max(a, b), 0) + 1;
  return { x: img.data as Uint8Array, rows, cols, shape, labels: out, classes };
}
