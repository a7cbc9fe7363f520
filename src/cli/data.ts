// What the data arguments of the CLI name: a CSV file, a folder in the MNIST
// layout (train-* and t10k-* IDX files), or an images IDX file and a labels IDX
// file. Each becomes rows (floats, or bytes for images) with labels or targets.
import { open, stat } from "node:fs/promises";
import { basename } from "node:path";
import type { CsvDataset, CsvOptions } from "../data/csv.js";
import { FASHION_MNIST_CLASSES } from "../data/fashion-mnist.js";
import { InputError } from "../errors.js";
import type { ByteMatrix, Matrix } from "../nn/input.js";
import { loadCsv, loadIdxFolder, loadIdxImages } from "../node/files.js";
import { formatCount } from "../util/format.js";
import { UsageError } from "./args.js";

/** A data set as the commands use it. */
export interface Loaded {
  kind: "images" | "csv";
  /** What was read, for messages: paths and sizes. */
  description: string;
  x: Matrix | ByteMatrix;
  labels?: Int32Array;
  targets?: Float32Array;
  /** Class names by index (classification). */
  classes?: string[];
  task: "classification" | "regression";
  /** The parsed CSV, for its column schema. */
  csv?: CsvDataset;
  /** The file line of each row (CSV), for reports. */
  lines?: Int32Array;
}

/** Where the rows come from: one or two paths, and for a folder which split. */
export async function loadData(paths: string[], split: "train" | "test", csv: Omit<CsvOptions, "source">, command: string): Promise<Loaded> {
  if (paths.length === 0) throw new UsageError("no data given: pass a CSV file, a folder of IDX files, or an images and a labels IDX file", command);
  if (paths.length > 2) throw new UsageError(`expected one data path (CSV file or IDX folder) or two (images and labels IDX files), got ${paths.length}`, command);
  if (paths.length === 2) return images(await loadIdxImages(...(await orderIdxPair(paths[0], paths[1]))), paths.join(" + "));
  const path = paths[0];
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new InputError(`file not found: ${path}`);
  if (info.isDirectory()) return images(await loadIdxFolder(path, split), `${path} (${split === "train" ? "train" : "t10k"} files)`, path);
  if (await isIdx(path)) throw new UsageError(`${path} is an IDX file; pass the images file and the labels file together, or their folder`, command);
  const d = await loadCsv(path, csv);
  return {
    kind: "csv", description: csvDescription(path, d.rows, d.columns.length, d.dropped),
    x: { data: d.x, rows: d.rows, cols: d.cols }, labels: d.labels, targets: d.targets, classes: d.target?.classes, task: d.task, csv: d, lines: d.lines,
  };
}

/** What was read from a CSV file, for messages: `data.csv: 333 rows × 8 columns (11 rows with missing cells dropped)`. */
export function csvDescription(path: string, rows: number, columns: number, dropped: number): string {
  return `${path}: ${rows} rows × ${columns} columns${dropped ? ` (${dropped} rows with missing cells dropped)` : ""}`;
}

/** Whether a folder with data in the MNIST layout has a test split (t10k files). */
export async function hasTestSplit(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) return false;
  for (const name of ["t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte"]) {
    if (await stat(`${path}/${name}`).catch(() => undefined)) return true;
  }
  return false;
}

/** Class names: given on the command line, known (from the model or the CSV), Fashion-MNIST's for a fashion folder, or the indices. */
export function classNames(given: string[] | undefined, classes: number, path: string, known?: string[]): string[] {
  if (given) {
    if (given.length !== classes) throw new UsageError(`--class-names lists ${given.length} names but there are ${classes} classes`);
    return given;
  }
  if (known?.length === classes) return known;
  if (classes === 10 && /fashion/i.test(path)) return [...FASHION_MNIST_CLASSES];
  return Array.from({ length: classes }, (_, i) => String(i));
}

function images(d: Awaited<ReturnType<typeof loadIdxImages>>, description: string, path = description): Loaded {
  return {
    kind: "images", description: `${description}: ${d.rows} images of ${d.shape.join("×")} pixels`,
    x: { data: d.x, rows: d.rows, cols: d.cols }, labels: d.labels, classes: classNames(undefined, d.classes, path), task: "classification",
  };
}

/** Images first, labels second; a pair given the other way round (by file name) is swapped. */
async function orderIdxPair(a: string, b: string): Promise<[string, string]> {
  return /label/i.test(basename(a)) && !/label/i.test(basename(b)) ? [b, a] : [a, b];
}

/**
 * IDX files start with two zero bytes; gzip with 1f 8b (a gzip file is taken as IDX unless it ends in .csv.gz).
 * Only the first bytes are read: a CSV file is read whole once, by loadCsv, which also reports a file it cannot open.
 */
export async function isIdx(path: string): Promise<boolean> {
  if (/\.(csv|tsv|txt)(\.gz)?$/i.test(path)) return false;
  const file = await open(path, "r").catch(() => undefined);
  if (!file) return false;
  try {
    const { bytesRead: n, buffer: b } = await file.read(new Uint8Array(4), 0, 4, 0);
    return (n >= 4 && b[0] === 0 && b[1] === 0) || (n >= 2 && b[0] === 0x1f && b[1] === 0x8b);
  } finally {
    await file.close();
  }
}

/** The task a CSV file was read as and why, in one line: given by --task, or decided from the target column. */
export function taskDecision(d: Loaded, given: boolean): string {
  const target = JSON.stringify(d.csv?.target?.name ?? "target");
  if (given) return `task: ${d.task} (--task)`;
  if (d.task === "classification") {
    return `task: classification, ${formatCount(d.classes?.length ?? 0)} classes in column ${target} (--task regression to predict it as a number)`;
  }
  const distinct = new Set(d.targets).size;
  return `task: regression: column ${target} holds ${formatCount(distinct)} distinct numbers in ${formatCount(d.x.rows)} rows ` +
    `(--task classification to take them as classes)`;
}
