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
  private readonly sums: Float64Array;

  constructor(private readonly names: readonly MetricName[]) {
    this.sums = new Float64Array(names.length);
  }

  /** Adds a batch of `rows` rows whose metrics are `values`. */
  add(values: MetricValues, rows: number): void {
    for (let i = 0; i < this.names.length; i++) this.sums[i] += values[this.names[i]]! * rows;
  }

  /** The means over `rows` rows in all, written into `into` (a new object by default), after what it holds. */
  means(rows: number): MetricValues;
  means<T extends object>(rows: number, into: T): T & MetricValues;
  means(rows: number, into: MetricValues = {}): MetricValues {
    for (let i = 0; i < this.names.length; i++) into[this.names[i]] = this.sums[i] / rows;
    return into;
  }

  /** Starts the sums again from zero, for the next epoch. */
  reset(): void {
    for (let i = 0; i < this.sums.length; i++) this.sums[i] = 0;
  }
}
