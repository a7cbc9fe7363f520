// Metrics reported beside the loss. Each is one kernel call per batch on the
// outputs the loss just read, so a metric costs no copy into JavaScript.
import { ConfigError } from "../errors.js";
import type { Core } from "../runtime/core.js";
import type { DeviceTargets, Loss } from "./losses.js";
import type { OutputReading } from "./output-kind.js";

/** Metric names compile() accepts, as reported in history, logs and evaluate(). */
export type MetricName = "accuracy" | "mae" | "mse";

/** Other spellings compile() accepts for a metric (Keras's among them), read as the canonical name. */
export type MetricAlias = "acc" | "mean_absolute_error" | "meanAbsoluteError" | "mean_squared_error" | "meanSquaredError";

const ALIASES: Record<MetricAlias, MetricName> = {
  acc: "accuracy", mean_absolute_error: "mae", meanAbsoluteError: "mae", mean_squared_error: "mse", meanSquaredError: "mse",
};
/** Every metric name, in the order runs report them. */
const NAMES: readonly MetricName[] = ["accuracy", "mae", "mse"];

/** Values of the metrics a run computes, by name. */
export type MetricValues = { [K in MetricName]?: number };

/** A metric bound to a compiled model's output reading. */
export interface Metric {
  readonly name: MetricName;
  /**
   * Mean over the batch, from the `out` the loss reads (logits when the loss is fused) and the targets;
   * `units` (cols floats, or 0) turns learnt differences into the targets' own units, as predict() does.
   */
  compute(core: Core, out: number, targets: DeviceTargets, rows: number, cols: number, units: number): number;
}

/** Checks compile()'s `metrics` for a model whose outputs read as `reading` under `loss`; canonical names, no repeats. */
export function createMetrics(names: unknown, reading: OutputReading, loss: Loss): Metric[] {
  if (!Array.isArray(names)) {
    throw new ConfigError(`compile: metrics must be an array of metric names (${NAMES.join(", ")}), got ${JSON.stringify(names)}`);
  }
  const resolved = new Set<MetricName>();
  for (const name of names) {
    const canonical = typeof name === "string" ? (ALIASES[name as MetricAlias] ?? name) : name;
    if (!NAMES.includes(canonical as MetricName)) {
      throw new ConfigError(`compile: unknown metric ${JSON.stringify(name)}; known: ${NAMES.join(", ")} (aliases: ${Object.keys(ALIASES).join(", ")})`);
    }
    resolved.add(canonical as MetricName);
  }
  return NAMES.filter((n) => resolved.has(n)).map((n) => bind(n, reading, loss));
}

function bind(name: MetricName, reading: OutputReading, loss: Loss): Metric {
  if (name === "accuracy") return accuracy(reading, loss);
  if (reading.logits || loss.fused) {
    throw new ConfigError(`compile: metric '${name}' compares output values with targets, but loss '${loss.name}' reads the outputs as ` +
      `logits of class probabilities; use metrics: ['accuracy'] (or a 'meanSquaredError' loss for a regression)`);
  }
  if (name === "mae") return { name, compute: (core, y, t, rows, cols, units) => core.kernels.sum_abs_diff(y, t.ptr, rows, cols, units) / (rows * cols) };
  return { name, compute: (core, y, t, rows, cols, units) => core.kernels.sum_squared_diff(y, t.ptr, rows, cols, units) / (rows * cols) };
}

/** The fraction of correct predictions, read exactly as predictClasses() and predictLabels() read them. */
function accuracy(reading: OutputReading, loss: Loss): Metric {
  if (reading.kind === "regression") {
    throw new ConfigError(`compile: metric 'accuracy' needs class outputs, but a '${reading.activation}' output with loss '${loss.name}' ` +
      `predicts values (a regression); use metrics: ['mae'] or ['mse'], or a 'softmax' / 'sigmoid' output for classes`);
  }
  if (reading.kind === "categorical") {
    return {
      name: "accuracy",
      compute: (core, z, t, rows, cols) => (t.kind === "index"
        ? core.kernels.count_correct_index(z, t.ptr, rows, cols)
        : core.kernels.count_correct_onehot(z, t.ptr, rows, cols)) / rows,
    };
  }
  // One yes/no per unit, as binary accuracy counts them; logit 0 is probability 0.5.
  const threshold = reading.logits || loss.fused ? 0 : 0.5;
  return { name: "accuracy", compute: (core, z, t, rows, cols) => core.kernels.count_correct_binary(z, t.ptr, rows * cols, threshold) / (rows * cols) };
}
