// Inverted dropout: scales kept units by 1/(1−rate) while training so that
// inference is the identity and needs no rescaling.
import { checkKeys, numberOption } from "../../util/options.js";
import { BatchBuffers, type Layer, type LayerConfig, type ParamSpec, type Runtime } from "./layer.js";

/** Options of a dropout layer. */
export interface DropoutOptions {
  /** Fraction of units zeroed while training, in [0, 1). */
  rate: number;
}

/** Dropout layer implementing the layer protocol. */
export class Dropout implements Layer {
  readonly type = "dropout";
  readonly outputSize: number;
  readonly rate: number;
  private readonly buffers: BatchBuffers;
  private out = 0;
  private mask = 0;
  private dx = 0;
  /** Whether the last forward pass dropped units (only while training). */
  private active = false;

  constructor(private readonly rt: Runtime, readonly inputSize: number, options: DropoutOptions, where = "dropout layer") {
    checkKeys(options, ["type", "rate"], where);
    this.rate = numberOption(options.rate, `${where}: rate`, 0, 1);
    this.outputSize = inputSize;
    this.buffers = new BatchBuffers(rt.core);
  }

  /** @inheritdoc */
  params(): ParamSpec[] { return []; }
  /** @inheritdoc */
  bind(): void {}
  /** @inheritdoc */
  workBytes(): number { return 0; }

  /** @inheritdoc */
  allocate(rows: number): void {
    this.buffers.free();
    this.out = this.buffers.take(rows * this.inputSize);
    this.mask = this.buffers.take(rows * this.inputSize);
    this.dx = this.buffers.take(rows * this.inputSize);
  }

  /** @inheritdoc */
  forward(input: number, rows: number, training: boolean): number {
    this.active = training && this.rate > 0;
    if (!this.active) return input;
    this.rt.core.kernels.dropout_forward(this.rt.rng, input, this.out, this.mask, rows * this.inputSize, this.rate);
    return this.out;
  }

  /** @inheritdoc */
  backward(dOutput: number, rows: number, needInput: boolean): number {
    if (!needInput) return 0;
    if (!this.active) return dOutput;
    this.rt.core.kernels.dropout_backward(dOutput, this.mask, this.dx, rows * this.inputSize);
    return this.dx;
  }

  /** @inheritdoc */
  toConfig(): LayerConfig { return { type: this.type, rate: this.rate }; }

  /** @inheritdoc */
  free(): void { this.buffers.free(); }
}
