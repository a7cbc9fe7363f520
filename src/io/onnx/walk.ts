// The shape of graph wasmlp imports: one chain from the single input to the
// single output, each node taking the previous node's output and otherwise only
// constants. This finds that chain, or names the node or value that breaks it
// (a branch, a second input, a value nothing produces, a node off the chain).
import { ModelFileError } from "../../errors.js";
import type { OnnxGraph, OnnxNode, OnnxTensor, OnnxValueInfo } from "./onnx-model.js";
import { constantValue, foldedConstant, nodeError, nodeLabel, type Step } from "./values.js";

/** A graph read as a chain: its input, its output, the nodes in order, and the constants they may read. */
export interface Chain {
  input: OnnxValueInfo;
  output: string;
  steps: Step[];
  constants: Map<string, OnnxTensor>;
}

/** Domains of the standard operators. */
const STANDARD = new Set(["", "ai.onnx"]);

/** The graph's nodes from its input to its output, or a ModelFileError naming what makes it something else. */
export function walkChain(graph: OnnxGraph): Chain {
  const labels = new Map<OnnxNode, string>(graph.nodes.map((n, i) => [n, nodeLabel(n, i)]));
  const label = (n: OnnxNode) => labels.get(n)!;
  for (const n of graph.nodes) {
    if (!STANDARD.has(n.domain)) throw new ModelFileError(`${label(n)}: op ${n.domain}.${n.opType} is from domain ${JSON.stringify(n.domain)}, which wasmlp does not read${domainHint(n)}`);
  }
  const constants = new Map<string, OnnxTensor>(graph.initializers.map((t) => [t.name, t]));
  // Constant nodes, and casts of constants, are values rather than steps (nodes come in topological order, as ONNX requires).
  const nodes: OnnxNode[] = [];
  for (const n of graph.nodes) {
    const value = n.opType === "Constant" ? constantValue(n, label(n)) : foldedConstant(n, constants);
    if (value) constants.set(n.outputs[0] ?? "", value);
    else nodes.push(n);
  }
  // Before IR version 4 initializers were listed among the inputs too; they are weights, not inputs.
  const inputs = graph.inputs.filter((v) => !constants.has(v.name));
  if (inputs.length !== 1) {
    throw new ModelFileError(`the graph has ${inputs.length} inputs${names(inputs)}; wasmlp imports models with one input, a batch of rows`);
  }
  if (graph.outputs.length !== 1) {
    throw new ModelFileError(`the graph has ${graph.outputs.length} outputs${names(graph.outputs)}; wasmlp imports models with one output`);
  }
  const input = inputs[0];
  const output = graph.outputs[0].name;

  const producer = new Map<string, OnnxNode>();
  const consumers = new Map<string, OnnxNode[]>();
  for (const n of nodes) {
    for (const o of n.outputs) {
      if (!o) continue;
      if (producer.has(o) || constants.has(o) || o === input.name) throw new ModelFileError(`${label(n)}: its output ${JSON.stringify(o)} is also produced elsewhere in the graph`);
      producer.set(o, n);
    }
    for (const i of n.inputs) {
      if (!i) continue;
      const readers = consumers.get(i);
      if (readers) readers.push(n);
      else consumers.set(i, [n]);
    }
  }
  for (const n of nodes) {
    const missing = n.inputs.find((i) => i && i !== input.name && !constants.has(i) && !producer.has(i));
    if (missing !== undefined) {
      throw nodeError(label(n), n.opType, `input ${JSON.stringify(missing)} is never produced: it is not the graph input, an initializer, a Constant or a node's output`);
    }
  }

  const steps: Step[] = [];
  const visited = new Set<OnnxNode>();
  for (let value = input.name; value !== output || consumers.has(value);) {
    const users = consumers.get(value) ?? [];
    const uses = users.length + (value === output ? 1 : 0);
    if (uses === 0) throw new ModelFileError(`value ${JSON.stringify(value)}${from(producer.get(value))} leads nowhere: no node reads it and it is not the graph output ${JSON.stringify(output)}`);
    if (uses > 1) throw branching(value, users, value === output, label);
    // Each node's only non-constant input is its data and each value has one producer, so the walk cannot come back
    // to a node: a cycle shows as a computed input or as nodes off the chain.
    const n = users[0];
    visited.add(n);
    const data = n.inputs.indexOf(value);
    const computed = n.inputs.find((i, k) => k !== data && i && !constants.has(i));
    if (computed !== undefined) {
      throw nodeError(label(n), n.opType, `input ${JSON.stringify(computed)} is computed${from(producer.get(computed))}; beside the data, wasmlp reads only constants (initializers and Constant nodes)`);
    }
    const used = n.outputs.slice(1).find((o) => o && (consumers.has(o) || o === output));
    if (used !== undefined) throw nodeError(label(n), n.opType, `its output ${JSON.stringify(used)} is used; wasmlp reads only a node's first output`);
    steps.push({ node: n, label: label(n), source: { name: n.name || n.outputs[0] || label(n), op: n.opType }, data });
    value = n.outputs[0] ?? "";
  }
  const off = nodes.find((n) => !visited.has(n));
  if (off) throw nodeError(label(off), off.opType, `it is not on the chain from the input ${JSON.stringify(input.name)} to the output ${JSON.stringify(output)}; wasmlp imports a single chain of layers`);
  return { input, output, steps, constants };
}

function names(values: OnnxValueInfo[]): string {
  return values.length ? ` (${values.map((v) => JSON.stringify(v.name)).join(", ")})` : "";
}

function from(n: OnnxNode | undefined): string {
  return n ? ` (output of ${n.name ? JSON.stringify(n.name) : n.opType})` : "";
}

/** The error for a value read more than once: the graph branches, and is not a chain. */
function branching(value: string, users: OnnxNode[], isOutput: boolean, label: (n: OnnxNode) => string): ModelFileError {
  const readers = [...new Set(users)].map(label);
  if (isOutput) readers.push("the graph output");
  // x.view(x.size(0), -1) in PyTorch reads the data's shape: a branch through Shape, where a Flatten node would do.
  const hint = users.some((n) => n.opType === "Shape")
    ? "; a Reshape whose shape is computed from the data (x.view(x.size(0), -1)) is not read: flatten with torch.flatten(x, 1) or nn.Flatten(), which export a Flatten node"
    : "";
  return new ModelFileError(`value ${JSON.stringify(value)} is read ${users.length + (isOutput ? 1 : 0)} times (by ${readers.join(", ")}); wasmlp imports a single chain of layers, in which each value feeds only the next node${hint}`);
}

/** What to do about an operator of another domain that wasmlp knows a standard form of. */
function domainHint(n: OnnxNode): string {
  if (n.domain === "ai.onnx.ml" && n.opType === "Scaler") {
    return "; convert the scaler with skl2onnx's options={StandardScaler: {\"div\": \"div\"}}, which writes standard Sub and Div nodes";
  }
  return "";
}
