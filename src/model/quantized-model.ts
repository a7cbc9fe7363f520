// An int8 model for inference: built by Sequential.quantize() or from a state
// (a file, a tool), it predicts, classifies, streams, evaluates and saves like
// the float model it came from, through the same inference code (Predictor,
// predict.ts) on its own network of int8 kernels, and the encoders src/io
// registers. It does not train: weights and activation ranges were fixed when
// it was quantised.
import { getCore, type Core } from "../runtime/core.js";
import { ConfigError, StateError } from "../errors.js";
import { formatCount } from "../util/format.js";
import { describe } from "../util/options.js";
import type { InputBatch, TargetBatch } from "../nn/input.js";
import type { Preprocessing } from "../nn/preprocessing.js";
import { createLoss, defaultLoss } from "../nn/losses.js";
import { createMetrics, type MetricName } from "../nn/metrics.js";
import { readingOf } from "../nn/output-kind.js";
import { MetricSums } from "../train/metric-logs.js";
import type { RowTransform } from "../train/device-data.js";
import type { Evaluation } from "../train/trainer.js";
import { freeing, hostPair, upload } from "./data.js";
import { encoderFor, refusePath } from "./encoders.js";
import type { LayerInfo } from "./layers-info.js";
import type { StreamModel } from "./predict-stream.js";
import { Predictor } from "./predictor.js";
import { QuantizedNet } from "./quantized-net.js";
import { checkQuantizedState, type QuantizedModelState } from "./quantized-state.js";
import { summarize, type SummaryOptions } from "./summary.js";
import { CHUNK } from "./trainer.js";
import { freeTransform, makeTransform } from "./transform.js";

/** A quantised model's memory in the core, apart from the model so a dropped model's memory can be freed. */
interface QuantizedOwned {
  core: Core;
  net?: QuantizedNet;
  transform?: RowTransform;
}

function release(o: QuantizedOwned): void {
  freeTransform(o.core, o.transform);
  o.transform = undefined;
  o.net?.dispose();
  o.net = undefined;
}

const reclaimer = typeof FinalizationRegistry === "function" ? new FinalizationRegistry<QuantizedOwned>((o) => {
  try {
    release(o);
  } catch {
    // A finalizer has no caller to report to; the memory stays allocated.
  }
}) : undefined;

/** What a quantised model only runs: the StateError of every training call. */
const INFERENCE_ONLY = "a quantised model only runs inference; train the float model, then quantize() it again";

/** An int8 model: predict and its kin (Predictor's), evaluate, save and toONNX, as the float model it was quantised from. */
export class QuantizedModel extends Predictor {
  private readonly spec: QuantizedModelState;
  private readonly owned: QuantizedOwned;

  /** Builds the model a state describes (from state(), a file, a tool), checked whole first; the core must be loaded (see init()). */
  constructor(state: QuantizedModelState) {
    const checked = checkQuantizedState(state);
    super();
    const core = getCore();
    // The model keeps its own copies: a caller's later writes to the state's arrays change nothing here.
    this.spec = structuredClone(checked);
    this.owned = { core };
    this.owned.net = new QuantizedNet(core, this.spec);
    try {
      if (this.spec.preprocessing) this.owned.transform = makeTransform(core, this.spec.preprocessing, this.spec.inputs);
    } catch (e) {
      release(this.owned);
      throw e;
    }
    reclaimer?.register(this, this.owned, this.owned);
  }

  /** Width of each input row. */
  get inputs(): number { return this.spec.inputs; }
  /** Width of each output row. */
  get outputs(): number { return this.spec.outputs; }
  /** Whether dispose() has been called. */
  get disposed(): boolean { return this.owned.net === undefined; }
  /** Bytes of the packed int8 weights in the core (column sums, scales and bias included): about a quarter of the float weights. */
  get weightBytes(): number { return this.network.packedBytes; }
  /** The float model's input preprocessing, applied to every row before its codes are taken, or null; a copy. */
  get preprocessing(): Preprocessing | null { return structuredClone(this.live.preprocessing); }
  /** The layers, first to last, as a float model's `layers` describes them: parameterCount counts int8 weights and float biases. */
  get layers(): readonly LayerInfo[] {
    return Object.freeze(this.live.layers.map((l, i) => Object.freeze({
      name: `layers.${i}`, kind: l.type, units: l.units, activation: l.type === "maxout" ? null : l.activation,
      parameterCount: (l.inputs + 1) * l.units * l.pieces, ...(l.type === "maxout" && { pieces: l.pieces }),
    })));
  }

