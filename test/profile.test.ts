// Kernel profiling (Core.setProfiling, Core.profile): a training step's every
// kernel call is timed, GEMMs also by shape, waits on the pool apart; nothing is
// installed or recorded while it is off; a bad switch is a ConfigError. And the
// bench's split of a step into phases (bench/profile-phases.js) from such a profile.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { phaseOrder, phasesOf } from "../bench/profile-phases.js";
import { ConfigError } from "../src/errors.js";
import { getCore, init, mlp, setThreads } from "../src/index.js";
import { spiral } from "../src/data/toy.js";

beforeAll(async () => { await init(); });
afterEach(() => { getCore().setProfiling(false); });
afterAll(async () => { await setThreads(2); });

/** One epoch of one batch (one training step) of 2-256-128-3 on 128 spiral points, with the core's counts and times reset first; resolves to its wall milliseconds. */
async function trainOneStep(): Promise<number> {
  const d = spiral({ pointsPerClass: 43, seed: 1 });
  const m = await mlp([2, 256, 128, 3], { seed: 2 });
  m.compile({ optimizer: "adam", metrics: ["accuracy"] });
  getCore().resetStats();
  const t0 = performance.now();
  await m.fit(d.x.subarray(0, 128 * 2), d.labels!.subarray(0, 128), { epochs: 1, batchSize: 128 });
  const ms = performance.now() - t0;
  m.dispose();
  return ms;
}

describe("kernel profiling", () => {
  it("times every kernel a training step calls, as many times as it was called, never negatively", async () => {
    const core = getCore();
    await setThreads(1);
    core.setProfiling(true);
    expect(core.profiling).toBe(true);
    await trainOneStep();
    const { callsByKernel } = core.stats();
    const { byKernel } = core.profile();
    expect(Object.keys(callsByKernel).length).toBeGreaterThan(0);
    expect(Object.keys(byKernel).sort()).toEqual(Object.keys(callsByKernel).sort());
    for (const [name, t] of Object.entries(byKernel)) {
      expect(t.calls, name).toBe(callsByKernel[name]);
      expect(t.ms, name).toBeGreaterThanOrEqual(0);
      expect(t.poolWaitMs, name).toBe(0); // one thread: no pool
    }
    for (const name of ["gemm_nn_packed_bias_act", "gemm_tn", "gemm_nt", "adam_update"]) expect(byKernel[name]?.calls, name).toBeGreaterThan(0);
  });

  it("times each GEMM shape apart: the forward, weight-gradient and input-gradient products of each layer", async () => {
    const core = getCore();
    await setThreads(1);
    core.setProfiling(true);
    await trainOneStep();
    const shapes = Object.keys(core.profile().byGemm);
    // Forward rows×out×in, weight gradient in×out×rows, input gradient rows×in×out (none for the first layer).
    for (const key of ["gemm_nn_packed_bias_act 128x256x2", "gemm_nn_packed_bias_act 128x128x256", "gemm_nn_packed_bias_act 128x3x128",
      "gemm_tn 2x256x128", "gemm_tn 256x128x128", "gemm_tn 128x3x128", "gemm_nt 128x256x128", "gemm_nt 128x128x3"]) {
      expect(shapes, key).toContain(key);
    }
    expect(shapes).not.toContain("gemm_nt 128x2x256");
    const { byKernel, byGemm } = core.profile();
    const tnCalls = Object.entries(byGemm).filter(([k]) => k.startsWith("gemm_tn ")).reduce((n, [, t]) => n + t.calls, 0);
    expect(tnCalls).toBe(byKernel.gemm_tn.calls);
  });

  it("on two threads, a split call's wait on the pool is part of its time", async () => {
    const core = getCore();
    await setThreads(2);
    core.setProfiling(true);
    await trainOneStep();
    const { byGemm } = core.profile();
    // 128×128×256 is above the pool's size threshold: split, so it waited for the worker at least a little.
    const split = byGemm["gemm_nn_packed_bias_act 128x128x256"];
    expect(core.stats().splitCalls).toBeGreaterThan(0);
    expect(split.poolWaitMs).toBeGreaterThan(0);
    expect(split.poolWaitMs).toBeLessThanOrEqual(split.ms);
  });

  it("costs nothing while off: the kernels are the untimed ones and no time is recorded", async () => {
    const core = getCore();
    await setThreads(1);
    const untimed = core.kernels;
    core.setProfiling(true);
    expect(core.kernels).not.toBe(untimed);
    core.setProfiling(false);
    expect(core.profiling).toBe(false);
    expect(core.kernels).toBe(untimed);
    await trainOneStep();
    expect(Object.keys(core.stats().callsByKernel).length).toBeGreaterThan(0);
    expect(core.profile()).toEqual({ byKernel: {}, byGemm: {} });
  });

  it("resetStats() clears the times", async () => {
    const core = getCore();
    core.setProfiling(true);
    await trainOneStep();
    expect(Object.keys(core.profile().byKernel).length).toBeGreaterThan(0);
    core.resetStats();
    expect(core.profile()).toEqual({ byKernel: {}, byGemm: {} });
  });

  it("refuses a switch that is not true or false with a ConfigError, leaving profiling as it was", () => {
    const core = getCore();
    for (const bad of ["yes", 1, undefined, null]) {
      expect(() => core.setProfiling(bad as unknown as boolean)).toThrow(ConfigError);
      expect(() => core.setProfiling(bad as unknown as boolean)).toThrow(/setProfiling: on must be true or false/);
      expect(core.profiling).toBe(false);
    }
    core.setProfiling(true);
    expect(() => core.setProfiling("no" as unknown as boolean)).toThrow(ConfigError);
    expect(core.profiling).toBe(true);
  });
});

