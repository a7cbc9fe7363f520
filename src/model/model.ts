// The public model: a stack of layers with compile / fit / evaluate / predict.
// It checks every argument, resolves pointers and calls the core; training
// runs in src/train, the model's state and weights have files of their own,
// and file formats reach the model through encoders.ts.
import { getCore, type Core } from "../runtime/core.js";
import { StateError } from "../errors.js";
import type { InputBatch, TargetBatch } from "../nn/input.js";
import { Network } from "../nn/network.js";
import { checkPreprocessing, type Preprocessing } from "../nn/preprocessing.js";
import { train } from "../train/loop.js";
import { rowWeights, type WeightOptions } from "../train/sample-weights.js";
import { checkKeys } from "../util/options.js";
import type { Evaluation } from "../train/trainer.js";
import type { BatchLogs, FitOptions, History, StreamFitOptions } from "../train/training.js";
import { checkDataset, type Dataset } from "../train/dataset.js";
import type { FitPlan } from "../train/plan.js";
import type { BatchSource } from "../train/batch-source.js";
import type { PartialFitOptions, PartialFitResult } from "../train/training.js";
import { resolveCompile, type Compiled, type CompileOptions } from "./compile.js";
import { checkModelConfig, type ModelConfig } from "./config.js";
import { fitData, fitSource, fitStream, freeing, hostPair, upload } from "./data.js";
import { encoderFor, refusePath } from "./encoders.js";
import { outputReading } from "../nn/output-kind.js";
import type { StreamModel } from "./predict-stream.js";
import { Predictor } from "./predictor.js";
import { reclaimer, release, type Owned } from "./reclaim.js";
import { checkState, readState, writeState, type LoadStateOptions, type ModelState, type StateOptions, type StateParts, type TrainingRecord } from "./state.js";
import { layersInfo, type LayerInfo } from "./layers-info.js";
import { quantizeState, type QuantizeOptions } from "./quantize.js";
import { QuantizedModel } from "./quantized-model.js";
import type { ModelOrigin } from "./origin.js";
import { summarize, type SummaryOptions } from "./summary.js";
import { bindTrainer } from "./trainer.js";
import { freeTransform, makeTransform } from "./transform.js";
import { checkTensors, layerOf, layerTensors, readTensors, writeTensors, type LayerWeights, type NamedTensor, type Tensor } from "./weights.js";

export type { CompileOptions, CompileSettings } from "./compile.js";
export type { ModelConfig } from "./config.js";
export type { Evaluation } from "../train/trainer.js";
export type { LayerWeights, NamedTensor, Tensor } from "./weights.js";

/** A feed-forward network of dense, maxout and dropout layers; predict and its kin are Predictor's. */
export class Sequential extends Predictor {
  /** Set to true (e.g. from a callback or a signal handler) to end fit() after the current batch. */
  stopTraining = false;
  readonly seed: number;
  private readonly core: Core;
  private compiled: Compiled | undefined;
  private busy = false;
  private training: TrainingRecord = { epochs: 0 };
  private importedFrom: ModelOrigin | null = null;
  /** The model's memory in the core, apart from the model so that a dropped model's memory can be freed (see reclaim.ts). */
  private readonly owned: Owned;

  /** Builds the layers and initialises weights; the core must be loaded (see init()). */
  constructor(config: ModelConfig) {
    const { inputs, seed } = checkModelConfig(config);
    super();
    this.seed = seed;
    this.core = getCore();
    this.owned = { core: this.core, lossBuffers: { grad: 0, targets: 0, rows: 0 } };
    this.owned.net = new Network(this.core, inputs, config.layers, seed);
    reclaimer?.register(this, this.owned, this.owned);
  }

