// Writing files: a target that cannot be written is found before any work (checkWritable), and
// a failed write names the file asked for, never the temporary file beside it.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dense, init, InputError, Sequential } from "../src/index.js";
import { checkWritable, readFileBytes, saveFile, saveModel } from "../src/node/files.js";
import { fileErrorReason, isFileSystemError } from "../src/util/file-errors.js";

let dir: string;
beforeAll(async () => {
  await init();
  dir = await mkdtemp(join(tmpdir(), "wasmlp-write-"));
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const rejection = (p: Promise<unknown>) => p.then(() => { throw new Error("expected a rejection"); }, (e: unknown) => e as Error);

describe("checkWritable", () => {
  it("passes for a new or existing file in a writable folder", async () => {
    await expect(checkWritable(join(dir, "new.safetensors"))).resolves.toBeUndefined();
    await writeFile(join(dir, "old.bin"), "x");
    await expect(checkWritable(join(dir, "old.bin"))).resolves.toBeUndefined();
  });

  it("names the path and the cause: a missing folder, a file where a folder should be, a folder where the file should be", async () => {
    const missing = await rejection(checkWritable("/nonexistent/dir/m.safetensors"));
    expect(missing).toBeInstanceOf(InputError);
    expect(missing.message).toBe("cannot write /nonexistent/dir/m.safetensors: the folder /nonexistent/dir does not exist");
    await writeFile(join(dir, "plain"), "x");
    await expect(checkWritable(join(dir, "plain", "m.safetensors"))).rejects.toThrow(new InputError(
      `cannot write ${join(dir, "plain", "m.safetensors")}: ${join(dir, "plain")} is not a directory`));
    await expect(checkWritable(dir)).rejects.toThrow(new InputError(`cannot write ${dir}: it is a directory`));
  });
});

describe("saveFile and saveModel", () => {
  // That a save killed part-way leaves the old or the new file whole is test/atomic-save.test.ts.
  it("saveFile writes the bytes and leaves no temporary file beside them", async () => {
    await saveFile(join(dir, "a.bin"), new Uint8Array([1, 2, 3]));
    expect(Array.from(await readFile(join(dir, "a.bin")))).toEqual([1, 2, 3]);
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("a failed save is an InputError naming the target, not the temporary file", async () => {
    const m = new Sequential({ inputs: 2, layers: [dense(2, "softmax")] });
    const e = await rejection(saveModel(m, "/nonexistent/dir/m.safetensors"));
    m.dispose();
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe("cannot write /nonexistent/dir/m.safetensors: the folder /nonexistent/dir does not exist");
    await expect(saveFile(dir, new Uint8Array(1))).rejects.toThrow(new InputError(`cannot write ${dir}: it is a directory`));
  });
});

describe("file errors in words", () => {
  it("readFileBytes names the path: not found, or why it cannot be read", async () => {
    await expect(readFileBytes(join(dir, "nope"))).rejects.toThrow(new InputError(`file not found: ${join(dir, "nope")}`));
    await expect(readFileBytes(dir)).rejects.toThrow(new InputError(`cannot read ${dir}: it is a directory`));
  });

  it("fileErrorReason and isFileSystemError", () => {
    const err = (code: string) => Object.assign(new Error(`${code}: raw`), { code });
    expect(fileErrorReason(err("ENOENT"))).toBe("file not found");
    expect(fileErrorReason(err("ENOENT"), true)).toBe("its folder does not exist");
    expect(fileErrorReason(err("EACCES"))).toBe("permission denied");
    expect(fileErrorReason(err("ENOSPC"))).toBe("no space left on the device");
    expect(fileErrorReason(err("EWHATEVER"))).toBe("EWHATEVER: raw");
    expect(isFileSystemError(err("ENOENT"))).toBe(true);
    expect(isFileSystemError(new Error("plain"))).toBe(false);
    expect(isFileSystemError({ code: "ENOENT" })).toBe(false);
  });
});
