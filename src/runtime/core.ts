// Loads the WebAssembly core once and owns its memory. Node and browsers share
// this path; only fetching the .wasm bytes differs.
import { Allocator, PAGE } from "./allocator.js";
import { ConfigError, CoreError, StateError } from "../errors.js";
import { booleanOption, choiceOption, integerOption } from "../util/options.js";
import { KernelCounters, type CoreStats, type KernelProfile, type Kernels } from "./kernels.js";
import { embeddedWasm, wasmEmbedded } from "./embedded.js";
import { isNode, nodeImport } from "./platform.js";
import { readBytes, type ByteSource } from "./read-bytes.js";
import { parallelKernels, POOL_KERNELS } from "./threads/parallel.js";
import { Pool } from "./threads/pool.js";
import { VERSION } from "./version.js";

/** Addresses stay below 2 GiB so pointers read back as positive numbers in JavaScript. */
const MAX_PAGES = 32767;

/** Where the .wasm comes from: a URL (in Node also a path), its bytes, a Blob or Response, or a compiled module. */
export type WasmSource = ByteSource | WebAssembly.Module;

/** The core's two builds from one source: 'relaxed' multiplies-and-adds in one fused instruction, 'plain' in two. */
export type SimdBuild = "relaxed" | "plain";

/** Options of init(). */
export interface InitOptions {
  /** The core's .wasm; defaults to the file shipped beside this package. */
  wasm?: WasmSource;
  /**
   * Threads for large multiplies and optimizer passes, the calling thread included; default: the
   * number of cores. 1 turns the pool off. Needs shared memory (always in Node; in browsers only when
   * the page is cross-origin isolated, otherwise one thread is used).
   */
  threads?: number;
  /**
   * Which build to load: 'auto' (default) takes the relaxed-SIMD build (fused multiply-add, faster)
   * where the engine supports it and the plain SIMD build otherwise; 'relaxed' or 'plain' forces one.
   * 'relaxed' throws a CoreError where unsupported (Node 20 needs --experimental-wasm-relaxed-simd;
   * Node 22+ and Chromium 114+ have it). With `wasm` given, a forced value must match that module.
   */
  simd?: "auto" | SimdBuild;
  /**
   * Load the checked build instead: every kernel checks its sizes, alignment and that its pointers
   * and extents lie inside memory, and a failed check is a CoreError naming the check's file and line.
   * For finding a wrong pointer or size in code that calls kernels; slower, plain SIMD, one thread.
   */
  debug?: boolean;
}

/** The loaded core: its kernels, memory, allocator and thread pool. */
export class Core {
  readonly allocator: Allocator;
  private pool: Pool | undefined;
  private parallel: Kernels | undefined;
  private threadCount = 1;
  private workspaces: { ptr: number; bytes: number }[] = [];
  private recovering: Promise<void> | undefined;
  private readonly counters: KernelCounters;
  /** `raw` with its calls counted; each call looks its function up in `raw`, so a swapped `raw` is counted too. */
  private readonly counted: Kernels;
  /** While profiling: the kernels in use, each call timed. */
  private timed: Kernels | undefined;
  /** Which build runs, as the module itself reports it. */
  readonly build: SimdBuild;

  constructor(readonly raw: Kernels, readonly memory: WebAssembly.Memory,
    private readonly module: WebAssembly.Module, readonly shared: boolean, readonly file: string) {
    this.allocator = new Allocator(memory, raw.heap_base(), MAX_PAGES * PAGE);
    this.build = typeof raw.simd_build === "function" && raw.simd_build() === 1 ? "relaxed" : "plain";
    this.counters = new KernelCounters(Object.keys(raw).filter((name) => typeof (raw as unknown as Record<string, unknown>)[name] === "function"));
    this.counted = this.counters.count(() => this.raw);
  }

  /** The kernels, each call counted (see stats()); with more than one thread the heavy ones are split across the pool. */
  get kernels(): Kernels {
    return this.timed ?? this.untimed();
  }

  private untimed(): Kernels {
    return this.threadCount > 1 && this.parallel ? this.parallel : this.counted;
  }

