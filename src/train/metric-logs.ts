// Metrics in logs: a batch's values weighted by its rows into an epoch's means,
// and the names the same metrics take on validation data.
import type { MetricName, MetricValues } from "../nn/metrics.js";

/** The name of a metric measured on validation data: accuracy → valAccuracy. */
export type ValidationKey = `val${Capitalize<MetricName>}`;

/** The log key of `name` on validation data. */
export function validationKey(name: MetricName): ValidationKey {
  return `val${name[0].toUpperCase()}${name.slice(1)}` as ValidationKey;
}

/** `names`' values picked out of `from` (a batch score or an evaluation), for logs. */
export function metricValues(names: readonly MetricName[], from: MetricValues): MetricValues {
  const values: MetricValues = {};
  for (const name of names) values[name] = from[name];
  return values;
}

/** Running sums of batch metrics, each weighted by the batch's rows, for an epoch's means. */
export class MetricSums {
  private readonly sums = new Map<MetricName, number>();

  constructor(private readonly names: readonly MetricName[]) {}

  /** Adds a batch of `rows` rows whose metrics are `values`. */
  add(values: MetricValues, rows: number): void {
    for (const name of this.names) this.sums.set(name, (this.sums.get(name) ?? 0) + values[name]! * rows);
  }

  /** The means over `rows` rows in all. */
  means(rows: number): MetricValues {
    const means: MetricValues = {};
    for (const name of this.names) means[name] = (this.sums.get(name) ?? 0) / rows;
    return means;
  }
}
