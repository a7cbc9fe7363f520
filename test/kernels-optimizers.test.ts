// optimizers.ts: several steps against float64 references written in the
// textbook (PyTorch) form, with the per-step scalars derived as a caller would.
import { describe, expect, it } from "vitest";
import type { Core } from "../src/runtime/core.js";
import { getF32, kernelArena, maxRelError, randomF32 } from "./helpers.js";

const SIZES = [1, 2, 3, 5, 7, 17, 33, 129];
const STEPS = 6;
// Each step rounds a handful of f32 operations; after six steps the drift from
// float64 stays below 1e-6 relative to max(1, |value|) for parameters and state.
// References use decay rates rounded to f32 as the kernel receives them: 1 − fround(0.999)
// differs from 0.001 by 1.3e-5 relative, a parameter difference rather than a kernel error.
const f = Math.fround;
const TOL = 1e-6;

let core: Core;
const { f32 } = kernelArena((c) => { core = c; });
/** Gradients for step t; some near zero so Adam's eps and RMSprop's sqrt see small values. */
function grads(n: number, t: number): Float32Array {
  const g = randomF32(n, 1000 * n + t, -1, 1);
  for (let i = 0; i < n; i += 5) g[i] *= 1e-3;
  return g;
}

describe("momentum_update", () => {
  function run(n: number, lr: number, mu: number, nesterov: number) {
    const p0 = randomF32(n, n, -1, 1);
    const pp = f32(p0), pg = f32(new Float32Array(n)), pv = f32(new Float32Array(n));
    // PyTorch's SGD: buf = mu·buf + g; p −= lr·(nesterov ? g + mu·buf : buf).
    const p = Float64Array.from(p0), buf = new Float64Array(n), muf = f(mu);
    for (let t = 0; t < STEPS; t++) {
      const g = grads(n, t);
      core.f32(pg, n).set(g);
      core.kernels.momentum_update(pp, pg, pv, n, lr, mu, nesterov);
      for (let i = 0; i < n; i++) {
        buf[i] = muf * buf[i] + g[i];
        p[i] -= lr * (nesterov ? g[i] + muf * buf[i] : buf[i]);
      }
    }
    return { p: getF32(core, pp, n), v: getF32(core, pv, n), pRef: p, vRef: buf.map((b) => -lr * b) };
  }

  for (const nesterov of [0, 1]) {
    it(`${nesterov ? "Nesterov" : "classic"} momentum matches the PyTorch form on every size`, () => {
      for (const n of SIZES) {
        const r = run(n, 0.1, 0.9, nesterov);
        expect(maxRelError(r.p, r.pRef), `p n=${n}`).toBeLessThan(TOL);
        // The kernel's velocity is −lr times PyTorch's buffer.
        expect(maxRelError(r.v, r.vRef), `v n=${n}`).toBeLessThan(TOL);
      }
    });
  }

  it("Nesterov and classic momentum differ", () => {
    const a = run(17, 0.1, 0.9, 0), b = run(17, 0.1, 0.9, 1);
    expect(maxRelError(a.p, b.p)).toBeGreaterThan(1e-2);
  });

  it("mu = 0 is plain SGD and never touches v, even when v is address 0", () => {
    for (const n of SIZES) {
      const p0 = randomF32(n, n), g = grads(n, 0);
      const pp = f32(p0);
      const low = core.u8(0, 4 * n).slice();
      core.kernels.momentum_update(pp, f32(g), 0, n, 0.05, 0, 1);
      expect(Array.from(core.u8(0, 4 * n))).toEqual(Array.from(low));
      expect(maxRelError(getF32(core, pp, n), Array.from(p0, (v, i) => v - Math.fround(0.05) * g[i])), `n=${n}`).toBeLessThan(TOL);
    }
  });
});

