// The public model: a stack of layers with compile / fit / evaluate / predict.
// It validates every argument, resolves pointers and calls the core; the
// training loop itself lives in training.ts.
import type { ActivationName } from "../nn/activations.js";
import { getCore, init, type Core, type InitOptions } from "../runtime/core.js";
import { checkFinite, DeviceData, type RowTransform } from "../train/device-data.js";
import { ConfigError, InputError, StateError } from "../errors.js";
import { toRows, toTargets, type ByteMatrix, type InputBatch, type Matrix, type TargetBatch } from "../nn/input.js";
import { encodeModel, type ModelInternals, type SaveOptions, type TrainingRecord } from "../io/model-file.js";
import { encodeOnnx } from "../io/onnx.js";
import type { LayerConfig } from "../nn/layers/layer.js";
import { createLoss, defaultLoss, type DeviceTargets, type Loss, type LossName } from "../nn/losses.js";
import { Network } from "../nn/network.js";
import { createOptimizer, type Optimizer, type OptimizerConfig, type OptimizerName } from "../nn/optimizers.js";
import { checkKeys, describe, integerOption, numberOption } from "../util/options.js";
import { checkPreprocessing, isIdentity, uniform, type Preprocessing } from "../nn/preprocessing.js";
import { reclaimer, type Owned } from "./reclaim.js";
import { train, type EpochLogs, type FitOptions, type History } from "../train/training.js";

/** Architecture of a model: input width, layers, and the seed that makes it repeatable. */
export interface ModelConfig {
  inputs: number;
  layers: LayerConfig[];
  /** Seeds initialisation, shuffling and dropout; the same seed and data give bit-identical weights. */
  seed?: number;
}

/** Options of compile(). */
export interface CompileOptions {
  /** Default: from the output activation (softmax → categoricalCrossentropy, sigmoid → binaryCrossentropy, else meanSquaredError). */
  loss?: LossName | string;
  /** Default: Adam with learning rate 0.001. */
  optimizer?: OptimizerName | OptimizerConfig;
  /** ['accuracy'] to report accuracy beside the loss. */
  metrics?: "accuracy"[];
  /** L2 penalty λ: adds λ/2·Σw² over all weights (not biases) to the loss. */
  l2?: number;
}

/** Loss and metrics over a data set. */
export interface Evaluation {
  loss: number;
  accuracy?: number;
}

/** A named parameter tensor with its shape, e.g. 'layers.0.weight' of shape [inputs, units]. */
export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** A tensor's shape and values. */
export interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** One layer's parameters: weight [inputs, units·pieces] and bias [units·pieces]; absent when the layer has none. */
export interface LayerWeights {
  weight?: Tensor;
  bias?: Tensor;
}

/** Rows processed per call into the core by predict and evaluate; bounds their memory. */
const CHUNK = 1024;

/** A feed-forward network of dense, maxout and dropout layers. */
export class Sequential {
  /** Set to true (e.g. from a callback or a signal handler) to end fit() after the current batch. */
  stopTraining = false;
  readonly seed: number;
  private readonly core: Core;
  private lossFn: Loss | undefined;
  private compiled: Required<Pick<CompileOptions, "l2">> & { metrics: boolean; loss: LossName; optimizer: Optimizer["config"] } | undefined;
  private busy = false;
  private readonly training: TrainingRecord = { epochs: 0 };
  /** The model's memory in the core, apart from the model so that a dropped model's memory can be freed (see reclaim.ts). */
  private readonly owned: Owned;
  private get net(): Network | undefined { return this.owned.net; }
  private set net(net: Network | undefined) { this.owned.net = net; }
  private get optimizer(): Optimizer | undefined { return this.owned.optimizer; }
  private set optimizer(optimizer: Optimizer | undefined) { this.owned.optimizer = optimizer; }
  private get lossBuffers(): Owned["lossBuffers"] { return this.owned.lossBuffers; }
  private set lossBuffers(buffers: Owned["lossBuffers"]) { this.owned.lossBuffers = buffers; }
  private get prep(): Owned["prep"] { return this.owned.prep; }
  private set prep(prep: Owned["prep"]) { this.owned.prep = prep; }

