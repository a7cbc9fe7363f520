// Optimizer steps: one SIMD pass over parameters, gradients and their state.
// Per-step scalars (bias corrections, decoupled decay) are folded in by the
// caller, so a kernel never sees the step count.
import { span } from "./checks";

/** Momentum SGD over n floats; mu == 0 is plain SGD and leaves v untouched (v may be 0). */
export function momentum_update(p: usize, g: usize, v: usize, n: i32, lr: f32, mu: f32, nesterov: i32): void {
  assert(n >= 0, "momentum_update: a negative size");
  assert(span(p, n, 4), "momentum_update: p outside memory or misaligned");
  assert(span(g, n, 4), "momentum_update: g outside memory or misaligned");
  assert(mu == 0 || span(v, n, 4), "momentum_update: v outside memory or misaligned");
  const vlr = f32x4.splat(lr);
  let i = 0;
  if (mu == 0) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(p + o, f32x4.sub(v128.load(p + o), f32x4.mul(vlr, v128.load(g + o))));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(p + o, load<f32>(p + o) - lr * load<f32>(g + o));
    }
    return;
  }
  // Classic:  v ← mu·v − lr·g;  p ← p + v.
  // Nesterov: v ← mu·v − lr·g;  p ← p + mu·v − lr·g  (PyTorch's buf ← mu·buf + g, p ← p − lr·(g + mu·buf),
  // written with the velocity v = −lr·buf; identical to Keras' nesterov=True).
  const vmu = f32x4.splat(mu);
  const nag = nesterov != 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const step = f32x4.mul(vlr, v128.load(g + o));
    const vel = f32x4.sub(f32x4.mul(vmu, v128.load(v + o)), step);
    v128.store(v + o, vel);
    const d = nag ? f32x4.sub(f32x4.mul(vmu, vel), step) : vel;
    v128.store(p + o, f32x4.add(v128.load(p + o), d));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const step = lr * load<f32>(g + o);
    const vel = mu * load<f32>(v + o) - step;
    store<f32>(v + o, vel);
    store<f32>(p + o, load<f32>(p + o) + (nag ? mu * vel - step : vel));
  }
}

/** Adam/AdamW over n floats: p −= stepSize·m / (sqrt(v)/sqrtBiasCorrection2 + eps), after p −= decay·p. */
export function adam_update(
  p: usize, g: usize, m: usize, v: usize, n: i32, stepSize: f32,
  beta1: f32, beta2: f32, sqrtBiasCorrection2: f32, eps: f32, decay: f32,
): void {
  assert(n >= 0, "adam_update: a negative size");
  assert(span(p, n, 4), "adam_update: p outside memory or misaligned");
  assert(span(g, n, 4), "adam_update: g outside memory or misaligned");
  assert(span(m, n, 4), "adam_update: m outside memory or misaligned");
  assert(span(v, n, 4), "adam_update: v outside memory or misaligned");
  // PyTorch's arrangement: the caller passes stepSize = lr/(1−β1^t) and sqrtBiasCorrection2 = sqrt(1−β2^t),
  // so eps is added to the bias-corrected sqrt(v̂) exactly as torch.optim.Adam does.
  // decay = lr·weightDecay is AdamW's decoupled decay, applied to p before the Adam step; 0 disables it.
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(1 - beta1);
  const b2 = f32x4.splat(beta2), c2 = f32x4.splat(1 - beta2);
  const invBc2: f32 = 1.0 / sqrtBiasCorrection2;
  const vinv = f32x4.splat(invBc2), veps = f32x4.splat(eps), vstep = f32x4.splat(stepSize);
  // p·(1 − decay) is p − decay·p, and leaves p bit-exact when decay is 0.
  const keep: f32 = 1 - decay;
  const vkeep = f32x4.splat(keep);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const mi = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(c1, gi));
    const vi = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(c2, f32x4.mul(gi, gi)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const pi = f32x4.mul(v128.load(p + o), vkeep);
    const den = f32x4.add(f32x4.mul(f32x4.sqrt(vi), vinv), veps);
    v128.store(p + o, f32x4.sub(pi, f32x4.div(f32x4.mul(vstep, mi), den)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = beta1 * load<f32>(m + o) + (1 - beta1) * gi;
    const vi = beta2 * load<f32>(v + o) + (1 - beta2) * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p + o, load<f32>(p + o) * keep - stepSize * mi / (Mathf.sqrt(vi) * invBc2 + eps));
  }
}

/** RMSprop over n floats: s = ρ·s + (1−ρ)·g²; p −= lr·g / (sqrt(s) + eps). */
export function rmsprop_update(p: usize, g: usize, s: usize, n: i32, lr: f32, rho: f32, eps: f32): void {
  assert(n >= 0, "rmsprop_update: a negative size");
  assert(span(p, n, 4), "rmsprop_update: p outside memory or misaligned");
  assert(span(g, n, 4), "rmsprop_update: g outside memory or misaligned");
  assert(span(s, n, 4), "rmsprop_update: s outside memory or misaligned");
  const vrho = f32x4.splat(rho), c = f32x4.splat(1 - rho);
  const vlr = f32x4.splat(lr), veps = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const si = f32x4.add(f32x4.mul(vrho, v128.load(s + o)), f32x4.mul(c, f32x4.mul(gi, gi)));
    v128.store(s + o, si);
    const den = f32x4.add(f32x4.sqrt(si), veps);
    v128.store(p + o, f32x4.sub(v128.load(p + o), f32x4.div(f32x4.mul(vlr, gi), den)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const si = rho * load<f32>(s + o) + (1 - rho) * gi * gi;
    store<f32>(s + o, si);
    store<f32>(p + o, load<f32>(p + o) - lr * gi / (Mathf.sqrt(si) + eps));
  }
}
