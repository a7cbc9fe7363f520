// A file that is not a wasmlp model (a CSV, an ONNX export, a web page) given where a model is
// expected is called what it is, with its name, instead of a corrupt safetensors header.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dense, init, InputError, load, ModelFileError, Sequential } from "../src/index.js";
import { loadModel } from "../src/node/files.js";
import { guessFileKind } from "../src/util/file-kind.js";

let dir: string;
beforeAll(async () => {
  await init();
  dir = await mkdtemp(join(tmpdir(), "wasmlp-foreign-"));
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const text = (s: string) => new TextEncoder().encode(s);
const CSV = "bill_length,bill_depth,species\n39.1,18.7,Adelie\n46.5,17.9,Chinstrap\n";

describe("guessFileKind", () => {
  it("recognises text formats and common binary signatures", () => {
    expect(guessFileKind(text(CSV))).toBe("CSV text");
    expect(guessFileKind(text("a;b\n1;2\n"))).toBe("CSV text");
    expect(guessFileKind(text("\uFEFF  {\"layers\": []}"))).toBe("JSON text");
    expect(guessFileKind(text("<!doctype html><html>"))).toMatch(/^HTML/);
    expect(guessFileKind(text("just some words\n"))).toBe("text");
    expect(guessFileKind(text("é".repeat(600)))).toBe("text"); // a two-byte character cut at the 1024-byte prefix
    expect(guessFileKind(new Uint8Array([0x1f, 0x8b, 8, 0]))).toBe("gzip-compressed data");
    expect(guessFileKind(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).toBe("a WebAssembly module");
    expect(guessFileKind(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1]))).toBe("an IDX file (images or labels)");
    expect(guessFileKind(new Uint8Array([0x50, 0x4b, 3, 4, 0]))).toMatch(/^a ZIP archive/);
  });

  it("recognises a safetensors file, and nothing in random bytes or an empty file", () => {
    expect(guessFileKind(Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 255))).toBeUndefined();
    expect(guessFileKind(new Uint8Array(0))).toBeUndefined();
    const m = new Sequential({ inputs: 2, layers: [dense(2, "softmax")] });
    expect(guessFileKind(m.save())).toBe("a safetensors file (such as a wasmlp model)");
    m.dispose();
  });
});

describe("a file that is not a model", () => {
  it("load() of CSV bytes says they look like CSV text", async () => {
    const e = await load(text(CSV)).catch((err) => err);
    expect(e).toBeInstanceOf(ModelFileError);
    expect(e.message).toMatch(/^the bytes given are not a wasmlp model file: they look like CSV text; a model file is the \.safetensors file/);
  });

  it("loadModel and load(file URL) name the file", async () => {
    const path = join(dir, "penguins.csv");
    await writeFile(path, CSV);
    await expect(loadModel(path)).rejects.toThrow(new RegExp(`^${path.replace(/[.\\/]/g, "\\$&")} is not a wasmlp model file: it looks like CSV text`));
    await expect(load(pathToFileURL(path))).rejects.toThrow(/file:.*penguins\.csv is not a wasmlp model file: it looks like CSV text/);
    await expect(load(new File([CSV], "penguins.csv"))).rejects.toThrow(/^penguins\.csv is not a wasmlp model file/);
  });

  it("an ONNX file is read as ONNX; a damaged one gets ONNX's errors, not a safetensors header's", async () => {
    const m = new Sequential({ inputs: 2, layers: [dense(3, "relu"), dense(2, "softmax")] });
    const onnx = m.toONNX();
    const path = join(dir, "m.onnx");
    await writeFile(path, onnx);
    const back = await loadModel(path);
    expect(back.predict([[1, 2]])).toEqual(m.predict([[1, 2]]));
    back.dispose();
    m.dispose();
    await writeFile(join(dir, "cut.onnx"), onnx.subarray(0, onnx.length - 7));
    await expect(loadModel(join(dir, "cut.onnx"))).rejects.toThrow(ModelFileError);
    await expect(loadModel(join(dir, "cut.onnx"))).rejects.not.toThrow(/header length|safetensors/);
  });

  it("random bytes are still reported as a bad header, and a truncated model as truncated", async () => {
    await expect(load(Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 255))).rejects.toThrow(/header length .* exceeds/);
    const m = new Sequential({ inputs: 2, layers: [dense(2, "softmax")] });
    const bytes = m.save();
    m.dispose();
    await expect(load(bytes.subarray(0, 100))).rejects.toThrow(/points past the end of the 100-byte file/);
  });

  it("load() of a plain path in Node points to loadModel", async () => {
    const e = await load("penguins.csv").catch((err) => err);
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe(`load: "penguins.csv" is a file path, which load does not read (it runs in browsers too); ` +
      "in Node, read a model file with loadModel(path) from 'wasmlp/node'");
  });
});