  /** Builds the layers and initialises weights; the core must be loaded (see init()). */
  constructor(config: ModelConfig) {
    checkKeys(config, ["inputs", "layers", "seed"], "model config");
    const inputs = integerOption(config?.inputs, "model config: inputs");
    if (!Array.isArray(config.layers) || config.layers.length === 0) {
      throw new ConfigError(`model config: layers must be a non-empty array of layer configs, got ${describe(config.layers)}`);
    }
    this.seed = config.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : integerOption(config.seed, "model config: seed", 0);
    this.core = getCore();
    this.owned = { core: this.core, lossBuffers: { grad: 0, targets: 0, rows: 0 } };
    this.net = new Network(this.core, inputs, config.layers, this.seed);
    reclaimer?.register(this, this.owned, this.owned);
  }

  /** Width of each input row. */
  get inputs(): number { return this.network.inputs; }
  /** Width of each output row. */
  get outputs(): number { return this.network.outputs; }
  /** Number of trainable parameters. */
  get parameterCount(): number { return this.network.parameterCount; }
  /** Whether dispose() has been called. */
  get disposed(): boolean { return this.net === undefined; }

  /** The architecture, enough to rebuild the model with new Sequential(config). */
  toConfig(): ModelConfig {
    return { inputs: this.inputs, layers: this.network.layers.map((l) => l.toConfig()), seed: this.seed };
  }

  /** The input preprocessing applied to every row before the first layer (and saved with the model), or null. */
  get preprocessing(): Preprocessing | null {
    this.network;
    return this.prep ? structuredClone(this.prep.spec) : null;
  }

  /** Sets (or, with null, removes) the preprocessing that fit, evaluate and predict apply to raw input rows. */
  setPreprocessing(preprocessing: Preprocessing | null): void {
    this.ensureIdle("setPreprocessing");
    const spec = preprocessing === null ? undefined : checkPreprocessing(preprocessing, this.inputs);
    this.freeTransform();
    if (!spec) return;
    let transform: RowTransform | undefined;
    if (!isIdentity(spec)) {
      const n = this.inputs;
      const scale = this.core.allocF32(n);
      const offset = this.core.allocF32(n);
      const fill = (ptr: number, v: number | number[]) => {
        const view = this.core.f32(ptr, n);
        if (typeof v === "number") view.fill(v);
        else view.set(v);
      };
      fill(scale, spec.scale);
      fill(offset, spec.offset);
      transform = { columns: { scale, offset }, uniform: uniform(spec) };
    }
    this.prep = { spec, transform };
  }

  /** Chooses the loss, optimizer, metrics and L2 penalty; may be called again to change them. */
  compile(options: CompileOptions = {}): this {
    checkKeys(options, ["loss", "optimizer", "metrics", "l2"], "compile");
    this.ensureIdle("compile");
    const net = this.network;
    const last = net.layers[net.layers.length - 1];
    const activation = (last.toConfig().activation ?? last.type) as ActivationName | "maxout";
    const loss = createLoss(options.loss ?? defaultLoss(activation), activation, net.outputs);
    const metrics = options.metrics ?? [];
    if (!Array.isArray(metrics) || metrics.some((m) => m !== "accuracy")) {
      throw new ConfigError(`compile: metrics must be an array of 'accuracy', got ${JSON.stringify(metrics)}`);
    }
    const l2 = numberOption(options.l2 ?? 0, "compile: l2", 0);
    const optimizer = createOptimizer(this.core, options.optimizer ?? "adam", net.size);
    this.optimizer?.dispose();
    this.optimizer = optimizer;
    this.lossFn = loss;
    this.compiled = { l2, metrics: metrics.length > 0, loss: loss.name, optimizer: optimizer.config };
    return this;
  }

