// Reliability of training: gradient clipping against a float64 reference,
// divergence (a run really made to blow up) that throws or recovers without
// ever leaving non-finite weights, AbortSignal, failing callbacks, concurrent
// callers, and pool workers that die during a call.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AbortError, CoreError, DivergenceError, getCore, init, load, mlp, Sequential, setThreads, StateError, type NamedTensor,
} from "../src/index.js";
import { dense } from "../src/model/builders.js";
import { sine, spiral } from "../src/data/toy.js";
import { Pool } from "../src/runtime/threads/pool.js";
import { getF32, putF32, randomF32 } from "./helpers.js";

beforeAll(async () => { await init(); });
afterAll(async () => { await setThreads(2); });

const bits = (w: NamedTensor[]) => Buffer.concat(w.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)));
const allFinite = (w: NamedTensor[]) => w.every((t) => t.data.every(Number.isFinite));
const rejection = (p: Promise<unknown>) => p.then(() => { throw new Error("expected a rejection"); }, (e: unknown) => e as Error);

describe("gradient clipping", () => {
  it("clamp kernel matches a scalar reference on awkward sizes, NaN kept", () => {
    const core = getCore();
    for (const n of [1, 3, 7, 17, 129]) {
      const x = randomF32(n, n, -3, 3);
      x[0] = NaN;
      if (n > 2) x[2] = Infinity;
      if (n > 5) x[5] = -Infinity;
      const p = putF32(core, x);
      core.kernels.clamp(p, n, -0.5, 1.25);
      const got = getF32(core, p, n);
      const want = Array.from(x, (v) => (Number.isNaN(v) ? NaN : Math.min(Math.max(v, -0.5), 1.25)));
      expect(Array.from(got)).toEqual(want.map((v) => Math.fround(v)));
      core.free(p);
    }
  });

  // One full-batch SGD step: w − lr·clip(g), with clip computed in float64 from computeGradients.
  const stepped = async (clip: { clipNorm?: number; clipValue?: number }) => {
    const m = new Sequential({ inputs: 3, layers: [dense(5, "tanh"), dense(2, "softmax")], seed: 3 });
    m.compile({ optimizer: { type: "sgd", learningRate: 0.5 }, l2: 0.01 });
    const x = randomF32(3 * 16, 4, -4, 4);
    const y = Int32Array.from({ length: 16 }, (_, i) => i % 2);
    const before = m.getWeights();
    const { gradients } = m.computeGradients(x, y);
    await m.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, ...clip });
    const after = m.getWeights();
    m.dispose();
    return { before, gradients, after };
  };

  const expectStep = (r: Awaited<ReturnType<typeof stepped>>, clip: (g: number[][]) => number[][]) => {
    const clipped = clip(r.gradients.map((t) => Array.from(t.data)));
    r.after.forEach((t, i) => t.data.forEach((w, k) => {
      expect(w).toBeCloseTo(r.before[i].data[k] - 0.5 * clipped[i][k], 6);
    }));
  };

  it("clipNorm scales the whole gradient to that global norm", async () => {
    const r = await stepped({ clipNorm: 0.05 });
    const norm = Math.hypot(...r.gradients.flatMap((t) => Array.from(t.data)));
    expect(norm).toBeGreaterThan(0.05);
    expectStep(r, (g) => g.map((t) => t.map((v) => v * 0.05 / norm)));
  });

  it("clipNorm leaves a gradient that is already small alone", async () => {
    const r = await stepped({ clipNorm: 1e6 });
    expectStep(r, (g) => g);
  });

  it("clipValue clamps each element, then clipNorm applies to the result", async () => {
    const v = 0.01;
    const r = await stepped({ clipValue: v });
    const clamp = (g: number[][]) => g.map((t) => t.map((x) => Math.min(Math.max(x, -v), v)));
    expect(r.gradients.some((t) => t.data.some((x) => Math.abs(x) > v))).toBe(true);
    expectStep(r, clamp);
    const both = await stepped({ clipValue: v, clipNorm: 0.02 });
    expectStep(both, (g) => {
      const c = clamp(g);
      const norm = Math.hypot(...c.flat());
      return c.map((t) => t.map((x) => x * Math.min(1, 0.02 / norm)));
    });
  });

  it("clipped training is bit-identical for 1 and 2 threads", async () => {
    const d = spiral({ pointsPerClass: 100, seed: 2 });
    const runs: Buffer[] = [];
    for (const t of [1, 2]) {
      await setThreads(t);
      const m = await mlp([2, 256, 128, 3], { seed: 5 });
      m.compile({ optimizer: { type: "momentum", learningRate: 0.3 } });
      await m.fit(d.x, d.labels!, { epochs: 3, batchSize: 100, clipNorm: 0.5, clipValue: 0.05 });
      runs.push(bits(m.getWeights()));
      m.dispose();
    }
    expect(runs[1].equals(runs[0])).toBe(true);
  });
});

