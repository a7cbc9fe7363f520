// What each ONNX operator on the chain becomes: a weighted layer, an activation,
// a per-column affine map, maxout, or nothing at inference. Semantics follow the
// operator definitions from opset 7 to 23, with each attribute's default in the
// opset the model declares.
import { ModelFileError } from "../../errors.js";
import type { ChainBuilder, ImportedActivation } from "../import/chain.js";
import type { OnnxTensor } from "./onnx-model.js";
import { floatAttribute, floatsOf, intAttribute, intsAttribute, intsOf, spread, stepError, typeName, type Step } from "./values.js";

/** Where the chain stands while its nodes are read. */
export interface ChainState {
  builder: ChainBuilder;
  /** The model's opset for the standard domain. */
  opset: number;
  constants: Map<string, OnnxTensor>;
  /** Dimensions of the values here, batch excluded; null while the input's shape is not given (before the first weighted op). */
  dims: number[] | null;
  /** The batch size the input fixes, if it fixes one. */
  batch: number | null;
  /** After a Reshape of a layer's outputs to [batch, units, pieces]: only the ReduceMax of maxout may follow. */
  grouped?: { pieces: number; reshape: string };
}

type Handler = (step: Step, state: ChainState) => void;

/** The operators read, in the order the unsupported-op message lists them. */
const SUPPORTED = "Gemm, MatMul, Add, Sub, Mul, Div, Relu, LeakyRelu, Sigmoid, Tanh, Softmax, LogSoftmax, Identity, Dropout, Flatten, Reshape, Cast, Constant, BatchNormalization (and ReduceMax in the maxout pattern)";

const MAXOUT = "Reshape to [0, units, pieces] right after a Gemm or MatMul, then ReduceMax over axis 2 with keepdims=0";

/** What to do about the operators people meet most, by op (a Map, so that an op named like an Object property finds nothing). */
const HINTS = new Map<string, string>([["ReduceMax", `ReduceMax is read only as maxout: ${MAXOUT}`]]);
for (const op of ["Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "LRN", "LSTM", "GRU", "RNN"]) {
  HINTS.set(op, "export the model's dense part, or flatten before the first layer");
}
for (const op of ["Elu", "Selu", "Celu", "Gelu", "Mish", "PRelu", "Softplus", "Softsign", "HardSigmoid", "HardSwish", "ThresholdedRelu", "Clip"]) {
  HINTS.set(op, "wasmlp's activations are Relu, LeakyRelu, Sigmoid, Tanh, Softmax and LogSoftmax");
}

/** The error for an operator wasmlp does not read. */
function unsupported(step: Step): ModelFileError {
  const op = step.node.opType;
  const hint = HINTS.has(op) ? `; ${HINTS.get(op)}` : "";
  return new ModelFileError(`${step.label}: op ${op} is not supported; wasmlp imports multilayer perceptrons made of ${SUPPORTED}${hint}`);
}

/** The constant at input `index` of the step, or undefined where the input is omitted. */
function constant(step: Step, state: ChainState, index: number): OnnxTensor | undefined {
  const name = step.node.inputs[index];
  return name ? state.constants.get(name) : undefined;
}

/** The constant at input `index`, which the op needs. */
function operand(step: Step, state: ChainState, index: number, role: string): OnnxTensor {
  const t = constant(step, state, index);
  if (!t) throw stepError(step, `it has no ${role} input`);
  return t;
}

/** Width of rows [batch, n] at this point; a multi-dimensional value is refused where `what` needs rows. */
function rowsWidth(step: Step, state: ChainState, what: string): number {
  if (state.dims && state.dims.length !== 1) {
    throw stepError(step, `${what} needs rows [batch, n], but the values here are [batch, ${state.dims.join(", ")}]; add a Flatten (axis 1) before the first layer`);
  }
  return state.builder.width;
}

/** A weighted layer x·(scale·B) + bias(N) from a constant matrix B, [K, N] (or [N, K] when `transposed`). */
function linear(step: Step, state: ChainState, b: OnnxTensor, transposed: boolean, scale: number, bias?: (units: number) => ArrayLike<number>): void {
  const width = rowsWidth(step, state, step.node.opType);
  const values = floatsOf(step, b, "weight");
  const described = `weight ${JSON.stringify(b.name)} of shape [${b.dims.join(", ")}]`;
  if (b.dims.length !== 2 || values.length !== b.dims[0] * b.dims[1]) throw stepError(step, `${described} is not a matrix`);
  const [k, n] = transposed ? [b.dims[1], b.dims[0]] : b.dims;
  if (k !== width) throw stepError(step, `${described} takes ${k} values per row, but the rows here have ${width}`);
  const weight = new Float32Array(k * n);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < n; j++) weight[i * n + j] = scale * values[transposed ? j * k + i : i * n + j];
  }
  state.builder.linear(step.source, weight, n, bias?.(n));
  state.dims = [n];
}

