// Inputs and targets for fit, evaluate and computeGradients: checked on the
// host against the network and loss, then copied into the core once.
import { toRows, toTargets, type ByteMatrix, type InputBatch, type Matrix, type TargetBatch, type Targets } from "../nn/input.js";
import type { Network } from "../nn/network.js";
import { DeviceData, type RowTransform } from "../train/device-data.js";
import { MemorySource } from "../train/memory-source.js";
import { DeviceWeights, type HostWeights } from "../train/sample-weights.js";
import type { RowSplit } from "../train/split.js";
import type { Compiled } from "./compile.js";

/** Rows and their targets, checked but still on the host. */
export interface HostPair {
  x: Matrix | ByteMatrix;
  y: Targets;
  names: [string, string];
}

/** Checks x and y (named `names` in errors) against the network's widths and the loss's kind of targets. */
export function hostPair(net: Network, c: Compiled, x: InputBatch, y: TargetBatch, names: [string, string] = ["x", "y"]): HostPair {
  const m = toRows(x, net.inputs, names[0]);
  return { x: m, y: toTargets(y, m.rows, net.outputs, c.loss.classification ? net.outputs : 0, names[1]), names };
}

/** Copies a pair into the core, where its values are checked and the preprocessing applied. */
export function upload(net: Network, c: Compiled, transform: RowTransform | undefined, p: HostPair): DeviceData {
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