describe("divergence", () => {
  const d = sine({ n: 64, seed: 1 });
  // A tanh network on a regression loss with SGD at learning rate 10: the weights overflow within three epochs.
  const diverging = async (optimizer: object = { type: "sgd", learningRate: 10 }) => {
    const m = await mlp([1, 16, 1], { activation: "tanh", output: "linear", seed: 1 });
    return m.compile({ optimizer: optimizer as never });
  };

  it("throws a DivergenceError naming epoch, batch and loss, with the weights of the start of that epoch", async () => {
    const m = await diverging({ type: "momentum", learningRate: 10 });
    const atEpochStart: NamedTensor[][] = [];
    const e = await rejection(m.fit(d.x, d.targets!, { epochs: 20, batchSize: 16, callbacks: { onEpochBegin: () => { atEpochStart.push(m.getWeights()); } } }));
    expect(e).toBeInstanceOf(DivergenceError);
    const div = e as DivergenceError;
    expect(div.name).toBe("DivergenceError");
    expect(div.message).toMatch(new RegExp(`diverged in epoch ${div.epoch}, batch ${div.batch}: .*learning rate 10; .*start of epoch ${div.restoredEpoch}`));
    expect(div.batch).toBeGreaterThan(0);
    expect(div.restoredEpoch).toBe(div.epoch);
    expect(div.history?.epochs).toBe(div.epoch);
    expect(m.getWeights()).toEqual(atEpochStart[div.epoch]);
    expect(allFinite(m.getWeights())).toBe(true);
    // The optimizer state went back too: the model saves with it and loads (load refuses non-finite state).
    const copy = await load(m.save({ optimizer: true }));
    copy.dispose();
    // Still usable: training at a sane rate works.
    m.compile({ optimizer: { type: "sgd", learningRate: 0.01 } });
    const h = await m.fit(d.x, d.targets!, { epochs: 2 });
    expect(h.loss.every(Number.isFinite)).toBe(true);
    m.dispose();
  });

  it("a non-finite loss at the first batch throws before any update", async () => {
    const m = await diverging();
    const w = m.getWeights().map((t) => ({ ...t, data: t.data.map((v) => v * 1e37) }));
    m.setWeights(w);
    const e = await rejection(m.fit(d.x, d.targets!, { epochs: 1, batchSize: 64 }));
    expect(e).toBeInstanceOf(DivergenceError);
    expect((e as DivergenceError).epoch).toBe(0);
    expect((e as DivergenceError).batch).toBe(0);
    expect(m.getWeights()).toEqual(w);
    m.dispose();
  });

  it("the last update of fit is checked too: weights that are finite but overflow the forward pass", async () => {
    // One full batch at rate 1e28: the weights become ~1e28 (finite); through two linear layers their products overflow.
    for (const withValidation of [false, true]) {
      const m = (await mlp([1, 16, 1], { activation: "linear", output: "linear", seed: 1 })).compile({ optimizer: { type: "sgd", learningRate: 1e28 } });
      const before = m.getWeights();
      const e = await rejection(m.fit(d.x, d.targets!, { epochs: 1, batchSize: 64, ...(withValidation ? { validationData: [d.x, d.targets!] } : {}) }));
      expect(e).toBeInstanceOf(DivergenceError);
      expect(e.message).toMatch(withValidation ? /the validation loss became (Infinity|NaN)/ : /the loss on the training data after the last update became (Infinity|NaN)/);
      expect(m.getWeights()).toEqual(before);
      m.dispose();
    }
  });

  it("an epoch whose very first loss is not finite sends the model back to an earlier epoch's start", async () => {
    // Full batches at rate 1e28: epoch 0's update makes the weights ~1e28, epoch 1's first forward pass overflows.
    const m = (await mlp([1, 16, 1], { activation: "linear", output: "linear", seed: 1 })).compile({ optimizer: { type: "sgd", learningRate: 1e28 } });
    const initial = m.getWeights();
    const e = await rejection(m.fit(d.x, d.targets!, { epochs: 3, batchSize: 64 }));
    expect(e).toBeInstanceOf(DivergenceError);
    expect(e).toMatchObject({ epoch: 1, batch: 0, restoredEpoch: 0 });
    expect(e.message).toMatch(/the loss became (Infinity|NaN).*start of epoch 0/);
    expect(m.getWeights()).toEqual(initial);
    expect(m.predict(d.x).every(Number.isFinite)).toBe(true);
    m.dispose();
  });

  it("a weight that turns NaN is caught at the epoch's end, or when fit stops early, and never kept", async () => {
    // Poisons one weight from a callback, as a faulty update would, in the last batch of epoch 1 or after batch 2 with an abort.
    // The weights' address is the first argument of the optimizer kernel (on one thread every call goes through core.raw).
    await setThreads(1);
    const core = getCore() as unknown as { raw: Record<string, (...a: number[]) => unknown> };
    const raw = core.raw;
    let params = 0;
    core.raw = { ...raw, adam_update: (...a: number[]) => { params = a[0]; return raw.adam_update(...a); } };
    const poison = () => { getCore().f32(params, 1)[0] = NaN; };
    try {
      for (const how of ["epoch end", "abort", "callback error"] as const) {
        const m = await diverging({ type: "adam", learningRate: 0.01 });
        const atStart: NamedTensor[][] = [];
        const controller = new AbortController();
        const e = await rejection(m.fit(d.x, d.targets!, {
          epochs: 3, batchSize: 16, signal: controller.signal,
          callbacks: {
            onEpochBegin: () => { atStart.push(m.getWeights()); },
            onBatchEnd: (batch) => {
              if (atStart.length !== 2) return;
              if (how === "epoch end" && batch === 3) poison();
              if (how !== "epoch end" && batch === 2) {
                poison();
                if (how === "abort") controller.abort();
                else throw new Error("callback failed");
              }
            },
          },
        }));
        expect(e.name, how).toBe(how === "epoch end" ? "DivergenceError" : how === "abort" ? "AbortError" : "Error");
        if (how === "epoch end") expect(e.message).toMatch(/epoch 1, batch 3: 1 weights or optimizer values became non-finite/);
        expect(allFinite(m.getWeights()), how).toBe(true);
        expect(m.getWeights(), how).toEqual(atStart[1]);
        m.dispose();
      }
    } finally {
      core.raw = raw;
      await setThreads(2);
    }
  });

  it("stopping early never keeps an update that overflows the forward pass", async () => {
    // One full batch at rate 1e28 makes finite weights whose forward pass overflows; then fit is stopped three ways.
    for (const how of ["abort", "stopTraining", "callback error"] as const) {
      const m = (await mlp([1, 16, 1], { activation: "linear", output: "linear", seed: 1 })).compile({ optimizer: { type: "sgd", learningRate: 1e28 } });
      const initial = m.getWeights();
      const controller = new AbortController();
      const e = await rejection(m.fit(d.x, d.targets!, {
        epochs: 3, batchSize: 64, signal: controller.signal,
        callbacks: {
          onBatchEnd: () => {
            if (how === "abort") controller.abort();
            if (how === "stopTraining") m.stopTraining = true;
            if (how === "callback error") throw new Error("callback failed");
          },
        },
      }));
      expect(e.name, how).toBe(how === "abort" ? "AbortError" : how === "stopTraining" ? "DivergenceError" : "Error");
      expect(m.getWeights(), how).toEqual(initial);
      expect(m.predict(d.x).every(Number.isFinite), how).toBe(true);
      m.dispose();
    }
  });

  it("onDivergence: 'recover' lowers the learning rate and finishes with finite weights", async () => {
    // At rate 3 with batches of 4 the run blows up within the first epoch; back at the initial weights, 0.3 trains well.
    const m = await diverging({ type: "sgd", learningRate: 3 });
    const h = await m.fit(d.x, d.targets!, { epochs: 20, batchSize: 4, onDivergence: "recover" });
    expect(h.epochs).toBe(20);
    expect(h.recoveries).toHaveLength(1);
    expect(h.recoveries![0]).toMatchObject({ epoch: 0 });
    expect(h.recoveries![0].learningRate).toBeCloseTo(0.3, 10);
    expect(h.loss.every(Number.isFinite)).toBe(true);
    expect(allFinite(m.getWeights())).toBe(true);
    expect(m.evaluate(d.x, d.targets!).loss).toBeLessThan(0.2);
    expect(m.learningRate).toBe(3);
    m.dispose();
  });

  it("recovery is bounded: the divergence after maxRecoveries throws", async () => {
    const m = await diverging({ type: "sgd", learningRate: 1e4 });
    const e = await rejection(m.fit(d.x, d.targets!, { epochs: 20, batchSize: 16, onDivergence: { action: "recover", factor: 0.9, maxRecoveries: 2 } }));
    expect(e).toBeInstanceOf(DivergenceError);
    expect(e.message).toMatch(/after 2 recoveries/);
    expect((e as DivergenceError).history?.recoveries).toHaveLength(2);
    expect(allFinite(m.getWeights())).toBe(true);
    m.dispose();
  });
});

