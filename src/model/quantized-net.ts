// A quantised model in the core: each layer's int8 weights packed once (with
// their column sums, scales and bias) for the int8 kernels, and per-batch
// buffers. forward() runs a chunk of rows as one kernel call per layer: the
// float input quantised to codes, hidden layers codes to codes with bias,
// activation and requantisation fused, the last layer codes to floats.
// Maxout takes the max of its float pieces, then quantises for the next layer.
import type { Core } from "../runtime/core.js";
import { activationCode, type ActivationName } from "../nn/activations.js";
import type { QuantizedLayerState, QuantizedModelState } from "./quantized-state.js";

/** A layer as the kernels run it. */
interface Stage {
  K: number;
  /** Columns of the weight matrix: units·pieces. */
  N: number;
  units: number;
  pieces: number;
  activation: ActivationName;
  alpha: number;
  /** Bytes between rows of this layer's input codes (K codes rounded up: the kernels read rows to a multiple of 4 codes). */
  lda: number;
  packed: number;
  zp: number;
  /** 1/inputScale as f32: what quantising into this layer's input codes multiplies by. */
  inv: number;
  /** Per-batch buffers: input codes; for maxout the pieces, the max and its argmax. */
  codes: number;
  z: number;
  max: number;
  argmax: number;
}

/**
 * Whether a build may run the fused relaxed dot, asked once per build and process (gemm_int8.ts): cores of the
 * same .wasm share compiled code, so asking again per core would call the probe until it tiers up and answers
 * for optimised code while the kernels may still run in the baseline compiler.
 */
const fusedDot = new Map<string, number>();

function fusedDotOf(core: Core): number {
  const build = `${core.build}${core.checked ? ":checked" : ""}`;
  let v = fusedDot.get(build);
  if (v === undefined) fusedDot.set(build, v = core.raw.int8_fused_dot_exact(3, 5, 7));
  return v;
}

/** A quantised network in `core`, built from a checked state; Forward for the shared inference code (predict.ts). */
export class QuantizedNet {
  readonly inputs: number;
  readonly outputs: number;
  private readonly stages: Stage[];
  private readonly fused: number;
  private capacity = 0;
  private input = 0;
  private output = 0;
  /** An i32 the input quantisation sets to 1 when it meets a non-finite value. */
  private nonfinite = 0;