  /**
   * Mean loss and metrics over (x, y): the float model's compile() loss and metrics, carried in the state; for a model
   * quantised before compile(), the output activation's default loss (as compile() picks it) and accuracy for class outputs.
   */
  evaluate(x: InputBatch, y: TargetBatch): Evaluation {
    const net = this.network;
    const { loss, metrics } = this.scoring();
    const data = upload(net, { loss }, this.owned.transform, hostPair(net, { loss }, x, y));
    return freeing(data, (d) => {
      const core = net.core;
      const units = this.owned.transform?.outputs?.scale ?? 0;
      const sums = new MetricSums(metrics.map((m) => m.name));
      let sum = 0;
      net.reserve(Math.min(d.rows, CHUNK));
      for (let r = 0; r < d.rows; r += CHUNK) {
        const rows = Math.min(CHUNK, d.rows - r);
        const out = net.forward(rows, false, loss.fused, d.rowsX(r, rows, net.inputBuffer));
        const targets = d.targetsFrom(r);
        sum += loss.compute(core, out, targets, 0, rows, net.outputs) * rows;
        const values: Partial<Record<MetricName, number>> = {};
        for (const m of metrics) values[m.name] = m.compute(core, out, targets, rows, net.outputs, units);
        sums.add(values, rows);
      }
      return { loss: sum / d.rows, ...sums.means(d.rows) } as Evaluation;
    });
  }

  /** Everything that rebuilds this model (see QuantizedModelState), as copies. */
  state(): QuantizedModelState {
    return structuredClone(this.live);
  }

  /** The model as wasmlp file bytes (format 1.1, read back by loadQuantized()); in Node, saveQuantizedModel(model, path) writes a file. */
  save(): Uint8Array {
    const spec = this.live;
    // From JavaScript, what a float model's save() takes may come: a path (saveQuantizedModel writes files) or options.
    const given: unknown = arguments[0];
    refusePath(given, "saveQuantizedModel");
    if (given !== undefined) throw new ConfigError(`save: an int8 model's save() takes no options (it has no optimizer state), got ${describe(given)}`);
    return encoderFor("wasmlp-int8", "save")(spec);
  }

  /** The model as ONNX bytes in the QDQ form (int8 weights, per-layer input codes), computing predict() within a code's rounding. */
  toONNX(): Uint8Array {
    return encoderFor("onnx-int8", "toONNX")(this.live);
  }

  /** Prints (through printFn, default console.log) and returns a float model's summary() table, with the int8 weights' size below it. */
  summary(options?: SummaryOptions): string {
    const { method, rows } = this.live.calibration;
    return summarize(this.inputs, this.layers, options, { trainable: false,
      notes: [`Weights: int8, ${formatCount(this.weightBytes)} bytes packed (calibrated by ${method} on ${formatCount(rows)} rows)`] });
  }

  /** Refused: a quantised model only runs inference (train the float model and quantise it again). */
  compile(): never { throw new StateError(`compile: ${INFERENCE_ONLY}`); }
  /** Refused: a quantised model only runs inference (train the float model and quantise it again). */
  fit(): never { throw new StateError(`fit: ${INFERENCE_ONLY}`); }
  /** Refused: a quantised model only runs inference (train the float model and quantise it again). */
  partialFit(): never { throw new StateError(`partialFit: ${INFERENCE_ONLY}`); }
  /** Refused: a quantised model only runs inference (train the float model and quantise it again). */
  trainOnBatch(): never { throw new StateError(`trainOnBatch: ${INFERENCE_ONLY}`); }

  /** Frees the model's memory in the core; any later call throws a StateError. */
  dispose(): void {
    if (!this.owned.net) return;
    release(this.owned);
    reclaimer?.unregister(this.owned);
  }

  private get network(): QuantizedNet {
    if (!this.owned.net) throw new StateError("this quantised model has been disposed; quantise or load it again");
    return this.owned.net;
  }

  /** The state, once the model is known not to be disposed. */
  private get live(): QuantizedModelState {
    this.network;
    return this.spec;
  }

  private lastActivation(): ReturnType<typeof readingOf>["activation"] {
    const last = this.spec.layers[this.spec.layers.length - 1];
    return last.type === "maxout" ? "maxout" : last.activation;
  }

  /** The model as inference sees it: disposed or not; it never trains, and its preprocessing and reading are fixed. */
  protected inference(): StreamModel {
    return {
      network: () => this.network, training: () => false, transform: () => this.owned.transform,
      reading: () => readingOf(this.lastActivation(), this.outputs, this.spec.evaluation?.loss),
    };
  }

  private scoring() {
    const activation = this.lastActivation();
    const e = this.spec.evaluation;
    const loss = createLoss(e?.loss ?? defaultLoss(activation), activation, this.outputs);
    const reading = readingOf(activation, this.outputs, loss.name);
    const names = e?.metrics ?? (reading.kind === "regression" || reading.kind === "multilabel" ? [] : ["accuracy"]);
    return { loss, metrics: createMetrics(names, reading, loss) };
  }
}
