// What the components of one fit() share.
import type { BatchSource } from "./batch-source.js";
import type { FitPlan } from "./plan.js";
import type { Trainer } from "./trainer.js";
import type { History } from "./training.js";

/** One fit() in progress: the model, its data, the plan, the history so far, and two flags components set. */
export interface FitContext {
  readonly t: Trainer;
  readonly source: BatchSource;
  readonly plan: FitPlan;
  readonly history: History;
  /** Set by a component (early stopping) to end training after the current epoch. */
  stop: boolean;
  /** Whether a forward pass has seen the current weights give a finite loss (see divergence-guard.ts). */
  verified: boolean;
}
