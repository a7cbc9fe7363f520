// A decoded ONNX graph turned into a wasmlp model: the chain from input to
// output (walk.ts), each node read into the ChainBuilder (ops.ts), from the
// input's declared shape or, when it has none, the first layer's weights.
import { ModelFileError } from "../../errors.js";
import { ChainBuilder, type ImportedModel } from "../import/chain.js";
import { DataType, type OnnxModel, type OnnxTensor, type OnnxValueInfo } from "./onnx-model.js";
import { checkOps, readNode, type ChainState } from "./ops.js";
import { typeName, type Step } from "./values.js";
import { walkChain } from "./walk.js";

/** Operator sets whose definitions the import follows: 7 up to the newest onnxruntime 1.30 runs. */
const OLDEST_OPSET = 7;
const NEWEST_OPSET = 23;
/** Most values per input row: maps before the first layer take one value per column, made before any weight is read. */
const MAX_ROW = 2 ** 24;

/** The architecture, weights and preprocessing of a feed-forward ONNX model; a ModelFileError names what wasmlp cannot read. */
export function importOnnxGraph(model: OnnxModel): ImportedModel {
  const opset = standardOpset(model);
  const { input, steps, constants } = walkChain(model.graph);
  checkOps(steps);
  const first = steps[0]?.node;
  if (input.elemType !== undefined && input.elemType !== DataType.FLOAT && !(first?.opType === "Cast" && first.attributes.some((a) => a.name === "to" && a.i === DataType.FLOAT))) {
    throw new ModelFileError(`the input ${JSON.stringify(input.name)} is ${typeName(input.elemType)}; wasmlp's models take float32 rows (FLOAT), or a Cast to FLOAT first`);
  }
  const dims = inputDims(input);
  const width = rowWidth(input, dims, firstLayer(steps, constants));
  const batch = input.shape?.[0];
  const state: ChainState = {
    builder: new ChainBuilder(width), opset, constants, dims,
    batch: typeof batch === "number" && batch > 0 ? batch : null,
  };
  for (const step of steps) readNode(step, state);
  if (state.grouped) throw new ModelFileError(`the graph ends after the Reshape of ${state.grouped.reshape}, with no ReduceMax to complete the maxout pattern`);
  const producer = `${model.producerName} ${model.producerVersion}`.trim();
  return state.builder.finish({ format: "onnx", ...(producer ? { producer } : {}), opset });
}

/** The model's opset for the standard operators (domain "" or "ai.onnx"), if wasmlp follows its definitions. */
function standardOpset(model: OnnxModel): number {
  const entry = model.opsets.find((o) => o.domain === "" || o.domain === "ai.onnx");
  if (!entry) throw new ModelFileError("the model imports no opset of the standard operators (domain \"\"), so their definitions are unknown");
  const { version } = entry;
  if (version < OLDEST_OPSET) throw new ModelFileError(`opset ${version} is older than ${OLDEST_OPSET}, the oldest wasmlp reads; export the model again with a newer opset`);
  if (version > NEWEST_OPSET) throw new ModelFileError(`opset ${version} is newer than ${NEWEST_OPSET}, the newest wasmlp reads; export the model with opset ${NEWEST_OPSET} or older`);
  return version;
}

/** The input's dimensions after the batch, or null where its shape is not given in full. */
function inputDims(input: OnnxValueInfo): number[] | null {
  const shape = input.shape;
  if (!shape || shape.length === 0) return null;
  if (shape.length === 1) {
    throw new ModelFileError(`the input ${JSON.stringify(input.name)} has shape [${shape.join(", ")}], one axis; wasmlp reads a batch of rows [batch, n] or [batch, d1, d2, …]`);
  }
  const rest = shape.slice(1);
  return rest.every((d): d is number => typeof d === "number" && d > 0) ? rest : null;
}

/** The first weighted op and, when its weight matrix can be read, how many values per row it takes. */
function firstLayer(steps: Step[], constants: Map<string, OnnxTensor>): { step: Step; takes?: number } | undefined {
  const step = steps.find((s) => s.node.opType === "Gemm" || s.node.opType === "MatMul");
  if (!step) return undefined;
  const b = step.data === 0 ? constants.get(step.node.inputs[1] ?? "") : undefined;
  const transB = step.node.opType === "Gemm" && step.node.attributes.some((a) => a.name === "transB" && a.i === 1);
  return { step, takes: b?.dims.length === 2 ? b.dims[transB ? 1 : 0] : undefined };
}

/** Values per input row: the input's declared dims, checked against the first layer, or that layer's alone when the input has no shape. */
function rowWidth(input: OnnxValueInfo, dims: number[] | null, first: ReturnType<typeof firstLayer>): number {
  const name = JSON.stringify(input.name);
  if (!dims) {
    if (first?.takes === undefined) throw new ModelFileError(`the input ${name} has no shape, and no Gemm or MatMul with a weight matrix follows it to tell its width`);
    return first.takes;
  }
  const width = dims.reduce((a, b) => a * b, 1);
  const shape = `[batch, ${dims.join(", ")}]`;
  if (width > MAX_ROW) throw new ModelFileError(`the input ${name} of shape ${shape} has ${width} values per row, more than the ${MAX_ROW} wasmlp reads`);
  if (first?.takes !== undefined && first.takes !== width) {
    throw new ModelFileError(`the input ${name} of shape ${shape} has ${width} values per row, but the first layer (${first.step.label}) takes ${first.takes}`);
  }
  return width;
}
