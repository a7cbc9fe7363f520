// ONNX ModelProto bytes → OnnxModel: the fields a feed-forward import reads, with
// tensors decoded and external data read from side files. The file is untrusted:
// counts are capped before anything is built from them, subgraphs in attributes are
// skipped rather than entered (so nesting is fixed, never recursive), and every
// problem is a ModelFileError naming the message it was found in.
import { ModelFileError, WasmlpError } from "../../errors.js";
import { guessFileKind } from "../../util/file-kind.js";
import type { OnnxAttribute, OnnxGraph, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo } from "./onnx-model.js";
import { ProtoReader, Wire } from "./protobuf.js";
import { decodeTensor, MAX_RANK, readExternal, type ExternalRef } from "./tensor-data.js";

/** Most nodes, initializers, graph inputs or graph outputs a graph may have; a multilayer perceptron needs a few per layer. */
const MAX_GRAPH_ITEMS = 100_000;
/** Most node inputs, outputs and attributes (and strings in attributes) in one graph together. */
const MAX_NODE_PARTS = 1_000_000;
/** Most operator sets a model may import. */
const MAX_OPSETS = 1_000;

/** Reads a side file named by a tensor's external data: its path relative to the model's folder. */
export type ExternalReader = (location: string) => Promise<Uint8Array> | Uint8Array;

/** Options of decodeOnnx. */
export interface DecodeOptions {
  /** Reads a side file holding external tensor data; each location is asked for once. */
  external?: ExternalReader;
  /** The model's name (usually its file name) to start error messages with. */
  name?: string;
}

/** Decodes ONNX ModelProto bytes into an OnnxModel, reading external tensor data through `options.external`. */
export async function decodeOnnx(bytes: Uint8Array, options: DecodeOptions = {}): Promise<OnnxModel> {
  try {
    const externals: ExternalRef[] = [];
    const model = decodeModel(bytes, externals);
    await readSideFiles(externals, options.external);
    return model;
  } catch (e) {
    if (e instanceof ModelFileError && options.name) throw new ModelFileError(`${options.name}: ${e.message}`);
    throw e;
  }
}

/** Running count of node parts, shared by the nodes of a graph. */
interface Budget { parts: number }

function spend(budget: Budget, r: ProtoReader): void {
  if (++budget.parts > MAX_NODE_PARTS) {
    r.fail(`the graph's nodes hold more than ${MAX_NODE_PARTS.toLocaleString("en-US")} inputs, outputs and attributes; wasmlp imports multilayer perceptrons`);
  }
}

function notOnnx(problem: string, bytes: Uint8Array): ModelFileError {
  const kind = guessFileKind(bytes);
  return new ModelFileError(`not an ONNX model: ${problem}${kind && kind !== "ONNX" ? `; the bytes look like ${kind}` : ""}`);
}

function decodeModel(bytes: Uint8Array, externals: ExternalRef[]): OnnxModel {
  if (!(bytes instanceof Uint8Array)) throw new ModelFileError("expected the model as a Uint8Array");
  if (bytes.length === 0) throw notOnnx("the file is empty", bytes);
  const model: Omit<OnnxModel, "graph"> = { irVersion: 0, producerName: "", producerVersion: "", opsets: [] };
  const r = new ProtoReader(bytes, 0, bytes.length, "");
  // The top level is read before anything inside it, so a file that is not a ModelProto at all is called that.
  let graph: ProtoReader | undefined;
  const opsets: ProtoReader[] = [];
  try {
    while (r.next()) {
      switch (r.field) {
        case 1: r.expect(Wire.VARINT, "ir_version"); model.irVersion = r.int64(); break;
        case 2: r.expect(Wire.BYTES, "producer_name"); model.producerName = r.string(); break;
        case 3: r.expect(Wire.BYTES, "producer_version"); model.producerVersion = r.string(); break;
        case 7: r.expect(Wire.BYTES, "graph"); graph = r.message("graph"); break;
        case 8:
          r.expect(Wire.BYTES, "opset_import");
          if (opsets.length === MAX_OPSETS) r.fail(`imports more than ${MAX_OPSETS} operator sets`);
          opsets.push(r.message(`opset_import[${opsets.length}]`));
          break;
        default: r.skip();
      }
    }
  } catch (e) {
    throw e instanceof ModelFileError ? notOnnx(e.message, bytes) : e;
  }
  if (!graph) throw notOnnx("there is no graph (a ModelProto holds it in field 7)", bytes);
  model.opsets = opsets.map(decodeOpset);
  return { ...model, graph: decodeGraph(graph, externals) };
}

function decodeOpset(r: ProtoReader): { domain: string; version: number } {
  const opset = { domain: "", version: 0 };
  while (r.next()) {
    switch (r.field) {
      case 1: r.expect(Wire.BYTES, "domain"); opset.domain = r.string(); break;
      case 2: r.expect(Wire.VARINT, "version"); opset.version = r.int64(); break;
      default: r.skip();
    }
  }
  return opset;
}

