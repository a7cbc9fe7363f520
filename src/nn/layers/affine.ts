// The affine map z = x·W + b shared by dense and maxout layers: forward with
// the fused GEMM epilogue, backward with the two transposed GEMM forms.
import type { InitializerName } from "../initializers.js";
import { BatchBuffers, type ParamSlot, type ParamSpec, type Runtime } from "./layer.js";

/** Weights W (in×out, row-major), bias b (out) and their gradients. */
export class Affine {
  private w = 0;
  /** W packed for the forward GEMM; the network keeps it in step with w. */
  private wPacked = 0;
  private b = 0;
  private dw = 0;
  private db = 0;

  constructor(private readonly rt: Runtime, readonly inputs: number, readonly outputs: number,
    private readonly init: InitializerName, private readonly fanOut: number, readonly useBias: boolean) {}

  /** Parameter specs: weight, then bias if used. */
  params(): ParamSpec[] {
    const specs: ParamSpec[] = [{ name: "weight", shape: [this.inputs, this.outputs], init: this.init,
      fanIn: this.inputs, fanOut: this.fanOut, decay: true, packed: true }];
    if (this.useBias) specs.push({ name: "bias", shape: [this.outputs], init: "zeros", fanIn: this.inputs, fanOut: this.fanOut, decay: false });
    return specs;
  }

  /** Takes the addresses of the tensors declared by params(). */
  bind(slots: ParamSlot[]): void {
    [this.w, this.dw, this.wPacked] = [slots[0].value, slots[0].grad, slots[0].packed];
    if (this.useBias) [this.b, this.db] = [slots[1].value, slots[1].grad];
  }

  /** Scratch for the largest of the three GEMMs this map runs on `rows` rows. */
  workBytes(rows: number): number {
    const k = this.rt.core.kernels;
    return Math.max(k.gemm_work_bytes(rows, this.outputs, this.inputs),
      k.gemm_work_bytes(this.inputs, this.outputs, rows), k.gemm_work_bytes(rows, this.inputs, this.outputs));
  }

  /** out = act(x·W + b) for `rows` rows, with activation code `act` fused in the GEMM on the packed W. */
  forward(x: number, out: number, rows: number, act: number, alpha: number): void {
    this.rt.core.kernels.gemm_nn_packed_bias_act(rows, this.outputs, this.inputs, x, this.inputs, this.wPacked,
      this.b, out, this.outputs, act, alpha, this.rt.work);
  }

  /** dW = xᵀ·dz, db = column sums of dz, and dx = dz·Wᵀ when dx ≠ 0. */
  backward(x: number, dz: number, dx: number, rows: number): void {
    const k = this.rt.core.kernels;
    k.gemm_tn(this.inputs, this.outputs, rows, x, this.inputs, dz, this.outputs, this.dw, this.outputs, 0, this.rt.work);
    if (this.useBias) k.column_sums(dz, this.db, rows, this.outputs, 0);
    if (dx) k.gemm_nt(rows, this.inputs, this.outputs, dz, this.outputs, this.w, this.outputs, dx, this.inputs, 0, this.rt.work);
  }
}

/** What dense and maxout layers share: the affine map's parameters, batch buffers, and dx = dz·Wᵀ. */
export abstract class AffineLayer {
  protected abstract readonly affine: Affine;
  protected readonly buffers: BatchBuffers;
  /** The forward pass's input, which the weight gradient needs. */
  protected input = 0;
  protected dx = 0;

  constructor(protected readonly rt: Runtime, readonly inputSize: number) {
    this.buffers = new BatchBuffers(rt.core);
  }

  /** Parameter specs of the affine map. */
  params(): ParamSpec[] { return this.affine.params(); }
  /** Takes the addresses of the affine map's tensors. */
  bind(slots: ParamSlot[]): void { this.affine.bind(slots); }
  /** GEMM scratch for a batch of `rows`. */
  workBytes(rows: number): number { return this.affine.workBytes(rows); }
  /** Frees the per-batch buffers. */
  free(): void { this.buffers.free(); }

  /** Parameter gradients from dz, and d(loss)/d(input) when `needInput`. */
  protected backwardAffine(dz: number, rows: number, needInput: boolean): number {
    this.affine.backward(this.input, dz, needInput ? this.dx : 0, rows);
    return needInput ? this.dx : 0;
  }
}
