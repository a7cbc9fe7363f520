// The core's loader and the allocator that owns its memory.
import { readFile } from "node:fs/promises";
import { describe, expect, it, vi } from "vitest";
import { Allocator } from "../src/runtime/allocator.js";
import { createCore, init, getCore } from "../src/runtime/core.js";
import { CoreError, mlp, Sequential } from "../src/index.js";

describe("allocator", () => {
  const make = (maxBytes = 1 << 24) => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 512 });
    return { memory, a: new Allocator(memory, 100, maxBytes) };
  };

  it("hands out aligned, disjoint blocks and reuses freed ones", () => {
    const { a } = make();
    const p = a.alloc(10);
    const q = a.alloc(100);
    expect(p % 64).toBe(0);
    expect(q % 64).toBe(0);
    expect(p).toBeGreaterThanOrEqual(100);
    expect(q).toBeGreaterThanOrEqual(p + 64);
    expect(a.bytesInUse).toBe(64 + 128);
    a.release(p);
    expect(a.alloc(64)).toBe(p);
  });

  it("coalesces neighbours so a large block fits where small ones were", () => {
    const { a } = make();
    const blocks = [a.alloc(64), a.alloc(64), a.alloc(64)];
    const guard = a.alloc(64);
    for (const b of blocks) a.release(b);
    expect(a.alloc(192)).toBe(blocks[0]);
    a.release(guard);
  });

  it("grows memory on demand and old views must be re-derived", () => {
    const { a, memory } = make();
    const before = memory.buffer;
    const p = a.alloc(200_000);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(p + 200_000);
    expect(before.byteLength).toBe(0); // detached by growth
    a.release(p);
    expect(a.bytesInUse).toBe(0);
  });

  it("refuses double frees and requests over the limit", () => {
    const { a } = make(1 << 20);
    const p = a.alloc(64);
    a.release(p);
    expect(() => a.release(p)).toThrow(/not allocated/);
    expect(() => a.alloc(2 << 20)).toThrow(CoreError);
    expect(() => a.alloc(2 << 20)).toThrow(/out of memory: .* limit is 1048576 bytes/);
  });
});

describe("core", () => {
  it("loads once and is shared", async () => {
    const a = await init();
    const b = await init();
    expect(a).toBe(b);
    expect(getCore()).toBe(a);
  });

  it("loads from bytes and from a module", async () => {
    const bytes = await readFile(new URL("../build/wasmlp.wasm", import.meta.url));
    const module = await WebAssembly.compile(bytes);
    for (const wasm of [bytes, module]) {
      const core = await createCore({ wasm, threads: 1 });
      expect(core.file).toBe("custom");
      expect(core.build).toBe("plain");
      // A kernel runs on the loaded module: the sum of squares of [1, 2, 3].
      const x = core.allocF32(3);
      core.f32(x, 3).set([1, 2, 3]);
      expect(core.kernels.sum_squares(x, 3)).toBe(14);
      core.free(x);
    }
  });

  it("corrupt or missing .wasm is a CoreError, and a later init can still succeed", async () => {
    vi.resetModules();
    const fresh = await import("../src/runtime/core.js");
    const errors = await import("../src/errors.js");
    const bad = await fresh.init({ wasm: new Uint8Array([0, 97, 115, 109, 9, 9, 9, 9]) }).catch((e) => e);
    expect(bad).toBeInstanceOf(errors.CoreError);
    expect(bad.message).toMatch(/failed to load/);
    const missing = await fresh.init({ wasm: "/nonexistent/wasmlp.wasm" }).catch((e) => e);
    expect(missing).toBeInstanceOf(errors.CoreError);
    expect(missing.message).toMatch(/cannot read the WebAssembly core from \/nonexistent/);
    expect(() => fresh.getCore()).toThrow(/not loaded: await init\(\)/);
    const ok = await fresh.init({ wasm: "build/wasmlp.wasm" }); // relative to the working directory
    expect(ok.kernels.heap_base()).toBeGreaterThan(0);
  });

  it("a model returns all its memory on dispose", async () => {
    const core = await init();
    const start = core.allocator.bytesInUse;
    const m = await mlp([4, 16, 3], { seed: 1, dropout: 0.2 });
    m.compile({ metrics: ["accuracy"] });
    const x = new Float32Array(40).map((_, i) => Math.sin(i));
    const y = Int32Array.from({ length: 10 }, (_, i) => i % 3);
    await m.fit(x, y, { epochs: 2, batchSize: 4, validationSplit: 0.2 });
    m.predict(x);
    m.evaluate(x, y);
    expect(core.allocator.bytesInUse).toBeGreaterThan(start);
    m.dispose();
    expect(core.allocator.bytesInUse).toBe(start);
  });

  it("a model rebuilt from its config with the same seed starts from the same weights", async () => {
    const m = await mlp([3, 5, 2], { seed: 11, activation: "tanh" });
    const copy = new Sequential(m.toConfig());
    expect(copy.getWeights()).toEqual(m.getWeights());
    m.dispose();
    copy.dispose();
  });
});