describe("interruption", () => {
  const d = spiral({ pointsPerClass: 50, seed: 6 });

  it("an already aborted signal rejects before training and changes nothing", async () => {
    const m = (await mlp([2, 8, 3], { seed: 1 })).compile();
    const before = m.getWeights();
    let calls = 0;
    const e = await rejection(m.fit(d.x, d.labels!, { signal: AbortSignal.abort(new Error("no time")), callbacks: { onTrainBegin: () => { calls++; } } }));
    expect(e).toBeInstanceOf(AbortError);
    expect(e.name).toBe("AbortError");
    expect(e.message).toMatch(/aborted before training started: no time/);
    expect(((e as AbortError).reason as Error).message).toBe("no time");
    expect(calls).toBe(0);
    expect(m.getWeights()).toEqual(before);
    m.dispose();
  });

  it("aborting stops after the current batch and keeps that batch's weights; the model stays usable", async () => {
    const m = (await mlp([2, 8, 3], { seed: 1 })).compile();
    const controller = new AbortController();
    let atAbort: NamedTensor[] = [];
    const e = await rejection(m.fit(d.x, d.labels!, {
      epochs: 10, batchSize: 10,
      signal: controller.signal,
      callbacks: {
        onBatchEnd: (batch) => {
          if (batch === 4 && !controller.signal.aborted && atAbort.length === 0) {
            atAbort = m.getWeights();
            controller.abort();
          }
        },
        onEpochBegin: (epoch) => { if (epoch > 0) throw new Error("should have stopped in epoch 0"); },
      },
    }));
    expect(e).toBeInstanceOf(AbortError);
    expect(e.message).toMatch(/aborted after batch 4 of epoch 0/);
    expect((e as AbortError).history?.epochs).toBe(0);
    expect(m.getWeights()).toEqual(atAbort);
    const h = await m.fit(d.x, d.labels!, { epochs: 2 });
    expect(h.epochs).toBe(2);
    m.dispose();
  });

  it("a signal aborted from a timer stops a long fit promptly", async () => {
    const m = (await mlp([2, 64, 3], { seed: 1 })).compile();
    const started = Date.now();
    const e = await rejection(m.fit(d.x, d.labels!, { epochs: 1_000_000, batchSize: 4, signal: AbortSignal.timeout(100) }));
    expect(e).toBeInstanceOf(AbortError);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(allFinite(m.getWeights())).toBe(true);
    expect(m.predict(d.x).length).toBe(d.rows * 3);
    m.dispose();
  });

  it("a callback that throws fails fit with its error and leaves the model usable", async () => {
    const m = (await mlp([2, 8, 3], { seed: 1 })).compile();
    const boom = new Error("callback failed");
    let atThrow: NamedTensor[] = [];
    const e = await rejection(m.fit(d.x, d.labels!, {
      epochs: 3, callbacks: { onBatchEnd: (b) => { if (b === 2) { atThrow = m.getWeights(); throw boom; } } },
    }));
    expect(e).toBe(boom);
    expect(m.getWeights()).toEqual(atThrow);
    expect((await m.fit(d.x, d.labels!, { epochs: 1 })).epochs).toBe(1);
    m.dispose();
  });
});

