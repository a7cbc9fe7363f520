// The worker side of createWorkerModel(): owns one core and one model, runs
// what the page asks, and streams fit() progress. Training here never blocks
// the page; fit() yields between batches, so predict and cancel get through.
import { getCore, init } from "../runtime/core.js";
import * as errors from "../errors.js";
import { loadInference } from "../io/load.js";
// Imported for quantizedConfig, and so that QuantizedModel.save() finds the int8 file encoder it registers.
import { quantizedConfig } from "../io/quantized-file.js";
import { Sequential } from "../model/model.js";
import { QuantizedModel } from "../model/quantized-model.js";
import type { InputBatch, TargetBatch } from "../nn/input.js";
import type { CoreSummary, ModelSummary, Reply, Request, SerializedError } from "./protocol.js";

interface Scope {
  onmessage: ((e: MessageEvent<Request>) => void) | null;
  postMessage(message: Reply, transfer?: Transferable[]): void;
}
const scope = globalThis as unknown as Scope;

let model: Sequential | QuantizedModel | undefined;
/** The running fit's request id, and the epoch it is in (for batch events). */
let fitting: number | undefined;
let epoch = 0;

scope.onmessage = (e) => {
  const request = e.data;
  if (request.op === "cancel") {
    // Messages arrive in order, so a cancel finds its fit running (fit() has reset stopTraining by
    // then) or already answered; the page decides from its own signal whether the fit was aborted.
    if (fitting === request.target && model instanceof Sequential) model.stopTraining = true;
    return;
  }
  handle(request).then(
    (value) => scope.postMessage({ id: request.id, ok: true, value }, transferable(value)),
    (error) => scope.postMessage({ id: request.id, ok: false, error: serialize(error) }));
};

async function handle(request: Exclude<Request, { op: "cancel" }>): Promise<unknown> {
  switch (request.op) {
    case "init": {
      const core = await init(request.options);
      return { threads: core.threads, build: core.build } satisfies CoreSummary;
    }
    case "build":
      replace(new Sequential(request.config));
      return summary();
    case "load": {
      replace(await loadInference(request.source, request.options));
      return summary();
    }
    case "compile":
      current().compile(request.options);
      return summary();
    case "fit": {
      const m = current();
      fitting = request.id;
      try {
        return await m.fit(request.x as InputBatch, request.y as TargetBatch, {
          ...request.options,
          callbacks: {
            ...(request.batchEvents ? { onBatchEnd: (batch: number, logs: { loss: number; accuracy?: number; size: number }) =>
              scope.postMessage({ id: request.id, event: "batch", epoch, batch, logs }) } : {}),
            onEpochBegin: (e: number) => { epoch = e; },
            ...(request.epochEvents ? { onEpochEnd: (e: number, logs) => scope.postMessage({ id: request.id, event: "epoch", epoch: e, logs }) } : {}),
          },
        });
      } finally {
        fitting = undefined;
      }
    }
    case "predict":
      return copyOut(current().predict(request.x as Float32Array));
    case "predictClasses":
      return current().predictClasses(request.x as InputBatch);
    case "predictLabels":
      return current().predictLabels(request.x as InputBatch, request.options);
    case "evaluate":
      return current().evaluate(request.x as InputBatch, request.y as TargetBatch);
    case "save": {
      // An int8 model saves as the int8 file it was loaded from (save()'s optimizer option has nothing to add).
      const m = current();
      return m instanceof QuantizedModel ? m.save() : m.save(request.options);
    }
    case "getWeights":
      return float("getWeights").getWeights();
    case "dispose":
      replace(undefined);
      return undefined;
  }
}
function current(): Sequential | QuantizedModel {
  if (!model) throw new errors.StateError("the worker has no model: build or load one first");
  getCore();
  return model;
}

/** The model, for an operation only a float model has. */
function float(op: string): Sequential {
  const m = current();
  if (m instanceof QuantizedModel) throw new errors.StateError(`${op}: the worker's model is an int8 model, which has no float weights`);
  return m;
}

function replace(next: Sequential | QuantizedModel | undefined): void {
  if (fitting !== undefined) {
    next?.dispose();
    throw new errors.StateError("the worker's model is training; wait for fit() to finish (or cancel it) before replacing it");
  }
  model?.dispose();
  model = next;
}

function summary(): ModelSummary {
  const m = current();
  if (m instanceof QuantizedModel) {
    const state = m.state();
    const parameterCount = state.layers.reduce((a, l) => a + l.weights.length + l.bias.length, 0);
    return { config: quantizedConfig(state), inputs: m.inputs, outputs: m.outputs, parameterCount, compiled: null, quantized: true };
  }
  return { config: m.toConfig(), inputs: m.inputs, outputs: m.outputs, parameterCount: m.parameterCount, compiled: m.state().compile, quantized: false };
}

/** Results are copied out of shared memory (a view of it would be shared, not copied, by postMessage). */
function copyOut<T>(value: T): T {
  if (value instanceof Float32Array && !(value.buffer instanceof ArrayBuffer)) return value.slice() as T;
  const m = value as { data?: unknown };
  if (m && m.data instanceof Float32Array && !(m.data.buffer instanceof ArrayBuffer)) return { ...m, data: m.data.slice() } as T;
  return value;
}

/** Buffers the worker made for the reply alone go back without a copy. */
function transferable(value: unknown): Transferable[] {
  const view = ArrayBuffer.isView(value) ? value : ArrayBuffer.isView((value as { data?: unknown })?.data) ? (value as { data: ArrayBufferView }).data : undefined;
  return view && view.buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? [view.buffer] : [];
}

/** The error's class by its export name, which survives minification (a class's own name may not). */
function serialize(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error), fields: {} };
  const exported = Object.entries(errors).find(([, type]) => typeof type === "function" && Object.getPrototypeOf(error) === type.prototype);
  const name = exported?.[0] ?? error.name;
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key !== "name" && key !== "message" && key !== "stack" && typeof value !== "function") fields[key] = value;
  }
  try {
    structuredClone(fields);
  } catch {
    return { name, message: error.message, fields: {} };
  }
  return { name, message: error.message, fields };
}
