// Data loaders on good and malformed input: CSV (quoting, header, label by name or
// index, string and numeric classes, one-hot columns, regression, missing cells,
// ragged rows, unknown labels, all reported with file and line) and IDX image sets
// (wrong magic, truncated, inconsistent counts), plus the Node file readers.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, csvPreprocessing, imagesFromIdx, InputError, parseCsv } from "../src/index.js";
import { loadCsv, loadIdxFolder, loadIdxImages } from "../src/node/files.js";

const FASHION = fileURLToPath(new URL("./fixtures/fashion-mnist/", import.meta.url));
const PENGUINS = fileURLToPath(new URL("./fixtures/penguins/penguins.csv", import.meta.url));

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "wasmlp-loaders-")); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

function idx(type: number, shape: number[], payload: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + payload.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, type, shape.length]);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(payload, 4 + 4 * shape.length);
  return out;
}

function fails(text: string, pattern: RegExp, options = {}): void {
  let err: unknown;
  try {
    parseCsv(text, { source: "data.csv", ...options });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InputError);
  expect((err as Error).message).toMatch(pattern);
}

describe("parseCsv", () => {
  it("reads numeric inputs and string class labels, sorted into indices", () => {
    const d = parseCsv("a,b,kind\n1,2,cat\n3.5,-4e1,dog\n5,6,cat\n");
    expect(Array.from(d.x)).toEqual([1, 2, 3.5, -40, 5, 6]);
    expect([d.rows, d.cols, d.task]).toEqual([3, 2, "classification"]);
    expect(Array.from(d.labels!)).toEqual([0, 1, 0]);
    expect(d.target).toEqual({ name: "kind", classes: ["cat", "dog"] });
    expect(Array.from(d.lines)).toEqual([2, 3, 4]);
  });

  it("takes the label column by name or index; numeric labels keep numeric order", () => {
    const text = "y,x\n10,0.5\n2,0.25\n10.0,1\n";
    const byName = parseCsv(text, { label: "y" });
    const byIndex = parseCsv(text, { label: 0 });
    expect(byName.target!.classes).toEqual(["2", "10"]);
    expect(Array.from(byName.labels!)).toEqual([1, 0, 1]);
    expect(byIndex.labels).toEqual(byName.labels);
    expect(Array.from(byName.x)).toEqual([0.5, 0.25, 1]);
  });

  it("reads fractional numeric labels as regression targets, or integers when asked", () => {
    const d = parseCsv("x,y\n1,0.5\n2,1.5\n");
    expect(d.task).toBe("regression");
    expect(Array.from(d.targets!)).toEqual([0.5, 1.5]);
    expect(d.target).toEqual({ name: "y" });
    const r = parseCsv("x,y\n1,3\n2,4\n", { task: "regression" });
    expect(Array.from(r.targets!)).toEqual([3, 4]);
  });

  it("one-hot encodes non-numeric columns, and ignores columns on request", () => {
    const d = parseCsv("id,colour,size,label\n1,red,2,a\n2,blue,3,b\n3,red,4,a\n", { ignore: ["id"] });
    expect(d.columns).toEqual([{ name: "colour", categories: ["blue", "red"] }, { name: "size" }]);
    expect(d.cols).toBe(3);
    expect(Array.from(d.x)).toEqual([0, 1, 2, 1, 0, 3, 0, 1, 4]);
    const p = csvPreprocessing(d, "standardize");
    expect((p.scale as number[]).slice(0, 2)).toEqual([1, 1]);
    expect((p.offset as number[]).slice(0, 2)).toEqual([0, 0]);
    expect(p.columns).toEqual(d.columns);
    expect(p.target).toEqual({ name: "label", classes: ["a", "b"] });
  });

  it("handles quotes, escaped quotes, newlines inside quotes, CRLF, a BOM and blank lines", () => {
    const d = parseCsv('\uFEFF"na,me",x,y\r\n"a ""quoted"", value",1,p\r\n\r\n"two\nlines",2,q\r\n', { label: "y", categorical: [0] });
    expect(d.columns[0]).toEqual({ name: "na,me", categories: ['a "quoted", value', "two\nlines"] });
    expect(Array.from(d.lines)).toEqual([2, 4]);
  });

  it("reads rows again with a model's schema: same columns by name, same indices, no target needed", () => {
    const train = parseCsv("colour,size,label\nred,2,a\nblue,3,b\n");
    const schema = csvPreprocessing(train, "none");
    const again = parseCsv("size,colour,extra\n5,blue,x\n", { schema });
    expect(Array.from(again.x)).toEqual([1, 0, 5]);
    expect(again.labels).toBeUndefined();
    const labelled = parseCsv("label,colour,size\nb,red,1\n", { schema });
    expect(Array.from(labelled.labels!)).toEqual([1]);
  });

  it("reports ragged rows, bad numbers, missing cells and unknown labels with file, line and column", () => {
    fails("a,b,c\n1,2,x\n3,4\n", /^data.csv:3: row has 2 fields but the header has 3$/);
    fails("a,b,c\n1,2,x\n3,4,y,5\n", /data.csv:3: row has 4 fields/);
    fails("a,b,c\n1,2,x\n3,4O,y\n", /^data.csv:3: column 2 \("b"\): "4O" is not a number$/);
    fails("a,b,c\n1,2,x\n3,NA,y\n", /^data.csv:3: column 2 \("b"\): missing value "NA" \(pass missing: 'drop' to skip such rows\)$/);
    fails("a,b,c\n1,2,x\n1,,y\n", /data.csv:3: column 2 \("b"\): missing value ""/);
    fails('a,b\n1,"open\n', /data.csv:2: a quoted field is never closed/);
    fails('a,b\n1,"x"y\n', /data.csv:2: unexpected "y" after a closing quote/);
    fails("a,a\n1,2\n", /header names column 1 and column 2 both "a"/);
    fails("a,,c\n1,2,3\n", /header column 2 has no name/);
    fails("", /data.csv: empty file/);
    fails("a,b\n", /no data rows after the header/);
    fails("a,b\n1,x\n2,x\n", /has a single class "x"/);
    fails("a,b\n1,x\n", /no label column named "z"/, { label: "z" });
    fails("a,b\n1,x\n", /label column index 5 is outside 0..1/, { label: 5 });
    fails("a,b\n1,x\n", /no input columns are left/, { ignore: ["a"] });
    const schema = csvPreprocessing(parseCsv("c,x,label\nred,1,a\nblue,2,b\n"), "none");
    fails("c,x,label\nred,1,a\ngreen,2,b\n", /^data.csv:3: column 1 \("c"\): category "green" is not one of \["blue", "red"\]$/, { schema });
    fails("c,x,label\nred,1,a\nred,2,z\n", /^data.csv:3: column 3 \("label"\): label "z" is not one of the model's classes \["a", "b"\]$/, { schema });
    fails("x,label\n1,a\n", /no input column named "c"/, { schema });
  });

  it("with requireTarget, a schema's target column must be there: the error names the file and the column", () => {
    const schema = csvPreprocessing(parseCsv("x,species\n1,a\n2,b\n"), "none");
    fails("x\n5\n", /^data.csv: no target column named "species"; the header has x$/, { schema, requireTarget: true });
    expect(Array.from(parseCsv("species,x\nb,5\n", { schema, requireTarget: true }).labels!)).toEqual([1]);
    expect(parseCsv("x\n5\n", { schema }).labels).toBeUndefined();
  });

  it("the missing-value hint is spelt as the caller sets options", () => {
    fails("a,b,c\n1,NA,x\n", /missing value "NA" \(pass --missing drop to skip such rows\)$/,
      { spellOption: (name: string, value: string) => `--${name} ${value}` });
  });

  it("bad options are ConfigErrors", () => {
    expect(() => parseCsv("a;b\n1;x\n2;y\n", { delimiter: ";;" })).toThrow(ConfigError);
    expect(() => parseCsv("a,b\n1,x\n", { requireTarget: "yes" } as never)).toThrow(new ConfigError("parseCsv: requireTarget must be true or false, got 'yes'"));
    expect(() => parseCsv("a,b\n1,x\n", { spellOption: "--missing" } as never)).toThrow(/parseCsv: spellOption must be a function/);
    const noColumns = { method: "none", scale: 1, offset: 0 } as never;
    expect(() => parseCsv("a,b\n1,x\n", { schema: noColumns })).toThrow(new ConfigError("parseCsv: the schema has no columns (the model was not trained on a CSV file)"));
  });

  it("drops rows with missing cells when asked, and counts them", () => {
    const d = parseCsv("a,b,c\n1,2,x\nNA,4,y\n5,6,?\n7,8,y\n", { missing: "drop" });
    expect([d.rows, d.dropped]).toEqual([2, 2]);
    expect(Array.from(d.lines)).toEqual([2, 5]);
  });

  it("loadCsv calls a binary file what it looks like: a model, an archive, gzip", async () => {
    await writeFile(join(dir, "model.csv"), Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d));
    await expect(loadCsv(join(dir, "model.csv"))).rejects.toThrow(new InputError(
      `${join(dir, "model.csv")}: expected a CSV file, but it looks like a safetensors file (such as a wasmlp model)`));
    await writeFile(join(dir, "data.zip"), Uint8Array.of(0x50, 0x4b, 3, 4, 10, 0, 0, 0));
    await expect(loadCsv(join(dir, "data.zip"))).rejects.toThrow(/data\.zip: expected a CSV file, but it looks like a ZIP archive/);
    await writeFile(join(dir, "data.csv.gz"), gzipSync("a,b\n1,x\n"));
    await expect(loadCsv(join(dir, "data.csv.gz"))).rejects.toThrow(/data\.csv\.gz: expected a CSV file, but it looks like gzip-compressed data/);
  });

  it("reads the shipped penguins file: 344 rows, 11 with missing values", async () => {
    await expect(loadCsv(PENGUINS, { label: "species" })).rejects.toThrow(/penguins.csv:5: column 3 \("bill_length_mm"\): missing value "NA"/);
    const d = await loadCsv(PENGUINS, { label: "species", missing: "drop" });
    expect([d.rows, d.dropped]).toEqual([333, 11]);
    expect(d.target!.classes).toEqual(["Adelie", "Chinstrap", "Gentoo"]);
    expect(d.columns.map((c) => c.categories?.length ?? 1)).toEqual([3, 1, 1, 1, 1, 2, 1]);
    expect(d.cols).toBe(10);
  });
});

