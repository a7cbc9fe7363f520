// Maxout layer: each unit is the max of `pieces` affine functions of the input,
// so it has pieces times the weights of a dense unit.
import { initializerName, type InitializerName } from "../initializers.js";
import { booleanOption, checkKeys, integerOption } from "../../util/options.js";
import { Affine, AffineLayer } from "./affine.js";
import type { Layer, LayerConfig, Runtime } from "./layer.js";

/** Options of a maxout layer. */
export interface MaxoutOptions {
  /** Number of units (outputs). */
  units: number;
  /** Affine pieces per unit (k ≥ 2); default 2. */
  pieces?: number;
  /** Weight initialiser; default Glorot uniform. */
  initializer?: InitializerName;
  /** Whether the pieces have biases; default true. */
  useBias?: boolean;
}

const KEYS = ["type", "units", "pieces", "initializer", "useBias"];

/** Maxout layer implementing the layer protocol. Weight columns j·k … j·k+k−1 belong to unit j. */
export class Maxout extends AffineLayer implements Layer {
  readonly type = "maxout";
  readonly outputSize: number;
  readonly pieces: number;
  protected readonly affine: Affine;
  private readonly initializer: InitializerName;
  private z = 0;
  private out = 0;
  private argmax = 0;

  constructor(rt: Runtime, inputSize: number, options: MaxoutOptions, where = "maxout layer") {
    super(rt, inputSize);
    checkKeys(options, KEYS, where);
    this.outputSize = integerOption(options.units, `${where}: units`);
    this.pieces = integerOption(options.pieces ?? 2, `${where}: pieces`, 2);
    this.initializer = initializerName(options.initializer ?? "glorotUniform", where);
    this.affine = new Affine(rt, inputSize, this.outputSize * this.pieces, this.initializer, this.outputSize,
      booleanOption(options.useBias ?? true, `${where}: useBias`));
  }

  /** @inheritdoc */
  allocate(rows: number): void {
    this.buffers.free();
    this.z = this.buffers.take(rows * this.outputSize * this.pieces);
    this.out = this.buffers.take(rows * this.outputSize);
    this.argmax = this.buffers.take(rows * this.outputSize);
    this.dx = this.buffers.take(rows * this.inputSize);
  }

  /** @inheritdoc */
  forward(input: number, rows: number): number {
    this.input = input;
    this.affine.forward(input, this.z, rows, 0, 0);
    this.rt.core.kernels.maxout_forward(this.z, this.out, this.argmax, rows, this.outputSize, this.pieces);
    return this.out;
  }

  /** @inheritdoc */
  backward(dOutput: number, rows: number, needInput: boolean): number {
    // z is not needed after forward, so its buffer receives dz.
    this.rt.core.kernels.maxout_backward(dOutput, this.argmax, this.z, rows, this.outputSize, this.pieces);
    return this.backwardAffine(this.z, rows, needInput);
  }

  /** @inheritdoc */
  toConfig(): LayerConfig {
    const c: LayerConfig = { type: this.type, units: this.outputSize, pieces: this.pieces, initializer: this.initializer };
    if (!this.affine.useBias) c.useBias = false;
    return c;
  }
}
