// Inputs and targets for fit, evaluate and computeGradients: checked on the
// host against the network and loss, then copied into the core once.
import { toRows, toTargets, type ByteMatrix, type InputBatch, type Matrix, type TargetBatch, type Targets } from "../nn/input.js";
import type { Network } from "../nn/network.js";
import { DeviceData, type RowTransform } from "../train/device-data.js";
import { MemorySource } from "../train/memory-source.js";
import { fitPlan, streamPlan, type FitPlan, type StreamPlan } from "../train/plan.js";
import { StreamSource } from "../train/stream-source.js";
import type { Dataset } from "../train/dataset.js";
import { DeviceWeights, rowWeights, type HostWeights } from "../train/sample-weights.js";
import { rowClasses, splitRows, type RowSplit } from "../train/split.js";
import type { FitOptions, StreamFitOptions } from "../train/training.js";
import type { Compiled } from "./compile.js";

/** Rows and their targets, checked but still on the host. */
export interface HostPair {
  x: Matrix | ByteMatrix;
  y: Targets;
  names: [string, string];
}

/** Checks x and y (named `names` in errors) against the network's widths and the loss's kind of targets. */
export function hostPair(net: Pick<Network, "inputs" | "outputs">, c: Pick<Compiled, "loss">, x: InputBatch, y: TargetBatch, names: [string, string] = ["x", "y"]): HostPair {
  const m = toRows(x, net.inputs, names[0]);
  return { x: m, y: toTargets(y, m.rows, net.outputs, c.loss.classification ? net.outputs : 0, names[1]), names };
}

/** Copies a pair into the core, where its values are checked and the preprocessing applied. */
export function upload(net: Pick<Network, "core" | "outputs">, c: Pick<Compiled, "loss">, transform: RowTransform | undefined, p: HostPair): DeviceData {
  const rule = { classes: c.loss.classification ? net.outputs : 0, range: c.loss.targetRange, loss: c.loss.name };
  return DeviceData.upload(net.core, p.x, p.y, rule, p.names[0], p.names[1], transform);
}

/** fit()'s data in the core as a batch source: training rows (with their `weights`), and validation data or the rows `split` holds out. */
export function fitSource(net: Network, c: Compiled, transform: RowTransform | undefined, train: HostPair,
  validation: [unknown, unknown] | undefined, split?: RowSplit, weights?: HostWeights): MemorySource {
  const held = validation && hostPair(net, c, validation[0] as InputBatch, validation[1] as TargetBatch, ["validationData[0]", "validationData[1]"]);
  const data = upload(net, c, transform, train);
  let w: DeviceWeights | undefined;
  try {
    w = weights && new DeviceWeights(net.core, weights);
    return new MemorySource(net.core, net.rt.rng, data, held && upload(net, c, transform, held), split, w);
  } catch (e) {
    data.free();
    w?.free();
    throw e;
  }
}

/** fit()'s plan, with every option checked, and its data in the core: the rows it holds out are drawn from `seed`. */
export function fitData(net: Network, c: Compiled, transform: RowTransform | undefined, seed: number, x: InputBatch, y: TargetBatch,
  options: FitOptions): { plan: FitPlan; source: MemorySource } {
  const pair = hostPair(net, c, x, y);
  const v = options?.validationData;
  const plan = fitPlan(options, { rows: pair.x.rows, validationData: v !== undefined, metrics: c.metrics.map((m) => m.name), learningRate: c.optimizer.learningRate });
  const split = plan.splitRows > 0
    ? splitRows(pair.x.rows, plan.splitRows, plan.splitFrom, seed, c.loss.classification ? rowClasses(pair.y) : undefined)
    : undefined;
  const weights = rowWeights(options, pair.y, c.loss, net.outputs);
  return { plan, source: fitSource(net, c, transform, pair, v, split, weights) };
}

/** fit(dataset)'s plan, with every option checked, and the dataset as a batch source that reads it anew each epoch. */
export function fitStream(net: Network, c: Compiled, transform: RowTransform | undefined, seed: number, dataset: Dataset,
  options: StreamFitOptions): { plan: StreamPlan; source: StreamSource } {
  const classes = c.loss.classification ? net.outputs : 0;
  // Validation arrays are checked now, and then read as a dataset of one batch.
  const arrays = (v: [unknown, unknown]): Dataset => {
    const p = hostPair(net, c, v[0] as InputBatch, v[1] as TargetBatch, ["validationData[0]", "validationData[1]"]);
    const item = p.y.kind === "index" ? { x: p.x, y: p.y.labels } : { x: p.x, y: { data: p.y.data, rows: p.y.rows, cols: p.y.cols } };
    return () => [item];
  };
  const plan = streamPlan(options, { metrics: c.metrics.map((m) => m.name), learningRate: c.optimizer.learningRate }, arrays);
  const settings = {
    shuffleBuffer: plan.shuffleBuffer, seed, split: plan.split, validation: plan.validation, where: "fit: dataset",
    shape: { inputs: net.inputs, outputs: net.outputs, classes },
    rule: { classes, range: c.loss.targetRange, loss: c.loss.name }, transform, signal: plan.signal,
  };
  return { plan, source: new StreamSource(net.core, dataset, settings, plan.batchSize) };
}

/** `f(data)`, freeing the data in the core afterwards whatever happens. */
export function freeing<D extends { free(): void }, T>(data: D, f: (data: D) => T): T {
  try {
    return f(data);
  } finally {
    data.free();
  }
}
