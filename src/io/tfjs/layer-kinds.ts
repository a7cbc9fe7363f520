// What each Keras layer class wasmlp imports becomes in the chain: Dense is a
// weighted layer with its activation; BatchNormalization is a per-column affine
// map the chain folds away; activation layers set the activation of the Dense
// before them; InputLayer, Dropout and Flatten change nothing at inference.
// Shapes are tracked because Keras layers act on the last axis of a
// multi-dimensional input, which a perceptron has only after a Flatten.
import { ModelFileError } from "../../errors.js";
import { describe } from "../../util/options.js";
import type { ChainBuilder, ImportedActivation } from "../import/chain.js";
import type { LayerWeights } from "./layer-weights.js";
import type { TfjsLayer } from "./topology.js";

/** The chain being built, the shape of one row at this point and the weights left to take. */
export interface LayerContext {
  chain: ChainBuilder;
  shape: number[];
  weights: LayerWeights;
  /** Position of the layer in the chain. */
  index: number;
}

type LayerKind = (layer: TfjsLayer, ctx: LayerContext) => void;

/** Activations wasmlp has, by their Keras names. */
const ACTIVATIONS: Record<string, ImportedActivation> = { linear: "linear", relu: "relu", sigmoid: "sigmoid", tanh: "tanh", softmax: "softmax" };

/** The layer classes wasmlp imports and what each becomes. */
export const LAYER_KINDS: Record<string, LayerKind> = {
  InputLayer(layer, ctx) {
    if (ctx.index !== 0) throw fail(layer, "an InputLayer must be the model's first layer");
    ctx.chain.passThrough(op(layer));
  },
  Dense(layer, ctx) {
    const { units, use_bias: useBias = true } = layer.config;
    if (!Number.isSafeInteger(units) || (units as number) < 1) throw fail(layer, `units must be a positive integer, got ${describe(units)}`);
    if (typeof useBias !== "boolean") throw fail(layer, `use_bias must be true or false, got ${describe(useBias)}`);
    const activation = activationOf(layer, layer.config.activation);
    const width = rowWidth(layer, ctx);
    const kernel = ctx.weights.take(layer, "kernel", [width, units as number]);
    const bias = useBias ? ctx.weights.take(layer, "bias", [units as number]) : undefined;
    ctx.chain.linear(op(layer), kernel, units as number, bias);
    if (activation !== "linear") ctx.chain.activation(op(layer), activation);
    ctx.shape = [units as number];
  },
  Activation(layer, ctx) {
    const activation = activationOf(layer, layer.config.activation);
    if (activation === "linear") return ctx.chain.passThrough(op(layer));
    if (activation === "softmax") rowWidth(layer, ctx);
    ctx.chain.activation(op(layer), activation);
  },
  LeakyReLU(layer, ctx) {
    // TensorFlow.js and Keras 2 call the slope alpha, Keras 3 negative_slope; both default to 0.3.
    const alpha = layer.config.alpha ?? layer.config.negative_slope ?? 0.3;
    if (typeof alpha !== "number") throw fail(layer, `alpha must be a number, got ${describe(alpha)}`);
    leakyOrRelu(layer, ctx, alpha);
  },
  ReLU(layer, ctx) {
    const { max_value: max, threshold = 0, negative_slope: slope = 0 } = layer.config;
    if (max !== undefined && max !== null) throw fail(layer, `max_value ${describe(max)} (a capped ReLU) is not supported; wasmlp's ReLU has no cap`);
    if (threshold !== 0) throw fail(layer, `threshold ${describe(threshold)} is not supported; wasmlp's ReLU switches at 0`);
    if (typeof slope !== "number") throw fail(layer, `negative_slope must be a number, got ${describe(slope)}`);
    leakyOrRelu(layer, ctx, slope);
  },
  Softmax(layer, ctx) {
    lastAxis(layer, ctx, layer.config.axis ?? -1);
    rowWidth(layer, ctx);
    ctx.chain.activation(op(layer), "softmax");
  },
  BatchNormalization(layer, ctx) {
    const { epsilon = 1e-3, center = true, scale = true, axis = -1 } = layer.config;
    lastAxis(layer, ctx, axis);
    if (typeof epsilon !== "number" || !(epsilon >= 0) || !Number.isFinite(epsilon)) throw fail(layer, `epsilon must be a finite number ≥ 0, got ${describe(epsilon)}`);
    if (typeof center !== "boolean" || typeof scale !== "boolean") throw fail(layer, `center and scale must be true or false, got ${describe(center)} and ${describe(scale)}`);
    const channels = [ctx.shape.at(-1)!];
    const gamma = scale ? ctx.weights.take(layer, "gamma", channels) : undefined;
    const beta = center ? ctx.weights.take(layer, "beta", channels) : undefined;
    const mean = ctx.weights.take(layer, "moving_mean", channels);
    const variance = ctx.weights.take(layer, "moving_variance", channels);
    // y = (x − mean)·γ/√(var + ε) + β, per channel of the last axis, repeated over the other axes of a flattened row.
    const width = ctx.chain.width;
    const factor = new Float64Array(width);
    const offset = new Float64Array(width);
    for (let i = 0; i < width; i++) {
      const c = i % channels[0];
      const spread = variance[c] + epsilon;
      if (!(spread > 0)) throw fail(layer, `moving_variance ${variance[c]} + epsilon ${epsilon} of channel ${c} is not positive`);
      factor[i] = (gamma ? gamma[c] : 1) / Math.sqrt(spread);
      offset[i] = (beta ? beta[c] : 0) - mean[c] * factor[i];
    }
    ctx.chain.affine(op(layer), factor, offset);
  },
  Dropout(layer, ctx) {
    ctx.chain.passThrough(op(layer));
  },
  Flatten(layer, ctx) {
    // Keras reorders a channels_first input to channels_last before flattening it; wasmlp's rows are already flat.
    if (layer.config.data_format === "channels_first" && ctx.shape.length > 1) {
      throw fail(layer, `data_format 'channels_first' reorders the axes before flattening; wasmlp imports channels_last only`);
    }
    ctx.shape = [ctx.chain.width];
    ctx.chain.passThrough(op(layer));
  },
};

