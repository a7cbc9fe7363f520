// The layer stack on linear memory: one flat parameter buffer (weights first,
// then biases, so L2 and optimizer steps are single calls), one flat gradient
// buffer of the same layout, per-batch buffers sized to the largest batch, and
// packed copies of the weights the forward GEMMs read, remade only when the
// weights change (whoever writes parameters calls weightsChanged()).
import type { Core } from "../runtime/core.js";
import { CoreError } from "../errors.js";
import { initialize } from "./initializers.js";
import { createLayer } from "./layers/registry.js";
import type { Layer, LayerConfig, ParamSlot, ParamSpec, Runtime } from "./layers/layer.js";

/** Floats between tensor starts are padded to this many, keeping every tensor 64-byte aligned. */
const PAD = 16;

/** A named parameter tensor and where it sits in the flat buffers. */
export interface ParamInfo {
  name: string;
  shape: number[];
  /** Offset in floats from the start of the flat buffer. */
  offset: number;
  length: number;
  decay: boolean;
}

/** Layers, their parameters and gradients, and the batch buffers they run on. */
export class Network {
  readonly layers: Layer[] = [];
  readonly info: ParamInfo[] = [];
  readonly rt: Runtime;
  /** Total floats in the flat parameter buffer, padding included. */
  readonly size: number;
  /** Floats at the start of the flat buffer that L2 applies to (the weights). */
  readonly decaySize: number;
  readonly params: number;
  readonly grads: number;
  private capacity = 0;
  private input = 0;
  private workPtr = 0;
  /** Tensors with a packed copy: [value, packed, K, N]; twice the memory of those weights. */
  private readonly packedCopies: { value: number; packed: number; K: number; N: number }[] = [];
  /** Whether the packed copies lag behind the parameters. */
  private stale = true;
  /** Counts weightsChanged() calls: a copy of the parameters taken at one count is still theirs while it holds. */
  private writes = 0;

  constructor(readonly core: Core, readonly inputs: number, configs: LayerConfig[], seed: number) {
    this.rt = { core, rng: core.allocator.alloc(16), work: 0 };
    core.kernels.rng_seed(this.rt.rng, seed);
    let width = inputs;
    const specs: { layer: number; spec: ParamSpec }[] = [];
    try {
      configs.forEach((config, i) => {
        const layer = createLayer(this.rt, width, config, `layers[${i}]`);
        this.layers.push(layer);
        for (const spec of layer.params()) specs.push({ layer: i, spec });
        width = layer.outputSize;
      });
    } catch (e) {
      core.free(this.rt.rng);
      throw e;
    }
    // Weights first: the L2 penalty then covers one contiguous prefix.
    const ordered = [...specs.filter((s) => s.spec.decay), ...specs.filter((s) => !s.spec.decay)];
    let offset = 0;
    let decaySize = 0;
    for (const { layer, spec } of ordered) {
      const length = spec.shape.reduce((a, b) => a * b, 1);
      this.info.push({ name: `layers.${layer}.${spec.name}`, shape: spec.shape, offset, length, decay: spec.decay });
      offset += Math.ceil(length / PAD) * PAD;
      if (spec.decay) decaySize = offset;
    }
    this.size = Math.max(offset, PAD);
    this.decaySize = decaySize;
    try {
      this.params = core.allocF32(this.size);
      this.grads = core.allocF32(this.size);
      ordered.forEach(({ spec }, j) => {
        if (!spec.packed) return;
        const [K, N] = spec.shape;
        const value = this.params + this.info[j].offset * 4;
        this.packedCopies.push({ value, packed: core.allocator.alloc(core.kernels.packed_b_bytes(K, N)), K, N });
      });
    } catch (e) {
      // Too big for the core: free what was allocated, so a refused model leaks nothing.
      this.dispose();
      throw e instanceof CoreError ? new CoreError(`a network of ${this.parameterCount} parameters does not fit: ${e.message}`) : e;
    }
    core.f32(this.params, this.size).fill(0);
    core.f32(this.grads, this.size).fill(0);
    // Each layer receives its slots in the order of its own params(); one pass keeps deep networks cheap to build.
    const packed = new Map(this.packedCopies.map((c) => [c.value, c.packed]));
    const byLayer = this.layers.map(() => new Map<string, ParamSlot>());
    ordered.forEach(({ layer, spec }, j) => {
      const value = this.params + this.info[j].offset * 4;
      byLayer[layer].set(spec.name, { value, grad: this.grads + this.info[j].offset * 4, packed: packed.get(value) ?? 0 });
    });
    this.layers.forEach((layer, i) => layer.bind(layer.params().map((spec) => byLayer[i].get(spec.name)!)));
    ordered.forEach(({ spec }, j) => {
      const p = this.info[j];
      initialize(core, spec.init, this.params + p.offset * 4, p.length, spec.fanIn, spec.fanOut, this.rt.rng);
    });
  }

