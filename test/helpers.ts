// Shared test utilities: load the core, move arrays in and out of linear memory,
// seeded data, float64 comparisons, running the CLI and temporary folders.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll } from "vitest";
import { init, type Core } from "../src/runtime/core.js";
import { mulberry32 } from "../src/data/toy.js";

/** Loads the core once for a test file. */
export async function loadCore(): Promise<Core> {
  return init();
}

/** Copies a Float32Array (or numbers) into freshly allocated core memory. */
export function putF32(core: Core, data: ArrayLike<number>): number {
  const ptr = core.allocator.alloc(Math.max(1, data.length) * 4);
  core.f32(ptr, data.length).set(data);
  return ptr;
}

/** Copies integers into freshly allocated core memory as int32. */
export function putI32(core: Core, data: ArrayLike<number>): number {
  const ptr = core.allocator.alloc(Math.max(1, data.length) * 4);
  core.i32(ptr, data.length).set(data);
  return ptr;
}

/** Copies `n` floats out of core memory. */
export function getF32(core: Core, ptr: number, n: number): Float32Array {
  return core.f32(ptr, n).slice();
}

/** A small seeded generator (mulberry32) for test data, independent of the core's RNG. */
export const rng = mulberry32;

/** n uniform floats in [lo, hi). */
export function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** Largest |a−b| / max(1, |b|) over two arrays; b is the float64 reference. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  }
  return worst;
}

/**
 * Loads the core for a test file and hands `onCore` the loaded core; `f32`/`i32` copy data into
 * core memory, and everything they allocate is freed after each test.
 */
export function kernelArena(onCore: (core: Core) => void): { f32(data: ArrayLike<number>): number; i32(data: ArrayLike<number>): number } {
  let core: Core;
  let ptrs: number[] = [];
  beforeAll(async () => { core = await loadCore(); onCore(core); });
  afterEach(() => { for (const p of ptrs) core.free(p); ptrs = []; });
  const keep = (p: number) => { ptrs.push(p); return p; };
  return { f32: (data) => keep(putF32(core, data)), i32: (data) => keep(putI32(core, data)) };
}

/** What a CLI run gives back. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (dist/cli/main.js) in `cwd` with `args`; resolves with its exit code and output (never rejects on a non-zero exit). */
export function runCli(cwd: string, ...args: string[]): Promise<CliRun> {
  return runCliWith({ cwd }, ...args);
}

/** runCli with `stdin` written to the CLI's standard input (then closed) and `node` options before the script (a heap limit, say). */
export function runCliWith(options: { cwd: string; stdin?: string | Uint8Array; node?: string[] }, ...args: string[]): Promise<CliRun> {
  const bin = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [...(options.node ?? []), bin, ...args], { cwd: options.cwd, env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 1 << 26 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
      });
    if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  });
}

/** A fresh temporary folder named after `prefix`, and a function removing it (for afterAll). */
export async function scratchDir(prefix: string): Promise<{ dir: string; at: (name: string) => string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `wasmlp-${prefix}-`));
  return { dir, at: (name) => join(dir, name), remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Watches the core's allocator: `peak()` is the most bytes in use since `reset()` (a load that fails late has allocated too); `restore()` puts the allocator back. */
export function watchPeakAllocation(core: Core): { reset(): void; peak(): number; restore(): void } {
  const allocator = core.allocator;
  const alloc = allocator.alloc;
  let peak = allocator.bytesInUse;
  allocator.alloc = function (bytes: number) {
    const p = alloc.call(this, bytes);
    peak = Math.max(peak, allocator.bytesInUse);
    return p;
  };
  return { reset: () => { peak = allocator.bytesInUse; }, peak: () => peak, restore: () => { allocator.alloc = alloc; } };
}
