// Maxout layer: each unit is the max of `pieces` affine functions of the input,
// so it has pieces times the weights of a dense unit.
import { initializerName, type InitializerName } from "../initializers.js";
import { booleanOption, checkKeys, integerOption } from "../options.js";
import { Affine } from "./affine.js";
import { BatchBuffers, type Layer, type LayerConfig, type ParamSlot, type ParamSpec, type Runtime } from "./layer.js";

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
export class Maxout implements Layer {
  readonly type = "maxout";
  readonly outputSize: number;
  readonly pieces: number;
  private readonly affine: Affine;
  private readonly initializer: InitializerName;
  private readonly buffers: BatchBuffers;
  private z = 0;
  private out = 0;
  private argmax = 0;
  private dx = 0;
  private input = 0;

  constructor(private readonly rt: Runtime, readonly inputSize: number, options: MaxoutOptions, where = "maxout layer") {
    checkKeys(options, KEYS, where);
    this.outputSize = integerOption(options.units, `${where}: units`);
    this.pieces = integerOption(options.pieces ?? 2, `${where}: pieces`, 2);
    this.initializer = initializerName(options.initializer ?? "glorotUniform", where);
    this.affine = new Affine(rt, inputSize, this.outputSize * this.pieces, this.initializer, this.outputSize,
      booleanOption(options.useBias ?? true, `${where}: useBias`));
    this.buffers = new BatchBuffers(rt.core);
  }

  /** @inheritdoc */
  params(): ParamSpec[] { return this.affine.params(); }
  /** @inheritdoc */
  bind(slots: ParamSlot[]): void { this.affine.bind(slots); }
  /** @inheritdoc */
  workBytes(rows: number): number { return this.affine.workBytes(rows); }

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
    this.affine.backward(this.input, this.z, needInput ? this.dx : 0, rows);
    return needInput ? this.dx : 0;
  }

  /** @inheritdoc */
  toConfig(): LayerConfig {
    const c: LayerConfig = { type: this.type, units: this.outputSize, pieces: this.pieces, initializer: this.initializer };
    if (!this.affine.useBias) c.useBias = false;
    return c;
  }

  /** @inheritdoc */
  free(): void { this.buffers.free(); }
}