  /**
   * Times every kernel call from now on (see profile()), or stops. Off by default; while off, no timing
   * wrapper is installed, so it costs nothing. The timing itself costs well under a microsecond a call.
   */
  setProfiling(on: boolean): void {
    booleanOption(on, "setProfiling: on");
    this.counters.profiling = on;
    this.timed = on ? this.counters.time(() => this.untimed()) : undefined;
  }

  /** Whether kernel calls are being timed (setProfiling). */
  get profiling(): boolean {
    return this.timed !== undefined;
  }

  /**
   * Time spent in kernel calls while profiling was on, since the core loaded or since resetStats(): by kernel,
   * and the GEMMs by shape; a split call's time includes its wait on the pool, also given apart.
   */
  profile(): KernelProfile {
    return this.counters.profile();
  }

  /**
   * Counts since the core loaded or since resetStats(): kernel calls by thread and by kernel,
   * calls split across the pool and the shares its workers ran. Calls through `raw` are not counted.
   */
  stats(): CoreStats {
    return this.counters.snapshot();
  }

  /** Sets the counts of stats() and the times of profile() back to zero. */
  resetStats(): void {
    this.counters.reset();
  }

  /** Whether this is the checked (debug) build, whose kernels check every call. */
  get checked(): boolean {
    return importsAbort(this.module);
  }

  /** Threads in use, the calling thread included. */
  get threads(): number {
    return this.threadCount;
  }

  /** Uses `n` threads from now on (1 = no pool); results are bit-identical for every n. */
  async setThreads(n: number): Promise<void> {
    integerOption(n, "threads");
    const wanted = this.shared ? Math.min(n, MAX_THREADS) : 1;
    if (wanted - 1 !== (this.pool?.size ?? 0)) {
      await this.stopPool();
      if (wanted > 1) {
        this.pool = await Pool.start(wanted - 1, this.module, this.memory, [...POOL_KERNELS], () => this.recover(wanted));
        this.parallel = parallelKernels(this.counted, this.pool, () => this.threadCount,
          (t, bytes) => this.workspace(t, bytes), this.counters);
      }
    }
    this.threadCount = wanted;
  }

  /** After a worker failure: run on one thread at once, and start a fresh pool in the background. */
  private recover(threads: number): void {
    const dead = this.pool;
    this.pool = undefined;
    this.parallel = undefined;
    this.threadCount = 1;
    this.recovering = (async () => {
      await dead?.close();
      if (!this.pool) await this.setThreads(threads);
    })().catch(() => { /* stays on one thread */ }).finally(() => { this.recovering = undefined; });
  }

  /** Resolves once a pool restarted after a failure is running (at once when none is). */
  async recovered(): Promise<void> {
    await this.recovering;
  }

  /** Stops the worker threads; the core keeps working on one thread. */
  async stopPool(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    this.parallel = undefined;
    this.threadCount = 1;
    for (const w of this.workspaces) this.free(w.ptr);
    this.workspaces = [];
    await pool?.close();
  }

