// Where a streaming reader gets its bytes: a web ReadableStream (a fetch body, File.stream()), a Node
// Readable (an async iterable of Buffers), or any iterable or async iterable of strings or bytes. Chunks are
// pulled one at a time, only when the reader needs more, and the source is released however reading ends.
import { InputError } from "../../errors.js";
import { AbortError } from "../../train/errors.js";
import { describe } from "../../util/options.js";

/** A source of text: a web ReadableStream, a Node Readable, or an (async) iterable of strings or bytes. */
export type StreamSource =
  | ReadableStream<Uint8Array | string>
  | AsyncIterable<Uint8Array | string | ArrayBufferView>
  | Iterable<Uint8Array | string | ArrayBufferView>;

/** Options of byteChunks(). */
export interface ByteChunkOptions {
  /** Aborting rejects the pending or next chunk with an AbortError and releases the source. */
  signal?: AbortSignal;
  /** Names the source in messages; default 'stream'. */
  name?: string;
}

/** The source's chunks as bytes (strings encoded as UTF-8), pulled one at a time; the source is cancelled or returned when reading stops early. */
export async function* byteChunks(source: StreamSource, options: ByteChunkOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const { signal, name = "stream" } = options;
  const pull = open(source, name);
  const encoder = new TextEncoder();
  let held = ""; // a high surrogate that ended a string chunk, waiting for its low half
  let done = false;
  try {
    for (;;) {
      const next = await abortable(pull.next(), signal, name);
      if (next.done) {
        done = true;
        if (held) yield encoder.encode(held);
        return;
      }
      const chunk = next.value;
      if (typeof chunk === "string") {
        let text = held + chunk;
        held = "";
        const last = text.charCodeAt(text.length - 1);
        if (last >= 0xd800 && last <= 0xdbff) {
          held = text[text.length - 1];
          text = text.slice(0, -1);
        }
        if (text) yield encoder.encode(text);
      } else if (ArrayBuffer.isView(chunk)) {
        if (held) {
          yield encoder.encode(held);
          held = "";
        }
        if (chunk.byteLength > 0) yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      } else {
        throw new InputError(`${name}: expected chunks of text or bytes, got ${describe(chunk)}`);
      }
    }
  } finally {
    // Not awaited: a source stuck in a read must not hold up the error an abort rejects with.
    if (!done) pull.release();
  }
}

/** Rejects as soon as `signal` aborts (before or while `pending` waits), with an AbortError carrying its reason. */
export function abortable<T>(pending: Promise<T>, signal: AbortSignal | undefined, name: string): Promise<T> {
  if (!signal) return pending;
  if (signal.aborted) {
    pending.catch(() => {});
    return Promise.reject(abortedError(signal, name));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError(signal, name));
    signal.addEventListener("abort", onAbort, { once: true });
    pending.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** The error an aborted read rejects with: an AbortError carrying the signal's reason. */
export function abortedError(signal: AbortSignal, name: string): AbortError {
  const reason = signal.reason instanceof Error ? `: ${signal.reason.message}` : "";
  return new AbortError(`${name}: reading aborted${reason}`, signal.reason);
}

interface Pull {
  next(): Promise<IteratorResult<unknown>>;
  release(): void;
}

/** A pull interface over any kind of source: a ReadableStream through its reader, an iterable through its iterator. */
function open(source: StreamSource, name: string): Pull {
  if (typeof source === "object" && source !== null) {
    if (typeof (source as ReadableStream).getReader === "function") {
      const reader = (source as ReadableStream<unknown>).getReader();
      return { next: () => reader.read() as Promise<IteratorResult<unknown>>, release: () => { reader.cancel().catch(() => {}); } };
    }
    const asyncIt = (source as AsyncIterable<unknown>)[Symbol.asyncIterator];
    const syncIt = (source as Iterable<unknown>)[Symbol.iterator];
    if (typeof asyncIt === "function" || typeof syncIt === "function") {
      const it = typeof asyncIt === "function" ? asyncIt.call(source) : syncIt.call(source);
      return {
        next: async () => it.next(),
        release: () => {
          try {
            Promise.resolve(it.return?.()).catch(() => {});
          } catch {
            // A source that fails to close has nothing more to give.
          }
        },
      };
    }
  }
  throw new InputError(`${name}: expected a ReadableStream, a Node Readable or an (async) iterable of strings or bytes, got ${describe(source)}`);
}
