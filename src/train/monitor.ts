// The metric that early stopping and checkpoints watch. One parser for it, so
// fit() and the command line accept the same names and refuse the same
// impossible choices (a validation metric without validation data, a metric
// compile() did not ask for) before any training.
import { ConfigError } from "../errors.js";
import type { MetricName } from "../nn/metrics.js";
import { choiceOption } from "../util/options.js";

/** The metrics an epoch reports. */
const MONITORS = ["loss", "accuracy", "mae", "mse", "valLoss", "valAccuracy", "valMae", "valMse"] as const;

/** A metric to watch: a loss or an error (lower is better) or an accuracy (higher is better). */
export type Monitor = typeof MONITORS[number];

/** Which metrics a training run computes. */
export interface Computed {
  validation: boolean;
  metrics: readonly MetricName[];
}

/** How a caller words the fix for an impossible monitor, and the error class it throws. */
export interface MonitorWording {
  /** How to get validation data, e.g. "set validationSplit or validationData". */
  validation: string;
  /** How to get `metric` computed, e.g. "add metrics: ['mae'] to compile()". */
  metric: (metric: MetricName) => string;
  error?: (message: string) => Error;
}

const FIT_WORDING: MonitorWording = {
  validation: "set validationSplit or validationData",
  metric: (metric) => `add metrics: ['${metric}'] to compile()`,
};

/**
 * Reads a monitor option named `where` (default: 'valLoss' with validation data, else 'loss') and
 * refuses one the run will not compute.
 */
export function monitorOption(value: unknown, where: string, computed: Computed, wording = FIT_WORDING): Monitor {
  const monitor = choiceOption(value ?? (computed.validation ? "valLoss" : "loss"), `${where}.monitor`, MONITORS);
  const fail = wording.error ?? ((message: string) => new ConfigError(message));
  if (monitor.startsWith("val") && !computed.validation) {
    throw fail(`${where} monitors '${monitor}' but there is no validation data (${wording.validation})`);
  }
  const metric = metricOf(monitor);
  if (metric && !computed.metrics.includes(metric)) throw fail(`${where} monitors '${monitor}', which is not computed; ${wording.metric(metric)}`);
  return monitor;
}

/** The compiled metric a monitor reads, if it is not a loss: valMae → mae. */
function metricOf(monitor: Monitor): MetricName | undefined {
  if (monitor === "loss" || monitor === "valLoss") return undefined;
  const name = monitor.startsWith("val") ? monitor[3].toLowerCase() + monitor.slice(4) : monitor;
  return name as MetricName;
}

function isAccuracy(monitor: Monitor): boolean {
  return monitor === "accuracy" || monitor === "valAccuracy";
}

/** The value every real value of `monitor` improves on. */
export function worstValue(monitor: Monitor): number {
  return isAccuracy(monitor) ? -Infinity : Infinity;
}

/** Whether `value` beats `best` by more than `minDelta`: accuracies must rise, losses fall. */
export function improves(monitor: Monitor, value: number, best: number, minDelta = 0): boolean {
  return isAccuracy(monitor) ? value > best + minDelta : value < best - minDelta;
}