const gemm: Handler = (step, state) => {
  if (step.data !== 0) throw stepError(step, "the data must be the first input (A); a Gemm with the data as B is not supported");
  if (intAttribute(step, "transA", 0) !== 0) throw stepError(step, "transA=1 is not supported; wasmlp reads Gemm with the rows as A (transA=0)");
  const transB = intAttribute(step, "transB", 0);
  if (transB !== 0 && transB !== 1) throw stepError(step, `transB=${transB} is not supported; it must be 0 or 1`);
  const c = constant(step, state, 2);
  const bias = c && ((n: number) => {
    const values = floatsOf(step, c, "bias C");
    const one = values.length === 1 && c.dims.length <= 2;
    const rows = c.dims.length === 2 ? c.dims[0] : 1;
    if (!one && (c.dims.length > 2 || rows !== 1 || c.dims.at(-1) !== n || values.length !== n)) {
      throw stepError(step, `bias C of shape [${c.dims.join(", ")}] is not supported; wasmlp reads a bias of [${n}], [1, ${n}] or one value, the same for every row`);
    }
    const beta = floatAttribute(step, "beta", 1);
    return Float64Array.from({ length: n }, (_, j) => beta * values[one ? 0 : j]);
  });
  linear(step, state, operand(step, state, 1, "B"), transB === 1, floatAttribute(step, "alpha", 1), bias);
};

const matMul: Handler = (step, state) => {
  if (step.data !== 0) throw stepError(step, "the data must be the first input (x·W); a constant on the left of the data is not supported");
  linear(step, state, operand(step, state, 1, "second"), false, 1);
};

/** Add, Sub, Mul or Div of the data and a constant: a per-column affine map. */
const arithmetic: Handler = (step, state) => {
  const c = operand(step, state, 1 - step.data, "second");
  const v = spread(step, floatsOf(step, c, "constant"), c.dims, state.dims, state.builder.width, `constant ${JSON.stringify(c.name)}`);
  const map = (f: (x: number) => number) => (typeof v === "number" ? f(v) : v.map(f));
  const left = step.data === 0;
  switch (step.node.opType) {
    case "Add": return state.builder.affine(step.source, 1, v);
    case "Mul": return state.builder.affine(step.source, v, 0);
    case "Sub": return left ? state.builder.affine(step.source, 1, map((x) => -x)) : state.builder.affine(step.source, -1, v);
    default: {
      if (!left) throw stepError(step, "a constant divided by the data (c / x) is not supported; wasmlp reads x / c, a per-column scaling");
      if (typeof v === "number" ? v === 0 : v.includes(0)) throw stepError(step, `constant ${JSON.stringify(c.name)} divides by 0`);
      // 1/c in float64, rounded once where the map is folded.
      return state.builder.affine(step.source, map((x) => 1 / x), 0);
    }
  }
};

const activation = (name: ImportedActivation): Handler => (step, state) => state.builder.activation(step.source, name);

