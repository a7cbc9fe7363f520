// Where a streaming reader gets its bytes: a web ReadableStream (a fetch body, File.stream()), a Node
// Readable (an async iterable of Buffers), or any iterable or async iterable of strings or bytes. Chunks are
// pulled one at a time, only when the reader needs more, and the source is released however reading ends.
import { InputError } from "../../errors.js";
import { AbortError } from "../../train/errors.js";
import { describe } from "../../util/options.js";
import { abortable, pullFrom } from "../../util/pull.js";

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
  const pull = pullFrom(typeof source === "object" ? source : undefined);
  if (!pull) throw new InputError(`${name}: expected a ReadableStream, a Node Readable or an (async) iterable of strings or bytes, got ${describe(source)}`);
  const encoder = new TextEncoder();
  let held = ""; // a high surrogate that ended a string chunk, waiting for its low half
  let done = false;
  try {
    for (;;) {
      const next = await abortable(pull.next(), signal, () => abortedError(signal!, name));
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
    if (!done) pull.release();
  }
}

/** The error an aborted read rejects with: an AbortError carrying the signal's reason. */
export function abortedError(signal: AbortSignal, name: string): AbortError {
  const reason = signal.reason instanceof Error ? `: ${signal.reason.message}` : "";
  return new AbortError(`${name}: reading aborted${reason}`, signal.reason);
}
