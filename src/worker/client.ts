// createWorkerModel(): a model that lives in a module Web Worker, so that
// training never freezes the page. Each method posts one request and resolves
// with the worker's answer; fit() also streams progress and stops on abort.
import * as baseErrors from "../errors.js";
import * as trainErrors from "../train/errors.js";
import type { CompileOptions, Evaluation, ModelConfig, NamedTensor } from "../model/model.js";
import type { SaveOptions } from "../io/model-file.js";
import { checkLoadOptions, type LoadOptions, type ModelSource, type TfjsModelFiles } from "../io/load.js";
import { readBytes, type ByteSource } from "../runtime/read-bytes.js";
import type { ByteMatrix, InputBatch, Matrix, TargetBatch } from "../nn/input.js";
import type { LabelOptions } from "../model/predict.js";
import type { EpochLogs, History } from "../train/training.js";
import type { CoreSummary, ModelSummary, PlainFitOptions, Reply, Request, WorkerInitOptions } from "./protocol.js";

/** Options of createWorkerModel(): where the worker finds the core, and how many threads it uses. */
export interface WorkerModelOptions {
  /** The core's .wasm (a URL, resolved against the page; bytes; or a compiled module); default: shipped beside the package. */
  wasm?: URL | string | ArrayBuffer | Uint8Array | WebAssembly.Module;
  /** Threads inside the worker (see init()); more than one needs a cross-origin isolated page. */
  threads?: number;
  /** Which SIMD build to load (see init()); default 'auto'. */
  simd?: "auto" | "relaxed" | "plain";
  /** A worker already running wasmlp's worker script (dist/worker/host.js), for bundlers that do not follow `new Worker(new URL(…))`. */
  worker?: Worker;
  /** Options for load() when the model comes from a file. */
  load?: LoadOptions;
}

/** fit() options for a worker model: those of fit() without callbacks, plus progress handlers and an AbortSignal. */
export interface WorkerFitOptions extends PlainFitOptions {
  /** Called after every epoch with its logs (as the callback of the same name). */
  onEpochEnd?(epoch: number, logs: EpochLogs): void;
  /** Called after every mini-batch (costs one message per batch; leave it out when not needed). */
  onBatchEnd?(batch: number, logs: { loss: number; accuracy?: number; size: number }, epoch: number): void;
  /** Aborting stops training after the current batch; fit() then rejects with an AbortError carrying the history so far. */
  signal?: AbortSignal;
}

/** What a model file or config becomes when given to createWorkerModel(). */
export type WorkerModelSource = ModelConfig | ModelSource;

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  onEvent?(reply: Extract<Reply, { event: string }>): void;
}

/** A model in a Web Worker: the API of Sequential, asynchronous. */
export class WorkerModel {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | undefined;
  private model!: ModelSummary;
  /** The worker's core: threads in use and the SIMD build. */
  readonly core: CoreSummary;

  private constructor(private readonly worker: Worker, core: CoreSummary) {
    this.core = core;
  }

  /** Starts the worker and its core; used by createWorkerModel(). */
  static async start(worker: Worker, options: WorkerInitOptions): Promise<WorkerModel> {
    const model = new WorkerModel(worker, { threads: 1, build: "plain" });
    worker.onmessage = (e: MessageEvent<Reply>) => model.receive(e.data);
    worker.onerror = (e) => {
      e.preventDefault?.();
      model.fail(new baseErrors.CoreError(`the model worker failed: ${e.message || "its script did not load (is dist/worker/host.js served?)"}`));
    };
    worker.onmessageerror = () => model.fail(new baseErrors.CoreError("the model worker sent a message that could not be read"));
    const core = await model.request<CoreSummary>({ op: "init", options });
    (model as { core: CoreSummary }).core = core;
    return model;
  }

  /** The architecture, as toConfig() of the model in the worker. */
  get config(): ModelConfig { return structuredClone(this.model.config); }
  /** Width of each input row. */
  get inputs(): number { return this.model.inputs; }
  /** Width of each output row. */
  get outputs(): number { return this.model.outputs; }
  /** Number of trainable parameters. */
  get parameterCount(): number { return this.model.parameterCount; }
  /** Whether the worker's model is an int8 model (it predicts and evaluates; compile, fit and getWeights are refused). */
  get quantized(): boolean { return this.model.quantized; }
  /** The compile() settings in force (from compile() or the loaded file), or null. */
  get compiled(): CompileOptions | null { return this.model.compiled && structuredClone(this.model.compiled); }

