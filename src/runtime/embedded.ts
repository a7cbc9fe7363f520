// The core's .wasm carried inside the JavaScript (dist/inline.js, which
// scripts/build.mjs writes), for bundlers and pages that cannot serve a .wasm
// file beside the code. Only the unshared-memory builds are carried: a thread
// pool needs worker scripts, so an embedded core runs on the calling thread.

/** Each build's .wasm, gzip-compressed and base64-encoded. */
export type EmbeddedBuilds = Record<"plain" | "relaxed", string>;

let embedded: EmbeddedBuilds | undefined;

/** Makes init() load these builds instead of the .wasm files shipped beside the package. */
export function embedWasm(builds: EmbeddedBuilds): void {
  embedded = builds;
}

/** True once embedWasm() has been called: the core then runs on unshared memory, on one thread. */
export function wasmEmbedded(): boolean {
  return embedded !== undefined;
}

/** The embedded build's .wasm bytes, or undefined when none is embedded. */
export async function embeddedWasm(relaxed: boolean): Promise<Uint8Array | undefined> {
  if (!embedded) return undefined;
  const gzip = Uint8Array.from(atob(relaxed ? embedded.relaxed : embedded.plain), (c) => c.charCodeAt(0));
  const stream = new Blob([gzip]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