  /** Width of the last layer's output. */
  get outputs(): number {
    return this.layers[this.layers.length - 1].outputSize;
  }

  /** Number of trainable parameters (padding excluded). */
  get parameterCount(): number {
    return this.info.reduce((a, p) => a + p.length, 0);
  }

  /** Address of the input buffer (capacity × inputs floats). */
  get inputBuffer(): number {
    return this.input;
  }

  /** Makes every batch buffer hold at least `rows` rows; returns the capacity. */
  reserve(rows: number): number {
    if (rows <= this.capacity) return this.capacity;
    const core = this.core;
    if (this.input) core.free(this.input);
    if (this.workPtr) core.free(this.workPtr);
    // Nothing stale survives a failed allocation below: the next call allocates everything again.
    this.input = this.workPtr = this.rt.work = this.capacity = 0;
    this.input = core.allocF32(rows * this.inputs);
    for (const layer of this.layers) layer.allocate(rows);
    const work = Math.max(64, ...this.layers.map((l) => l.workBytes(rows)));
    this.workPtr = core.allocator.alloc(work);
    this.rt.work = this.workPtr;
    this.capacity = rows;
    return rows;
  }

  /**
   * Marks the packed weight copies out of date; call after anything writes parameters
   * (optimizer steps, setWeights, loading). The next forward pass repacks, once.
   */
  weightsChanged(): void {
    this.stale = true;
    this.writes++;
  }

  /** How many times the parameters have been written (weightsChanged() calls) since the network was built. */
  get version(): number {
    return this.writes;
  }

  /** Runs the stack on `rows` rows at `input` (default: the input buffer); returns the output address. */
  forward(rows: number, training: boolean, logits: boolean, input = this.input): number {
    if (this.stale) this.repack();
    let x = input;
    const layers = this.layers;
    const last = layers.length - 1;
    for (let i = 0; i <= last; i++) x = layers[i].forward(x, rows, training, logits && i === last);
    return x;
  }

  /** Back-propagates d(loss)/d(output) at `dOut` (overwritten), filling the gradient buffer. */
  backward(dOut: number, rows: number, logits: boolean): void {
    let d = dOut;
    const last = this.layers.length - 1;
    for (let i = last; i >= 0; i--) d = this.layers[i].backward(d, rows, i > 0, logits && i === last);
  }

  /** Frees parameters, gradients and batch buffers. */
  dispose(): void {
    const core = this.core;
    for (const layer of this.layers) layer.free();
    for (const p of [this.input, this.workPtr, this.params, this.grads, this.rt.rng]) if (p) core.free(p);
    for (const c of this.packedCopies) core.free(c.packed);
    this.packedCopies.length = 0;
    this.capacity = 0;
    this.input = this.workPtr = 0;
  }

  private repack(): void {
    const k = this.core.kernels;
    for (const c of this.packedCopies) k.pack_b_nn(c.K, c.N, c.value, c.N, c.packed);
    this.stale = false;
  }

}