  /** Trains on (x, y) and resolves to the per-epoch history. */
  async fit(x: InputBatch, y: TargetBatch, options: FitOptions = {}): Promise<History> {
    this.ensureIdle("fit");
    const { loss } = this.requireCompiled("fit");
    const data = this.upload(x, y);
    let validation: DeviceData | undefined;
    this.busy = true;
    try {
      if (options?.validationData !== undefined) validation = this.uploadValidation(options.validationData);
      this.stopTraining = false;
      return await train(this.trainer(loss), data, validation, options);
    } finally {
      this.busy = false;
      data.free();
      validation?.free();
    }
  }

  /** Mean loss (and accuracy, if compiled with it) over (x, y), without training. */
  evaluate(x: InputBatch, y: TargetBatch): Evaluation {
    this.ensureIdle("evaluate", true);
    this.requireCompiled("evaluate");
    const data = this.upload(x, y);
    try {
      return this.evaluateDevice(data, 0, data.rows);
    } finally {
      data.free();
    }
  }

  /** Outputs for a batch: Float32Array in → Float32Array out (row-major), rows in → rows out, one row (number[]) → one row. */
  predict(x: Float32Array): Float32Array;
  predict(x: Matrix | ByteMatrix): Matrix;
  predict(x: number[][]): number[][];
  predict(x: number[]): number[];
  predict(x: InputBatch | number[]): Float32Array | Matrix | number[][] | number[] {
    this.ensureIdle("predict", true);
    const single = Array.isArray(x) && x.length > 0 && !Array.isArray(x[0]) && !ArrayBuffer.isView(x[0]);
    const m = toRows(single ? [x] : x, this.inputs, "x");
    const out = new Float32Array(m.rows * this.outputs);
    this.run(m, (y, rows, first) => out.set(this.core.f32(y, rows * this.outputs), first * this.outputs));
    if (x instanceof Float32Array) return out;
    if (!Array.isArray(x)) return { data: out, rows: m.rows, cols: this.outputs };
    const rows = Array.from({ length: m.rows }, (_, r) => Array.from(out.subarray(r * this.outputs, (r + 1) * this.outputs)));
    return single ? rows[0] : rows;
  }

  /** The index of the largest output for each row (the predicted class). */
  predictClasses(x: InputBatch): Int32Array {
    this.ensureIdle("predictClasses", true);
    const m = toRows(x, this.inputs, "x");
    const core = this.core;
    const classes = new Int32Array(m.rows);
    // The argmax reads each chunk's outputs where the network left them: they never leave the core.
    const q = core.allocator.alloc(Math.min(m.rows, CHUNK) * 4);
    try {
      this.run(m, (y, rows, first) => {
        core.kernels.argmax_rows(y, q, rows, this.outputs);
        classes.set(core.i32(q, rows), first);
      });
      return classes;
    } finally {
      core.free(q);
    }
  }

  /** Loss and gradient of the loss w.r.t. every parameter on (x, y), dropout off; weights unchanged. */
  computeGradients(x: InputBatch, y: TargetBatch): { loss: number; gradients: NamedTensor[] } {
    this.ensureIdle("computeGradients", true);
    const { loss } = this.requireCompiled("computeGradients");
    const data = this.upload(x, y);
    try {
      const t = this.trainer(loss);
      t.reserve(data.rows);
      const value = t.lossAndGradient(data.rowsX(0, data.rows, this.network.inputBuffer), data.targets, data.rows, false);
      return { loss: value.loss, gradients: this.tensors(this.network.grads) };
    } finally {
      data.free();
    }
  }

  /** Copies of all parameter tensors with their names and shapes. */
  getWeights(): NamedTensor[] {
    this.ensureIdle("getWeights", true);
    return this.tensors(this.network.params);
  }