describe("adam_update", () => {
  function run(n: number, lr: number, weightDecay: number) {
    const beta1 = f(0.9), beta2 = f(0.999), eps = 1e-8;
    const p0 = randomF32(n, n + 3, -1, 1);
    const pp = f32(p0), pg = f32(new Float32Array(n)), pm = f32(new Float32Array(n)), pv = f32(new Float32Array(n));
    const p = Float64Array.from(p0), m = new Float64Array(n), v = new Float64Array(n);
    for (let t = 1; t <= STEPS; t++) {
      const g = grads(n, t);
      core.f32(pg, n).set(g);
      // What the TypeScript optimizer passes: PyTorch's bias corrections folded into two scalars.
      const bc1 = 1 - beta1 ** t, bc2 = 1 - beta2 ** t;
      core.kernels.adam_update(pp, pg, pm, pv, n, lr / bc1, beta1, beta2, Math.sqrt(bc2), eps, lr * weightDecay);
      // torch.optim.AdamW, step t, in float64.
      for (let i = 0; i < n; i++) {
        p[i] *= 1 - lr * weightDecay;
        m[i] = beta1 * m[i] + (1 - beta1) * g[i];
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        const mHat = m[i] / bc1, vHat = v[i] / bc2;
        p[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
      }
    }
    return { p: getF32(core, pp, n), m: getF32(core, pm, n), v: getF32(core, pv, n), pRef: p, mRef: m, vRef: v };
  }

  for (const weightDecay of [0, 0.1]) {
    it(`matches torch.optim.${weightDecay ? "AdamW" : "Adam"} on every size`, () => {
      for (const n of SIZES) {
        const r = run(n, 1e-2, weightDecay);
        expect(maxRelError(r.p, r.pRef), `p n=${n}`).toBeLessThan(TOL);
        expect(maxRelError(r.m, r.mRef), `m n=${n}`).toBeLessThan(TOL);
        // v holds squares of gradients ≤ 1: compare it on its own scale, 1e-5 relative.
        const scale = Math.max(...r.vRef);
        expect(maxRelError(r.v.map((x) => x / scale), r.vRef.map((x) => x / scale)), `v n=${n}`).toBeLessThan(1e-5);
      }
    });
  }

  it("decoupled decay shrinks p by (1 − decay) and changes the result", () => {
    const n = 33;
    const plain = run(n, 1e-2, 0), decayed = run(n, 1e-2, 0.5);
    expect(maxRelError(plain.p, decayed.p)).toBeGreaterThan(1e-3);
    // With zero gradients and state the Adam step is 0, leaving only the decay.
    const p0 = randomF32(n, 9, -1, 1);
    const pp = f32(p0), zeros = f32(new Float32Array(n)), pm = f32(new Float32Array(n)), pv = f32(new Float32Array(n));
    core.kernels.adam_update(pp, zeros, pm, pv, n, 1e-2, 0.9, 0.999, Math.sqrt(1 - 0.999), 1e-8, 0.25);
    expect(maxRelError(getF32(core, pp, n), Array.from(p0, (v) => v * 0.75))).toBeLessThan(TOL);
  });
});

describe("rmsprop_update", () => {
  it("matches torch.optim.RMSprop (no momentum, not centred) on every size", () => {
    const lr = 1e-2, rho = f(0.9), eps = 1e-8;
    for (const n of SIZES) {
      const p0 = randomF32(n, n + 7, -1, 1);
      const pp = f32(p0), pg = f32(new Float32Array(n)), ps = f32(new Float32Array(n));
      const p = Float64Array.from(p0), s = new Float64Array(n);
      for (let t = 0; t < STEPS; t++) {
        const g = grads(n, t);
        core.f32(pg, n).set(g);
        core.kernels.rmsprop_update(pp, pg, ps, n, lr, rho, eps);
        for (let i = 0; i < n; i++) {
          s[i] = rho * s[i] + (1 - rho) * g[i] * g[i];
          p[i] -= (lr * g[i]) / (Math.sqrt(s[i]) + eps);
        }
      }
      expect(maxRelError(getF32(core, pp, n), p), `p n=${n}`).toBeLessThan(TOL);
      const scale = Math.max(...s);
      // s on its own scale, as for Adam's v: 1e-5 relative.
      expect(maxRelError(getF32(core, ps, n).map((x) => x / scale), s.map((x) => x / scale)), `s n=${n}`).toBeLessThan(1e-5);
    }
  });
});
