// model.summary(): the layers as a table in Keras's layout (layer and type,
// output shape with None for the batch, parameter count, then the totals).
import { ConfigError } from "../errors.js";
import { formatCount as count } from "../util/format.js";
import { checkKeys, describe } from "../util/options.js";
import type { LayerInfo } from "./layers-info.js";

/** Options of summary(). */
export interface SummaryOptions {
  /** Called with each line of the table; default console.log. */
  printFn?: (line: string) => void;
}

const WIDTHS = [34, 16, 12];

/** What a model adds to the table: whether its parameters train (default true), and lines under the totals. */
export interface SummaryExtras {
  trainable?: boolean;
  notes?: string[];
}

/** The table's text for `layers` of a model with `inputs` inputs; each line also goes to the printFn option. */
export function summarize(inputs: number, layers: readonly LayerInfo[], options: SummaryOptions = {}, extras: SummaryExtras = {}): string {
  checkKeys(options, ["printFn"], "summary");
  const print = options.printFn ?? console.log;
  if (typeof print !== "function") throw new ConfigError(`summary: printFn must be a function, got ${describe(print)}`);
  const row = (cells: string[]) => cells.map((c, i) => (i === 2 ? c.padStart(WIDTHS[i]) : c.padEnd(WIDTHS[i]))).join(" ").trimEnd();
  const rule = (ch: string) => ch.repeat(WIDTHS.reduce((a, w) => a + w + 1, -1));
  const total = layers.reduce((a, l) => a + l.parameterCount, 0);
  const trainable = extras.trainable ?? true;
  const lines = [
    `Model: "sequential" (${inputs} inputs)`, rule("_"), row(["Layer (type)", "Output Shape", "Param #"]), rule("="),
    ...layers.map((l) => row([`${l.name} (${kindOf(l)})`, `(None, ${l.units})`, count(l.parameterCount)])), rule("="),
    `Total params: ${count(total)}`, `Trainable params: ${count(trainable ? total : 0)}`, `Non-trainable params: ${count(trainable ? 0 : total)}`,
    ...(extras.notes ?? []), rule("_"),
  ];
  for (const line of lines) print(line);
  return lines.join("\n");
}

/** The type column: the layer's kind with its activation, maxout pieces or dropout rate. */
function kindOf(l: LayerInfo): string {
  const extra = l.activation ?? (l.pieces !== undefined ? `×${l.pieces}` : l.rate !== undefined ? `rate ${l.rate}` : undefined);
  return extra ? `${l.kind}, ${extra}` : l.kind;
}