  /** Where an imported model came from (format, producer, which source nodes became which layers), or null; read-only. */
  get origin(): ModelOrigin | null { return this.importedFrom && structuredClone(this.importedFrom); }
  /** Width of each input row. */
  get inputs(): number { return this.network.inputs; }
  /** Width of each output row. */
  get outputs(): number { return this.network.outputs; }
  /** Number of trainable parameters. */
  get parameterCount(): number { return this.network.parameterCount; }
  /** The layers, first to last: name, kind, units, activation, parameter count (and maxout pieces, dropout rate); read-only. */
  get layers(): readonly LayerInfo[] { return layersInfo(this.network); }
  /** Whether dispose() has been called. */
  get disposed(): boolean { return this.owned.net === undefined; }
  /** The optimizer's current learning rate (schedules change it during fit), or undefined before compile(). */
  get learningRate(): number | undefined { return this.compiled?.optimizer.learningRate; }

  /** The architecture, enough to rebuild the model with new Sequential(config). */
  toConfig(): ModelConfig {
    return { inputs: this.inputs, layers: this.network.layers.map((l) => l.toConfig()), seed: this.seed };
  }

  /** The input preprocessing applied to every row before the first layer (and saved with the model), or null. */
  get preprocessing(): Preprocessing | null {
    this.network;
    return this.owned.prep ? structuredClone(this.owned.prep.spec) : null;
  }

  /** Sets (or, with null, removes) the preprocessing that fit, evaluate and predict apply to raw input rows. */
  setPreprocessing(preprocessing: Preprocessing | null): void {
    this.ensureIdle("setPreprocessing");
    const spec = preprocessing === null ? undefined : checkPreprocessing(preprocessing, this.inputs, this.outputs);
    const transform = spec && makeTransform(this.core, spec, this.inputs);
    freeTransform(this.core, this.owned.prep?.transform);
    this.owned.prep = spec && { spec, transform };
  }

  /** Chooses the loss, optimizer, metrics and L2 penalty; may be called again to change them. */
  compile(options: CompileOptions = {}): this {
    this.ensureIdle("compile");
    this.install(resolveCompile(this.network, options));
    return this;
  }

  /** Trains on (x, y) and resolves to the per-epoch history; every option is checked before training starts. */
  fit(x: InputBatch, y: TargetBatch, options?: FitOptions): Promise<History>;
  /**
   * Trains on a dataset: a function returning each epoch's batches or rows (an iterable, async iterable or ReadableStream),
   * read in constant memory through a seeded shuffle buffer and cut into batches of exactly batchSize.
   */
  fit(dataset: Dataset, options?: StreamFitOptions): Promise<History>;
  async fit(x: InputBatch | Dataset, y?: TargetBatch | StreamFitOptions, options: FitOptions = {}): Promise<History> {
    this.ensureIdle("fit");
    const c = this.requireCompiled("fit");
    const transform = this.owned.prep?.transform;
    const { plan, source } = typeof x === "function"
      ? fitStream(this.network, c, transform, this.seed, checkDataset(x, "fit: dataset"), (y ?? {}) as StreamFitOptions)
      : fitData(this.network, c, transform, this.seed, x, y as TargetBatch, options);
    return this.run(c, plan, source, true);
  }

  /**
   * One pass over (x, y) in batches of batchSize (default 32), in the order given unless shuffle is true, for learning
   * as data arrives (scikit-learn's partial_fit): the optimizer's state and step count go on from call to call and are
   * saved with save({ optimizer: true }). Resolves to the pass's mean loss and metrics and each batch's logs.
   */
  async partialFit(x: InputBatch, y: TargetBatch, options: PartialFitOptions = {}): Promise<PartialFitResult> {
    this.ensureIdle("partialFit");
    const c = this.requireCompiled("partialFit");
    checkKeys(options, ["batchSize", "shuffle", "sampleWeight", "classWeight", "signal"], "partialFit");
    const batches: BatchLogs[] = [];
    const collect = { onBatchEnd: (_: number, logs: BatchLogs) => { batches.push(logs); } };
    const { plan, source } = fitData(this.network, c, this.owned.prep?.transform, this.seed, x, y,
      { ...options, shuffle: options.shuffle ?? false, epochs: 1, callbacks: collect });
    const history = await this.run(c, plan, source, false);
    const pass: Record<string, number> = {};
    for (const key of ["loss", ...c.metrics.map((m) => m.name)] as const) pass[key] = (history[key as keyof History] as number[])[0];
    return { ...(pass as unknown as Evaluation), batches };
  }

