// What the ONNX graph import reads from a node besides its data: constant inputs
// (initializers and Constant nodes), attributes with their defaults, and how a
// constant broadcasts over the rows flowing through the chain. Every error names
// the node it comes from.
import { ModelFileError } from "../../errors.js";
import type { SourceOp } from "../import/chain.js";
import { DataType, type OnnxAttribute, type OnnxNode, type OnnxTensor } from "./onnx-model.js";

/** A node on the chain: the node, how errors name it, and which of its inputs carries the data. */
export interface Step {
  node: OnnxNode;
  /** `node "name"`, or `node #3 (output "x")` for a node without a name. */
  label: string;
  /** The name and op the ChainBuilder records. */
  source: SourceOp;
  /** Index in node.inputs of the value coming from the previous node. */
  data: number;
}

/** How messages name the node at `index` of the graph. */
export function nodeLabel(node: OnnxNode, index: number): string {
  return node.name ? `node ${JSON.stringify(node.name)}` : `node #${index} (output ${JSON.stringify(node.outputs[0] ?? "")})`;
}

/** A ModelFileError about a node: `node "name" (Op): message`. */
export function nodeError(label: string, op: string, message: string): ModelFileError {
  return new ModelFileError(`${label} (${op}): ${message}`);
}

/** A ModelFileError about a step. */
export function stepError(step: Step, message: string): ModelFileError {
  return nodeError(step.label, step.node.opType, message);
}

const TYPE_NAMES: Record<number, string> = {
  1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64", 8: "STRING", 9: "BOOL",
  10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 16: "BFLOAT16",
};

/** The name of a TensorProto data type, e.g. "INT64 (7)". */
export function typeName(code: number | undefined): string {
  return `${TYPE_NAMES[code ?? 0] ?? "type"} (${code})`;
}

/** The tensor a Constant node holds, from whichever value attribute it has. */
export function constantValue(node: OnnxNode, label: string): OnnxTensor {
  const name = node.outputs[0] ?? "";
  for (const a of node.attributes) {
    switch (a.name) {
      case "value": if (a.t) return { ...a.t, name }; break;
      case "value_float": return { name, dims: [], dataType: DataType.FLOAT, floats: Float32Array.of(a.f ?? 0) };
      case "value_floats": return { name, dims: [a.floats?.length ?? 0], dataType: DataType.FLOAT, floats: Float32Array.from(a.floats ?? []) };
      case "value_int": return { name, dims: [], dataType: DataType.INT64, ints: [a.i ?? 0] };
      case "value_ints": return { name, dims: [a.ints?.length ?? 0], dataType: DataType.INT64, ints: [...(a.ints ?? [])] };
      default: throw nodeError(label, "Constant", `a constant given as ${a.name} is not supported; wasmlp reads value, value_float(s) and value_int(s)`);
    }
  }
  throw nodeError(label, "Constant", "it holds no value");
}

/**
 * The constant a Cast or Identity of a constant makes, or undefined for any other node. Exporters that do not fold
 * constants write DOUBLE or FLOAT16 weights as a Cast to FLOAT of the initializer.
 */
export function foldedConstant(node: OnnxNode, constants: Map<string, OnnxTensor>): OnnxTensor | undefined {
  const t = node.inputs.length === 1 ? constants.get(node.inputs[0]) : undefined;
  const name = node.outputs[0] ?? "";
  if (!t || (node.opType !== "Cast" && node.opType !== "Identity")) return undefined;
  if (node.opType === "Identity") return { ...t, name };
  const to = attribute(node, "to")?.i;
  if (to === DataType.FLOAT) {
    const floats = t.floats ?? (t.ints && Float32Array.from(t.ints));
    return floats && { name, dims: t.dims, dataType: to, floats };
  }
  if ((to === DataType.INT64 || to === DataType.INT32) && t.ints) return { name, dims: t.dims, dataType: to, ints: t.ints };
  return undefined;
}