  /** Replaces parameters by name; every tensor must match a parameter's name and shape and be finite. */
  setWeights(weights: NamedTensor[]): void {
    this.ensureIdle("setWeights");
    if (!Array.isArray(weights)) throw new InputError(`setWeights: expected an array of {name, shape, data}, got ${describe(weights)}`);
    const net = this.network;
    const byName = new Map(net.info.map((p) => [p.name, p]));
    for (const w of weights) {
      const p = byName.get(w?.name);
      if (!p) throw new InputError(`setWeights: unknown tensor ${JSON.stringify(w?.name)}; known: ${[...byName.keys()].join(", ")}`);
      if (!(w.data instanceof Float32Array)) throw new InputError(`setWeights: ${p.name} data must be a Float32Array, got ${describe(w.data)}`);
      if (!Array.isArray(w.shape) || w.shape.join() !== p.shape.join() || w.data.length !== p.length) {
        throw new InputError(`setWeights: ${p.name} has shape [${p.shape}] (${p.length} values), got shape [${w.shape}] with ${w.data.length} values`);
      }
      const bad = w.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new InputError(`setWeights: ${p.name} contains ${w.data[bad]} at index ${bad}; weights must be finite`);
    }
    for (const w of weights) {
      const p = byName.get(w.name)!;
      this.core.f32(net.params + p.offset * 4, p.length).set(w.data);
    }
    net.weightsChanged();
  }

  /** Copies of layer `index`'s weight and bias with their shapes; {} for a layer without parameters (dropout). */
  layerWeights(index: number): LayerWeights {
    this.ensureIdle("layerWeights", true);
    const prefix = this.layerPrefix(index, "layerWeights");
    const out: LayerWeights = {};
    for (const t of this.getWeights()) if (t.name.startsWith(prefix)) out[t.name.slice(prefix.length) as keyof LayerWeights] = { shape: t.shape, data: t.data };
    return out;
  }

  /** Replaces layer `index`'s weight and/or bias; a bare Float32Array takes the layer's own shape. */
  setLayerWeights(index: number, weights: { weight?: Float32Array | Tensor; bias?: Float32Array | Tensor }): void {
    this.ensureIdle("setLayerWeights");
    const prefix = this.layerPrefix(index, "setLayerWeights");
    if (typeof weights !== "object" || weights === null) throw new InputError(`setLayerWeights: expected {weight, bias}, got ${describe(weights)}`);
    const known = this.network.info.filter((p) => p.name.startsWith(prefix));
    const names = known.map((p) => p.name.slice(prefix.length));
    const tensors: NamedTensor[] = [];
    for (const [key, value] of Object.entries(weights)) {
      const p = known.find((q) => q.name === prefix + key);
      if (!p) throw new InputError(`setLayerWeights: layer ${index} has no ${JSON.stringify(key)}; it has ${names.length ? names.join(", ") : "no parameters"}`);
      if (value === undefined) continue;
      const t = value instanceof Float32Array ? { shape: [...p.shape], data: value } : value;
      tensors.push({ name: p.name, shape: t?.shape, data: t?.data });
    }
    this.setWeights(tensors);
  }

  /** The model as wasmlp file bytes: a safetensors file any safetensors reader opens (see README, "Model files"). */
  save(options?: SaveOptions): Uint8Array {
    this.ensureIdle("save", true);
    return encodeModel(this, options);
  }

  /** The model as ONNX bytes computing the same function as predict(), preprocessing included. */
  toONNX(): Uint8Array {
    this.ensureIdle("toONNX", true);
    return encodeOnnx(this.toConfig(), foldPreprocessing(this.toConfig(), this.getWeights(), this.prep?.spec));
  }

  /** @internal The network, optimizer and settings that src/io saves and restores; not public API. */
  _internals(): ModelInternals {
    return { core: this.core, net: this.network, optimizer: this.optimizer, compiled: this.compiled, training: this.training };
  }

