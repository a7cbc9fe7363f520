// What the training loop needs from a model: its network and optimizer, one
// training step, scoring, and the model's record and bytes. The model binds
// these to itself (model/trainer.ts); training never sees the model class.
import type { Core } from "../runtime/core.js";
import type { Network } from "../nn/network.js";
import type { MetricName } from "../nn/metrics.js";
import type { Optimizer } from "../nn/optimizers.js";
import type { Batch, BatchSource, Part } from "./batch-source.js";
import type { EpochLogs } from "./training.js";

/** Loss and the compiled metrics over a data set. */
export interface Evaluation {
  loss: number;
  accuracy?: number;
  /** Mean absolute error, with metrics: ['mae']. */
  mae?: number;
  /** Mean squared error, with metrics: ['mse']. */
  mse?: number;
}

/** A batch's loss and compiled metrics. */
export type Score = Evaluation;

/** A model, as the training loop drives it. */
export interface Trainer {
  readonly core: Core;
  readonly net: Network;
  readonly optimizer: Optimizer;
  /** The metrics computed beside the loss. */
  readonly metrics: readonly MetricName[];
  /** The model's stopTraining flag. */
  readonly stop: boolean;
  /** The optimizer's current learning rate; learning-rate schedules set it. */
  learningRate: number;
  /** Makes every batch buffer hold at least `rows` rows. */
  reserve(rows: number): void;
  /** Where a source gathers the next batch's inputs: the network's input buffer (it holds the reserved rows). */
  readonly batchX: number;
  /** Where a source gathers the next batch's targets: the loss's target buffer (it holds the reserved rows). */
  readonly batchTargets: number;
  /** One training step on the batch in batchX and batchTargets: forward, backward, `beforeUpdate` (given the batch's loss), optimizer step. */
  step(batch: Batch, beforeUpdate: (loss: number) => void): Score;
  /** Mean loss (L2 penalty included) and metrics over rows [start, start + count) of `part`; dropout off, weights unchanged. */
  evaluate(source: BatchSource, part: Part, start: number, count: number): Evaluation;
  /** The same over a stream's validation rows, read anew (see BatchSource.validationBatches). */
  evaluateStream(source: BatchSource): Promise<Evaluation>;
  /** Counts a finished epoch in the model's training record (saved in model files). */
  recordEpoch(logs: EpochLogs): void;
  /** The model as file bytes, for checkpoints. */
  save(withOptimizer: boolean): Uint8Array;
}
