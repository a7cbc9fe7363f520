// The part of an ONNX model wasmlp reads, as plain data: what decode.ts makes of
// a ModelProto's bytes and what graph.ts turns into layers. Tensors are already
// converted (FLOAT, DOUBLE, FLOAT16 to float32; INT64, INT32 and BOOL to numbers) and
// external data already read, so the graph import never touches bytes.

/** ONNX TensorProto.DataType codes wasmlp reads. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11 } as const;

/** A tensor (initializer, Constant value or tensor attribute) with its values decoded. */
export interface OnnxTensor {
  name: string;
  dims: number[];
  /** The TensorProto data type it was stored as. */
  dataType: number;
  /** Values of a FLOAT, DOUBLE or FLOAT16 tensor, in row-major order. */
  floats?: Float32Array;
  /** Values of an INT64, INT32 or BOOL (0 or 1) tensor (shapes, axes, flags), each a safe integer. */
  ints?: number[];
}

/** One attribute of a node; only the field its type uses is set. */
export interface OnnxAttribute {
  name: string;
  /** AttributeProto.AttributeType: 1 FLOAT, 2 INT, 3 STRING, 4 TENSOR, 6 FLOATS, 7 INTS, 8 STRINGS; others are kept with no value. */
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
  strings?: string[];
}

/** A node of the graph. */
export interface OnnxNode {
  name: string;
  opType: string;
  /** "" (or "ai.onnx") for the standard operators. */
  domain: string;
  /** Input value names; "" marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

/** A graph input or output: its name, element type and shape (a number, a symbolic name, or null where unknown). */
export interface OnnxValueInfo {
  name: string;
  elemType?: number;
  shape?: (number | string | null)[];
}

/** A GraphProto, reduced to what a feed-forward import needs. */
export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

/** A ModelProto, reduced to what a feed-forward import needs. */
export interface OnnxModel {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  /** Operator sets imported, by domain ("" is the standard one). */
  opsets: { domain: string; version: number }[];
  graph: OnnxGraph;
}
