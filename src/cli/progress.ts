// The live line under an epoch: batches done, samples per second, running loss
// and accuracy, time left. Drawn by cli-progress on stderr, only on a terminal,
// so logs and pipes get the one summary line per epoch and nothing else.
import cliProgress from "cli-progress";
import { formatCount, formatLoss, formatPercent } from "../util/format.js";

/** Running totals of one epoch, and its progress bar when there is a terminal to draw on. */
export class EpochProgress {
  private bar: cliProgress.SingleBar | undefined;
  private started = 0;
  private samples = 0;
  private loss = 0;
  private correct = 0;
  private batches = 0;

  constructor(private readonly epoch: number, private readonly epochs: number, private readonly total: number,
    private readonly show: boolean, private readonly withAccuracy: boolean) {}

  /** Starts the clock and, on a terminal, the bar. */
  start(): void {
    this.started = performance.now();
    if (!this.show) return;
    const acc = this.withAccuracy ? " | acc {acc}" : "";
    this.bar = new cliProgress.SingleBar({
      format: `epoch ${this.epoch + 1}/${this.epochs} {bar} {value}/{total} batches | {rate} samples/s | loss {loss}${acc} | ETA {eta_formatted}`,
      barsize: 24, hideCursor: true, clearOnComplete: true, etaBuffer: 50, fps: 8, stream: process.stderr,
    }, cliProgress.Presets.shades_classic);
    this.bar.start(this.total, 0, { rate: "-", loss: "-", acc: "-" });
  }

  /** Adds one finished batch. */
  batch(logs: { loss: number; accuracy?: number; size: number }): void {
    this.batches++;
    this.samples += logs.size;
    this.loss += logs.loss * logs.size;
    if (logs.accuracy !== undefined) this.correct += logs.accuracy * logs.size;
    this.bar?.update(this.batches, {
      rate: formatCount(this.rate()),
      loss: formatLoss(this.loss / this.samples),
      acc: formatPercent(this.correct / this.samples),
    });
  }

  /** Samples per second so far in this epoch. */
  rate(): number {
    const s = (performance.now() - this.started) / 1000;
    return s > 0 ? this.samples / s : 0;
  }

  /** Seconds since start(). */
  seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** Removes the bar (the summary line replaces it). */
  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