const leakyRelu: Handler = (step, state) => state.builder.activation(step.source, "leakyRelu", floatAttribute(step, "alpha", 0.01));

/** Softmax or LogSoftmax over each row: before opset 13 the axis defaults to 1 (the input coerced to 2-D), from 13 to -1. */
const softmax = (name: "softmax" | "logSoftmax"): Handler => (step, state) => {
  rowsWidth(step, state, step.node.opType);
  const axis = intAttribute(step, "axis", state.opset < 13 ? 1 : -1);
  if (axis !== 1 && axis !== -1) {
    throw stepError(step, `axis=${axis} is not supported: on rows [batch, n] it normalises across the batch; wasmlp's ${name} is over each row (axis 1 or -1)`);
  }
  state.builder.activation(step.source, name);
};

const passThrough: Handler = (step, state) => state.builder.passThrough(step.source);

/** Dropout is the identity at inference, unless the model asks for training mode (opset 12 on, third input). */
const dropout: Handler = (step, state) => {
  const mode = step.node.inputs[2] ? constant(step, state, 2)! : undefined;
  if (mode) {
    const values = mode.ints ?? mode.floats;
    if (!values) throw stepError(step, `training_mode ${JSON.stringify(mode.name)} of ${typeName(mode.dataType)} cannot be read; it must be a constant false`);
    if (values.some((v) => v !== 0)) throw stepError(step, "training_mode is true; wasmlp imports a model for inference, where Dropout passes its input through");
  }
  state.builder.passThrough(step.source);
};

/** Flatten to [batch, rest]: only axis 1 (the row) keeps the batch. */
const flatten: Handler = (step, state) => {
  const raw = intAttribute(step, "axis", 1);
  const rank = state.dims ? state.dims.length + 1 : undefined;
  const axis = raw < 0 && rank !== undefined ? raw + rank : raw;
  if (axis !== 1) throw stepError(step, `axis=${raw} is not supported; wasmlp reads Flatten to rows [batch, n] (axis 1)`);
  state.dims = [state.builder.width];
  state.builder.passThrough(step.source);
};

/** Reshape to rows [batch, n], or to [batch, units, pieces] for maxout. */
const reshape: Handler = (step, state) => {
  const shape = intsOf(step, operand(step, state, 1, "shape"), "shape");
  const allowZero = intAttribute(step, "allowzero", 0) === 1;
  const width = state.builder.width;
  const described = `shape [${shape.join(", ")}]`;
  // The first dimension keeps the batch: 0 copies it (unless allowzero), -1 infers it, or it repeats a batch size the input fixes.
  const [first, ...rest] = shape;
  const keepsBatch = shape.filter((d) => d === -1).length <= 1 && ((first === 0 && !allowZero) || first === -1 || (first > 0 && first === state.batch));
  if (keepsBatch && rest.length === 1 && (rest[0] === -1 || rest[0] === width)) {
    state.dims = [width];
    return state.builder.passThrough(step.source);
  }
  const [units, pieces] = rest;
  if (keepsBatch && rest.length === 2 && state.dims?.length === 1 && pieces > 1 && width % pieces === 0 && (units === -1 || units * pieces === width)) {
    state.grouped = { pieces, reshape: step.label };
    return state.builder.passThrough(step.source);
  }
  throw stepError(step, `${described} is not supported for values of ${width} columns; wasmlp reads Reshape to rows ([0, -1], [batch, -1] or [-1, ${width}]) and the maxout pattern: ${MAXOUT}`);
};

/** The ReduceMax of the maxout pattern, over the pieces of each unit. */
const reduceMax = (step: Step, state: ChainState, pieces: number): void => {
  // From opset 18 the axes are an input; before, an attribute.
  const axes = step.node.inputs[1] ? intsOf(step, constant(step, state, 1)!, "axes") : intsAttribute(step, "axes");
  if (!axes || axes.length !== 1 || (axes[0] !== 2 && axes[0] !== -1)) {
    throw stepError(step, `axes ${axes ? `[${axes.join(", ")}]` : "(all)"} are not supported; wasmlp reads ReduceMax over the pieces (axis 2) in the maxout pattern: ${MAXOUT}`);
  }
  if (intAttribute(step, "keepdims", 1) !== 0) throw stepError(step, `keepdims=1 is not supported; the maxout pattern is ${MAXOUT}`);
  state.builder.maxout(step.source, pieces);
  state.dims = [state.builder.width];
};