  /** Scratch memory of at least `bytes` for pool worker t, kept between calls. */
  private workspace(t: number, bytes: number): number {
    const w = (this.workspaces[t] ??= { ptr: 0, bytes: 0 });
    if (w.bytes < bytes) {
      if (w.ptr) this.free(w.ptr);
      w.ptr = this.allocator.alloc(bytes);
      w.bytes = bytes;
    }
    return w.ptr;
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

/** More threads than this never pays for an MLP's matrix sizes. */
const MAX_THREADS = 16;

let core: Core | undefined;
let loading: Promise<Core> | undefined;

/** Loads the WebAssembly core and starts its threads; safe to call many times, it loads once. */
export function init(options: InitOptions = {}): Promise<Core> {
  // Checked even when the core is loaded already, so a bad option is never silently ignored.
  try {
    checkInitOptions(options);
  } catch (e) {
    return Promise.reject(e);
  }
  if (core && options.simd && options.simd !== "auto" && options.simd !== core.build) {
    return Promise.reject(new CoreError(`init: simd '${options.simd}' asked for, but the core is already loaded as the ${core.build} build`));
  }
  if (core && options.debug !== undefined && options.debug !== core.checked) {
    return Promise.reject(new CoreError(`init: debug ${options.debug} asked for, but the core is already loaded ${core.checked ? "as" : "without"} the checked build`));
  }
  if (core) return Promise.resolve(core);
  loading ??= load(options).then((c) => (core = c)).catch((e) => {
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

/** A core of its own, apart from the one init() shares: for tests and benchmarks comparing builds. */
export function createCore(options: InitOptions = {}): Promise<Core> {
  return load(options);
}

/**
 * Whether this engine runs relaxed-SIMD modules, by validating a tiny module
 * (one function: f32x4.relaxed_madd of its v128 argument with itself, twice).
 */
export function relaxedSimdSupported(): boolean {
  relaxedSupport ??= WebAssembly.validate(new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
    0x01, 0x06, 0x01, 0x60, 0x01, 0x7b, 0x01, 0x7b, // type section: (v128) -> v128
    0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
    0x0a, 0x0d, 0x01, 0x0b, 0x00, // code section: one body of 11 bytes, no locals
    0x20, 0x00, 0x20, 0x00, 0x20, 0x00, // local.get 0 (three times)
    0xfd, 0x85, 0x02, 0x0b, // f32x4.relaxed_madd (0xfd 0x105), end
  ]));
  return relaxedSupport;
}
let relaxedSupport: boolean | undefined;

/** Changes the number of threads of the loaded core (loading it first if needed). */
export async function setThreads(n: number): Promise<void> {
  await (await init()).setThreads(n);
}

/** Stops the thread pool so nothing keeps running; the core stays usable on one thread. */
export async function shutdown(): Promise<void> {
  await core?.stopPool();
}

/** Checks init()'s threads, simd and debug options; throws a ConfigError naming the first bad one. */
function checkInitOptions(options: InitOptions): void {
  if (options.threads !== undefined) integerOption(options.threads, "init: threads");
  if (options.simd !== undefined) choiceOption(options.simd, "init: simd", ["auto", "relaxed", "plain"] as const);
  if (options.debug !== undefined) booleanOption(options.debug, "init: debug");
}

async function load(options: InitOptions): Promise<Core> {
  checkInitOptions(options);
  requireSimd();
  const simd = options.simd ?? "auto";
  const debug = options.debug === true;
  if (debug && simd === "relaxed") throw new ConfigError("init: the debug build is the plain SIMD build; leave simd at 'auto' or 'plain'");
  if (simd === "relaxed" && options.wasm === undefined && !relaxedSimdSupported()) {
    throw new CoreError("init: simd 'relaxed' needs relaxed SIMD (f32x4.relaxed_madd), which this engine does not support; " +
      "Node 20 runs it with --experimental-wasm-relaxed-simd, Node 22+ and Chromium 114+ by default (or use simd: 'auto')");
  }
  const relaxed = !debug && (simd === "relaxed" || (simd === "auto" && relaxedSimdSupported()));
  const shared = !debug && !wasmEmbedded() && sharedMemoryAvailable();
  const file = debug ? "wasmlp-debug.wasm" : `wasmlp${relaxed ? "-relaxed" : ""}${shared ? "-shared" : ""}.wasm`;
  const source = options.wasm ?? (debug ? (await import("./debug.js")).debugWasm() : await embeddedWasm(relaxed) ?? shippedWasm(relaxed, shared));
  const compiled = source instanceof WebAssembly.Module ? source
    : await compile(await readBytes(source, { where: "init: wasm", what: "the WebAssembly core", error: CoreError, paths: true }));
  // A module supplied by the caller may import either kind of memory: try shared first.
  for (const useShared of shared ? [true, false] : [false]) {
    const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: useShared } as WebAssembly.MemoryDescriptor);
    try {
      // A release build imports only its memory and exports plain functions: no loader glue is needed.
      // The checked build also imports abort, which @assemblyscript/loader supplies.
      const exports = importsAbort(compiled)
        ? await (await import("./debug.js")).instantiateChecked(compiled, memory)
        : (await WebAssembly.instantiate(compiled, { env: { memory } })).exports as Record<string, unknown>;
      checkVersion(exports, typeof source === "string" || source instanceof URL ? String(source) : "the module given as wasm");
      const c = new Core(exports as unknown as Kernels, memory, compiled, useShared, options.wasm ? "custom" : file);
      if (simd !== "auto" && c.build !== simd) throw new CoreError(`init: simd '${simd}' asked for, but the module given as wasm is the ${c.build} build`);
      await c.setThreads(options.threads ?? await defaultThreads());
      return c;
    } catch (e) {
      if (useShared && options.wasm !== undefined && e instanceof WebAssembly.LinkError) continue;
      throw e instanceof CoreError ? e : new CoreError(`the WebAssembly core failed to load: ${(e as Error).message}`);
    }
  }
  throw new CoreError("the WebAssembly core failed to load: its memory import matches neither shared nor unshared memory");
}

/** Whether `module` is the checked build: it imports abort, which release builds never do. */
function importsAbort(module: WebAssembly.Module): boolean {
  return WebAssembly.Module.imports(module).some((i) => i.module === "env" && i.name === "abort");
}

/**
 * The .wasm shipped beside this module. One literal `new URL(…, import.meta.url)` per file, so that
 * Vite, webpack 5 and Parcel find and emit each of them (a computed path would defeat them).
 */
function shippedWasm(relaxed: boolean, shared: boolean): URL {
  if (relaxed) return shared ? new URL("../../build/wasmlp-relaxed-shared.wasm", import.meta.url) : new URL("../../build/wasmlp-relaxed.wasm", import.meta.url);
  return shared ? new URL("../../build/wasmlp-shared.wasm", import.meta.url) : new URL("../../build/wasmlp.wasm", import.meta.url);
}

/** Refuses engines without WebAssembly SIMD, naming the requirement rather than failing to compile. */
export function requireSimd(): void {
  simdSupport ??= typeof WebAssembly === "object" && WebAssembly.validate(SIMD_PROBE);
  if (!simdSupport) {
    throw new CoreError("wasmlp needs WebAssembly SIMD (128-bit fixed-width SIMD), which this engine does not support; " +
      "it ships in Chrome/Edge 91+, Firefox 89+, Safari 16.4+ and Node 16.4+");
  }
}
let simdSupport: boolean | undefined;
/** A module with one function returning a v128 constant: valid only where SIMD is. */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x16, 0x01, 0x14, 0x00, // code section: one body of 20 bytes, no locals
  0xfd, 0x0c, ...new Array<number>(16).fill(0), 0x0b, // v128.const 0, end
]);

