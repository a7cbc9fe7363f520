// Loads the WebAssembly core once and owns its memory. Node and browsers share
// this path; only fetching the .wasm bytes differs.
import { instantiate } from "@assemblyscript/loader";
import { Allocator } from "./allocator.js";
import { CoreError, StateError } from "./errors.js";
import type { Kernels } from "./kernels.js";

const PAGE = 65536;
/** Addresses stay below 2 GiB so pointers read back as positive numbers in JavaScript. */
const MAX_PAGES = 32767;

/** Where the .wasm comes from: a URL or path, its bytes, or a compiled module. */
export type WasmSource = URL | string | ArrayBuffer | Uint8Array | WebAssembly.Module;

/** Options of init(). */
export interface InitOptions {
  /** The core's .wasm; defaults to the file shipped beside this package. */
  wasm?: WasmSource;
}

/** The loaded core: its kernels, memory and allocator. */
export class Core {
  readonly allocator: Allocator;

  constructor(readonly kernels: Kernels, readonly memory: WebAssembly.Memory) {
    this.allocator = new Allocator(memory, kernels.heap_base(), MAX_PAGES * PAGE);
  }

  /** A fresh Float32Array view of `length` floats at `ptr`; never keep it across an allocation. */
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  /** A fresh Int32Array view of `length` ints at `ptr`; never keep it across an allocation. */
  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }

  /** A fresh Uint8Array view of `length` bytes at `ptr`; never keep it across an allocation. */
  u8(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, length);
  }

  /** Allocates `length` floats and returns their address. */
  allocF32(length: number): number {
    return this.allocator.alloc(length * 4);
  }

  /** Frees a block returned by an alloc method. */
  free(ptr: number): void {
    this.allocator.release(ptr);
  }
}

let core: Core | undefined;
let loading: Promise<Core> | undefined;

/** Loads the WebAssembly core; safe to call many times, it loads once. */
export function init(options: InitOptions = {}): Promise<Core> {
  if (core) return Promise.resolve(core);
  loading ??= load(options.wasm).then((c) => (core = c)).catch((e) => {
    loading = undefined;
    throw e;
  });
  return loading;
}

/** The loaded core; throws a StateError when init() has not finished. */
export function getCore(): Core {
  if (!core) throw new StateError("the WebAssembly core is not loaded: await init() (or a factory such as mlp()) first");
  return core;
}

async function load(source: WasmSource | undefined): Promise<Core> {
  const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES });
  const bytes = source instanceof WebAssembly.Module ? source : await readWasm(source ?? defaultWasmUrl());
  try {
    const { exports } = await instantiate<Record<string, unknown>>(bytes, { env: { memory } });
    return new Core(exports as unknown as Kernels, memory);
  } catch (e) {
    throw new CoreError(`the WebAssembly core failed to load: ${(e as Error).message}`);
  }
}

function defaultWasmUrl(): URL {
  return new URL("../build/wasmlp.wasm", import.meta.url);
}

async function readWasm(source: URL | string | ArrayBuffer | Uint8Array): Promise<ArrayBuffer | Uint8Array> {
  if (typeof source !== "string" && !(source instanceof URL)) return source;
  const href = String(source);
  try {
    if (isFilePath(source)) {
      const { readFile } = await import("node:fs/promises");
      return new Uint8Array(await readFile(href.startsWith("file:") ? new URL(href) : href));
    }
    const response = await fetch(source);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  } catch (e) {
    throw new CoreError(`cannot read the WebAssembly core from ${href}: ${(e as Error).message}`);
  }
}

/** file: URLs, and in Node plain paths, are read from disk; everything else is fetched. */
function isFilePath(source: URL | string): boolean {
  const href = String(source);
  if (href.startsWith("file:")) return true;
  const inNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";
  return inNode && typeof source === "string" && !/^(https?|data|blob):/i.test(href);
}
