// Atomic file writes, for model files and checkpoints. Node-only: its node:
// modules are loaded through nodeImport on first use, and callers that may run
// in browsers (checkpoints) load this module itself the same way.
import { InputError } from "../errors.js";
import { fileErrorReason, isFileSystemError } from "../util/file-errors.js";
import { nodeImport } from "./platform.js";

/** Writes a file via a temporary file in the same folder, fsync and a rename, so a crash never leaves it truncated. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const [{ randomBytes }, { open, rename, unlink }, { basename, dirname, join }] = await Promise.all([
    nodeImport<typeof import("node:crypto")>("node:crypto"),
    nodeImport<typeof import("node:fs/promises")>("node:fs/promises"),
    nodeImport<typeof import("node:path")>("node:path"),
  ]);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    const file = await open(temp, "w");
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => {});
    throw e;
  }
}

/** Throws an InputError naming `path` unless a file can be written there: its folder exists and is writable, and it is not a folder. */
export async function checkWritable(path: string): Promise<void> {
  const [{ constants }, { access, stat }, { dirname }] = await Promise.all([
    nodeImport<typeof import("node:fs")>("node:fs"),
    nodeImport<typeof import("node:fs/promises")>("node:fs/promises"),
    nodeImport<typeof import("node:path")>("node:path"),
  ]);
  const folder = dirname(path);
  const info = await stat(folder).catch((e) => e as Error);
  if (info instanceof Error) {
    throw new InputError(`cannot write ${path}: ${(info as NodeJS.ErrnoException).code === "ENOENT" ? `the folder ${folder} does not exist` : fileErrorReason(info, true)}`);
  }
  if (!info.isDirectory()) throw new InputError(`cannot write ${path}: ${folder} is not a directory`);
  if ((await stat(path).catch(() => undefined))?.isDirectory()) throw new InputError(`cannot write ${path}: it is a directory`);
  await access(folder, constants.W_OK).catch((e) => { throw new InputError(`cannot write ${path}: ${fileErrorReason(e, true)}`); });
}

/** Writes `bytes` to `path` atomically (see writeFileAtomic); a failure is an InputError naming `path`, never the temporary file. */
export async function saveFile(path: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFileAtomic(path, bytes);
  } catch (e) {
    if (!isFileSystemError(e)) throw e;
    await checkWritable(path); // names the cause (a missing folder, no permission) when it is one
    throw new InputError(`cannot write ${path}: ${fileErrorReason(e, true)}`);
  }
}
