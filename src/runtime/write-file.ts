// Atomic file writes, for model files and checkpoints. Node-only: its node:
// modules are loaded through nodeImport on first use, and callers that may run
// in browsers (checkpoints) load this module itself the same way.
import { InputError } from "../errors.js";
import { fileErrorReason, isFileSystemError } from "../util/file-errors.js";
import { nodeImport } from "./platform.js";

/** Writes a file via a temporary file in the same folder, fsync and a rename, so a crash never leaves it truncated. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const file = await openFileAtomic(path);
  try {
    await file.write(bytes);
    await file.commit();
  } catch (e) {
    await file.discard();
    throw e;
  }
}

/** A file written piece by piece to a temporary file beside its path; nothing appears at the path before commit(). */
export interface AtomicFile {
  /** Appends `bytes`; they may be reused once this resolves. */
  write(bytes: Uint8Array): Promise<void>;
  /** Syncs the temporary file and renames it to the path. */
  commit(): Promise<void>;
  /** Deletes the temporary file (after a failure), leaving whatever was at the path as it was. */
  discard(): Promise<void>;
}

/** Opens a temporary file in `path`'s folder to be written piece by piece and renamed to `path` at the end (see AtomicFile). */
export async function openFileAtomic(path: string): Promise<AtomicFile> {
  const [{ randomBytes }, { open, rename, unlink }, { basename, dirname, join }] = await Promise.all([
    nodeImport<typeof import("node:crypto")>("node:crypto"),
    nodeImport<typeof import("node:fs/promises")>("node:fs/promises"),
    nodeImport<typeof import("node:path")>("node:path"),
  ]);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const file = await open(temp, "w");
  let isOpen = true;
  const close = async () => {
    if (isOpen) {
      isOpen = false;
      await file.close();
    }
  };
  return {
    async write(bytes) {
      for (let at = 0; at < bytes.length;) at += (await file.write(bytes, at, bytes.length - at)).bytesWritten;
    },
    async commit() {
      await file.sync();
      await close();
      await rename(temp, path);
    },
    async discard() {
      await close().catch(() => {});
      await unlink(temp).catch(() => {});
    },
  };
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
  await writeFileAtomic(path, bytes).catch((e) => rethrowWriteError(path, e));
}

/** Rethrows a file system error met writing `path` as an InputError naming `path` and its cause; any other error as it is. */
export async function rethrowWriteError(path: string, e: unknown): Promise<never> {
  if (!isFileSystemError(e)) throw e;
  await checkWritable(path); // names the cause (a missing folder, no permission) when it is one
  throw new InputError(`cannot write ${path}: ${fileErrorReason(e, true)}`);
}
