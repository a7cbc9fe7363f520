// Gradient clipping, between the backward pass and the optimizer step: by
// value (each gradient into [−v, v]) and then by global norm (the whole flat
// gradient buffer scaled so that its L2 norm is at most c). Each is one or two
// calls into the core, on one thread, so results match for any thread count.
import type { Core } from "../runtime/core.js";
import type { Network } from "../nn/network.js";
import { positiveOption } from "../util/options.js";
import type { Callback } from "./callback.js";

/** Clipping limits; either may be absent. */
export interface Clipping {
  /** Largest L2 norm of the whole gradient (all parameters together). */
  norm?: number;
  /** Largest absolute value of each gradient element. */
  value?: number;
}

/** Reads fit()'s clipNorm and clipValue; undefined when neither is set. */
export function clippingOptions(clipNorm: unknown, clipValue: unknown): Clipping | undefined {
  if (clipNorm === undefined && clipValue === undefined) return undefined;
  const c: Clipping = {};
  if (clipNorm !== undefined) c.norm = positiveOption(clipNorm, "fit: clipNorm");
  if (clipValue !== undefined) c.value = positiveOption(clipValue, "fit: clipValue");
  return c;
}

/** Clips the n gradients at `grads` in place: by value first, then by global norm. */
function clipGradients(core: Core, grads: number, n: number, c: Clipping): void {
  const k = core.kernels;
  if (c.value !== undefined) k.clamp(grads, n, -c.value, c.value);
  if (c.norm === undefined) return;
  const norm = Math.sqrt(k.sum_squares(grads, n));
  // A non-finite norm is left alone: the divergence check after the step reports it.
  if (norm > c.norm && Number.isFinite(norm)) k.scale(grads, n, c.norm / norm);
}

/** Clips the network's gradients before every optimizer step. */
export class GradientClipping implements Callback {
  constructor(private readonly core: Core, private readonly net: Network, private readonly clip: Clipping) {}

  beforeUpdate(): void {
    clipGradients(this.core, this.net.grads, this.net.size, this.clip);
  }
}