  /** Runs the training `plan` on `source` (freed afterwards); `record`: count its epochs in the model's training record. */
  private async run(c: Compiled, plan: FitPlan, source: BatchSource, record: boolean): Promise<History> {
    this.busy = true;
    try {
      this.stopTraining = false;
      return await train(this.trainer(c, record), source, plan);
    } finally {
      this.busy = false;
      source.free();
    }
  }

  /**
   * One optimizer step on (x, y) taken as a single batch (dropout on), as Keras's trainOnBatch: the optimizer's state
   * and step count go on; returns the batch's loss (and accuracy) before the step. Refused while fit() runs.
   */
  trainOnBatch(x: InputBatch, y: TargetBatch, options: WeightOptions = {}): Evaluation {
    this.ensureIdle("trainOnBatch");
    const c = this.requireCompiled("trainOnBatch");
    checkKeys(options, ["sampleWeight", "classWeight"], "trainOnBatch");
    const pair = hostPair(this.network, c, x, y);
    const weights = rowWeights(options, pair.y, c.loss, this.outputs, "trainOnBatch");
    return freeing(fitSource(this.network, c, this.owned.prep?.transform, pair, undefined, undefined, weights), (s) => this.trainer(c).trainBatch(s));
  }

  /** Mean loss (and accuracy, if compiled with it) over (x, y), without training. */
  evaluate(x: InputBatch, y: TargetBatch): Evaluation {
    this.ensureIdle("evaluate", true);
    const c = this.requireCompiled("evaluate");
    const source = fitSource(this.network, c, this.owned.prep?.transform, hostPair(this.network, c, x, y), undefined);
    return freeing(source, (s) => this.trainer(c).evaluate(s, "train", 0, s.rows));
  }

  /** Loss and gradient of the loss w.r.t. every parameter on (x, y), dropout off; weights unchanged. */
  computeGradients(x: InputBatch, y: TargetBatch): { loss: number; gradients: NamedTensor[] } {
    this.ensureIdle("computeGradients", true);
    const c = this.requireCompiled("computeGradients");
    const data = upload(this.network, c, this.owned.prep?.transform, hostPair(this.network, c, x, y));
    return freeing(data, (d) => this.trainer(c).gradients(d));
  }

  /** Copies of all parameter tensors with their names and shapes. */
  getWeights(): NamedTensor[] {
    this.ensureIdle("getWeights", true);
    return readTensors(this.network, this.network.params);
  }

  /** Replaces parameters by name; every tensor must match a parameter's name and shape and be finite. */
  setWeights(weights: NamedTensor[]): void {
    this.ensureIdle("setWeights");
    const net = this.network;
    writeTensors(this.core, net.params, checkTensors(net, weights, "setWeights"));
    net.weightsChanged();
  }

  /** Copies of layer `index`'s weight and bias with their shapes; {} for a layer without parameters (dropout). */
  layerWeights(index: number): LayerWeights {
    this.ensureIdle("layerWeights", true);
    return layerOf(this.network, index);
  }

  /** Replaces layer `index`'s weight and/or bias; a bare Float32Array takes the layer's own shape. */
  setLayerWeights(index: number, weights: { weight?: Float32Array | Tensor; bias?: Float32Array | Tensor }): void {
    this.ensureIdle("setLayerWeights");
    this.setWeights(layerTensors(this.network, index, weights));
  }

