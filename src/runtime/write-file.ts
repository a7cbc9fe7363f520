// Atomic file writes, for model files and checkpoints. Node-only: its node:
// modules are loaded through nodeImport on first use, and callers that may run
// in browsers (checkpoints) load this module itself the same way.
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
