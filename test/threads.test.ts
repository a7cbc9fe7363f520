// The thread pool: every split kernel gives bit-identical results for any
// thread count, training is identical with 1, 2 and 3 threads, and the pool
// can be resized and shut down.
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCore, init, mlp, setThreads } from "../src/index.js";
import { split } from "../src/runtime/threads/parallel.js";
import { spiral } from "../src/data/toy.js";
import { getF32, putF32, randomF32 } from "./helpers.js";

beforeAll(async () => { await init(); });
afterAll(async () => { await setThreads(2); });

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe("thread pool", () => {
  it("splits ranges at multiples of 16 covering everything once", () => {
    expect(split(100, 2)).toEqual([[0, 64], [64, 100]]);
    expect(split(784, 3)).toEqual([[0, 272], [272, 544], [544, 784]]);
    expect(split(10, 4)).toEqual([[0, 10]]);
    for (const [n, t] of [[1, 2], [33, 2], [1000, 7], [4096, 16]]) {
      const r = split(n, t);
      expect(r[0][0]).toBe(0);
      expect(r[r.length - 1][1]).toBe(n);
      for (let i = 1; i < r.length; i++) {
        expect(r[i][0]).toBe(r[i - 1][1]);
        expect(r[i][0] % 16).toBe(0);
      }
    }
  });

  it("runs on shared memory with a worker per extra thread", async () => {
    const core = getCore();
    expect(core.shared).toBe(true);
    await setThreads(3);
    expect(core.threads).toBe(3);
    await setThreads(1);
    expect(core.threads).toBe(1);
    await expect(setThreads(0)).rejects.toThrow(/threads must be an integer ≥ 1, got 0/);
  });

  it("GEMMs and optimizer passes are split across the threads and bit-identical for 1, 2 and 3 threads", async () => {
    const core = getCore();
    const k = () => core.kernels;
    /** Runs `f` and returns how many shares of it pool workers ran. */
    const workerShares = (f: () => void): number => {
      const before = core.stats().poolTasks;
      f();
      return core.stats().poolTasks - before;
    };
    // Every shape is above the pool's size threshold; [3, 512, 784] splits columns, the others rows.
    const shapes = [[128, 256, 784], [3, 512, 784], [64, 97, 33], [130, 129, 300]];
    for (const [M, N, K] of shapes) {
      const a = putF32(core, randomF32(M * K, 1));
      const at = putF32(core, randomF32(K * M, 2));
      const b = putF32(core, randomF32(K * N, 3));
      const bt = putF32(core, randomF32(N * K, 4));
      const bias = putF32(core, randomF32(N, 5));
      const packed = core.allocator.alloc(k().packed_b_bytes(K, N));
      k().pack_b_nn(K, N, b, N, packed);
      const c = core.allocF32(M * N);
      const work = core.allocator.alloc(k().gemm_work_bytes(M, N, K));
      const results: Buffer[][] = [];
      for (const t of [1, 2, 3]) {
        await setThreads(t);
        const out: Buffer[] = [];
        /** `shared`: the call must give t − 1 shares to workers (the few-rows forward pass stays on one thread). */
        const run = (f: () => void, shared = true) => {
          expect(workerShares(f), `${M}x${N}x${K} #${out.length} ${t} threads`).toBe(shared ? t - 1 : 0);
          out.push(bits(getF32(core, c, M * N)));
        };
        run(() => k().gemm_nt(M, N, K, a, K, bt, K, c, N, 0, work));
        run(() => k().gemm_tn(M, N, K, at, M, b, N, c, N, 0, work));
        run(() => k().gemm_tn(M, N, K, at, M, b, N, c, N, 1, work));
        run(() => k().gemm_nn_packed_bias_act(M, N, K, a, K, packed, bias, c, N, 2, 0.1, work), M > 4);
        run(() => k().gemm_nn_packed_bias_act(M, N, K, a, K, packed, bias, c, N, 3, 0, work), M > 4);
        results.push(out);
      }
      for (let i = 0; i < results[0].length; i++) {
        expect(results[1][i].equals(results[0][i]), `${M}x${N}x${K} #${i} 2 threads`).toBe(true);
        expect(results[2][i].equals(results[0][i]), `${M}x${N}x${K} #${i} 3 threads`).toBe(true);
      }
      for (const p of [a, at, b, bt, bias, packed, c, work]) core.free(p);
    }
    const n = 100_003;
    const states: Buffer[] = [];
    for (const t of [1, 2, 3]) {
      await setThreads(t);
      const p = putF32(core, randomF32(n, 6));
      const g = putF32(core, randomF32(n, 7));
      const m = putF32(core, new Float32Array(n));
      const v = putF32(core, new Float32Array(n));
      const shares = workerShares(() => {
        for (let step = 1; step <= 3; step++) {
          k().adam_update(p, g, m, v, n, 0.01, 0.9, 0.999, Math.sqrt(1 - 0.999 ** step), 1e-8, 0.001);
          k().momentum_update(p, g, v, n, 0.01, 0.9, 1);
          k().rmsprop_update(p, g, m, n, 0.01, 0.9, 1e-8);
          k().activation_backward(4, p, g, g, n, 0);
        }
      });
      expect(shares, `optimizer passes on ${t} threads`).toBe(12 * (t - 1));
      states.push(Buffer.concat([bits(getF32(core, p, n)), bits(getF32(core, g, n))]));
      for (const q of [p, g, m, v]) core.free(q);
    }
    expect(states[1].equals(states[0])).toBe(true);
    expect(states[2].equals(states[0])).toBe(true);
  }, 30_000);

  it("repacking weights and gathering batches are split across the threads and copy the same bytes", async () => {
    const core = getCore();
    const k = () => core.kernels;
    const [K, N, rows, cols] = [300, 129, 131, 257];
    const w = putF32(core, randomF32(K * N, 8));
    const src = putF32(core, randomF32(500 * cols, 9));
    const bytes = putF32(core, randomF32(500 * cols / 4 + 1, 10));
    const index = core.allocator.alloc(rows * 4);
    core.i32(index, rows).set(Array.from({ length: rows }, (_, r) => (r * 37) % 500));
    const packed = core.allocator.alloc(k().packed_b_bytes(K, N));
    const dst = core.allocF32(rows * cols);
    const results: Buffer[] = [];
    for (const t of [1, 2, 3]) {
      await setThreads(t);
      const before = core.stats().poolTasks;
      core.f32(packed, k().packed_b_bytes(K, N) / 4).fill(NaN);
      k().pack_b_nn(K, N, w, N, packed);
      const out = [bits(getF32(core, packed, k().packed_b_bytes(K, N) / 4))];
      for (const gather of [() => k().gather_rows(src, index, dst, rows, cols), () => k().gather_rows_u8_scaled(bytes, index, dst, rows, cols, 0.5, -1)]) {
        core.f32(dst, rows * cols).fill(NaN);
        gather();
        out.push(bits(getF32(core, dst, rows * cols)));
      }
      expect(core.stats().poolTasks - before, `${t} threads`).toBe(3 * (t - 1));
      results.push(Buffer.concat(out));
    }
    expect(results[1].equals(results[0])).toBe(true);
    expect(results[2].equals(results[0])).toBe(true);
    for (const p of [w, src, bytes, index, packed, dst]) core.free(p);
  });

  it("counts kernel calls by thread and by kernel, and resets the counts", async () => {
    const core = getCore();
    await setThreads(2);
    core.resetStats();
    expect(core.stats()).toEqual({ callsByThread: [0], callsByKernel: {}, splitCalls: 0, poolTasks: 0 });
    const n = 1 << 16;
    const p = putF32(core, randomF32(n, 1));
    core.resetStats();
    core.kernels.scale(p, n, 2); // never split
    core.kernels.momentum_update(p, p, 0, n, 0.1, 0, 0); // split in two
    core.kernels.sum_squares(p, 16);
    expect(core.stats()).toEqual({
      callsByThread: [3, 1], callsByKernel: { scale: 1, momentum_update: 1, sum_squares: 1 }, splitCalls: 1, poolTasks: 1,
    });
    core.resetStats();
    expect(core.stats()).toEqual({ callsByThread: [0], callsByKernel: {}, splitCalls: 0, poolTasks: 0 });
    core.free(p);
  });

  it("training gives bit-identical weights with 1, 2 and 3 threads", async () => {
    const d = spiral({ pointsPerClass: 100, seed: 3 });
    const weights: Buffer[] = [];
    for (const t of [1, 2, 3]) {
      await setThreads(t);
      const m = await mlp([2, 256, 128, 3], { seed: 4, dropout: 0.1 });
      m.compile({ optimizer: "adam" });
      await m.fit(d.x, d.labels!, { epochs: 3, batchSize: 100 });
      weights.push(Buffer.concat(m.getWeights().map((w) => bits(w.data))));
      m.dispose();
    }
    expect(weights[1].equals(weights[0])).toBe(true);
    expect(weights[2].equals(weights[0])).toBe(true);
  });

  it("a worker whose share fails is detected, the call fails clearly, and the pool is rebuilt", async () => {
    await setThreads(2);
    const core = getCore();
    const m = await mlp([64, 256, 10], { seed: 2 });
    const x = randomF32(64 * 64, 9);
    const before = m.predict(x);
    // A block ending where memory ends: an update of 2 × 32,768 floats starting 32,768 floats before
    // the end runs its first half here and gives the worker the half past the end, which traps there.
    const block = core.allocator.alloc(8 << 20);
    core.free(block);
    const size = core.memory.buffer.byteLength - block;
    expect(core.allocator.alloc(size)).toBe(block); // the same place, now reaching the end
    const p = core.memory.buffer.byteLength - 4 * 32768;
    const shares = core.stats().poolTasks;
    expect(() => core.kernels.momentum_update(p, p, 0, 65536, 0.1, 0, 0)).toThrow(/a pool worker failed while running kernel .*retry the call/);
    expect(core.stats().poolTasks).toBe(shares + 1);
    core.free(block);
    // The failure was noticed: calls run on one thread while a new pool starts.
    expect(core.threads).toBe(1);
    expect(Array.from(m.predict(x))).toEqual(Array.from(before));
    await core.recovered();
    expect(core.threads).toBe(2);
    expect(Array.from(m.predict(x))).toEqual(Array.from(before));
    m.dispose();
  });

  it("a task posted to a dead pool fails with an error that says so", async () => {
    const { Pool } = await import("../src/runtime/threads/pool.js");
    const core = getCore();
    const reasons: string[] = [];
    const module = await WebAssembly.compile(await readFile(new URL(`../build/${core.file}`, import.meta.url)));
    const pool = await Pool.start(1, module, core.memory, ["heap_base"], (r) => reasons.push(r));
    pool.run([{ kernel: 0, args: [] }], () => {});
    // A worker thread that exits between calls: only the pool holds its handle, so the test reaches in.
    await (pool as unknown as { workers: { terminate(): Promise<unknown> }[] }).workers[0].terminate();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reasons[0]).toMatch(/exited/);
    expect(() => pool.run([{ kernel: 0, args: [] }], () => {})).toThrow(/pool worker failed .*retry the call/);
    await pool.close();
    expect(() => pool.run([], () => {})).toThrow(/shut down/);
  });

  it("an idle pool does not keep the process alive", () => {
    const script = `import { init } from ${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)};
      const core = await init({ threads: 2 }); console.log("threads", core.threads);`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
    expect(r.stdout.trim()).toBe("threads 2");
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
  });
});