describe("IDX image sets", () => {
  const images = idx(0x08, [3, 2, 2], Array.from({ length: 12 }, (_, i) => i * 20));
  const labels = idx(0x08, [3], [2, 0, 1]);

  it("pair images and labels; pixels stay bytes", async () => {
    const d = await imagesFromIdx(gzipSync(images), labels);
    expect(d.x).toBeInstanceOf(Uint8Array);
    expect([d.rows, d.cols, d.shape, d.classes]).toEqual([3, 4, [2, 2], 3]);
    expect(Array.from(d.labels)).toEqual([2, 0, 1]);
  });

  it("reject wrong magic, truncated files, and counts that disagree, naming the file", async () => {
    const bad = images.slice();
    bad[0] = 1;
    await expect(imagesFromIdx(bad, labels, { images: "img.idx" })).rejects.toThrow(/^img.idx: IDX: bad magic number/);
    await expect(imagesFromIdx(images.subarray(0, images.length - 1), labels)).rejects.toThrow(/images: IDX: truncated: shape \[3, 2, 2\]/);
    await expect(imagesFromIdx(gzipSync(images).subarray(0, 20), labels)).rejects.toThrow(/gzip data is corrupt or truncated/);
    await expect(imagesFromIdx(images, idx(0x08, [2], [0, 1]), { labels: "lab.idx" })).rejects.toThrow(/images has 3 images but lab.idx has 2 labels/);
    await expect(imagesFromIdx(idx(0x08, [4], [1, 2, 3, 4]), labels)).rejects.toThrow(/expected uint8 images of shape \[n, height, width\]/);
    await expect(imagesFromIdx(images, idx(0x0c, [3], new Uint8Array(12)))).rejects.toThrow(/expected uint8 labels of shape \[n\], got int32/);
    await expect(imagesFromIdx(images, images)).rejects.toThrow(/expected uint8 labels of shape \[n\], got uint8 \[3, 2, 2\]/);
  });

  it("load from files and from a folder in the MNIST layout", async () => {
    await writeFile(join(dir, "img.gz"), gzipSync(images));
    await writeFile(join(dir, "lab"), labels);
    const d = await loadIdxImages(join(dir, "img.gz"), join(dir, "lab"));
    expect(d.rows).toBe(3);
    await expect(loadIdxImages(join(dir, "nope"), join(dir, "lab"))).rejects.toThrow(/file not found: .*nope/);
    const test = await loadIdxFolder(FASHION, "test");
    expect([test.rows, test.cols, test.classes]).toEqual([1000, 784, 10]);
    await expect(loadIdxFolder(dir, "train")).rejects.toThrow(/IDX file missing in .*: neither train-images-idx3-ubyte.gz nor train-images-idx3-ubyte exists/);
  });
});

describe("parseCsv without a target column", () => {
  it("label: null makes every column an input, and no labels or targets", () => {
    const d = parseCsv("a,b,c\n1,2,3\n4,5,6\n", { label: null });
    expect([d.rows, d.cols]).toEqual([2, 3]);
    expect(Array.from(d.x)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(d.labels).toBeUndefined();
    expect(d.targets).toBeUndefined();
    expect(() => parseCsv("a,b\n1,2\n", { label: null, ignore: ["a", "b"], source: "d.csv" })).toThrow(/d\.csv: no input columns are left$/);
  });
});
