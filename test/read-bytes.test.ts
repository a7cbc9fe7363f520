// One reader for every byte source (the .wasm core, load(), a worker's model): the same
// sources accepted, the same errors, whoever calls it.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoreError, InputError } from "../src/errors.js";
import { readBytes, sourceName, type ReadBytesOptions } from "../src/runtime/read-bytes.js";

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "wasmlp-read-bytes-")); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const MODEL: ReadBytesOptions = { where: "load", what: "a model", paths: "use loadModel(path) from 'wasmlp/node'" };
const CORE: ReadBytesOptions = { where: "init: wasm", what: "the WebAssembly core", error: CoreError, paths: true };
const bytes = new Uint8Array([1, 2, 3, 250]);

describe("readBytes", () => {
  it("returns bytes as given, and the bytes of an ArrayBuffer, a typed array view, a Blob and a Response", async () => {
    expect(await readBytes(bytes, MODEL)).toBe(bytes);
    expect(Array.from(await readBytes(bytes.buffer, MODEL))).toEqual([1, 2, 3, 250]);
    const halves = new Uint16Array([0x0201, 0x0403, 0x0605]).subarray(1, 2);
    expect(Array.from(await readBytes(halves, MODEL))).toEqual([3, 4]);
    expect(Array.from(await readBytes(new Blob([bytes]), MODEL))).toEqual([1, 2, 3, 250]);
    expect(Array.from(await readBytes(new Response(bytes), MODEL))).toEqual([1, 2, 3, 250]);
    expect(Array.from(await readBytes("data:application/octet-stream;base64,AQID+g==", MODEL))).toEqual([1, 2, 3, 250]);
  });

  it("reads file: URLs from disk, and plain paths in Node only where the caller allows them", async () => {
    const path = join(dir, "four.bin");
    await writeFile(path, bytes);
    expect(Array.from(await readBytes(pathToFileURL(path), MODEL))).toEqual([1, 2, 3, 250]);
    expect(Array.from(await readBytes(pathToFileURL(path).href, MODEL))).toEqual([1, 2, 3, 250]);
    expect(Array.from(await readBytes(path, CORE))).toEqual([1, 2, 3, 250]);
    const refused = await readBytes(path, MODEL).catch((e) => e);
    expect(refused).toBeInstanceOf(InputError);
    expect(refused.message).toMatch(/^load: ".*four\.bin" is a file path, which load does not read \(it runs in browsers too\); use loadModel\(path\)/);
  });

  it("a source that cannot be read is the caller's error class, naming the source and the reason", async () => {
    const missing = await readBytes(join(dir, "missing.wasm"), CORE).catch((e) => e);
    expect(missing).toBeInstanceOf(CoreError);
    expect(missing.message).toMatch(/^cannot read the WebAssembly core from .*missing\.wasm: file not found$/);
    const folder = await readBytes(pathToFileURL(dir), MODEL).catch((e) => e);
    expect(folder).toBeInstanceOf(InputError);
    expect(folder.message).toMatch(/^cannot read a model from file:.*: it is a directory$/);
    const notFound = await readBytes(new Response("nope", { status: 404, statusText: "Not Found" }), MODEL).catch((e) => e);
    expect(notFound).toBeInstanceOf(InputError);
    expect(notFound.message).toBe("cannot read a model from a Response: HTTP 404 Not Found");
    const used = new Response(bytes);
    await used.arrayBuffer();
    await expect(readBytes(used, CORE)).rejects.toThrow(/^cannot read the WebAssembly core from a Response: the response body was already read$/);
    const unreachable = await readBytes("http://127.0.0.1:1/model.safetensors", MODEL).catch((e) => e);
    expect(unreachable).toBeInstanceOf(InputError);
    expect(unreachable.message).toMatch(/^cannot read a model from http:\/\/127\.0\.0\.1:1\/model\.safetensors: /);
  });

  it("a source of the wrong type is an InputError listing what is accepted", async () => {
    await expect(readBytes(42 as never, MODEL)).rejects.toThrow(
      new InputError("load: expected a Uint8Array, ArrayBuffer, Blob or URL, or a fetch Response; got 42"));
    await expect(readBytes({ data: bytes } as never, CORE)).rejects.toThrow(
      "init: wasm: expected a Uint8Array, ArrayBuffer, Blob or URL, or a fetch Response, or in Node a file path; got an object");
  });
});

describe("sourceName", () => {
  it("names URLs, paths, Files and fetched Responses, and nothing for bare bytes", () => {
    expect(sourceName("models/m.safetensors")).toBe("models/m.safetensors");
    expect(sourceName(new URL("https://example.com/m.safetensors"))).toBe("https://example.com/m.safetensors");
    expect(sourceName(new File([bytes], "m.safetensors"))).toBe("m.safetensors");
    expect(sourceName(new Blob([bytes]))).toBeUndefined();
    expect(sourceName(new Response(bytes))).toBeUndefined();
    expect(sourceName(bytes)).toBeUndefined();
  });
});
