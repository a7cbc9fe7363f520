// Bytes from wherever a caller keeps them: the .wasm core, a model file for load()
// and for a worker model all come through here, so they accept the same sources
// and fail with the same messages.
import { InputError, type WasmlpError } from "../errors.js";
import { fileErrorReason } from "../util/file-errors.js";
import { describe } from "../util/options.js";
import { isNode, nodeImport } from "./platform.js";

/** Bytes (any typed array or ArrayBuffer), a Blob or File, a fetch Response, or a URL (in Node also a file path). */
export type ByteSource = Uint8Array | ArrayBuffer | ArrayBufferView | Blob | Response | URL | string;

/** How readBytes names what it reads, and what it does with a file path. */
export interface ReadBytesOptions {
  /** The call, for a source of the wrong type: "load", "init: wasm". */
  where: string;
  /** What is read, for a source that cannot be read: "a model", "the WebAssembly core". */
  what: string;
  /** The class of the error for a source that cannot be read (default InputError). */
  error?: new (message: string) => WasmlpError;
  /**
   * In Node, a string without a URL scheme is a file path. Read it when this is true; otherwise
   * refuse it with this hint (a browser-safe call pointing to its Node counterpart).
   */
  paths: true | string;
}

/**
 * Reads all bytes of `source`. Bytes are returned without copying; a Blob or Response is read
 * whole; a file: URL (and in Node a plain path, if allowed) is read from disk; any other URL is
 * fetched. A wrong type is an InputError; a source that cannot be read is `options.error`.
 */
export async function readBytes(source: ByteSource, options: ReadBytesOptions): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (typeof Blob !== "undefined" && source instanceof Blob) return new Uint8Array(await source.arrayBuffer());
  if (typeof Response !== "undefined" && source instanceof Response) return fromResponse(source, source.url || "a Response", options);
  if (typeof source !== "string" && !(source instanceof URL)) {
    throw new InputError(`${options.where}: expected a Uint8Array, ArrayBuffer, Blob or URL, or a fetch Response` +
      `${options.paths === true ? ", or in Node a file path" : ""}; got ${describe(source)}`);
  }
  const href = String(source);
  const path = isNode && typeof source === "string" && !hasScheme(href);
  if (path && options.paths !== true) {
    throw new InputError(`${options.where}: ${JSON.stringify(href)} is a file path, which ${options.where} does not read ` +
      `(it runs in browsers too); ${options.paths}`);
  }
  if (path || (isNode && href.startsWith("file:"))) return fromDisk(path ? href : new URL(href), href, options);
  let response: Response;
  try {
    response = await fetch(source);
  } catch (e) {
    throw unreadable(href, (e as Error).message, options);
  }
  return fromResponse(response, href, options);
}

/** What to call `source` in messages: its URL or path, a File's name or a Response's URL; undefined for bare bytes. */
export function sourceName(source: ByteSource): string | undefined {
  if (typeof source === "string" || source instanceof URL) return String(source);
  if (typeof Response !== "undefined" && source instanceof Response) return source.url || undefined;
  const name = (source as { name?: unknown }).name; // a File
  return typeof Blob !== "undefined" && source instanceof Blob && typeof name === "string" && name !== "" ? name : undefined;
}

/** A scheme such as http:, file: or data: (two letters at least, so that C:\ stays a Windows path). */
function hasScheme(s: string): boolean {
  return /^[a-z][a-z0-9+.-]+:/i.test(s);
}

async function fromResponse(response: Response, href: string, options: ReadBytesOptions): Promise<Uint8Array> {
  if (!response.ok) throw unreadable(href, `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`, options);
  if (response.bodyUsed) throw unreadable(href, "the response body was already read", options);
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (e) {
    throw unreadable(href, (e as Error).message, options);
  }
}

async function fromDisk(path: string | URL, href: string, options: ReadBytesOptions): Promise<Uint8Array> {
  try {
    const { readFile } = await nodeImport<typeof import("node:fs/promises")>("node:fs/promises");
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw unreadable(href, fileErrorReason(e), options);
  }
}

function unreadable(href: string, reason: string, options: ReadBytesOptions): WasmlpError {
  return new (options.error ?? InputError)(`cannot read ${options.what} from ${href}: ${reason}`);
}
