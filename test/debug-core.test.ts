// The checked (debug) build: a wrong pointer or size from TypeScript is a
// CoreError naming the check's file and line, a right call gives the plain
// build's bits, and the release builds carry no check: they import only their
// memory and hold no state of their own.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ConfigError, CoreError } from "../src/errors.js";
import { createCore, init, type Core } from "../src/runtime/core.js";
import { getF32, putF32, randomF32 } from "./helpers.js";

const RELEASES = ["wasmlp.wasm", "wasmlp-relaxed.wasm", "wasmlp-shared.wasm", "wasmlp-relaxed-shared.wasm"];
const wasm = (name: string) => readFile(new URL(`../build/${name}`, import.meta.url));

/** Reads an unsigned LEB128 number at bytes[at]; returns it and the offset after it. */
function leb(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, at];
  }
}

/** The sections of a module: id and body. */
function sections(bytes: Uint8Array): { id: number; body: number; end: number }[] {
  const out = [];
  for (let at = 8; at < bytes.length;) {
    const [size, body] = leb(bytes, at + 1);
    out.push({ id: bytes[at], body, end: body + size });
    at = body + size;
  }
  return out;
}

/** "module.name:kind" of each import (section 2), read from the bytes: relaxed builds need not compile here. */
function imports(bytes: Uint8Array): string[] {
  const kinds = ["function", "table", "memory", "global"];
  const text = (p: number): [string, number] => {
    const [n, q] = leb(bytes, p);
    return [new TextDecoder().decode(bytes.subarray(q, q + n)), q + n];
  };
  const out: string[] = [];
  for (const s of sections(bytes).filter((s) => s.id === 2)) {
    let [count, p] = leb(bytes, s.body);
    for (; count > 0; count--) {
      const [module, q] = text(p);
      const [name, r] = text(q);
      const kind = bytes[r];
      out.push(`${module}.${name}:${kinds[kind]}`);
      p = r + 1;
      if (kind === 0) p = leb(bytes, p)[1]; // type index
      else if (kind === 1) p = limits(p + 1); // reference type, limits
      else if (kind === 2) p = limits(p);
      else p += 2; // value type, mutability
    }
  }
  return out;
  function limits(p: number): number {
    const flags = bytes[p];
    let q = leb(bytes, p + 1)[1];
    if (flags & 1) q = leb(bytes, q)[1];
    return q;
  }
}

/** The mutability flag of each global a module defines (section 6). */
function globalMutability(bytes: Uint8Array): number[] {
  const flags: number[] = [];
  for (const s of sections(bytes).filter((s) => s.id === 6)) {
    let [count, p] = leb(bytes, s.body);
    for (; count > 0; count--) {
      flags.push(bytes[p + 1]); // value type, then mutability, then a constant expression ending in 0x0b
      p += 2;
      while (bytes[p] !== 0x0b) p++;
      p++;
    }
  }
  return flags;
}

/** The line of assembly/<file> holding `text`, 1-based. */
async function lineOf(file: string, text: string): Promise<number> {
  const lines = (await readFile(new URL(`../assembly/${file}`, import.meta.url), "utf8")).split("\n");
  const i = lines.findIndex((l) => l.includes(text));
  expect(i, `${text} in assembly/${file}`).toBeGreaterThanOrEqual(0);
  return i + 1;
}

describe("release builds", () => {
  it("import only their memory (no abort) and define no mutable global", async () => {
    for (const name of RELEASES) {
      const bytes = new Uint8Array(await wasm(name));
      expect(imports(bytes), name).toEqual(["env.memory:memory"]);
      expect(globalMutability(bytes).filter((m) => m !== 0), name).toEqual([]);
    }
  });

  it("the readers see the checked build's abort import and a module's mutable global", async () => {
    const debug = new Uint8Array(await wasm("wasmlp-debug.wasm"));
    expect(imports(debug)).toEqual(WebAssembly.Module.imports(await WebAssembly.compile(debug)).map((i) => `${i.module}.${i.name}:${i.kind}`));
    expect(imports(debug)).toContain("env.abort:function");
    // (module (global (mut i32) (i32.const 0)))
    const mutable = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 6, 6, 1, 0x7f, 1, 0x41, 0, 0x0b]);
    expect(WebAssembly.validate(mutable)).toBe(true);
    expect(globalMutability(mutable)).toEqual([1]);
  });
});

