// The model's side of training: the loss and gradient of a batch, scoring,
// and one optimizer step, bound to a model's memory for the training loop
// (train/trainer.ts says what the loop needs).
import type { DeviceTargets } from "../nn/losses.js";
import type { MetricValues } from "../nn/metrics.js";
import { MetricSums } from "../train/metric-logs.js";
import type { Batch, BatchSource } from "../train/batch-source.js";
import type { Evaluation, Score, Trainer } from "../train/trainer.js";
import type { EpochLogs } from "../train/training.js";
import type { DeviceData } from "../train/device-data.js";
import type { Compiled } from "./compile.js";
import type { Owned } from "./reclaim.js";
import { readTensors, type NamedTensor } from "./weights.js";

/** Rows per forward pass when scoring; bounds the batch buffers evaluate() needs. */
export const CHUNK = 1024;

/** What a trainer reports back to its model. */
export interface TrainerHooks {
  readonly stop: boolean;
  recordEpoch(logs: EpochLogs): void;
  save(withOptimizer: boolean): Uint8Array;
}

/** A Trainer over the model memory in `owned` (whose network must exist), compiled as `c`. */
export function bindTrainer(owned: Owned, c: Compiled, hooks: TrainerHooks): Trainer & {
  /** Loss and gradients over all of `data`, dropout off; the weights stay as they are. */
  gradients(data: DeviceData): { loss: number; gradients: NamedTensor[] };
  /** One optimizer step on all of `source`'s rows, in their order; their loss (and accuracy) before it. */
  trainBatch(source: BatchSource): Evaluation;
} {
  const net = owned.net!;
  const core = owned.core;
  const { loss, optimizer } = c;
  const outputs = net.outputs;
  const reserve = (rows: number): void => {
    net.reserve(rows);
    if (rows <= owned.lossBuffers.rows) return;
    const old = owned.lossBuffers;
    if (old.grad) core.free(old.grad);
    if (old.targets) core.free(old.targets);
    owned.lossBuffers = { grad: 0, targets: 0, rows: 0 };
    const grad = core.allocF32(rows * outputs);
    try {
      owned.lossBuffers = { grad, targets: core.allocF32(rows * outputs), rows };
    } catch (e) {
      core.free(grad);
      throw e;
    }
  };
  const penalty = (): number => c.l2 ? 0.5 * c.l2 * core.kernels.sum_squares(net.params, net.decaySize) : 0;
  /** The compiled metrics of a batch, from the outputs the loss read, before backward() overwrites them; written into `values`. */
  const measure = <T extends MetricValues>(out: number, targets: DeviceTargets, rows: number, values: T): T => {
    if (c.metrics.length === 0) return values;
    // Errors in the targets' own units: learnt differences times the scale predict() maps outputs back with.
    const units = owned.prep?.transform?.outputs?.scale ?? 0;
    for (const m of c.metrics) values[m.name] = m.compute(core, out, targets, rows, outputs, units);
    return values;
  };
  const lossAndGradient = (x: number, targets: DeviceTargets, rows: number, training: boolean): Score => {
    const out = net.forward(rows, training, loss.fused, x);
    const score: Score = { loss: loss.compute(core, out, targets, owned.lossBuffers.grad, rows, outputs) };
    measure(out, targets, rows, score);
    net.backward(owned.lossBuffers.grad, rows, loss.fused);
    if (c.l2) core.kernels.axpy(c.l2, net.params, net.grads, net.decaySize);
    score.loss += penalty();
    return score;
  };
  /** Sums of the loss and metrics over scored chunks (dropout off), and their means. */
  const scoring = () => {
    let sum = 0;
    let count = 0;
    const sums = new MetricSums(c.metrics.map((m) => m.name));
    return {
      add(x: number, targets: DeviceTargets, rows: number): void {
        const out = net.forward(rows, false, loss.fused, x);
        sum += loss.compute(core, out, targets, 0, rows, outputs) * rows;
        sums.add(measure(out, targets, rows, {}), rows);
        count += rows;
      },
      result: (): Evaluation => sums.means(count, { loss: sum / count + penalty() }),
    };
  };
  return {
    core, net, optimizer, reserve,
    gradients(data) {
      reserve(data.rows);
      const value = lossAndGradient(data.rowsX(0, data.rows, net.inputBuffer), data.targets, data.rows, false);
      return { loss: value.loss, gradients: readTensors(net, net.grads) };
    },
    metrics: c.metrics.map((m) => m.name),
    get stop() { return hooks.stop; },
    get learningRate() { return optimizer.learningRate; },
    set learningRate(value: number) { optimizer.learningRate = value; },
    get batchX() { return net.inputBuffer; },
    get batchTargets() { return owned.lossBuffers.targets; },
    trainBatch(source) {
      reserve(source.rows);
      source.beginEpoch(false, 0);
      return this.step(source.next(source.rows, net.inputBuffer, owned.lossBuffers.targets) as Batch, () => {});
    },
    recordEpoch: (logs) => hooks.recordEpoch(logs),
    save: (withOptimizer) => hooks.save(withOptimizer),
    step(batch, beforeUpdate) {
      const r = lossAndGradient(net.inputBuffer, batch.targets, batch.rows, true);
      beforeUpdate(r.loss);
      optimizer.step(net.params, net.grads, net.size);
      net.weightsChanged();
      return r;
    },
    evaluate(source, part, start, count): Evaluation {
      reserve(Math.min(count, CHUNK));
      const tally = scoring();
      for (let r = start; r < start + count; r += CHUNK) {
        const rows = Math.min(CHUNK, start + count - r);
        const { x, targets } = source.rowsOf(part, r, rows, net.inputBuffer);
        tally.add(x, targets, rows);
      }
      return tally.result();
    },
    async evaluateStream(source): Promise<Evaluation> {
      reserve(CHUNK);
      const tally = scoring();
      for await (const b of source.validationBatches!(CHUNK, net.inputBuffer, owned.lossBuffers.targets)) tally.add(net.inputBuffer, b.targets, b.rows);
      return tally.result();
    },
  };
}