describe("concurrency", () => {
  const d = spiral({ pointsPerClass: 60, seed: 7 });

  it("a second fit, compile or setWeights during fit is refused; predict and getWeights are not", async () => {
    const m = (await mlp([2, 8, 3], { seed: 1 })).compile();
    // Epochs of resident data run without a pause; an epoch end that waits for a timer keeps this fit going meanwhile.
    const first = m.fit(d.x, d.labels!, { epochs: 5, callbacks: { onEpochEnd: () => new Promise((r) => setTimeout(r, 1)) } });
    await expect(m.fit(d.x, d.labels!)).rejects.toThrow(StateError);
    expect(() => m.compile()).toThrow(/compile: the model is already training/);
    expect(() => m.setWeights(m.getWeights())).toThrow(/setWeights: the model is already training/);
    expect(() => m.dispose()).toThrow(StateError);
    expect(m.predict(d.x).length).toBe(d.rows * 3);
    await first;
    m.dispose();
  });

  it("predict from many async callers at once returns each caller's own result", async () => {
    const m = await mlp([2, 32, 3], { seed: 2 });
    const inputs = Array.from({ length: 64 }, (_, i) => randomF32(2 * (1 + (i % 7)), 100 + i));
    const expected = inputs.map((x) => m.predict(x));
    const results = await Promise.all(inputs.map(async (x, i) => {
      await new Promise((r) => setTimeout(r, (i * 7) % 5));
      const a = m.predict(x);
      await Promise.resolve();
      const b = m.predict(x);
      return [a, b];
    }));
    results.forEach(([a, b], i) => {
      expect(Array.from(a)).toEqual(Array.from(expected[i]));
      expect(Array.from(b)).toEqual(Array.from(expected[i]));
    });
    m.dispose();
  });

  it("predictions made while fit runs leave the training bit-identical", async () => {
    const run = async (interfere: boolean) => {
      const m = (await mlp([2, 64, 3], { seed: 3, dropout: 0.2 })).compile();
      let calls = 0;
      let stop = false;
      const noise = (async () => {
        while (interfere && !stop) {
          const p = m.predict(randomF32(2 * 2000, calls));
          expect(p.every(Number.isFinite)).toBe(true);
          calls++;
          await new Promise((r) => setTimeout(r, 1));
        }
      })();
      await m.fit(d.x, d.labels!, { epochs: 40, batchSize: 8, callbacks: { onEpochEnd: () => new Promise((r) => setTimeout(r, 2)) } });
      stop = true;
      await noise;
      const w = bits(m.getWeights());
      m.dispose();
      return { w, calls };
    };
    const quiet = await run(false);
    const busy = await run(true);
    expect(busy.calls).toBeGreaterThan(10);
    expect(busy.w.equals(quiet.w)).toBe(true);
  });
});

