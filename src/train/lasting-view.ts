// Views of core memory kept across batches and epochs: making a typed-array view
// costs more than the copy a small network's epoch makes through it.

/**
 * A getter for the view `make` returns, made again only once growing an unshared memory has detached it
 * (a detached view has no bytes; a shared memory's views stay valid as it grows, and nothing moves).
 */
export function lastingView<T extends ArrayBufferView>(make: () => T): () => T {
  let view = make();
  return () => (view.byteLength === 0 ? (view = make()) : view);
}
