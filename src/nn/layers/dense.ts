// Fully-connected layer: y = act(x·W + b), each unit a weighted sum plus activation.
import { activationCode, activationName, type ActivationName } from "../activations.js";
import { defaultInitializer, initializerName, type InitializerName } from "../initializers.js";
import { booleanOption, checkKeys, integerOption, numberOption } from "../../util/options.js";
import { Affine, AffineLayer } from "./affine.js";
import type { Layer, LayerConfig, Runtime } from "./layer.js";

/** Options of a dense layer. */
export interface DenseOptions {
  /** Number of units (outputs). */
  units: number;
  /** Activation applied to each unit; default 'linear'. */
  activation?: ActivationName;
  /** Slope for negative inputs of 'leakyRelu'; default 0.01. */
  alpha?: number;
  /** Weight initialiser; default He for ReLU-like activations, Glorot otherwise. */
  initializer?: InitializerName;
  /** Whether the layer has a bias; default true. */
  useBias?: boolean;
}

const KEYS = ["type", "units", "activation", "alpha", "initializer", "useBias"];

/** Dense layer implementing the layer protocol. */
export class Dense extends AffineLayer implements Layer {
  readonly type = "dense";
  readonly outputSize: number;
  readonly activation: ActivationName;
  readonly alpha: number;
  protected readonly affine: Affine;
  private readonly initializer: InitializerName;
  private out = 0;

  constructor(rt: Runtime, inputSize: number, options: DenseOptions, where = "dense layer") {
    super(rt, inputSize);
    checkKeys(options, KEYS, where);
    this.outputSize = integerOption(options.units, `${where}: units`);
    this.activation = activationName(options.activation ?? "linear", where);
    this.alpha = numberOption(options.alpha ?? 0.01, `${where}: alpha`, 0, 1, true);
    this.initializer = initializerName(options.initializer ?? defaultInitializer(this.activation), where);
    const useBias = booleanOption(options.useBias ?? true, `${where}: useBias`);
    this.affine = new Affine(rt, inputSize, this.outputSize, this.initializer, this.outputSize, useBias);
  }

  /** @inheritdoc */
  allocate(rows: number): void {
    this.buffers.free();
    this.out = this.buffers.take(rows * this.outputSize);
    this.dx = this.buffers.take(rows * this.inputSize);
  }

  /** @inheritdoc */
  forward(input: number, rows: number, _training: boolean, logits: boolean): number {
    this.input = input;
    const act = logits ? 0 : activationCode(this.activation);
    this.affine.forward(input, this.out, rows, act, this.alpha);
    if (logits) return this.out;
    const k = this.rt.core.kernels;
    if (this.activation === "softmax") k.softmax_forward(this.out, this.out, rows, this.outputSize);
    else if (this.activation === "logSoftmax") k.log_softmax_forward(this.out, this.out, rows, this.outputSize);
    return this.out;
  }

  /** @inheritdoc */
  backward(dOutput: number, rows: number, needInput: boolean, logits: boolean): number {
    const k = this.rt.core.kernels;
    // logSoftmax has no backward pass: compile() trains it only as the output a cross-entropy loss reads as logits.
    if (!logits) {
      if (this.activation === "softmax") k.softmax_backward(this.out, dOutput, dOutput, rows, this.outputSize);
      else if (this.activation !== "linear") {
        k.activation_backward(activationCode(this.activation), this.out, dOutput, dOutput, rows * this.outputSize, this.alpha);
      }
    }
    return this.backwardAffine(dOutput, rows, needInput);
  }

  /** @inheritdoc */
  toConfig(): LayerConfig {
    const c: LayerConfig = { type: this.type, units: this.outputSize, activation: this.activation, initializer: this.initializer };
    if (this.activation === "leakyRelu") c.alpha = this.alpha;
    if (!this.affine.useBias) c.useBias = false;
    return c;
  }
}