  /** The model as wasmlp file bytes: a safetensors file any safetensors reader opens (see docs/model-files.md). */
  save(options?: { optimizer?: boolean }): Uint8Array {
    this.ensureIdle("save", true);
    refusePath(options, "saveModel");
    return encoderFor("wasmlp", "save")(this, options);
  }

  /** The model as ONNX bytes computing the same function as predict(), preprocessing included. */
  toONNX(): Uint8Array {
    this.ensureIdle("toONNX", true);
    return encoderFor("onnx", "toONNX")(this);
  }

  /**
   * An int8 copy of this model for inference (see QuantizedModel): weights symmetric per output unit, each layer's
   * input range calibrated on options.calibration; this model is left as it is.
   */
  quantize(options: QuantizeOptions): QuantizedModel {
    this.ensureIdle("quantize", true);
    return new QuantizedModel(quantizeState({ net: this.network, transform: this.owned.prep?.transform,
      preprocessing: this.owned.prep?.spec ?? null, compiled: this.compiled, origin: this.importedFrom }, options));
  }

  /** Everything that makes this model (see ModelState); optimizer state buffers only when asked for. */
  state(options?: StateOptions): ModelState {
    this.ensureIdle("state", true);
    return readState(this.parts(), options);
  }

  /** Puts back a state from state() (of a model of the same architecture); checks all of it before writing any. */
  loadState(state: ModelState, options?: LoadStateOptions): void {
    this.ensureIdle("loadState");
    const checked = checkState(this.parts(), state, options);
    if (checked.compiled) this.install(checked.compiled);
    writeState(this.network, this.compiled?.optimizer, checked);
    this.setPreprocessing(checked.preprocessing);
    this.training = checked.training;
    this.importedFrom = checked.origin;
  }

  /** Prints (through printFn, default console.log) and returns a Keras-style table: each layer and its type, output shape, parameter count, and the totals. */
  summary(options?: SummaryOptions): string {
    return summarize(this.inputs, this.layers, options);
  }

  /** Frees the model's memory in the core; any later call throws a StateError. */
  dispose(): void {
    if (!this.owned.net) return;
    if (this.busy) throw new StateError("dispose: the model is training; stop fit() first");
    release(this.owned);
    this.compiled = undefined;
    reclaimer?.unregister(this.owned);
  }

  private get network(): Network {
    if (!this.owned.net) throw new StateError("this model has been disposed; create or load a new one");
    return this.owned.net;
  }

  private ensureIdle(what: string, readOnly = false): void {
    this.network;
    if (this.busy && !readOnly) throw new StateError(`${what}: the model is already training; wait for fit() to finish`);
  }

  private requireCompiled(what: string): Compiled {
    if (!this.compiled) throw new StateError(`${what}: call compile() first`);
    return this.compiled;
  }

  /** Makes `c` the model's compile settings, freeing the optimizer it replaces. */
  private install(c: Compiled): void {
    this.owned.optimizer?.dispose();
    this.owned.optimizer = c.optimizer;
    this.compiled = c;
  }

  private parts(): StateParts {
    return { net: this.network, config: this.toConfig(), compiled: this.compiled, preprocessing: this.owned.prep?.spec ?? null, training: this.training, origin: this.importedFrom };
  }

  /** The model as inference sees it at each call and streamed batch: disposed, training or not, and its current preprocessing. */
  protected inference(): StreamModel {
    return {
      network: () => this.network, training: () => this.busy, transform: () => this.owned.prep?.transform,
      reading: () => outputReading(this.network, this.compiled?.loss.name),
    };
  }

  private trainer(c: Compiled, record = true) {
    const model = this;
    return bindTrainer(this.owned, c, {
      get stop() { return model.stopTraining; },
      recordEpoch: (logs) => { if (record) this.training = { epochs: this.training.epochs + 1, last: { ...logs } }; },
      save: (withOptimizer) => this.save({ optimizer: withOptimizer }),
    });
  }
}
