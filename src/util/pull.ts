// Pulling items one at a time from whatever a caller streams: a web ReadableStream (through its reader)
// or an iterable or async iterable (through its iterator), released however reading ends; and waiting
// for the next item in a way an AbortSignal can cut short.

/** One-at-a-time access to a source; `release()` cancels or returns it without waiting. */
export interface Pull<T = unknown> {
  next(): Promise<IteratorResult<T>>;
  release(): void;
}

/** A Pull over `source` (a ReadableStream, an async iterable or an iterable), or undefined when it is none of these. */
export function pullFrom<T = unknown>(source: unknown): Pull<T> | undefined {
  if (typeof source !== "object" || source === null) return undefined;
  if (typeof (source as ReadableStream).getReader === "function") {
    const reader = (source as ReadableStream<T>).getReader();
    return { next: () => reader.read() as Promise<IteratorResult<T>>, release: () => { reader.cancel().catch(() => {}); } };
  }
  const asyncIt = (source as AsyncIterable<T>)[Symbol.asyncIterator];
  const syncIt = (source as Iterable<T>)[Symbol.iterator];
  if (typeof asyncIt !== "function" && typeof syncIt !== "function") return undefined;
  const it: Iterator<T> | AsyncIterator<T> = typeof asyncIt === "function" ? asyncIt.call(source) : syncIt.call(source);
  return {
    next: async () => it.next(),
    release: () => {
      // Not awaited: a source stuck in a read must not hold up the error that ends reading.
      try {
        Promise.resolve(it.return?.()).catch(() => {});
      } catch {
        // A source that fails to close has nothing more to give.
      }
    },
  };
}

/** `pending`, or a rejection with `error()` as soon as `signal` aborts (before or while `pending` waits). */
export function abortable<T>(pending: Promise<T>, signal: AbortSignal | undefined, error: () => Error): Promise<T> {
  if (!signal) return pending;
  if (signal.aborted) {
    pending.catch(() => {});
    return Promise.reject(error());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(error());
    signal.addEventListener("abort", onAbort, { once: true });
    pending.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