/** Field numbers of GraphProto's repeated fields that are capped, with their names. */
const GRAPH_LISTS: Record<number, string> = { 1: "node", 5: "initializer", 11: "input", 12: "output", 15: "sparse_initializer" };

function decodeGraph(r: ProtoReader, externals: ExternalRef[]): OnnxGraph {
  // A first pass counts the repeated fields, so a graph of a million nodes is refused after reading a tenth of their keys.
  const counts: Record<number, number> = { 1: 0, 5: 0, 11: 0, 12: 0, 15: 0 };
  for (const counter = r.again(); counter.next(); counter.skip()) {
    if (counter.field in counts && ++counts[counter.field] > MAX_GRAPH_ITEMS) {
      throw new ModelFileError(`graph: more than ${MAX_GRAPH_ITEMS.toLocaleString("en-US")} ${GRAPH_LISTS[counter.field]}s; ` +
        "wasmlp reads graphs of up to that many (a multilayer perceptron needs a few per layer)");
    }
  }
  if (counts[15]) throw new ModelFileError(`graph: ${counts[15]} sparse initializers; wasmlp reads dense initializers only`);
  const graph: OnnxGraph = { name: "", nodes: [], initializers: [], inputs: [], outputs: [] };
  const budget: Budget = { parts: 0 };
  while (r.next()) {
    switch (r.field) {
      case 1: r.expect(Wire.BYTES, "node"); graph.nodes.push(decodeNode(r.message(`graph.node[${graph.nodes.length}]`), budget, externals)); break;
      case 2: r.expect(Wire.BYTES, "name"); graph.name = r.string(); break;
      case 5:
        r.expect(Wire.BYTES, "initializer");
        graph.initializers.push(tensorOf(r.message(`graph.initializer[${graph.initializers.length}]`), externals));
        break;
      case 11: r.expect(Wire.BYTES, "input"); graph.inputs.push(decodeValueInfo(r.message(`graph.input[${graph.inputs.length}]`))); break;
      case 12: r.expect(Wire.BYTES, "output"); graph.outputs.push(decodeValueInfo(r.message(`graph.output[${graph.outputs.length}]`))); break;
      default: r.skip();
    }
  }
  return graph;
}

/** A decoded tensor; one stored externally is noted in `externals` to be filled in later. */
function tensorOf(r: ProtoReader, externals: ExternalRef[]): OnnxTensor {
  const { tensor, external } = decodeTensor(r);
  if (external) externals.push(external);
  return tensor;
}

function decodeNode(r: ProtoReader, budget: Budget, externals: ExternalRef[]): OnnxNode {
  const node: OnnxNode = { name: "", opType: "", domain: "", inputs: [], outputs: [], attributes: [] };
  const base = r.where;
  while (r.next()) {
    switch (r.field) {
      case 1: r.expect(Wire.BYTES, "input"); spend(budget, r); node.inputs.push(r.string()); break;
      case 2: r.expect(Wire.BYTES, "output"); spend(budget, r); node.outputs.push(r.string()); break;
      case 3: r.expect(Wire.BYTES, "name"); node.name = r.string(); r.where = `${base} ${JSON.stringify(node.name)}`; break;
      case 4: r.expect(Wire.BYTES, "op_type"); node.opType = r.string(); break;
      case 7: r.expect(Wire.BYTES, "domain"); node.domain = r.string(); break;
      case 5:
        r.expect(Wire.BYTES, "attribute");
        spend(budget, r);
        node.attributes.push(decodeAttribute(r.message(`${r.where} attribute[${node.attributes.length}]`), budget, externals));
        break;
      default: r.skip();
    }
  }
  return node;
}

/** AttributeProto.AttributeType of each value field, to type attributes written before the type field existed (IR version 1). */
const TYPE_OF_FIELD: Record<number, number> = { 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 7: 6, 8: 7, 9: 8 };

function decodeAttribute(r: ProtoReader, budget: Budget, externals: ExternalRef[]): OnnxAttribute {
  const base = r.where;
  let name = "";
  let type = 0;
  let seen = 0;
  let f = 0;
  let i = 0;
  let s = "";
  let t: OnnxTensor | undefined;
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: string[] = [];
  while (r.next()) {
    if (r.field in TYPE_OF_FIELD) seen = TYPE_OF_FIELD[r.field];
    switch (r.field) {
      case 1: r.expect(Wire.BYTES, "name"); name = r.string(); r.where = `${base} ${JSON.stringify(name)}`; break;
      case 2: r.expect(Wire.FIXED32, "f"); f = r.float(); break;
      case 3: r.expect(Wire.VARINT, "i"); i = r.int64(); break;
      case 4: r.expect(Wire.BYTES, "s"); s = r.string(); break;
      case 5: r.expect(Wire.BYTES, "t"); t = tensorOf(r.message(`${r.where} t`), externals); break;
      case 7: for (const run = floatRun(r); run.pos < run.end;) floats.push(run.float()); break;
      case 8: for (const run = intRun(r); run.pos < run.end;) ints.push(run.int64()); break;
      case 9: r.expect(Wire.BYTES, "strings"); spend(budget, r); strings.push(r.string()); break;
      case 20: r.expect(Wire.VARINT, "type"); type = r.int32(); break;
      case 21: r.expect(Wire.BYTES, "ref_attr_name"); r.fail(`refers to the attribute ${JSON.stringify(r.string())} of an enclosing function, which a main graph has not`);
      // Subgraphs (g, graphs) and the rest are skipped, never entered.
      default: r.skip();
    }
  }
  const attribute: OnnxAttribute = { name, type: type || seen };
  switch (attribute.type) {
    case 1: attribute.f = f; break;
    case 2: attribute.i = i; break;
    case 3: attribute.s = s; break;
    case 4: if (t) attribute.t = t; break;
    case 6: attribute.floats = floats; break;
    case 7: attribute.ints = ints; break;
    case 8: attribute.strings = strings; break;
  }
  return attribute;
}

