// The few things that differ between Node and browsers. Node-only modules are
// imported through an opaque specifier so that bundlers (Vite, webpack,
// esbuild) never try to pack node: modules into a browser build.

/** True in Node and its worker threads. */
export const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";

/** Imports a Node-only module at run time; bundlers leave the call alone and never resolve it. */
export function nodeImport<T>(specifier: string): Promise<T> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}
