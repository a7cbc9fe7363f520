// An int8 model for inference: built by Sequential.quantize() or from a state
// (a file, a tool), it predicts, classifies and evaluates like the float model
// it came from, through the same inference code (predict.ts) on its own
// network of int8 kernels. It does not train: weights and activation ranges
// were fixed when it was quantised.
import { getCore, type Core } from "../runtime/core.js";
import { StateError } from "../errors.js";
import { toRows, type ByteMatrix, type InputBatch, type Matrix, type TargetBatch } from "../nn/input.js";
import { createLoss, defaultLoss } from "../nn/losses.js";
import { createMetrics, type MetricName } from "../nn/metrics.js";
import { readingOf, type OutputReading } from "../nn/output-kind.js";
import { MetricSums } from "../train/metric-logs.js";
import type { RowTransform } from "../train/device-data.js";
import type { Evaluation } from "../train/trainer.js";
import { freeing, hostPair, upload } from "./data.js";
import { classesOf, labelsOf, predictRows, type LabelOptions } from "./predict.js";
import { QuantizedNet } from "./quantized-net.js";
import { checkQuantizedState, type QuantizedModelState } from "./quantized-state.js";
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

/** An int8 model: predict, predictClasses, predictLabels and evaluate, as the float model it was quantised from. */
export class QuantizedModel {
  private readonly spec: QuantizedModelState;
  private readonly owned: QuantizedOwned;

  /** Builds the model a state describes (from state(), a file, a tool), checked whole first; the core must be loaded (see init()). */
  constructor(state: QuantizedModelState) {
    const checked = checkQuantizedState(state);
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

  /** Outputs for a batch, in float: Float32Array in → Float32Array out (row-major), rows in → rows out, one row (number[]) → one row. */
  predict(x: Float32Array): Float32Array;
  predict(x: Matrix | ByteMatrix): Matrix;
  predict(x: number[][]): number[][];
  predict(x: number[]): number[];
  predict(x: InputBatch): Float32Array | Matrix | number[][];
  predict(x: InputBatch | number[]): Float32Array | Matrix | number[][] | number[] {
    return predictRows(this.network, x, this.owned.transform);
  }

  /** The predicted class of each row, read as the float model reads its outputs (see Sequential.predictClasses). */
  predictClasses(x: InputBatch): Int32Array {
    return classesOf(this.network, toRows(x, this.inputs, "x"), this.owned.transform, this.reading());
  }

  /** Multi-label predictions: rows × outputs bytes, 1 where a sigmoid output's probability is ≥ `threshold` (default 0.5). */
  predictLabels(x: InputBatch, options?: LabelOptions): ByteMatrix {
    return labelsOf(this.network, toRows(x, this.inputs, "x"), this.owned.transform, this.reading(), options);
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
    this.network;
    return structuredClone(this.spec);
  }

  /** Refused: a quantised model only runs inference (train the float model and quantise it again). */
  compile(): never { throw new StateError(`compile: ${INFERENCE_ONLY}`); }
  /** Refused: a quantised model only runs inference (train the float model and quantise it again). */
  fit(): never { throw new StateError(`fit: ${INFERENCE_ONLY}`); }

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

  private lastActivation(): ReturnType<typeof readingOf>["activation"] {
    const last = this.spec.layers[this.spec.layers.length - 1];
    return last.type === "maxout" ? "maxout" : last.activation;
  }

  private reading(): OutputReading {
    this.network;
    return readingOf(this.lastActivation(), this.outputs, this.spec.evaluation?.loss);
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
