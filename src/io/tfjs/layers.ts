// Imports a TensorFlow.js Layers model (the model.json that model.save() and the
// converter write, with its weight files) as a wasmlp architecture. The topology
// and every layer's class are checked before any weight file is read, so a
// model with a layer wasmlp cannot run is refused without touching its weights.
import { ModelFileError } from "../../errors.js";
import { describe } from "../../util/options.js";
import { ChainBuilder, type ImportedModel } from "../import/chain.js";
import { LAYER_KINDS, unsupportedLayer } from "./layer-kinds.js";
import { LayerWeights } from "./layer-weights.js";
import { readTopology } from "./topology.js";
import { readTfjsWeights, type WeightReader } from "./weights.js";

/** Longest producer text kept from a file: a tool name and version, not a document. */
const MAX_PRODUCER = 200;

/** Imports a TensorFlow.js Layers model.json (an object or its JSON text), reading its weight files through `readWeights`. */
export async function importTfjsLayers(modelJson: unknown, readWeights: WeightReader): Promise<ImportedModel> {
  const json = parseModelJson(modelJson);
  if (json.format !== undefined && json.format !== "layers-model") {
    throw new ModelFileError(`model.json: format ${describe(json.format)} is not supported; wasmlp imports TensorFlow.js Layers models (format 'layers-model')` +
      (json.format === "graph-model" ? ", and a graph model is a TensorFlow graph of ops" : ""));
  }
  const topology = readTopology(json.modelTopology);
  const unsupported = topology.layers.find((l) => !Object.hasOwn(LAYER_KINDS, l.className));
  if (unsupported) throw unsupportedLayer(unsupported);
  const weights = new LayerWeights(await readTfjsWeights(json.weightsManifest ?? [], readWeights));
  const shape = topology.inputShape;
  const ctx = { chain: new ChainBuilder(shape.reduce((n, d) => n * d, 1)), shape, weights, index: 0 };
  for (const layer of topology.layers) {
    LAYER_KINDS[layer.className](layer, ctx);
    ctx.index++;
  }
  weights.checkAllTaken();
  return ctx.chain.finish({ format: "tfjs-layers", producer: producerOf(json, topology.kerasVersion) });
}

function parseModelJson(modelJson: unknown): Record<string, unknown> {
  let json = modelJson;
  if (typeof modelJson === "string") {
    try {
      json = JSON.parse(modelJson);
    } catch (e) {
      throw new ModelFileError(`model.json is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ModelFileError(`model.json must be an object {modelTopology, weightsManifest}, got ${describe(json)}`);
  }
  return json as Record<string, unknown>;
}

/**
 * Who wrote the model: the converter and what it converted from ("TensorFlow.js Converter v4.17.0 from keras v2.15.0"),
 * or the TensorFlow.js that saved it ("TensorFlow.js tfjs-layers v4.22.0"), else the Keras version the topology gives.
 */
function producerOf(json: Record<string, unknown>, kerasVersion: string | undefined): string | undefined {
  const named = [json.convertedBy, json.generatedBy].filter((s): s is string => typeof s === "string" && s !== "");
  const text = named.length > 0 ? named.join(" from ") : kerasVersion !== undefined ? `TensorFlow.js (keras_version ${kerasVersion})` : undefined;
  return text?.slice(0, MAX_PRODUCER);
}
