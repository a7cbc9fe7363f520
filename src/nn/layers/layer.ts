// The one layer protocol. A layer declares its parameters, the model places
// them in one flat buffer (so an optimizer step is one call into the core),
// and the layer runs forward and backward on pointers into linear memory.
import type { Core } from "../../runtime/core.js";
import type { InitializerName } from "../initializers.js";

/** What every layer shares with the model: the core, the RNG state and the GEMM scratch. */
export interface Runtime {
  core: Core;
  /** Address of the 16-byte RNG state. */
  rng: number;
  /** Address of the GEMM workspace, sized by the model from every layer's workBytes. */
  work: number;
}

/** A parameter tensor a layer asks for. */
export interface ParamSpec {
  /** Short name within the layer: 'weight' or 'bias'. */
  name: string;
  shape: number[];
  init: InitializerName;
  fanIn: number;
  fanOut: number;
  /** Whether L2 regularisation applies (weights yes, biases no). */
  decay: boolean;
  /**
   * Keep a copy packed for gemm_nn_packed_bias_act (the tensor as B, shape [K, N]).
   * The network refreshes it when the weights change, never per call.
   */
  packed?: boolean;
}

/** Where the model put a parameter, its gradient and (for `packed` specs) its packed copy, else 0. */
export interface ParamSlot {
  value: number;
  grad: number;
  packed: number;
}

/** Serializable description of a layer; `type` picks the class when loading. */
export interface LayerConfig {
  type: string;
  [option: string]: unknown;
}

/** A layer: forward and backward on device pointers, plus its parameters and config. */
export interface Layer {
  readonly type: string;
  readonly inputSize: number;
  readonly outputSize: number;
  /** Parameters to allocate, in order. */
  params(): ParamSpec[];
  /** Receives the addresses of the parameters declared by params(), in the same order. */
  bind(slots: ParamSlot[]): void;
  /** (Re)allocates per-batch buffers for up to `rows` rows. */
  allocate(rows: number): void;
  /** GEMM scratch bytes needed for a batch of `rows`. */
  workBytes(rows: number): number;
  /**
   * Runs the layer on `rows` rows at `input`, returning the output address.
   * `logits`: skip the output activation (the loss fuses it).
   */
  forward(input: number, rows: number, training: boolean, logits: boolean): number;
  /**
   * Given d(loss)/d(output) at `dOutput` (which it may overwrite), writes parameter
   * gradients and returns d(loss)/d(input), or 0 when `needInput` is false.
   */
  backward(dOutput: number, rows: number, needInput: boolean, logits: boolean): number;
  /** The layer's configuration, enough to rebuild it. */
  toConfig(): LayerConfig;
  /** Frees per-batch buffers (parameters belong to the model). */
  free(): void;
}

/** Per-batch buffers of a layer: reallocated when the batch grows, freed together. */
export class BatchBuffers {
  private ptrs: number[] = [];
  constructor(private readonly core: Core) {}

  /** Allocates `count` 4-byte elements and remembers them for free(). */
  take(count: number): number {
    const p = this.core.allocator.alloc(Math.max(1, count) * 4);
    this.ptrs.push(p);
    return p;
  }

  /** Frees everything taken so far. */
  free(): void {
    for (const p of this.ptrs) this.core.free(p);
    this.ptrs = [];
  }
}
