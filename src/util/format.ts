// Numbers as people read them, in one place, so that `fit({ verbose })`, `wasmlp train`
// and `wasmlp info` print the same quantity the same way. Independent of the
// locale: a log or a test reads identically on every machine.

/** The metrics of one epoch (what fit() reports); validation metrics only with validation data. */
export interface EpochMetrics {
  loss: number;
  accuracy?: number;
  /** Mean absolute error, with metrics: ['mae']. */
  mae?: number;
  /** Mean squared error, with metrics: ['mse']. */
  mse?: number;
  valLoss?: number;
  valAccuracy?: number;
  valMae?: number;
  valMse?: number;
}

/** Optional extras of an epoch line: learning rate, time taken and throughput. */
export interface EpochExtras {
  learningRate?: number;
  seconds?: number;
  samplesPerSecond?: number;
}

/** One line per epoch, numbered from 1: `epoch  3/10  loss 0.1234  accuracy 97.50%  …`. */
export function formatEpoch(epoch: number, epochs: number, logs: EpochMetrics, extras: EpochExtras = {}): string {
  const parts = [`epoch ${String(epoch + 1).padStart(String(epochs).length)}/${epochs}`, `loss ${formatLoss(logs.loss)}`];
  if (logs.accuracy !== undefined) parts.push(`accuracy ${formatPercent(logs.accuracy)}`);
  if (logs.mae !== undefined) parts.push(`mae ${formatLoss(logs.mae)}`);
  if (logs.mse !== undefined) parts.push(`mse ${formatLoss(logs.mse)}`);
  if (logs.valLoss !== undefined) parts.push(`val loss ${formatLoss(logs.valLoss)}`);
  if (logs.valAccuracy !== undefined) parts.push(`val accuracy ${formatPercent(logs.valAccuracy)}`);
  if (logs.valMae !== undefined) parts.push(`val mae ${formatLoss(logs.valMae)}`);
  if (logs.valMse !== undefined) parts.push(`val mse ${formatLoss(logs.valMse)}`);
  if (extras.learningRate !== undefined) parts.push(`lr ${extras.learningRate.toPrecision(3)}`);
  if (extras.seconds !== undefined) parts.push(`${extras.seconds.toFixed(1)} s`);
  if (extras.samplesPerSecond !== undefined) parts.push(`${formatCount(extras.samplesPerSecond)} samples/s`);
  return parts.join("  ");
}

/** A count rounded to an integer, with thousands separators: 1027 → "1,027". */
export function formatCount(n: number): string {
  const rounded = Math.round(n);
  if (!Number.isFinite(rounded)) return String(rounded);
  const digits = String(Math.abs(rounded)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return rounded < 0 ? `-${digits}` : digits;
}

/** A fraction as a percentage: 0.975 → "97.50%". */
export function formatPercent(fraction: number, digits = 2): string {
  return `${(100 * fraction).toFixed(digits)}%`;
}

/** A loss (or any error measure) with four decimals. */
export function formatLoss(loss: number): string {
  return loss.toFixed(4);
}

/** A duration: "12.3 s" under a minute, else "4 min 5 s". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const total = Math.round(seconds); // 119.7 s is "2 min 0 s", not "1 min 60 s"
  const m = Math.floor(total / 60);
  return `${m} min ${total - 60 * m} s`;
}