  /** A text table of the layers, their output widths and parameter counts. */
  summary(): string {
    const net = this.network;
    const lines = [`input: ${net.inputs}`];
    net.layers.forEach((l, i) => {
      const params = net.info.filter((p) => p.name.startsWith(`layers.${i}.`)).reduce((a, p) => a + p.length, 0);
      const c = l.toConfig();
      const extra = c.activation ? ` ${c.activation}` : c.pieces ? ` ×${c.pieces} pieces` : c.rate !== undefined ? ` rate ${c.rate}` : "";
      lines.push(`layers.${i}: ${l.type}${extra} → ${l.outputSize} (${params} parameters)`);
    });
    lines.push(`total: ${net.parameterCount} parameters`);
    return lines.join("\n");
  }

  /** Frees the model's memory in the core; any later call throws a StateError. */
  dispose(): void {
    if (!this.net) return;
    if (this.busy) throw new StateError("dispose: the model is training; stop fit() first");
    this.optimizer?.dispose();
    this.freeLossBuffers();
    this.freeTransform();
    this.net.dispose();
    this.net = undefined;
    this.optimizer = undefined;
    reclaimer?.unregister(this.owned);
  }

  // ---- internals ----

  private get network(): Network {
    if (!this.net) throw new StateError("this model has been disposed; create or load a new one");
    return this.net;
  }

  private ensureIdle(what: string, readOnly = false): void {
    this.network;
    if (this.busy && !readOnly) throw new StateError(`${what}: the model is already training; wait for fit() to finish`);
  }