/** The error for a layer whose class wasmlp does not import. */
export function unsupportedLayer(layer: TfjsLayer): ModelFileError {
  return new ModelFileError(`layer "${layer.name}": class ${layer.className} is not supported; wasmlp imports multilayer perceptrons made of ` +
    `${Object.keys(LAYER_KINDS).join(", ")} layers`);
}

function op(layer: TfjsLayer): { name: string; op: string } {
  return { name: layer.name, op: layer.className };
}

function fail(layer: TfjsLayer, message: string): ModelFileError {
  return new ModelFileError(`layer "${layer.name}" (${layer.className}): ${message}`);
}

function activationOf(layer: TfjsLayer, name: unknown): ImportedActivation {
  if (name === undefined || name === null) return "linear";
  if (typeof name === "string" && Object.hasOwn(ACTIVATIONS, name)) return ACTIVATIONS[name];
  throw fail(layer, `activation ${describe(name)} is not supported; wasmlp has ${Object.keys(ACTIVATIONS).join(", ")} (and leaky ReLU as a LeakyReLU layer)`);
}

/** Width of a row that is one axis: Dense and softmax act on the last axis, which is the whole row only after a Flatten. */
function rowWidth(layer: TfjsLayer, ctx: LayerContext): number {
  if (ctx.shape.length !== 1) {
    throw fail(layer, `its input has shape [${ctx.shape.join(", ")}] and the layer acts on the last axis only; add a Flatten before it`);
  }
  return ctx.shape[0];
}

/** Checks that `axis` (Keras counts the batch axis as 0) is the last one. */
function lastAxis(layer: TfjsLayer, ctx: LayerContext, axis: unknown): void {
  const a = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
  if (a !== -1 && a !== ctx.shape.length) throw fail(layer, `axis ${describe(axis)} is not supported; wasmlp imports this layer over the last axis (-1) only`);
}

function leakyOrRelu(layer: TfjsLayer, ctx: LayerContext, slope: number): void {
  if (slope === 0) ctx.chain.activation(op(layer), "relu");
  else ctx.chain.activation(op(layer), "leakyRelu", slope);
}