  /** Replaces the model in the worker by a new one built from `config` (the core stays loaded). */
  async build(config: ModelConfig): Promise<void> {
    this.model = await this.request<ModelSummary>({ op: "build", config });
  }

  /** Replaces the model in the worker by one read from a model file, an ONNX file or a TensorFlow.js model (as load()). */
  async load(source: ModelSource, options: LoadOptions = {}): Promise<void> {
    checkLoadOptions(options, "load");
    const { externalData, ...rest } = options;
    const sent: LoadOptions = externalData === undefined ? rest : { ...rest, externalData: await cloneableFiles(externalData) };
    const model = isTfjsFiles(source)
      ? { modelJson: source.modelJson, weights: await cloneableFiles(weightFiles(source.weights)) }
      : await cloneable(source);
    this.model = await this.request<ModelSummary>({ op: "load", source: model, options: sent });
  }

  /** Chooses the loss, optimizer, metrics and L2 penalty (as Sequential.compile). */
  async compile(options: CompileOptions = {}): Promise<void> {
    this.model = await this.request<ModelSummary>({ op: "compile", options });
  }

  /** Trains in the worker; progress arrives through onEpochEnd/onBatchEnd, and `signal` stops it. */
  async fit(x: InputBatch, y: TargetBatch, options: WorkerFitOptions = {}): Promise<History> {
    const { onEpochEnd, onBatchEnd, signal, ...rest } = options;
    if (signal?.aborted) throw abortError(signal.reason, { epochs: 0, loss: [], stoppedEarly: true });
    let id = 0;
    const abort = () => this.post({ id: this.nextId++, op: "cancel", target: id });
    signal?.addEventListener("abort", abort, { once: true });
    try {
      const reply = await this.request<History>(
        { op: "fit", x, y, options: rest, epochEvents: !!onEpochEnd, batchEvents: !!onBatchEnd },
        (event) => {
          if (event.event === "epoch") onEpochEnd?.(event.epoch, event.logs);
          else onBatchEnd?.(event.batch, event.logs, event.epoch);
        },
        (requestId) => { id = requestId; });
      if (signal?.aborted) throw abortError(signal.reason, reply);
      return reply;
    } finally {
      signal?.removeEventListener("abort", abort);
    }
  }

  /** Outputs for a batch, as Sequential.predict (a Float32Array in gives a Float32Array out). */
  predict(x: Float32Array): Promise<Float32Array>;
  predict(x: Matrix): Promise<Matrix>;
  predict(x: number[][]): Promise<number[][]>;
  predict(x: number[]): Promise<number[]>;
  predict(x: InputBatch | number[]): Promise<unknown> {
    return this.request({ op: "predict", x });
  }

  /** The predicted class of each row. */
  predictClasses(x: InputBatch): Promise<Int32Array> {
    return this.request({ op: "predictClasses", x });
  }

  /** Multi-label predictions, rows × outputs bytes: 1 where a sigmoid output's probability is ≥ `threshold` (see Sequential.predictLabels). */
  predictLabels(x: InputBatch, options?: LabelOptions): Promise<ByteMatrix> {
    return this.request({ op: "predictLabels", x, ...(options ? { options } : {}) });
  }

  /** Mean loss (and accuracy) over (x, y), without training. */
  evaluate(x: InputBatch, y: TargetBatch): Promise<Evaluation> {
    return this.request({ op: "evaluate", x, y });
  }

  /** Copies of all parameter tensors with their names and shapes, as Sequential.getWeights(). */
  getWeights(): Promise<NamedTensor[]> {
    return this.request({ op: "getWeights" });
  }

  /** The model file bytes, as Sequential.save(). */
  save(options?: SaveOptions): Promise<Uint8Array> {
    return this.request({ op: "save", ...(options ? { options } : {}) });
  }

  /** Frees the model and stops the worker; pending calls reject with a StateError. */
  async dispose(): Promise<void> {
    if (this.failure) return;
    await this.request({ op: "dispose" }).catch(() => {});
    this.fail(new baseErrors.StateError("the worker model has been disposed"));
  }

