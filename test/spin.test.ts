// The pool's polling (src/runtime/threads/spin.ts): a thread polls a counter up
// to HOT_MS, stops at a change, and stops polling for a while once gaps in its
// clock show that it shares its core. The clock is stubbed, so every case is
// exact whatever the machine's load.
import { afterEach, describe, expect, it, vi } from "vitest";
import { HOT_MS, Spinner } from "../src/runtime/threads/spin.js";

/** Stubs performance.now() with a clock that advances `step` ms per reading, plus the jumps queued for the next readings. */
function fakeClock(step: number) {
  let t = 1000;
  const jumps: number[] = [];
  let readings = 0;
  vi.spyOn(performance, "now").mockImplementation(() => {
    readings++;
    t += step + (jumps.shift() ?? 0);
    return t;
  });
  return { jump: (...ms: number[]) => jumps.push(...ms), readings: () => readings, advance: (ms: number) => { t += ms; } };
}

afterEach(() => { vi.restoreAllMocks(); });

describe("Spinner.poll", () => {
  it("returns at once what the counter holds when it already differs", () => {
    const ctl = new Int32Array(new SharedArrayBuffer(8));
    ctl[1] = 7;
    expect(new Spinner().poll(ctl, 1, 6, HOT_MS)).toBe(7);
  });

  it("polls an unchanged counter for the whole time asked, then returns its value", () => {
    const clock = fakeClock(0.01);
    const ctl = new Int32Array(new SharedArrayBuffer(8));
    expect(new Spinner().poll(ctl, 0, 0, 1)).toBe(0);
    // 1 ms at 0.01 ms a reading: about a hundred readings, one per batch of polls.
    expect(clock.readings()).toBeGreaterThanOrEqual(100);
    expect(clock.readings()).toBeLessThan(110);
  });

  it("stops at a gap in the clock, and after two gaps close together polls no more for a while", () => {
    const clock = fakeClock(0.01);
    const ctl = new Int32Array(new SharedArrayBuffer(8));
    const spinner = new Spinner();
    const readingsOf = (f: () => void) => {
      const before = clock.readings();
      f();
      return clock.readings() - before;
    };
    // One gap (between a poll's first two readings): that poll ends there, but the next polls in full.
    clock.jump(0, 0.5);
    expect(readingsOf(() => spinner.poll(ctl, 0, 0, 1))).toBe(2);
    expect(readingsOf(() => spinner.poll(ctl, 0, 0, 1))).toBeGreaterThanOrEqual(100);
    // A second gap within 50 ms of the first: the thread shares its core, and polls once per call.
    clock.jump(0, 0.5);
    expect(readingsOf(() => spinner.poll(ctl, 0, 0, 1))).toBe(2);
    expect(readingsOf(() => spinner.poll(ctl, 0, 0, 1))).toBe(2);
    // A while later it polls in full again.
    clock.advance(200);
    expect(readingsOf(() => spinner.poll(ctl, 0, 0, 1))).toBeGreaterThanOrEqual(100);
  });

  it("returns the new value as soon as another thread changes the counter", async () => {
    const ctl = new Int32Array(new SharedArrayBuffer(8));
    const { Worker } = await import("node:worker_threads");
    const worker = new Worker(`const { workerData } = require("node:worker_threads");
      const ctl = new Int32Array(workerData); Atomics.wait(ctl, 1, 0, 20); Atomics.store(ctl, 0, 5);`, { eval: true, workerData: ctl.buffer });
    try {
      let v = 0;
      // Each poll lasts at most HOT_MS; a loaded machine may start the worker late.
      for (let tries = 0; v === 0 && tries < 10_000; tries++) v = new Spinner().poll(ctl, 0, 0, HOT_MS);
      expect(v).toBe(5);
    } finally {
      await worker.terminate();
    }
  });
});
