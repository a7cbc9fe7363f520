// Layers by type name: the one place that maps a config's `type` to a class,
// used when building a model and when loading one.
import { ConfigError } from "../../errors.js";
import { describe } from "../../util/options.js";
import { Dense } from "./dense.js";
import { Dropout } from "./dropout.js";
import type { Layer, LayerConfig, Runtime } from "./layer.js";
import { Maxout } from "./maxout.js";

type Factory = (rt: Runtime, inputs: number, config: LayerConfig, where: string) => Layer;

const LAYERS: Record<string, Factory> = {
  dense: (rt, n, c, w) => new Dense(rt, n, c as never, w),
  maxout: (rt, n, c, w) => new Maxout(rt, n, c as never, w),
  dropout: (rt, n, c, w) => new Dropout(rt, n, c as never, w),
};

/** Layer type names that configs may use. */
const LAYER_TYPES = Object.keys(LAYERS);

/** Builds the layer a config describes, fed by `inputs` values per row. */
export function createLayer(rt: Runtime, inputs: number, config: LayerConfig, where: string): Layer {
  if (typeof config !== "object" || config === null) throw new ConfigError(`${where} must be an object, got ${describe(config)}`);
  const factory = Object.hasOwn(LAYERS, config.type) ? LAYERS[config.type] : undefined;
  if (!factory) throw new ConfigError(`${where}: unknown layer type ${JSON.stringify(config.type)}; known: ${LAYER_TYPES.join(", ")}`);
  return factory(rt, inputs, config, where);
}