describe("the bench's phases of a training step", () => {
  const sizes = [2, 256, 128, 3];
  const sum = (phases: Record<string, number>) => Object.entries(phases).filter(([p]) => p !== "step").reduce((s, [, ms]) => s + ms, 0);

  for (const threads of [1, 2]) {
    it(`place every GEMM of a real step by layer and add up to the step, on ${threads} thread(s)`, async () => {
      const core = getCore();
      await setThreads(threads);
      core.setProfiling(true);
      const wall = await trainOneStep();
      const phases = phasesOf(core.profile(), wall, sizes);
      for (const l of [1, 2, 3]) expect(phases, `layer ${l}`).toHaveProperty(`gemm_forward_l${l}`);
      for (const l of [1, 2, 3]) expect(phases, `layer ${l}`).toHaveProperty(`gemm_weight_grad_l${l}`);
      for (const l of [2, 3]) expect(phases, `layer ${l}`).toHaveProperty(`gemm_input_grad_l${l}`);
      expect(phases).not.toHaveProperty("gemm_input_grad_l1"); // the input needs no gradient
      for (const p of ["loss", "optimizer", "bias_gradient", "activation_backward", "typescript"]) expect(phases).toHaveProperty(p);
      expect(phases).not.toHaveProperty("other_kernels");
      expect(Object.keys(phases)).toEqual(phaseOrder(sizes).filter((p) => p in phases));
      expect(phases.step).toBe(wall);
      expect(sum(phases)).toBeCloseTo(wall, 9);
      for (const [p, ms] of Object.entries(phases)) if (p !== "typescript") expect(ms, p).toBeGreaterThanOrEqual(0);
    });
  }

  it("take the pool's waits out of the calls that waited, and leave what no layer's shape places as other kernels", () => {
    const t = (calls: number, ms: number, poolWaitMs = 0) => ({ calls, ms, poolWaitMs });
    const phases = phasesOf({
      byKernel: { gemm_tn: t(2, 5, 1), adam_update: t(1, 2, 0.5), scale: t(1, 0.25) },
      byGemm: { "gemm_tn 2x256x128": t(1, 3, 1), "gemm_tn 5x5x5": t(1, 2) },
    }, 10, sizes);
    expect(phases).toEqual({ gemm_weight_grad_l1: 2, optimizer: 1.5, other_kernels: 2.25, pool_wait: 1.5, typescript: 2.75, step: 10 });
  });
});