  constructor(readonly core: Core, state: QuantizedModelState) {
    this.inputs = state.inputs;
    this.outputs = state.outputs;
    this.fused = fusedDotOf(core);
    this.stages = [];
    try {
      for (const l of state.layers) this.stages.push(this.pack(l));
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** Address of the float input buffer (capacity × inputs). */
  get inputBuffer(): number {
    return this.input;
  }

  /** Packed weight bytes: the model's size in the core, without batch buffers. */
  get packedBytes(): number {
    return this.stages.reduce((a, s) => a + this.core.raw.int8_packed_bytes(s.K, s.N), 0);
  }

  /** Makes every batch buffer hold at least `rows` rows; returns the capacity. */
  reserve(rows: number): number {
    if (rows <= this.capacity) return this.capacity;
    this.freeBuffers();
    const core = this.core;
    this.input = core.allocF32(rows * this.inputs);
    for (const s of this.stages) {
      // A spare 16 bytes: the last row is read to a multiple of 4 codes past K.
      s.codes = core.allocator.alloc(rows * s.lda + 16);
      if (s.pieces > 1) {
        s.z = core.allocF32(rows * s.N);
        s.max = core.allocF32(rows * s.units);
        s.argmax = core.allocF32(rows * s.units);
      }
    }
    this.output = core.allocF32(rows * this.outputs);
    this.nonfinite = core.allocator.alloc(4);
    this.capacity = rows;
    return rows;
  }

  /**
   * Runs the layers on `rows` preprocessed float rows at `input` (default: the input buffer); returns the
   * address of the float outputs. `logits`: leave out the output activation (a loss that fuses it reads logits).
   */
  forward(rows: number, _training: boolean, logits: boolean, input = this.input): number {
    const k = this.core.kernels;
    const stages = this.stages;
    const first = stages[0];
    this.core.i32(this.nonfinite, 1)[0] = 0;
    k.quantize_rows_u7(input, this.inputs, rows, this.inputs, first.inv, first.zp, first.codes, first.lda, this.nonfinite);
    const last = stages.length - 1;
    for (let i = 0; i <= last; i++) {
      const s = stages[i];
      const next = stages[i + 1];
      if (s.pieces > 1) {
        k.gemm_int8_f32(rows, s.N, s.K, s.codes, s.lda, s.zp, s.packed, s.z, s.N, 0, 0, this.fused);
        k.maxout_forward(s.z, i === last ? this.output : s.max, s.argmax, rows, s.units, s.pieces);
        if (next) k.quantize_rows_u7(s.max, s.units, rows, s.units, next.inv, next.zp, next.codes, next.lda, 0);
      } else if (next) {
        k.gemm_int8_requant(rows, s.N, s.K, s.codes, s.lda, s.zp, s.packed, next.codes, next.lda,
          activationCode(s.activation), s.alpha, next.inv, next.zp, this.fused);
      } else {
        const act = logits ? 0 : activationCode(s.activation);
        k.gemm_int8_f32(rows, s.N, s.K, s.codes, s.lda, s.zp, s.packed, this.output, s.N, act, s.alpha, this.fused);
        if (logits) continue;
        if (s.activation === "softmax") k.softmax_forward(this.output, this.output, rows, s.N);
        else if (s.activation === "logSoftmax") k.log_softmax_forward(this.output, this.output, rows, s.N);
      }
    }
    return this.output;
  }

  /** Whether the last forward() met a non-finite input value (or one its input scale overflows); the first layer's quantisation looks. */
  sawNonfinite(): boolean {
    return this.nonfinite !== 0 && this.core.i32(this.nonfinite, 1)[0] !== 0;
  }

  /** Frees the packed weights and batch buffers. */
  dispose(): void {
    this.freeBuffers();
    for (const s of this.stages) this.core.free(s.packed);
    this.stages.length = 0;
  }

  private freeBuffers(): void {
    const core = this.core;
    for (const s of this.stages) {
      for (const p of [s.codes, s.z, s.max, s.argmax]) if (p) core.free(p);
      s.codes = s.z = s.max = s.argmax = 0;
    }
    for (const p of [this.input, this.output, this.nonfinite]) if (p) core.free(p);
    this.input = this.output = this.nonfinite = this.capacity = 0;
  }

  /** Packs one layer's weights, scales and bias with its input scale, through temporary copies in the core. */
  private pack(l: QuantizedLayerState): Stage {
    const core = this.core;
    const K = l.inputs;
    const N = l.units * l.pieces;
    const packed = core.allocator.alloc(core.raw.int8_packed_bytes(K, N));
    const w = core.allocator.alloc(K * N);
    const scales = core.allocF32(N);
    const bias = core.allocF32(N);
    try {
      core.u8(w, K * N).set(new Uint8Array(l.weights.buffer, l.weights.byteOffset, K * N));
      core.f32(scales, N).set(l.weightScales);
      core.f32(bias, N).set(l.bias);
      core.kernels.pack_int8_weights(K, N, w, N, scales, l.inputScale, bias, packed);
    } catch (e) {
      core.free(packed);
      throw e;
    } finally {
      for (const p of [w, scales, bias]) core.free(p);
    }
    return {
      K, N, units: l.units, pieces: l.pieces, activation: l.activation, alpha: l.alpha, packed,
      lda: Math.ceil((K * core.raw.int8_code_bytes()) / 16) * 16, zp: l.inputZeroPoint, inv: Math.fround(1 / l.inputScale),
      codes: 0, z: 0, max: 0, argmax: 0,
    };
  }
}
