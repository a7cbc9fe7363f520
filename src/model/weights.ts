// Reading and writing parameter tensors by name. Writes are checked whole
// before the first value is written, so a refused call changes nothing.
import type { Core } from "../runtime/core.js";
import { InputError } from "../errors.js";
import type { Network, ParamInfo } from "../nn/network.js";
import { describe } from "../util/options.js";

/** A named parameter tensor with its shape, e.g. 'layers.0.weight' of shape [inputs, units]. */
export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** A tensor's shape and values. */
export interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** One layer's parameters: weight [inputs, units·pieces] and bias [units·pieces]; absent when the layer has none. */
export interface LayerWeights {
  weight?: Tensor;
  bias?: Tensor;
}

/** Copies of the tensors of a flat buffer laid out like the parameters (parameters, gradients, optimizer state). */
export function readTensors(net: Network, base: number): NamedTensor[] {
  return net.info.map((p) => ({ name: p.name, shape: [...p.shape], data: net.core.f32(base + p.offset * 4, p.length).slice() }));
}

/** Tensors checked against the network: each one known, of its shape, Float32Array data and (if `finite`) finite. */
export function checkTensors(net: Network, tensors: unknown, where: string, finite = true): [ParamInfo, Float32Array][] {
  if (!Array.isArray(tensors)) throw new InputError(`${where}: expected an array of {name, shape, data}, got ${describe(tensors)}`);
  const byName = new Map(net.info.map((p) => [p.name, p]));
  return tensors.map((w: NamedTensor) => {
    const p = byName.get(w?.name);
    if (!p) throw new InputError(`${where}: unknown tensor ${JSON.stringify(w?.name)}; known: ${[...byName.keys()].join(", ")}`);
    if (!(w.data instanceof Float32Array)) throw new InputError(`${where}: ${p.name} data must be a Float32Array, got ${describe(w.data)}`);
    if (!Array.isArray(w.shape) || w.shape.join() !== p.shape.join() || w.data.length !== p.length) {
      throw new InputError(`${where}: ${p.name} has shape [${p.shape}] (${p.length} values), got shape [${w.shape}] with ${w.data.length} values`);
    }
    const bad = finite ? w.data.findIndex((v) => !Number.isFinite(v)) : -1;
    if (bad >= 0) throw new InputError(`${where}: ${p.name} contains ${w.data[bad]} at index ${bad}; weights must be finite`);
    return [p, w.data];
  });
}

/** Writes checked tensors into a flat buffer laid out like the parameters. */
export function writeTensors(core: Core, base: number, tensors: [ParamInfo, Float32Array][]): void {
  for (const [p, data] of tensors) core.f32(base + p.offset * 4, p.length).set(data);
}

/** 'layers.{index}.' after checking that layer `index` exists. */
function layerPrefix(net: Network, index: number, what: string): string {
  const count = net.layers.length;
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new InputError(`${what}: layer index must be an integer in [0, ${count - 1}], got ${describe(index)}`);
  }
  return `layers.${index}.`;
}

/** Copies of layer `index`'s weight and bias with their shapes; {} for a layer without parameters. */
export function layerOf(net: Network, index: number): LayerWeights {
  const prefix = layerPrefix(net, index, "layerWeights");
  const out: LayerWeights = {};
  for (const t of readTensors(net, net.params)) if (t.name.startsWith(prefix)) out[t.name.slice(prefix.length) as keyof LayerWeights] = { shape: t.shape, data: t.data };
  return out;
}

/** Named tensors for setLayerWeights(index, {weight, bias}); a bare Float32Array takes the layer's own shape. */
export function layerTensors(net: Network, index: number, weights: unknown): NamedTensor[] {
  const prefix = layerPrefix(net, index, "setLayerWeights");
  if (typeof weights !== "object" || weights === null) throw new InputError(`setLayerWeights: expected {weight, bias}, got ${describe(weights)}`);
  const known = net.info.filter((p) => p.name.startsWith(prefix));
  const names = known.map((p) => p.name.slice(prefix.length));
  const tensors: NamedTensor[] = [];
  for (const [key, value] of Object.entries(weights)) {
    const p = known.find((q) => q.name === prefix + key);
    if (!p) throw new InputError(`setLayerWeights: layer ${index} has no ${JSON.stringify(key)}; it has ${names.length ? names.join(", ") : "no parameters"}`);
    if (value === undefined) continue;
    const t = value instanceof Float32Array ? { shape: [...p.shape], data: value } : value as Tensor;
    tensors.push({ name: p.name, shape: t?.shape, data: t?.data });
  }
  return tensors;
}
