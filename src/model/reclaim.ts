// dispose() is the contract for freeing a model's memory in the core; this is
// the safety net for a model that was dropped without it. What a model owns in
// the core sits in a separate object, which the model points to and which
// points back to nothing of the model, so the model can be collected and its
// memory freed afterwards.
import type { Core } from "../runtime/core.js";
import type { RowTransform } from "../train/device-data.js";
import type { Network } from "../nn/network.js";
import type { Optimizer } from "../nn/optimizers.js";
import type { Preprocessing } from "../nn/preprocessing.js";
import { freeTransform } from "./transform.js";

/** Everything a model holds in the core's memory. */
export interface Owned {
  core: Core;
  net?: Network;
  optimizer?: Optimizer;
  /** Loss gradient and gathered targets, `rows` rows each. */
  lossBuffers: { grad: number; targets: number; rows: number };
  prep?: { spec: Preprocessing; transform?: RowTransform };
}

/** Frees everything in `o` (each part once, so a second call does nothing). */
export function release(o: Owned): void {
  const core = o.core;
  o.optimizer?.dispose();
  o.optimizer = undefined;
  const b = o.lossBuffers;
  if (b.grad) core.free(b.grad);
  if (b.targets) core.free(b.targets);
  o.lossBuffers = { grad: 0, targets: 0, rows: 0 };
  freeTransform(core, o.prep?.transform);
  o.prep = undefined;
  o.net?.dispose();
  o.net = undefined;
}

/** Frees the memory of models that were garbage-collected without dispose(); absent where the platform lacks FinalizationRegistry. */
export const reclaimer: FinalizationRegistry<Owned> | undefined = typeof FinalizationRegistry === "function"
  ? new FinalizationRegistry<Owned>((o) => {
    try {
      release(o);
    } catch {
      // A finalizer has no caller to report to; the memory stays allocated.
    }
  })
  : undefined;
