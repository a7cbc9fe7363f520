// Fashion-MNIST from its IDX files: images stay uint8 (one byte a pixel); scaling to
// floats is the caller's choice, made per batch rather than for the whole set.
import { InputError } from "../errors.js";
import { parseNamed } from "./idx.js";

/** Class names of Fashion-MNIST, indexed by label. */
export const FASHION_MNIST_CLASSES = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
] as const;

/** One split of Fashion-MNIST: `rows` images of 28×28 uint8 pixels, row-major, and their labels. */
export interface FashionMnistSplit {
  x: Uint8Array;
  rows: number;
  cols: 784;
  labels: Int32Array;
}

/** Builds a split from images and labels IDX bytes (gzip or not); `sources` names the two inputs in errors. */
export async function fashionMnistFromIdx(
  images: Uint8Array,
  labels: Uint8Array,
  sources: { images?: string; labels?: string } = {},
): Promise<FashionMnistSplit> {
  const imgName = sources.images ?? "Fashion-MNIST images";
  const labName = sources.labels ?? "Fashion-MNIST labels";
  const img = await parseNamed(images, imgName);
  if (img.dtype !== "uint8" || img.shape.length !== 3 || img.shape[1] !== 28 || img.shape[2] !== 28) {
    throw new InputError(`${imgName}: expected uint8 of shape [n, 28, 28], got ${img.dtype} [${img.shape.join(", ")}]`);
  }
  const lab = await parseNamed(labels, labName);
  if (lab.dtype !== "uint8" || lab.shape.length !== 1) {
    throw new InputError(`${labName}: expected uint8 of shape [n], got ${lab.dtype} [${lab.shape.join(", ")}]`);
  }
  const rows = img.shape[0];
  if (lab.shape[0] !== rows) {
    throw new InputError(`${imgName} has ${rows} images but ${labName} has ${lab.shape[0]} labels`);
  }
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const y = lab.data[i];
    if (y >= FASHION_MNIST_CLASSES.length) {
      throw new InputError(`${labName}: label ${y} at index ${i} is outside 0..9`);
    }
    out[i] = y;
  }
  return { x: img.data, rows, cols: 784, labels: out };
}
