// Where an imported model came from. A model read from an ONNX file or a
// TensorFlow.js model keeps this record through save and load, so `wasmlp info`
// can say which source nodes became which layers long after the conversion.
import { ConfigError } from "../errors.js";
import { checkKeys, describe } from "../util/options.js";

/** Where an imported model came from (an ONNX file, a TensorFlow.js model): kept in its file and shown by `wasmlp info`. */
export interface ModelOrigin {
  /** The source format: "onnx" or "tfjs-layers". */
  format: string;
  /** The tool that wrote the source, with its version (e.g. "pytorch 2.13.0"). */
  producer?: string;
  /** The ONNX operator set the source was written for. */
  opset?: number;
  /** Each source node or layer in order, and what it became ("preprocessing", "layers.0", "folded into layers.0", "dropped"). */
  nodes: { name: string; op: string; became: string }[];
}

/** Longest text and most nodes an origin may hold: it describes a perceptron, not a whole graph library. */
const MAX_TEXT = 1024;
const MAX_NODES = 100_000;

/** Checks an origin record (from a state or a file), returning a copy; a ConfigError names what is wrong. */
export function checkOrigin(v: unknown, where: string): ModelOrigin {
  const o = v as ModelOrigin;
  if (typeof o !== "object" || o === null || Array.isArray(o)) throw new ConfigError(`${where} must be an object {format, producer, opset, nodes}, got ${describe(v)}`);
  checkKeys(o, ["format", "producer", "opset", "nodes"], where);
  const text = (t: unknown, name: string): string => {
    if (typeof t !== "string" || t.length > MAX_TEXT) throw new ConfigError(`${where}: ${name} must be a string of at most ${MAX_TEXT} characters, got ${describe(t)}`);
    return t;
  };
  const origin: ModelOrigin = { format: text(o.format, "format"), nodes: [] };
  if (o.producer !== undefined) origin.producer = text(o.producer, "producer");
  if (o.opset !== undefined) {
    if (!Number.isSafeInteger(o.opset) || o.opset < 1) throw new ConfigError(`${where}: opset must be a positive integer, got ${describe(o.opset)}`);
    origin.opset = o.opset;
  }
  if (!Array.isArray(o.nodes) || o.nodes.length > MAX_NODES) throw new ConfigError(`${where}: nodes must be an array of at most ${MAX_NODES} {name, op, became}`);
  origin.nodes = o.nodes.map((n, i) => {
    if (typeof n !== "object" || n === null) throw new ConfigError(`${where}: nodes[${i}] must be {name, op, became}, got ${describe(n)}`);
    checkKeys(n, ["name", "op", "became"], `${where}: nodes[${i}]`);
    return { name: text(n.name, `nodes[${i}].name`), op: text(n.op, `nodes[${i}].op`), became: text(n.became, `nodes[${i}].became`) };
  });
  return origin;
}
