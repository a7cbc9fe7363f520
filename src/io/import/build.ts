// An imported architecture becomes an ordinary model through the same public
// state any model file goes through: built from its config, then loadState().
import { Sequential } from "../../model/model.js";
import { asFileError } from "../as-file-error.js";
import type { ImportedModel } from "./chain.js";

/** A Sequential model computing what the imported one did; the core must be loaded. A model that cannot be built is a ModelFileError. */
export function buildImported(imported: ImportedModel, options: { checkFinite?: boolean } = {}): Sequential {
  const model = asFileError(() => new Sequential(imported.config), "the imported model");
  try {
    const { rng } = model.state();
    asFileError(() => model.loadState({
      config: model.toConfig(), weights: imported.weights, compile: null, optimizer: null,
      preprocessing: imported.preprocessing, training: { epochs: 0 }, rng, origin: imported.origin,
    }, { checkFinite: options.checkFinite ?? true }), "the imported model");
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