describe("pool workers that die during a call", () => {
  /** Terminates a pool worker and keeps this thread busy until it is gone, so its exit event is not yet seen. */
  const killQuietly = (worker: { terminate(): unknown }) => {
    void worker.terminate();
    const until = Date.now() + 300;
    while (Date.now() < until) { /* the exit is queued, not delivered */ }
  };
  const poolOf = () => (getCore() as unknown as { pool: { workers: { terminate(): unknown }[] } }).pool;

  it("the call fails with a CoreError after the task timeout, and the pool is rebuilt", async () => {
    await setThreads(2);
    const saved = Pool.taskTimeoutMs;
    Pool.taskTimeoutMs = 500;
    try {
      const core = getCore();
      const m = await mlp([64, 256, 10], { seed: 2 });
      const x = randomF32(64 * 64, 9);
      const before = m.predict(x);
      killQuietly(poolOf().workers[0]);
      expect(() => m.predict(x)).toThrow(CoreError);
      expect(() => m.predict(x)).not.toThrow();
      expect(core.threads).toBe(1);
      expect(Array.from(m.predict(x))).toEqual(Array.from(before));
      await core.recovered();
      expect(core.threads).toBe(2);
      expect(Array.from(m.predict(x))).toEqual(Array.from(before));
      m.dispose();
    } finally {
      Pool.taskTimeoutMs = saved;
    }
  });

  it("a fit whose worker dies rejects, keeps the last completed batch's weights, and the next fit works", async () => {
    await setThreads(2);
    const saved = Pool.taskTimeoutMs;
    Pool.taskTimeoutMs = 500;
    try {
      const core = getCore();
      const x = randomF32(64 * 256, 3);
      const y = Int32Array.from({ length: 256 }, (_, i) => i % 10);
      const m = (await mlp([64, 256, 10], { seed: 4 })).compile({ optimizer: "adam" });
      let atEpoch: NamedTensor[] = [];
      const e = await rejection(m.fit(x, y, {
        epochs: 3, batchSize: 64, shuffle: false,
        callbacks: {
          // No yield to the event loop lies between onEpochBegin and the epoch's first batch.
          onEpochBegin: (epoch) => {
            if (epoch !== 1) return;
            atEpoch = m.getWeights();
            killQuietly(poolOf().workers[0]);
          },
        },
      }));
      expect(e).toBeInstanceOf(CoreError);
      expect(e.message).toMatch(/pool worker/);
      expect(m.getWeights()).toEqual(atEpoch);
      await core.recovered();
      expect(core.threads).toBe(2);
      expect((await m.fit(x, y, { epochs: 1 })).loss.every(Number.isFinite)).toBe(true);
      m.dispose();
    } finally {
      Pool.taskTimeoutMs = saved;
    }
  });

  it("the pool starts in a process run with V8 flags, which Node refuses in a worker's execArgv", () => {
    const script = `const { init } = await import(${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)});
      const core = await init({ threads: 2 }); console.log(core.threads, typeof gc); await core.stopPool();`;
    const out = execFileSync(process.execPath, ["--expose-gc", "--max-old-space-size=512", "--input-type=module", "-e", script], { encoding: "utf8" });
    expect(out.trim()).toBe("2 function");
  });
});