  private request<T>(message: DistributiveOmit<Exclude<Request, { op: "cancel" }>, "id">,
    onEvent?: Pending["onEvent"], onId?: (id: number) => void): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    onId?.(id);
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onEvent });
      try {
        this.post({ ...message, id } as Request);
      } catch (e) {
        this.pending.delete(id);
        reject(new baseErrors.InputError(`cannot send ${message.op} to the worker: ${(e as Error).message}`));
      }
    });
  }

  private post(message: Request): void {
    this.worker.postMessage(message);
  }

  private receive(reply: Reply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    if ("event" in reply) {
      p.onEvent?.(reply);
      return;
    }
    this.pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.value);
    else p.reject(deserialize(reply.error));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.worker.terminate();
  }
}

/**
 * Starts a module Web Worker with its own wasmlp core and builds a model in it, from a config (as
 * sequential()) or model file bytes (as load()), so that fit() never blocks the page.
 */
export async function createWorkerModel(source: WorkerModelSource, options: WorkerModelOptions = {}): Promise<WorkerModel> {
  const { worker: given, load: loadOptions, wasm, ...rest } = options;
  // Written out in full so that Vite and webpack 5 recognise the pattern and bundle the worker.
  const worker = given ?? new Worker(new URL("./host.js", import.meta.url), { type: "module" });
  const init: WorkerInitOptions = { ...rest };
  if (wasm !== undefined) init.wasm = typeof wasm === "string" || wasm instanceof URL ? absolute(wasm) : wasm;
  let model: WorkerModel | undefined;
  try {
    model = await WorkerModel.start(worker, init);
    if (isModelConfig(source)) await model.build(source);
    else await model.load(source, loadOptions);
    return model;
  } catch (e) {
    if (model) await model.dispose();
    else worker.terminate();
    throw e;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A config is a plain object (as written or from JSON) other than a TensorFlow.js model's files; bytes, Blobs, Responses and URLs are class instances. */
function isModelConfig(source: WorkerModelSource): source is ModelConfig {
  if (typeof source !== "object" || source === null || isTfjsFiles(source)) return false;
  const proto = Object.getPrototypeOf(source);
  return proto === Object.prototype || proto === null;
}

function isTfjsFiles(source: unknown): source is TfjsModelFiles {
  return typeof source === "object" && source !== null && "modelJson" in source;
}

/** A source the worker can be sent: a URL as its absolute href (so that side files resolve beside it), a Response read here, bytes as they are. */
async function cloneable(source: ByteSource): Promise<ByteSource> {
  if (typeof source === "string" || source instanceof URL) {
    const href = absolute(source);
    if (!/^[a-z][a-z0-9+.-]+:/i.test(href)) {
      throw new baseErrors.InputError(`load: ${JSON.stringify(href)} is a file path, which a worker model does not read; read the file first (readFileBytes from 'wasmlp/node') and pass its bytes`);
    }
    return href;
  }
  if (typeof Response !== "undefined" && source instanceof Response) return readBytes(source, { where: "load", what: "a model", paths: "" });
  return source;
}

async function cloneableFiles(files: Record<string, ByteSource>): Promise<Record<string, ByteSource>> {
  const out: Record<string, ByteSource> = {};
  for (const [name, file] of Object.entries(files)) out[name] = await cloneable(file);
  return out;
}

/** Weight files as a map: a function cannot cross to the worker. */
function weightFiles(weights: TfjsModelFiles["weights"]): Record<string, ByteSource> {
  if (typeof weights === "function") throw new baseErrors.ConfigError("load: a worker model takes a TensorFlow.js model's weights as a map of bytes or URLs by path, not a function");
  return weights;
}

/** A relative .wasm URL means relative to the page, not to the worker's script. */
function absolute(url: URL | string): string {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  return base ? new URL(url, base).href : String(url);
}

/** The worker's error as the same wasmlp error class, with its data fields (epoch, history, …). */
function deserialize(error: { name: string; message: string; fields: Record<string, unknown> }): Error {
  const Class = ({ ...baseErrors, ...trainErrors } as Record<string, unknown>)[error.name];
  const e: Error = typeof Class === "function" && Class.prototype instanceof baseErrors.WasmlpError
    ? new (Class as typeof baseErrors.WasmlpError)(error.message)
    : new Error(error.message);
  return Object.assign(e, { name: error.name, ...error.fields });
}

/** The error fit() rejects with when its signal is aborted, with the history so far. */
function abortError(reason: unknown, history: History): Error {
  return new trainErrors.AbortError("fit: stopped by its AbortSignal", reason, history);
}
