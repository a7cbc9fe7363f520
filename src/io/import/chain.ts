// Builds a wasmlp architecture from another framework's operations, in the
// order they run. Per-column affine maps (standardisation, batch normalisation,
// Sub/Div/Mul/Add by constants) are not layers here: before the first weighted
// layer they become the model's preprocessing, right after a weighted layer they
// fold into its weights and bias, and after an activation they fold into the
// next weighted layer's inputs. Importers check their own format; this checks
// that what they describe is a multilayer perceptron wasmlp can run.
import { ModelFileError } from "../../errors.js";
import type { ModelConfig } from "../../model/config.js";
import type { ModelOrigin } from "../../model/origin.js";
import type { NamedTensor } from "../../model/weights.js";
import type { LayerConfig } from "../../nn/layers/layer.js";
import type { Preprocessing } from "../../nn/preprocessing.js";

/** A node or layer of the source model: its name and op (or layer class). */
export interface SourceOp {
  name: string;
  op: string;
}

/** An imported architecture with its weights and preprocessing, ready to become a Sequential. */
export interface ImportedModel {
  config: ModelConfig;
  weights: NamedTensor[];
  preprocessing: Preprocessing | null;
  origin: ModelOrigin;
}

/** Activations an importer can set on a weighted layer. */
export type ImportedActivation = "linear" | "relu" | "leakyRelu" | "sigmoid" | "tanh" | "softmax" | "logSoftmax";

/** A weighted layer being assembled: x·weight + bias, [inputs, outputs] row-major. */
interface Weighted {
  inputs: number;
  outputs: number;
  weight: Float32Array;
  /** Kept in float64 while affine maps fold into it; rounded once, at the end. */
  bias: Float64Array | undefined;
  activation: ImportedActivation | undefined;
  alpha?: number;
  pieces?: number;
}

/** A per-column map x·scale + offset, in float64. */
interface Affine {
  scale: Float64Array;
  offset: Float64Array;
}

/** Turns an importer's sequence of operations into a wasmlp config, weights and preprocessing. */
export class ChainBuilder {
  private readonly layers: Weighted[] = [];
  /** The affine map on the raw inputs, while no weighted layer has been seen. */
  private pre: Affine | undefined;
  /** An affine map after the last activation, waiting for the next weighted layer. */
  private pending: { map: Affine; op: SourceOp } | undefined;
  private readonly nodes: ModelOrigin["nodes"] = [];
  private current: number;

  constructor(private readonly inputs: number) {
    if (!Number.isSafeInteger(inputs) || inputs < 1) throw new ModelFileError(`the model's input width must be a positive integer, got ${inputs}`);
    this.current = inputs;
  }

  /** Width of the values at this point of the chain. */
  get width(): number {
    return this.current;
  }

  /** x ↦ x·scale + offset per column (a number, or one per column of `width`), folded where it stands (see the file's header). */
  affine(op: SourceOp, scale: ArrayLike<number> | number, offset: ArrayLike<number> | number): void {
    const map = { scale: this.perColumn(op, scale, "scale"), offset: this.perColumn(op, offset, "offset") };
    const last = this.layers.at(-1);
    if (!last) {
      this.pre = compose(this.pre, map);
      this.record(op, "preprocessing");
    } else if (last.activation === undefined && !last.pieces) {
      foldAfter(last, map);
      this.record(op, `folded into ${layerName(this.layers.length - 1)}`);
    } else {
      this.pending = { map: compose(this.pending?.map, map), op };
      this.record(op, `folded into ${layerName(this.layers.length)}`);
    }
  }

  /** A weighted layer x ↦ x·W (+ b): W is [width, units] row-major float32. */
  linear(op: SourceOp, weight: Float32Array, units: number, bias?: ArrayLike<number>): void {
    if (!Number.isSafeInteger(units) || units < 1) throw fail(op, `a layer needs a positive number of units, got ${units}`);
    if (weight.length !== this.current * units) {
      throw fail(op, `weights of ${weight.length} values do not make a [${this.current}, ${units}] matrix for ${this.current} inputs`);
    }
    if (bias !== undefined && bias.length !== units) throw fail(op, `bias of ${bias.length} values for ${units} units`);
    const layer: Weighted = {
      inputs: this.current, outputs: units, weight: Float32Array.from(weight),
      bias: bias === undefined ? undefined : Float64Array.from(bias), activation: undefined,
    };
    if (this.pending) {
      foldBefore(layer, this.pending.map);
      this.pending = undefined;
    }
    this.layers.push(layer);
    this.current = units;
    this.record(op, layerName(this.layers.length - 1));
  }

  /** Sets the activation of the last weighted layer, which must have none yet. */
  activation(op: SourceOp, name: ImportedActivation, alpha?: number): void {
    const last = this.open(op, "an activation");
    if (name === "linear") {
      this.record(op, "dropped");
      return;
    }
    if (name === "leakyRelu" && !(typeof alpha === "number" && alpha >= 0 && alpha <= 1)) {
      throw fail(op, `leaky ReLU slope ${alpha} is not supported; wasmlp's leakyRelu takes a slope between 0 and 1`);
    }
    last.activation = name;
    if (name === "leakyRelu") last.alpha = alpha;
    this.record(op, `${layerName(this.layers.length - 1)} activation`);
  }

