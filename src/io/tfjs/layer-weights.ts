// The manifest's weights found by the layer they belong to. TensorFlow.js names
// a weight "<layer>/<param>" (Keras files may put scopes in front) and lists
// trainable weights before the others, so position says nothing: each layer
// takes its weights by name and shape, and a weight no layer takes is an error.
import { ModelFileError } from "../../errors.js";
import type { TfjsWeight } from "./weights.js";
import type { TfjsLayer } from "./topology.js";

/** The model's weights (a saved optimizer's left out), taken by layer and parameter name. */
export class LayerWeights {
  private readonly unused: Set<TfjsWeight>;

  constructor(weights: TfjsWeight[]) {
    this.unused = new Set(weights.filter((w) => !w.optimizer));
  }

  /** The values of `layer`'s weight `param`, which must have `shape`. */
  take(layer: TfjsLayer, param: string, shape: number[]): Float32Array {
    const exact = `${layer.name}/${param}`;
    const found = [...this.unused].filter((w) => w.name === exact || w.name.endsWith(`/${exact}`));
    const at = `layer "${layer.name}" (${layer.className})`;
    if (found.length === 0) throw new ModelFileError(`${at}: weightsManifest has no weight "${exact}" (or one ending in "/${exact}") left for it`);
    if (found.length > 1) throw new ModelFileError(`${at}: weights ${found.map((w) => `"${w.name}"`).join(" and ")} both match "${exact}"`);
    const [weight] = found;
    if (weight.shape.length !== shape.length || weight.shape.some((d, i) => d !== shape[i])) {
      throw new ModelFileError(`${at}: weight "${weight.name}" has shape [${weight.shape.join(", ")}], but the layer needs [${shape.join(", ")}]`);
    }
    this.unused.delete(weight);
    return weight.values;
  }

  /** Throws if a weight of the model was taken by no layer: the file then describes a model other than the one read. */
  checkAllTaken(): void {
    const left = [...this.unused].map((w) => `"${w.name}"`);
    if (left.length > 0) throw new ModelFileError(`weightsManifest: ${left.join(", ")} belong${left.length === 1 ? "s" : ""} to no layer of the model`);
  }
}
