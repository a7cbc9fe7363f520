// Side-file names (ONNX external data, TensorFlow.js weight shards, load()'s side
// files) go through one check: each way a name can leave the model's folder is
// refused with its own reason, in the caller's words, before any file is read.
import { describe, expect, it } from "vitest";
import { ModelFileError } from "../src/index.js";
import { checkSideFileName } from "../src/io/side-file-name.js";
import { readTfjsWeights } from "../src/io/tfjs/weights.js";

/** [what, name, the reason given]. */
const REFUSED: [string, string, string][] = [
  ["a parent folder", "../secret.bin", "leaves the model's folder"],
  ["a climb past the folder", "a/../../b.bin", "leaves the model's folder"],
  ["a climb that comes back", "a/../b.bin", "leaves the model's folder"],
  ["an absolute path", "/etc/passwd", "is absolute or a URL"],
  ["a URL", "https://example.com/w.bin", "is absolute or a URL"],
  ["a drive", "C:/w.bin", "is absolute or a URL"],
  ["a drive's current folder", "C:w.bin", "is absolute or a URL"],
  ["a Windows stream of a file", "shards/w.bin:stream", "holds a colon"],
  ["backslashes", "a\\..\\b", "holds a backslash"],
  ["a NUL", "x\0y", "holds a NUL character"],
  ["nothing", "", "names no file"],
  ["the folder itself", ".", "names no file"],
  ["the folder, slashed", "./", "names no file"],
  ["an empty segment", "a//b", "names no file"],
  ["a folder", "shards/", "names no file"],
  ["4,097 characters", "a".repeat(4097), "is longer than 4,096 characters"],
];

describe("checkSideFileName", () => {
  it.each(REFUSED)("refuses %s: the reason said", (_, name, why) => {
    const quoted = JSON.stringify(name.slice(0, 200));
    expect(() => checkSideFileName(name, "side file")).toThrow(ModelFileError);
    expect(() => checkSideFileName(name, "side file")).toThrow(`side file ${quoted} ${why}; side files must sit beside the model or below it`);
    expect(() => checkSideFileName(name, "path", "weights sit by model.json")).toThrow(`path ${quoted} ${why}; weights sit by model.json`);
  });

  it("takes relative paths inside the folder and gives them back as they are", () => {
    for (const good of ["model.onnx.data", "weights/group1-shard1of2.bin", "./w.bin", "a/./b.bin", "..data", "a..b/c"]) {
      expect(checkSideFileName(good, "side file")).toBe(good);
    }
  });
});

describe("TensorFlow.js weight paths use the same check", () => {
  const manifest = (path: string) => [{ paths: [path], weights: [{ name: "w", shape: [1], dtype: "float32" }] }];

  // An empty path is refused before, as not a path at all.
  it.each(REFUSED.filter(([, name]) => name !== ""))("refuses %s with the same reason, reading nothing", async (_, name, why) => {
    const asked: string[] = [];
    const read = async (p: string) => { asked.push(p); return new Uint8Array(4); };
    const refusal = readTfjsWeights(manifest(name), read);
    await expect(refusal).rejects.toThrow(ModelFileError);
    await expect(refusal).rejects.toThrow(`weightsManifest group 1: path ${JSON.stringify(name.slice(0, 200))} ${why}; weight files are named relative to model.json`);
    expect(asked).toEqual([]);
  });

  it("reads a path with its '.' segments dropped", async () => {
    const asked: string[] = [];
    const read = async (p: string) => { asked.push(p); return Float32Array.of(2.5).buffer; };
    const [w] = await readTfjsWeights(manifest("./shards/./w.bin"), read);
    expect(asked).toEqual(["shards/w.bin"]);
    expect(Array.from(w.values)).toEqual([2.5]);
  });
});
