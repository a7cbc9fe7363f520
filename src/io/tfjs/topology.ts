// The modelTopology of a TensorFlow.js model.json (Keras's model config as
// JSON) as a list of layers in the order they run and the shape of one input
// row. Sequential models list their layers in order; a functional model is read
// only when its layers form one chain from its input to its output.
import { ModelFileError } from "../../errors.js";
import { describe } from "../../util/options.js";

/** One layer of the model: its name, Keras class and config. */
export interface TfjsLayer {
  name: string;
  className: string;
  config: Record<string, unknown>;
  /** What feeds the layer in a functional model (its inbound_nodes). */
  inbound?: unknown;
}

/** The layers in the order they run, the shape of one input row (batch axis left out) and the Keras version that wrote them. */
export interface TfjsTopology {
  layers: TfjsLayer[];
  inputShape: number[];
  kerasVersion?: string;
}

/** Most layers a model.json may list: a perceptron has a few, a hostile file could claim millions. */
const MAX_LAYERS = 1024;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads modelTopology: Sequential (layers in `config.layers`, or `config` itself in older files) or a functional chain. */
export function readTopology(topology: unknown): TfjsTopology {
  if (!isObject(topology)) throw new ModelFileError(`modelTopology must be an object {class_name, config}, got ${describe(topology)}`);
  // Files converted from Keras wrap the model in model_config, beside training_config.
  const model = isObject(topology.model_config) ? topology.model_config : topology;
  const kerasVersion = typeof topology.keras_version === "string" ? topology.keras_version : undefined;
  const { class_name: className, config } = model;
  let layers: TfjsLayer[];
  let inputShape: number[];
  if (className === "Sequential") {
    const list = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
    layers = checkLayers(list);
    const first = layers[0];
    // Keras 3 keeps the shape a Sequential was built with beside its layers.
    const built = isObject(config) ? config.build_input_shape : undefined;
    inputShape = readInputShape(first, first.className === "InputLayer" ? "" : " (or an InputLayer before it)", built);
  } else if (className === "Model" || className === "Functional") {
    if (!isObject(config)) throw new ModelFileError(`modelTopology: a ${className}'s config must be an object {layers, input_layers, output_layers}, got ${describe(config)}`);
    layers = chainOf(config, checkLayers(config.layers));
    inputShape = readInputShape(layers[0], "");
  } else {
    throw new ModelFileError(`modelTopology: class_name ${describe(className)} is not supported; wasmlp imports Sequential models and functional models (Model, Functional) whose layers form one chain`);
  }
  return { layers, inputShape, kerasVersion };
}

function checkLayers(list: unknown): TfjsLayer[] {
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_LAYERS) {
    throw new ModelFileError(`modelTopology: the layers must be an array of 1 to ${MAX_LAYERS} {class_name, config}, got ${describe(list)}`);
  }
  const names = new Set<string>();
  return list.map((layer, i) => {
    const name = isObject(layer) && isObject(layer.config) ? layer.config.name ?? layer.name : undefined;
    if (!isObject(layer) || typeof layer.class_name !== "string" || !isObject(layer.config) || typeof name !== "string") {
      throw new ModelFileError(`modelTopology: layer ${i + 1} must be an object {class_name, config} whose config has a name, got ${describe(layer)}`);
    }
    if (names.has(name)) throw new ModelFileError(`modelTopology: two layers are named "${name}"`);
    names.add(name);
    return { name, className: layer.class_name, config: layer.config, inbound: layer.inbound_nodes };
  });
}

/** The row shape from batch_input_shape (TensorFlow.js, Keras 2) or batch_shape (Keras 3), else `fallback`; batch axis dropped. */
function readInputShape(layer: TfjsLayer, elsewhere: string, fallback?: unknown): number[] {
  const shape = layer.config.batch_input_shape ?? layer.config.batch_shape ?? fallback;
  if (!Array.isArray(shape) || shape.length < 2) {
    throw new ModelFileError(`layer "${layer.name}" (${layer.className}): the first layer must give the input shape as batch_input_shape or batch_shape${elsewhere}, got ${describe(shape)}`);
  }
  const row = shape.slice(1);
  if (!row.every((d) => Number.isSafeInteger(d) && d >= 1) || !Number.isSafeInteger(row.reduce((n: number, d: number) => n * d, 1))) {
    throw new ModelFileError(`layer "${layer.name}" (${layer.className}): input shape [${shape.map(String).join(", ")}] must give every axis after the batch a fixed positive size`);
  }
  return row;
}

/** The layers of a functional config from its one input to its one output, each fed by the one before. */
function chainOf(config: Json, layers: TfjsLayer[]): TfjsLayer[] {
  const input = endpoint(config.input_layers, "input_layers");
  const output = endpoint(config.output_layers, "output_layers");
  const byName = new Map(layers.map((l) => [l.name, l]));
  const chain: TfjsLayer[] = [];
  for (let name: string | undefined = output; name !== undefined;) {
    const layer = byName.get(name);
    if (!layer) throw new ModelFileError(`modelTopology: the chain reaches a layer "${name}" that the model does not list`);
    if (chain.length === layers.length) throw new ModelFileError(`modelTopology: the layers feed each other in a loop`);
    chain.push(layer);
    if (name === input) break;
    const sources = inboundOf(layer);
    if (sources.length !== 1) {
      throw new ModelFileError(`layer "${name}" (${layer.className}): it takes ${sources.length} inputs (${sources.join(", ") || "none"}); ` +
        `wasmlp imports functional models whose layers form one chain, each layer fed by exactly one other`);
    }
    name = sources[0];
  }
  if (chain.at(-1)!.name !== input) throw new ModelFileError(`modelTopology: the output "${output}" is not fed by the input "${input}"`);
  if (chain.length !== layers.length) {
    const off = layers.find((l) => !chain.includes(l))!;
    throw new ModelFileError(`layer "${off.name}" (${off.className}) is not on the chain from "${input}" to "${output}"; wasmlp imports functional models whose layers form one chain`);
  }
  return chain.reverse();
}

/** The one layer named by input_layers or output_layers: [[name, node, tensor]] (or [name, node, tensor] in Keras 3). */
function endpoint(v: unknown, what: string): string {
  const list = Array.isArray(v) && typeof v[0] === "string" ? [v] : v;
  if (!Array.isArray(list) || list.length !== 1 || !Array.isArray(list[0]) || typeof list[0][0] !== "string") {
    throw new ModelFileError(`modelTopology: ${what} must name exactly one layer; wasmlp imports models with one input and one output, got ${describe(v)}`);
  }
  return list[0][0];
}

/** Names of the layers feeding a functional layer: Keras 2 and TensorFlow.js nodes [[name, node, tensor, kwargs], …], Keras 3 nodes {args: [keras tensors]}. */
function inboundOf(layer: TfjsLayer): string[] {
  const nodes = layer.inbound;
  if (!Array.isArray(nodes)) return [];
  return nodes.flatMap((node): string[] => {
    if (Array.isArray(node)) return node.map((t) => (Array.isArray(t) && typeof t[0] === "string" ? t[0] : "?"));
    if (isObject(node) && Array.isArray(node.args)) return node.args.flatMap(kerasHistory);
    return ["?"];
  });
}

function kerasHistory(arg: unknown): string[] {
  if (Array.isArray(arg)) return arg.flatMap(kerasHistory);
  const history = isObject(arg) && isObject(arg.config) ? arg.config.keras_history : undefined;
  return Array.isArray(history) && typeof history[0] === "string" ? [history[0]] : [];
}