/** Cast changes nothing when it makes float32, which the chain computes in. */
const cast: Handler = (step, state) => {
  const to = intAttribute(step, "to", 0);
  if (to !== 1) throw stepError(step, `to=${typeName(to)} is not supported; wasmlp computes in float32 and reads only Cast to FLOAT (to=1)`);
  state.builder.passThrough(step.source);
};

/** Inference-form batch normalisation: per channel (axis 1), x·γ/√(var+ε) + β − mean·γ/√(var+ε), in float64. */
const batchNormalization: Handler = (step, state) => {
  if (step.data !== 0) throw stepError(step, "the data must be its first input X");
  if (intAttribute(step, "training_mode", 0) !== 0) throw stepError(step, "training_mode=1 is not supported; wasmlp imports a model for inference, with the stored mean and variance");
  const [gamma, beta, mean, variance] = ["scale", "B", "mean", "var"].map((role, k) => floatsOf(step, operand(step, state, k + 1, role), role));
  const channels = gamma.length;
  if ([beta, mean, variance].some((v) => v.length !== channels)) throw stepError(step, "scale, B, mean and var differ in length");
  const epsilon = floatAttribute(step, "epsilon", 1e-5);
  const scale = Float64Array.from(gamma, (g, c) => g / Math.sqrt(variance[c] + epsilon));
  const offset = scale.map((s, c) => beta[c] - mean[c] * s);
  // Channels run along axis 1; before opset 9, spatial=0 gave one value per element of [C, d2, …] instead.
  const dims = state.dims;
  const perElement = state.opset < 9 && intAttribute(step, "spatial", 1) === 0;
  const shape = !dims || perElement ? (dims ?? [channels]) : [channels, ...new Array<number>(dims.length - 1).fill(1)];
  const width = state.builder.width;
  const role = "scale, B, mean and var";
  state.builder.affine(step.source, spread(step, scale, shape, dims, width, role), spread(step, offset, shape, dims, width, role));
};

const HANDLERS = new Map<string, Handler>([
  ["Gemm", gemm], ["MatMul", matMul], ["Add", arithmetic], ["Sub", arithmetic], ["Mul", arithmetic], ["Div", arithmetic],
  ["Relu", activation("relu")], ["Sigmoid", activation("sigmoid")], ["Tanh", activation("tanh")], ["LeakyRelu", leakyRelu],
  ["Softmax", softmax("softmax")], ["LogSoftmax", softmax("logSoftmax")],
  ["Identity", passThrough], ["Dropout", dropout], ["Flatten", flatten], ["Reshape", reshape], ["Cast", cast], ["BatchNormalization", batchNormalization],
]);

/** Refuses the first node whose op wasmlp does not read, before any node is read. */
export function checkOps(steps: Step[]): void {
  const unknown = steps.find((s) => !HANDLERS.has(s.node.opType) && s.node.opType !== "ReduceMax");
  if (unknown) throw unsupported(unknown);
}

/** Reads one node of the chain into the builder. */
export function readNode(step: Step, state: ChainState): void {
  if (state.grouped) {
    const { pieces, reshape: by } = state.grouped;
    if (step.node.opType !== "ReduceMax") throw stepError(step, `after the Reshape of ${by}, wasmlp reads only the ReduceMax of the maxout pattern: ${MAXOUT}`);
    state.grouped = undefined;
    return reduceMax(step, state, pieces);
  }
  const handler = HANDLERS.get(step.node.opType);
  if (!handler) throw unsupported(step);
  handler(step, state);
}