describe("the checked build", () => {
  const M = 5, N = 24, K = 9;
  /** A·B on `core` with the operands of seed 1 and 2; returns C. */
  const product = (core: Core) => {
    const a = putF32(core, randomF32(M * K, 1));
    const b = putF32(core, randomF32(K * N, 2));
    const c = core.allocF32(M * N);
    const work = core.allocator.alloc(core.kernels.gemm_work_bytes(M, N, K));
    core.kernels.gemm_nn(M, N, K, a, K, b, N, c, N, 0, work);
    return { a, b, c, work, out: getF32(core, c, M * N) };
  };

  it("loads through init({ debug: true }) and gives the plain build's bits", async () => {
    const debug = await createCore({ debug: true, threads: 2 });
    const plain = await createCore({ simd: "plain", threads: 1 });
    expect(debug.checked).toBe(true);
    expect(plain.checked).toBe(false);
    expect(debug.file).toBe("wasmlp-debug.wasm");
    expect(debug.build).toBe("plain");
    expect(debug.threads).toBe(1);
    expect(Array.from(product(debug).out)).toEqual(Array.from(product(plain).out));
    await plain.stopPool();
  });

  it("a GEMM with C outside memory is a CoreError naming the check's file and line, and C is not written", async () => {
    const core = await createCore({ debug: true });
    const { a, b, c, work, out } = product(core);
    const outside = core.memory.buffer.byteLength - 4 * N;
    const error = (() => {
      try {
        core.kernels.gemm_nn(M, N, K, a, K, b, N, outside, N, 0, work);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(CoreError);
    const line = await lineOf("gemm.ts", `"gemm_nn: C outside memory`);
    expect((error as Error).message).toContain(`gemm_nn: C outside memory, misaligned or ldc too small (assembly/gemm.ts, line ${line})`);
    // A leading dimension shorter than a row stops the call before anything is written.
    getF32(core, c, M * N);
    expect(() => core.kernels.gemm_nn(M, N, K, a, K - 1, b, N, c, N, 1, work)).toThrow(/gemm_nn: A outside memory, misaligned or lda too small/);
    expect(Array.from(getF32(core, c, M * N))).toEqual(Array.from(out));
  });

  it("checks every kernel family: a misaligned pointer, a negative size, a short buffer", async () => {
    const core = await createCore({ debug: true });
    const x = core.allocF32(64);
    const k = core.kernels;
    expect(() => k.scale(x + 2, 4, 2)).toThrow(new RegExp(`scale: x outside memory or misaligned \\(assembly/reduce.ts, line ${await lineOf("reduce.ts", `"scale: x outside`)}\\)`));
    expect(() => k.activation_backward(1, x, x, x, -1, 0)).toThrow(/activation_backward: a negative size \(assembly\/activations.ts/);
    expect(() => k.adam_update(x, x, x, core.memory.buffer.byteLength - 8, 64, 0.1, 0.9, 0.999, 1, 1e-8, 0)).toThrow(/adam_update: v outside memory/);
    expect(() => k.softmax_cross_entropy_index(x, x, 0, 1 << 20, 10)).toThrow(CoreError);
    // Right calls still run.
    core.f32(x, 4).set([1, 2, 3, 4]);
    k.scale(x, 4, 2);
    expect(Array.from(core.f32(x, 4))).toEqual([2, 4, 6, 8]);
  });

  it("a gather whose index points outside memory is refused", async () => {
    const core = await createCore({ debug: true });
    const src = core.allocF32(8);
    const index = core.allocator.alloc(4);
    const dst = core.allocF32(8);
    core.i32(index, 1)[0] = 2 ** 28;
    expect(() => core.kernels.gather_rows(src, index, dst, 1, 8)).toThrow(/gather_rows: a row index points outside memory \(assembly\/reduce.ts/);
    core.i32(index, 1)[0] = 0;
    expect(() => core.kernels.gather_rows(src, index, dst, 1, 8)).not.toThrow();
  });

  it("init() refuses to switch between the checked and the release build once loaded", async () => {
    const loaded = await init();
    await expect(init({ debug: !loaded.checked })).rejects.toThrow(CoreError);
    await expect(init({ debug: !loaded.checked })).rejects.toThrow(/already loaded/);
    expect(await init({ debug: loaded.checked })).toBe(loaded);
  });

  it("debug must be a boolean and cannot be combined with relaxed SIMD", async () => {
    await expect(createCore({ debug: "yes" as never })).rejects.toThrow(ConfigError);
    await expect(createCore({ debug: true, simd: "relaxed" })).rejects.toThrow(/debug build is the plain SIMD build/);
  });
});