/** Refuses a .wasm built for another wasmlp version: its kernels may not match this JavaScript. */
function checkVersion(exports: Record<string, unknown>, where: string): void {
  const reported = typeof exports.wasmlp_version === "function" ? (exports.wasmlp_version as () => number)() : undefined;
  const found = reported === undefined ? undefined : `${Math.floor(reported / 1e6)}.${Math.floor(reported / 1e3) % 1e3}.${reported % 1e3}`;
  if (found === VERSION.replace(/[-+].*$/, "")) return;
  throw new CoreError(found === undefined
    ? `the WebAssembly core (${where}) reports no wasmlp version, but this JavaScript is wasmlp ${VERSION}; ` +
      "load the .wasm files of the same release"
    : `the WebAssembly core (${where}) is wasmlp ${found}, but this JavaScript is wasmlp ${VERSION}; ` +
      "load the .wasm files of the same release (a cached or separately deployed .wasm is the usual cause)");
}

async function compile(bytes: ArrayBuffer | Uint8Array): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes as BufferSource);
  } catch (e) {
    throw new CoreError(`the WebAssembly core failed to load: ${(e as Error).message}`);
  }
}

/** Shared memory needs SharedArrayBuffer: always in Node, only cross-origin isolated pages in browsers. */
function sharedMemoryAvailable(): boolean {
  const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean };
  if (typeof g.SharedArrayBuffer !== "function") return false;
  return isNode || g.crossOriginIsolated === true;
}

/** The number of cores, as the platform reports it. */
async function defaultThreads(): Promise<number> {
  const g = globalThis as { navigator?: { hardwareConcurrency?: number } };
  const cores = isNode
    ? (await nodeImport<typeof import("node:os")>("node:os")).availableParallelism()
    : g.navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(MAX_THREADS, cores));
}