  private layerPrefix(index: number, what: string): string {
    const count = this.network.layers.length;
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new InputError(`${what}: layer index must be an integer in [0, ${count - 1}], got ${describe(index)}`);
    }
    return `layers.${index}.`;
  }

  private requireCompiled(what: string): { loss: Loss; optimizer: Optimizer } {
    if (!this.lossFn || !this.optimizer) throw new StateError(`${what}: call compile() first`);
    return { loss: this.lossFn, optimizer: this.optimizer };
  }

  private upload(x: InputBatch, y: TargetBatch, xName = "x", yName = "y"): DeviceData {
    const m = toRows(x, this.inputs, xName);
    const loss = this.lossFn!;
    const classes = loss.classification ? this.outputs : 0;
    const t = toTargets(y, m.rows, this.outputs, classes, yName);
    return DeviceData.upload(this.core, m, t, classes, xName, yName, this.prep?.transform);
  }

  private uploadValidation(v: unknown): DeviceData {
    if (!Array.isArray(v) || v.length !== 2) {
      throw new InputError(`validationData must be [x, y], got ${describe(v)}`);
    }
    return this.upload(v[0] as InputBatch, v[1] as TargetBatch, "validationData[0]", "validationData[1]");
  }

  /** Runs the network on a validated matrix in chunks, handing each chunk's output address to `onChunk`. */
  private run(m: Matrix | ByteMatrix, onChunk: (y: number, rows: number, first: number) => void): void {
    const net = this.network;
    const core = this.core;
    net.reserve(Math.min(m.rows, CHUNK));
    if (m.data instanceof Uint8Array) {
      // Bytes are a quarter of the floats: upload them whole, convert a chunk at a time.
      const data = DeviceData.upload(core, m, undefined, 0, "x", "y", this.prep?.transform);
      try {
        for (let r = 0; r < m.rows; r += CHUNK) {
          const rows = Math.min(CHUNK, m.rows - r);
          onChunk(net.forward(rows, false, false, data.rowsX(r, rows, net.inputBuffer)), rows, r);
        }
      } finally {
        data.free();
      }
      return;
    }
    const transform = this.prep?.transform;
    for (let r = 0; r < m.rows; r += CHUNK) {
      const rows = Math.min(CHUNK, m.rows - r);
      const n = rows * m.cols;
      core.f32(net.inputBuffer, n).set(m.data.subarray(r * m.cols, r * m.cols + n));
      try {
        checkFinite(core, net.inputBuffer, n, m.cols, "x");
      } catch (e) {
        throw offsetRow(e, r);
      }
      if (transform) core.kernels.scale_shift_columns(net.inputBuffer, rows, m.cols, transform.columns.scale, transform.columns.offset);
      onChunk(net.forward(rows, false, false), rows, r);
    }
  }

  private evaluateDevice(data: DeviceData, start: number, count: number): Evaluation {
    const t = this.trainer(this.lossFn!);
    t.reserve(Math.min(count, CHUNK));
    let loss = 0;
    let acc = 0;
    for (let r = start; r < start + count; r += CHUNK) {
      const rows = Math.min(CHUNK, start + count - r);
      const s = t.score(data.rowsX(r, rows, this.network.inputBuffer), data.targetsFrom(r), rows);
      loss += s.loss * rows;
      acc += s.accuracy * rows;
    }
    const result: Evaluation = { loss: loss / count + t.penalty() };
    if (this.compiled!.metrics) result.accuracy = acc / count;
    return result;
  }

  private tensors(base: number): NamedTensor[] {
    return this.network.info.map((p) => ({ name: p.name, shape: [...p.shape], data: this.core.f32(base + p.offset * 4, p.length).slice() }));
  }

  private freeTransform(): void {
    const t = this.prep?.transform;
    if (t) {
      this.core.free(t.columns.scale);
      this.core.free(t.columns.offset);
    }
    this.prep = undefined;
  }

  private freeLossBuffers(): void {
    const b = this.lossBuffers;
    if (b.grad) this.core.free(b.grad);
    if (b.targets) this.core.free(b.targets);
    this.lossBuffers = { grad: 0, targets: 0, rows: 0 };
  }

  /** The operations the training loop needs, bound to this model. */
  private trainer(loss: Loss): Trainer {
    const net = this.network;
    const core = this.core;
    const compiled = this.compiled!;
    const optimizer = this.optimizer!;
    const outputs = net.outputs;
    const model = this;
    const reserve = (rows: number): void => {
      net.reserve(rows);
      if (rows <= this.lossBuffers.rows) return;
      this.freeLossBuffers();
      const grad = core.allocF32(rows * outputs);
      try {
        this.lossBuffers = { grad, targets: core.allocF32(rows * outputs), rows };
      } catch (e) {
        core.free(grad);
        throw e;
      }
    };
    const penalty = (): number => compiled.l2 ? 0.5 * compiled.l2 * core.kernels.sum_squares(net.params, net.decaySize) : 0;
    const lossAndGradient = (x: number, targets: DeviceTargets, rows: number, training: boolean) => {
      const out = net.forward(rows, training, loss.fused, x);
      const value = loss.compute(core, out, targets, this.lossBuffers.grad, rows, outputs);
      const accuracy = compiled.metrics ? loss.accuracy(core, out, targets, rows, outputs) : NaN;
      net.backward(this.lossBuffers.grad, rows, loss.fused);
      if (compiled.l2) core.kernels.axpy(compiled.l2, net.params, net.grads, net.decaySize);
      return { loss: value + penalty(), accuracy };
    };
    return {
      core, net, optimizer, reserve, penalty, lossAndGradient,
      recordEpoch: (logs) => {
        this.training.epochs++;
        this.training.last = { ...logs };
      },
      save: (withOptimizer) => encodeModel(this, { optimizer: withOptimizer }),
      get stop() { return model.stopTraining; },
      get learningRate() { return optimizer.learningRate; },
      set learningRate(value: number) { optimizer.learningRate = value; },
      metrics: compiled.metrics,
      score(x, targets, rows) {
        const out = net.forward(rows, false, loss.fused, x);
        return {
          loss: loss.compute(core, out, targets, 0, rows, outputs),
          accuracy: compiled.metrics ? loss.accuracy(core, out, targets, rows, outputs) : NaN,
        };
      },
      step(data, index, rows, beforeUpdate) {
        data.gather(index, rows, net.inputBuffer, this.targetsBuffer);
        const r = lossAndGradient(net.inputBuffer, { kind: data.targets.kind, ptr: this.targetsBuffer }, rows, true);
        beforeUpdate?.(r.loss);
        optimizer.step(net.params, net.grads, net.size);
        net.weightsChanged();
        return r;
      },
      get targetsBuffer() { return model.lossBuffers.targets; },
      evaluate: (data, start, count) => this.evaluateDevice(data, start, count),
    };
  }
}

