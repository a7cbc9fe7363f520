// model.layers: what each layer is, read from the network, as plain frozen
// records (the network's own layer objects stay private to the model).
import type { Network } from "../nn/network.js";

/** One layer of a model, as model.layers describes it. */
export interface LayerInfo {
  /** The prefix of the layer's tensor names: 'layers.0', 'layers.1', … */
  readonly name: string;
  /** 'dense', 'maxout' or 'dropout'. */
  readonly kind: string;
  /** Width of the layer's output rows. */
  readonly units: number;
  /** The dense layer's activation; null for maxout and dropout. */
  readonly activation: string | null;
  /** Trainable numbers in the layer's weight and bias. */
  readonly parameterCount: number;
  /** Linear pieces per maxout unit. */
  readonly pieces?: number;
  /** Dropout's rate. */
  readonly rate?: number;
}

/** The layers of `net`, first to last, frozen. */
export function layersInfo(net: Network): readonly LayerInfo[] {
  return Object.freeze(net.layers.map((l, i) => {
    const c = l.toConfig() as { activation?: string; pieces?: number; rate?: number };
    const name = `layers.${i}`;
    const info: LayerInfo = {
      name, kind: l.type, units: l.outputSize, activation: c.activation ?? null,
      parameterCount: net.info.filter((p) => p.name.startsWith(`${name}.`)).reduce((a, p) => a + p.length, 0),
      ...(c.pieces !== undefined && { pieces: c.pieces }),
      ...(c.rate !== undefined && { rate: c.rate }),
    };
    return Object.freeze(info);
  }));
}
