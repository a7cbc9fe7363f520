// Messages between a WorkerModel (the page) and its worker (host.ts). Every
// request carries an id; the worker answers it once, and a fit also sends
// progress events with the same id until it answers.
import type { CompileOptions, CompileSettings, Evaluation, ModelConfig } from "../model/model.js";
import type { SaveOptions } from "../io/model-file.js";
import type { LoadOptions, ModelSource } from "../io/load.js";
import type { LabelOptions } from "../model/predict.js";
import type { EpochLogs, FitOptions, History } from "../train/training.js";

/** init() options as they cross to the worker (a URL becomes its absolute href). */
export interface WorkerInitOptions {
  wasm?: string | ArrayBuffer | Uint8Array | WebAssembly.Module;
  threads?: number;
  simd?: "auto" | "relaxed" | "plain";
}

/** fit() options that can cross to the worker: no functions; events are asked for by flag. */
export type PlainFitOptions = Omit<FitOptions, "callbacks" | "checkpoint" | "signal" | "verbose">;

/** A request from the page, by operation. */
export type Request =
  | { id: number; op: "init"; options: WorkerInitOptions }
  | { id: number; op: "build"; config: ModelConfig }
  | { id: number; op: "load"; source: ModelSource; options?: LoadOptions }
  | { id: number; op: "compile"; options: CompileOptions }
  | { id: number; op: "fit"; x: unknown; y: unknown; options: PlainFitOptions; epochEvents: boolean; batchEvents: boolean }
  | { id: number; op: "predict"; x: unknown }
  | { id: number; op: "predictClasses"; x: unknown }
  | { id: number; op: "predictLabels"; x: unknown; options?: LabelOptions }
  | { id: number; op: "evaluate"; x: unknown; y: unknown }
  | { id: number; op: "save"; options?: SaveOptions }
  | { id: number; op: "getWeights" }
  | { id: number; op: "dispose" }
  | { id: number; op: "cancel"; target: number };

/** What the worker knows about its model, sent after build and load. */
export interface ModelSummary {
  config: ModelConfig;
  inputs: number;
  outputs: number;
  parameterCount: number;
  /** The compile settings in full (as the model's state reports them), or null before compile (and for an int8 model). */
  compiled: CompileSettings | null;
  /** Whether the model is an int8 one (loaded from a file 'wasmlp quantize' or quantize() wrote): it predicts and evaluates, it does not train. */
  quantized: boolean;
}

/** What init reports about the worker's core. */
export interface CoreSummary {
  threads: number;
  build: string;
}

/** An error as it crosses back: its class name, message and any data fields (epoch, history, …). */
export interface SerializedError {
  name: string;
  message: string;
  fields: Record<string, unknown>;
}

/** A message from the worker. */
export type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: SerializedError }
  | { id: number; event: "epoch"; epoch: number; logs: EpochLogs }
  | { id: number; event: "batch"; epoch: number; batch: number; logs: { loss: number; accuracy?: number; size: number } };

export type { Evaluation, History };
