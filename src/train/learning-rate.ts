// The learning rate during one fit(): a schedule over fractional epochs, a
// scale that divergence recovery lowers, and the compiled rate put back at the end.
import { ConfigError } from "../errors.js";
import { checkKeys, choiceOption, integerOption, numberOption } from "../util/options.js";
import type { Callback } from "./callback.js";
import type { LearningRateSchedule } from "./training.js";

/** The learning rate at fractional epoch e (epoch + batch / batches). */
export type Schedule = (e: number) => number;

/** Reads fit()'s learningRateSchedule for a run of `epochs` starting at rate `lr0`; undefined for a constant rate. */
export function scheduleOption(spec: unknown, epochs: number, lr0: number): Schedule | undefined {
  if (spec === undefined) return undefined;
  const where = "fit: learningRateSchedule";
  if (typeof spec !== "object" || spec === null) throw new ConfigError(`${where} must be {type: 'step' | 'exponential' | 'cosine', ...}`);
  const s = spec as LearningRateSchedule;
  const type = choiceOption(s.type, `${where}.type`, ["step", "exponential", "cosine"] as const);
  if (s.type === "step") {
    checkKeys(s, ["type", "stepSize", "gamma"], where);
    const every = integerOption(s.stepSize, `${where}.stepSize`);
    const gamma = numberOption(s.gamma ?? 0.1, `${where}.gamma`, 0, 1, true);
    return (e) => lr0 * gamma ** Math.floor(Math.floor(e) / every);
  }
  if (s.type === "exponential") {
    checkKeys(s, ["type", "gamma"], where);
    const gamma = numberOption(s.gamma, `${where}.gamma`, 0, 1, true);
    return (e) => lr0 * gamma ** Math.floor(e);
  }
  checkKeys(s, ["type", "epochs", "minLearningRate"], `${where} (${type})`);
  const span = integerOption(s.epochs ?? epochs, `${where}.epochs`);
  const floor = numberOption(s.minLearningRate ?? 0, `${where}.minLearningRate`, 0, lr0, true);
  return (e) => floor + (lr0 - floor) * 0.5 * (1 + Math.cos(Math.PI * Math.min(e / span, 1)));
}

/** Sets the learning rate of `target` before each batch; puts the starting rate back when fit() ends. */
export class LearningRate implements Callback {
  private readonly base: number;
  private scale = 1;

  constructor(private readonly target: { learningRate: number }, private readonly schedule: Schedule | undefined,
    private readonly batches: number) {
    this.base = target.learningRate;
  }

  onBatchBegin(epoch: number, batch: number): void {
    if (this.schedule || this.scale !== 1) this.target.learningRate = this.at(epoch + batch / this.batches) * this.scale;
  }

  /** Multiplies the scale by `factor` and sets the rate for a rerun of `epoch`; returns the new rate. */
  reduce(factor: number, epoch: number): number {
    this.scale *= factor;
    this.target.learningRate = this.at(epoch) * this.scale;
    return this.target.learningRate;
  }

  onFinally(): void {
    this.target.learningRate = this.base;
  }

  private at(e: number): number {
    return this.schedule ? this.schedule(e) : this.base;
  }
}
