// Why a file could not be read or written, in words, from Node's error codes. Callers
// name the file; this says what went wrong with it.

/** Whether `e` is a file-system error: it carries an errno code such as ENOENT. */
export function isFileSystemError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Error && typeof code === "string" && /^E[A-Z]+$/.test(code);
}

/** The cause of a file-system error in words ("file not found", "permission denied"); other errors give their message. */
export function fileErrorReason(e: unknown, writing = false): string {
  switch ((e as { code?: unknown } | null)?.code) {
    case "ENOENT": return writing ? "its folder does not exist" : "file not found";
    case "EISDIR": return "it is a directory";
    case "ENOTDIR": return "a part of its path is not a directory";
    case "EACCES":
    case "EPERM": return "permission denied";
    case "EROFS": return "the file system is read-only";
    case "ENOSPC": return "no space left on the device";
    default: return e instanceof Error ? e.message : String(e);
  }
}
