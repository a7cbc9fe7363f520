// Memory: dispose() frees everything a model holds in the core; a model
// dropped without dispose() is freed once garbage-collected; 10,000 models
// created, trained, used and disposed leave the core and the process where
// they started; and requests too big for the core fail cleanly.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { beforeAll, describe, expect, it } from "vitest";
import { CoreError, getCore, init, load, mlp, Sequential, sequential, StateError } from "../src/index.js";
import { dense, dropout, maxout } from "../src/model/builders.js";
import { randomF32 } from "./helpers.js";

beforeAll(async () => { await init(); });

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Collects garbage until FinalizationRegistry callbacks have had a chance to run. */
async function collect(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
}

const inUse = () => getCore().allocator.bytesInUse;

/** The largest block the core can still hand out, found by asking (a refused request changes nothing). */
function largestBlock(): number {
  const { allocator } = getCore();
  let fits = 0;
  let refused = 2 ** 31;
  while (refused - fits > 64) {
    const bytes = Math.floor((fits + refused) / 128) * 64;
    try {
      allocator.release(allocator.alloc(bytes));
      fits = bytes;
    } catch (e) {
      if (!(e instanceof CoreError)) throw e;
      refused = bytes;
    }
  }
  return fits;
}

describe("memory", () => {
  it("10,000 models created, trained, used and disposed: core memory back to its start, heap and external memory flat, and RSS on Node 20", async () => {
    const x = randomF32(8 * 4, 1);
    const y = Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1]);
    const cycle = async (i: number) => {
      const m = new Sequential({ inputs: 4, layers: i % 2 ? [dense(6, "relu"), dense(3, "softmax")] : [maxout(3, 2), dropout(0.1), dense(3, "softmax")], seed: i });
      m.compile({ optimizer: i % 3 ? "adam" : "sgd", metrics: ["accuracy"] });
      await m.fit(x, y, { epochs: 1, batchSize: 4 });
      m.predict(x);
      m.predictClasses(x);
      m.dispose();
    };
    // Warm-up: JIT tiers, V8's heap sizing and the allocator's free list settle within ~2,000 models.
    for (let i = 0; i < 2000; i++) await cycle(i);
    await collect();
    const startBytes = inUse();
    const startMemory = getCore().memory.buffer.byteLength;
    const startRss = process.memoryUsage().rss;
    const startHeap = process.memoryUsage().heapUsed;
    const startExternal = process.memoryUsage().external;
    const started = Date.now();
    for (let i = 0; i < 10_000; i++) await cycle(i);
    await collect();
    const grewRss = process.memoryUsage().rss - startRss;
    const grewHeap = process.memoryUsage().heapUsed - startHeap;
    const grewExternal = process.memoryUsage().external - startExternal;
    const mib = (v: number) => `${(v / 2 ** 20).toFixed(1)} MiB`;
    console.log(`10,000 models in ${Date.now() - started} ms; core bytes in use ${startBytes} → ${inUse()}; ` +
      `core memory ${startMemory} → ${getCore().memory.buffer.byteLength} bytes; RSS grew ${mib(grewRss)}, JS heap ${mib(grewHeap)}, external ${mib(grewExternal)}`);
    expect(inUse()).toBe(startBytes);
    expect(getCore().memory.buffer.byteLength).toBe(startMemory);
    // Bounds: RSS within 24 MiB (measured: 8–9 MiB, allocator pages settling) and the JS heap within
    // 4 MiB (measured: 0.3 MiB); the core's own bytes must match exactly. 400 bytes a model would be 4 MiB.
    expect(grewHeap).toBeLessThan(4 * 2 ** 20);
    // Buffers outside the JS heap (typed arrays, WebAssembly memories) a model might leave behind.
    expect(grewExternal).toBeLessThan(4 * 2 ** 20);
    // From V8 12 (Node 22) on, the engine keeps reserving pages for ~15,000 models before RSS levels off,
    // with the heap in use and external memory flat; RSS is bounded where the engine settles within the warm-up.
    if (Number(process.versions.node.split(".")[0]) < 22) expect(grewRss).toBeLessThan(24 * 2 ** 20);
  }, 60_000);

  it("a model dropped without dispose() is freed once it is garbage-collected", async () => {
    await collect();
    const start = inUse();
    await (async () => {
      for (let i = 0; i < 100; i++) {
        const m = await mlp([16, 64, 4], { seed: i });
        m.compile();
        await m.fit(randomF32(16 * 10, i), Int32Array.from({ length: 10 }, (_, r) => r % 4), { epochs: 1 });
        m.setPreprocessing({ method: "scale", scale: 0.5, offset: Array.from({ length: 16 }, () => 0.1) } as never);
      }
    })();
    expect(inUse()).toBeGreaterThan(start);
    await collect();
    expect(inUse()).toBe(start);
  });

  it("dispose() is the contract: using a disposed model is a StateError, disposing twice is harmless", async () => {
    const start = inUse();
    const m = (await mlp([3, 4, 2], { seed: 1 })).compile();
    m.dispose();
    expect(inUse()).toBe(start);
    expect(() => m.predict(new Float32Array(3))).toThrow(StateError);
    expect(() => m.getWeights()).toThrow(/has been disposed/);
    await expect(m.fit(new Float32Array(3), [0])).rejects.toThrow(StateError);
    expect(() => m.dispose()).not.toThrow();
    await collect();
    expect(inUse()).toBe(start);
  });

  it("a model too big for the core is a CoreError saying how many bytes, and nothing leaks", async () => {
    const start = inUse();
    let error: unknown;
    try {
      new Sequential({ inputs: 100_000, layers: [dense(100_000), dense(10)] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CoreError);
    expect((error as Error).message).toMatch(/a network of 10001100010 parameters does not fit: out of memory: \d+ bytes requested .*memory limit is 2147418112 bytes/);
    expect(inUse()).toBe(start);
    await expect(sequential({ inputs: 2, layers: [dense(3e9)] })).rejects.toThrow(CoreError);
    expect(inUse()).toBe(start);
  });

  it("optimizer state that does not fit fails compile() and leaves the model as it was", async () => {
    const core = getCore();
    const m = new Sequential({ inputs: 100, layers: [dense(1000)], seed: 1 });
    m.compile({ optimizer: "sgd" });
    // Fill the core (reserved, never touched, so it costs no RAM) up to room for one of Adam's two buffers.
    const limit = 32767 * 65536;
    const top = limit - largestBlock();
    const filler = core.allocator.alloc(limit - top - Math.round(1.5 * m.parameterCount * 4));
    try {
      const before = inUse();
      expect(() => m.compile({ optimizer: "adam" })).toThrow(/out of memory: \d+ bytes requested/);
      expect(inUse()).toBe(before);
      expect(m.state().compile!.optimizer.type).toBe("sgd");
    } finally {
      core.free(filler);
    }
    m.dispose();
  });

  it("a batch too big for the core fails predict with a CoreError; smaller batches still work", async () => {
    // Weights are small (1 × 600,000), but one 1,024-row chunk of outputs would be 2.4 GB.
    const start = inUse();
    const m = new Sequential({ inputs: 1, layers: [dense(600_000), dense(1)], seed: 1 });
    expect(() => m.predict(new Float32Array(2000))).toThrow(/out of memory: 2457600000 bytes requested/);
    expect(m.predict(new Float32Array(3)).every(Number.isFinite)).toBe(true);
    m.dispose();
    expect(inUse()).toBe(start);
  }, 30_000);

  it("loading a model file still works after the core refused a request", async () => {
    const m = await mlp([4, 8, 2], { seed: 3 });
    const file = m.save();
    const start = inUse();
    expect(() => new Sequential({ inputs: 100_000, layers: [dense(100_000)] })).toThrow(/out of memory/);
    expect(inUse()).toBe(start);
    const copy = await load(file);
    expect(Array.from(copy.predict(new Float32Array(4)))).toEqual(Array.from(m.predict(new Float32Array(4))));
    m.dispose();
    copy.dispose();
  });
});