/** What training.ts needs from a model. */
export interface Trainer {
  core: Core;
  net: Network;
  optimizer: Optimizer;
  metrics: boolean;
  readonly stop: boolean;
  readonly targetsBuffer: number;
  /** The optimizer's current learning rate; learning-rate schedules set it. */
  learningRate: number;
  reserve(rows: number): void;
  penalty(): number;
  lossAndGradient(x: number, targets: DeviceTargets, rows: number, training: boolean): { loss: number; accuracy: number };
  score(x: number, targets: DeviceTargets, rows: number): { loss: number; accuracy: number };
  /** One training batch: gather, forward, backward, `beforeUpdate` (given the batch's loss: snapshots, clipping), optimizer step. */
  step(data: DeviceData, index: number, rows: number, beforeUpdate?: (loss: number) => void): { loss: number; accuracy: number };
  evaluate(data: DeviceData, start: number, count: number): Evaluation;
  /** Counts a finished epoch in the model's training record (saved in model files). */
  recordEpoch(logs: EpochLogs): void;
  /** The model as file bytes, for checkpoints. */
  save(withOptimizer: boolean): Uint8Array;
}

/**
 * Weights with the preprocessing x·s + o folded into the first weighted layer
 * (W' = diag(s)·W, b' = b + o·W), so an exported graph takes raw rows as predict() does.
 */
function foldPreprocessing(config: ModelConfig, weights: NamedTensor[], p: Preprocessing | undefined): NamedTensor[] {
  if (!p || isIdentity(p)) return weights;
  // Dropout is the identity at inference, so the first dense or maxout layer sees the inputs directly.
  const first = config.layers.findIndex((l) => l.type !== "dropout");
  const w = weights.find((t) => t.name === `layers.${first}.weight`);
  const b = weights.find((t) => t.name === `layers.${first}.bias`);
  if (!w) return weights;
  const [rows, cols] = w.shape;
  const at = (v: number | number[], i: number) => (typeof v === "number" ? v : v[i]);
  const folded = new Float32Array(w.data.length);
  const shift = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const s = at(p.scale, i);
    const o = at(p.offset, i);
    for (let j = 0; j < cols; j++) {
      folded[i * cols + j] = s * w.data[i * cols + j];
      shift[j] += o * w.data[i * cols + j];
    }
  }
  if (!b && shift.some((v) => v !== 0)) {
    throw new ConfigError("toONNX: the preprocessing has an offset but the first layer has no bias to fold it into (useBias: false)");
  }
  return weights.map((t) => {
    if (t === w) return { ...t, data: folded };
    if (t === b) return { ...t, data: Float32Array.from(t.data, (v, j) => v + shift[j]) };
    return t;
  });
}

function offsetRow(e: unknown, offset: number): unknown {
  if (!(e instanceof InputError) || offset === 0) return e;
  return new InputError(e.message.replace(/row (\d+)/, (_, r) => `row ${Number(r) + offset}`));
}

/** Loads the core if needed and builds a model from a config. */
export async function sequential(config: ModelConfig, options?: InitOptions): Promise<Sequential> {
  await init(options);
  return new Sequential(config);
}