/** The float values of a constant input, refusing integer and other tensors by name. */
export function floatsOf(step: Step, t: OnnxTensor, role: string): Float32Array {
  if (t.floats) return t.floats;
  throw stepError(step, `${role} ${JSON.stringify(t.name)} is ${typeName(t.dataType)}; weights must be FLOAT, DOUBLE or FLOAT16`);
}

/** The integer values of a constant input (a shape, axes). */
export function intsOf(step: Step, t: OnnxTensor, role: string): number[] {
  if (t.ints) return t.ints;
  throw stepError(step, `${role} ${JSON.stringify(t.name)} is ${typeName(t.dataType)}; it must be INT64 or INT32`);
}

/** A node's attribute by name. */
function attribute(node: OnnxNode, name: string): OnnxAttribute | undefined {
  return node.attributes.find((a) => a.name === name);
}

/** An INT attribute, or its default. */
export function intAttribute(step: Step, name: string, fallback: number): number {
  return attribute(step.node, name)?.i ?? fallback;
}

/** An INTS attribute, or undefined when absent. */
export function intsAttribute(step: Step, name: string): number[] | undefined {
  return attribute(step.node, name)?.ints;
}

/**
 * A FLOAT attribute, or its default. Attributes are stored as float32; the shortest decimal that rounds to the same
 * float is what the exporter was given (0.2, not 0.20000000298), so that is the value returned.
 */
export function floatAttribute(step: Step, name: string, fallback: number): number {
  const f = attribute(step.node, name)?.f;
  if (f === undefined) return fallback;
  for (let digits = 1; digits < 9; digits++) {
    const v = Number(f.toPrecision(digits));
    if (Math.fround(v) === Math.fround(f)) return v;
  }
  return f;
}

/**
 * The per-column values of a constant of `shape` broadcast (numpy-style, as ONNX's Add/Sub/Mul/Div do) over values
 * [batch, ...dims], flattened row-major as the chain's columns; a single number when it holds one value.
 * `dims` is null when the input's shape is not given: then only a scalar, [n] or [1, n] for `width` columns is read.
 */
export function spread(step: Step, values: ArrayLike<number>, shape: number[], dims: number[] | null, width: number, role: string): number | Float64Array {
  const described = `${role} of shape [${shape.join(", ")}]`;
  if (values.length === 1 && shape.length <= (dims?.length ?? 1) + 1) return values[0];
  if (!dims) {
    const rows = shape.length === 2 ? shape[0] : 1;
    if (shape.length > 2 || rows !== 1 || shape.at(-1) !== width) {
      throw stepError(step, `${described} does not apply per column to rows of ${width} values (the input's shape is not given)`);
    }
    return Float64Array.from(values);
  }
  const rank = dims.length;
  if (shape.length > rank + 1) throw stepError(step, `${described} has more axes than the values [batch, ${dims.join(", ")}]`);
  if (shape.length === rank + 1 && shape[0] !== 1) {
    throw stepError(step, `${described} varies along the batch axis of values [batch, ${dims.join(", ")}]; wasmlp reads per-column constants`);
  }
  // The constant's dims aligned to the right of `dims`; a 1 repeats along that axis (stride 0).
  const aligned = [...new Array<number>(rank - Math.min(shape.length, rank)).fill(1), ...shape.slice(-rank)];
  if (aligned.some((d, i) => d !== 1 && d !== dims[i])) {
    throw stepError(step, `${described} does not broadcast over values [batch, ${dims.join(", ")}]`);
  }
  const strides = new Array<number>(rank);
  for (let i = rank - 1, stride = 1; i >= 0; stride *= aligned[i], i--) strides[i] = aligned[i] === 1 ? 0 : stride;
  const out = new Float64Array(width);
  for (let col = 0; col < width; col++) {
    let at = 0;
    for (let i = rank - 1, rest = col; i >= 0; i--) {
      at += (rest % dims[i]) * strides[i];
      rest = Math.floor(rest / dims[i]);
    }
    out[col] = values[at];
  }
  return out;
}