function floatRun(r: ProtoReader): ProtoReader {
  if (r.wire !== Wire.BYTES) r.expect(Wire.FIXED32, "floats");
  return r.values();
}

function intRun(r: ProtoReader): ProtoReader {
  if (r.wire !== Wire.BYTES) r.expect(Wire.VARINT, "ints");
  return r.values();
}

function decodeValueInfo(r: ProtoReader): OnnxValueInfo {
  const info: OnnxValueInfo = { name: "" };
  const base = r.where;
  while (r.next()) {
    switch (r.field) {
      case 1: r.expect(Wire.BYTES, "name"); info.name = r.string(); r.where = `${base} ${JSON.stringify(info.name)}`; break;
      case 2: r.expect(Wire.BYTES, "type"); readType(r.message(`${r.where} type`), info); break;
      default: r.skip();
    }
  }
  return info;
}

/** TypeProto: only tensor_type is read; a sequence, map or other type leaves elemType and shape unset. */
function readType(r: ProtoReader, info: OnnxValueInfo): void {
  while (r.next()) {
    if (r.field !== 1) {
      r.skip();
      continue;
    }
    r.expect(Wire.BYTES, "tensor_type");
    for (const tensor = r.message(r.where); tensor.next();) {
      if (tensor.field === 1) {
        tensor.expect(Wire.VARINT, "elem_type");
        info.elemType = tensor.int32();
      } else if (tensor.field === 2) {
        tensor.expect(Wire.BYTES, "shape");
        info.shape = readShape(tensor.message(`${r.where} shape`));
      } else tensor.skip();
    }
  }
}

/** TensorShapeProto: each dim a size, a symbolic name, or null where neither is given. */
function readShape(r: ProtoReader): (number | string | null)[] {
  const shape: (number | string | null)[] = [];
  while (r.next()) {
    if (r.field !== 1) {
      r.skip();
      continue;
    }
    r.expect(Wire.BYTES, "dim");
    if (shape.length === MAX_RANK) r.fail(`has more than ${MAX_RANK} dims; wasmlp reads values of rank ${MAX_RANK} or less`);
    let dim: number | string | null = null;
    for (const d = r.message(`${r.where} dim[${shape.length}]`); d.next();) {
      if (d.field === 1) {
        d.expect(Wire.VARINT, "dim_value");
        dim = d.int64();
      } else if (d.field === 2) {
        d.expect(Wire.BYTES, "dim_param");
        dim = d.string();
      } else d.skip();
    }
    shape.push(dim);
  }
  return shape;
}

/** Reads each side file once, in the order the tensors name them, and fills in the tensors stored there. */
async function readSideFiles(refs: ExternalRef[], external: ExternalReader | undefined): Promise<void> {
  if (refs.length === 0) return;
  if (!external) {
    const { where, location } = refs[0];
    throw new ModelFileError(`${where}: its values are in the side file ${JSON.stringify(location)}; in Node, load the model with ` +
      `loadModel(path), which reads side files beside it, or pass the file to load(bytes, { externalData: { ${JSON.stringify(location)}: sideFileBytes } })`);
  }
  const files = new Map<string, Uint8Array>();
  for (const ref of refs) {
    let side = files.get(ref.location);
    if (!side) {
      side = await readSideFile(external, ref);
      files.set(ref.location, side);
    }
    readExternal(ref, side);
  }
}

async function readSideFile(external: ExternalReader, { where, location }: ExternalRef): Promise<Uint8Array> {
  let side: unknown;
  try {
    side = await external(location);
  } catch (e) {
    if (e instanceof WasmlpError) throw e;
    throw new ModelFileError(`${where}: its side file ${JSON.stringify(location)} could not be read: ${(e as Error)?.message ?? e}`);
  }
  if (!(side instanceof Uint8Array)) throw new ModelFileError(`${where}: reading the side file ${JSON.stringify(location)} gave no bytes`);
  return side;
}