  /** Turns the last weighted layer (no activation yet) into maxout with `pieces` consecutive columns per unit. */
  maxout(op: SourceOp, pieces: number): void {
    const last = this.open(op, "a maxout");
    if (!Number.isSafeInteger(pieces) || pieces < 2 || last.outputs % pieces !== 0) {
      throw fail(op, `maxout of ${pieces} pieces over ${last.outputs} values: pieces must be at least 2 and divide the values`);
    }
    last.pieces = pieces;
    this.current = last.outputs / pieces;
    this.record(op, `${layerName(this.layers.length - 1)} maxout`);
  }

  /** A node that changes nothing at inference (Identity, Dropout, Cast, Flatten): recorded only. */
  passThrough(op: SourceOp): void {
    this.record(op, "dropped");
  }

  /** The model; throws ModelFileError if nothing weighted was seen or a scaling is left after the output activation. */
  finish(origin: Omit<ModelOrigin, "nodes">): ImportedModel {
    if (this.layers.length === 0) throw new ModelFileError("the model has no weighted layer (Gemm, MatMul or Dense); wasmlp imports multilayer perceptrons");
    if (this.pending) throw fail(this.pending.op, "a per-column scaling after the output activation is not supported; only the inputs and linear layers take one");
    const layers: LayerConfig[] = [];
    const weights: NamedTensor[] = [];
    this.layers.forEach((l, i) => {
      const config: LayerConfig = l.pieces
        ? { type: "maxout", units: l.outputs / l.pieces, pieces: l.pieces }
        : { type: "dense", units: l.outputs, activation: l.activation ?? "linear" };
      if (l.alpha !== undefined) config.alpha = l.alpha;
      if (!l.bias) config.useBias = false;
      layers.push(config);
      weights.push({ name: `${layerName(i)}.weight`, shape: [l.inputs, l.outputs], data: l.weight });
      if (l.bias) weights.push({ name: `${layerName(i)}.bias`, shape: [l.outputs], data: Float32Array.from(l.bias) });
    });
    return {
      config: { inputs: this.inputs, layers, seed: 0 },
      weights,
      preprocessing: this.pre && !isIdentity(this.pre) ? { method: "scale", scale: oneOrAll(this.pre.scale), offset: oneOrAll(this.pre.offset) } : null,
      origin: { ...origin, nodes: this.nodes },
    };
  }

  /** The last weighted layer, if `what` may follow it. */
  private open(op: SourceOp, what: string): Weighted {
    const last = this.layers.at(-1);
    if (!last) throw fail(op, `${what} before the first weighted layer is not supported`);
    if (this.pending || last.activation !== undefined || last.pieces) {
      throw fail(op, `${what} must follow a linear layer directly; two activations in a row are not supported`);
    }
    return last;
  }

  private perColumn(op: SourceOp, v: ArrayLike<number> | number, what: string): Float64Array {
    const values = typeof v === "number" ? new Float64Array(this.current).fill(v) : Float64Array.from(v);
    if (typeof v !== "number" && values.length === 1) return new Float64Array(this.current).fill(values[0]);
    if (values.length !== this.current) throw fail(op, `${what} of ${values.length} values for ${this.current} columns`);
    if (!values.every(Number.isFinite)) throw fail(op, `${what} holds a value that is not finite`);
    return values;
  }

  private record(op: SourceOp, became: string): void {
    this.nodes.push({ name: op.name, op: op.op, became });
  }
}

function fail(op: SourceOp, message: string): ModelFileError {
  return new ModelFileError(`node ${JSON.stringify(op.name)} (${op.op}): ${message}`);
}

function layerName(i: number): string {
  return `layers.${i}`;
}

/** b after a: x·(sa·sb) + (oa·sb + ob). */
function compose(a: Affine | undefined, b: Affine): Affine {
  if (!a) return b;
  return { scale: a.scale.map((s, i) => s * b.scale[i]), offset: a.offset.map((o, i) => o * b.scale[i] + b.offset[i]) };
}

/** One number when every column has the same value (a uniform scaling stays one), else one per column. */
function oneOrAll(values: Float64Array): number | number[] {
  return values.every((v) => v === values[0]) ? values[0] : Array.from(values);
}

function isIdentity(m: Affine): boolean {
  return m.scale.every((s) => s === 1) && m.offset.every((o) => o === 0);
}

/** The map applied to a layer's outputs: W[:, j]·s_j, b_j·s_j + o_j. */
function foldAfter(layer: Weighted, map: Affine): void {
  const { weight, inputs, outputs } = layer;
  if (!map.scale.every((s) => s === 1)) {
    for (let i = 0; i < inputs; i++) for (let j = 0; j < outputs; j++) weight[i * outputs + j] *= map.scale[j];
  }
  if (!layer.bias && map.offset.every((o) => o === 0)) return;
  const bias = layer.bias ?? new Float64Array(outputs);
  layer.bias = bias.map((b, j) => b * map.scale[j] + map.offset[j]);
}

/** The map applied to a layer's inputs: W[i, :]·s_i, b + o·W. */
function foldBefore(layer: Weighted, map: Affine): void {
  const { weight, inputs, outputs } = layer;
  const shift = new Float64Array(outputs);
  for (let i = 0; i < inputs; i++) {
    for (let j = 0; j < outputs; j++) {
      shift[j] += map.offset[i] * weight[i * outputs + j];
      weight[i * outputs + j] *= map.scale[i];
    }
  }
  if (!layer.bias && shift.every((v) => v === 0)) return;
  const bias = layer.bias ?? new Float64Array(outputs);
  layer.bias = bias.map((b, j) => b + shift[j]);
}
