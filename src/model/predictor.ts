// The inference methods the float model (Sequential) and the int8 model
// (QuantizedModel) share, written once over what a model gives inference: its
// network, its preprocessing and how its outputs read. A user of either model
// finds the same methods with the same forms, errors and results.
import { toRows, type ByteMatrix, type InputBatch, type Matrix } from "../nn/input.js";
import { classesOf, labelsOf, predictRows, type LabelOptions } from "./predict.js";
import { predictStream, predictTransform, type PredictSource, type PredictStreamOptions, type StreamBatch, type StreamModel } from "./predict-stream.js";

/** predict, predictClasses, predictLabels, predictStream and predictTransform: what every wasmlp model predicts with. */
export abstract class Predictor {
  /** The model as inference sees it, asked at every call and every streamed batch: network() is a StateError once disposed. */
  protected abstract inference(): StreamModel;

  /** Outputs for a batch: Float32Array in → Float32Array out (row-major), rows in → rows out, one row (number[]) → one row. */
  predict(x: Float32Array): Float32Array;
  predict(x: Matrix | ByteMatrix): Matrix;
  predict(x: number[][]): number[][];
  predict(x: number[]): number[];
  predict(x: InputBatch): Float32Array | Matrix | number[][];
  predict(x: InputBatch | number[]): Float32Array | Matrix | number[][] | number[] {
    const m = this.inference();
    return predictRows(m.network(), x, m.transform());
  }

  /**
   * The predicted class of each row: the largest output (softmax, logSoftmax, or logits under categoricalCrossentropy), or
   * 1 where one sigmoid output is ≥ 0.5 — the reading accuracy uses. Several sigmoid outputs (multi-label) are a
   * ConfigError pointing to predictLabels(); so are value outputs (regression), which have no classes.
   */
  predictClasses(x: InputBatch): Int32Array {
    const m = this.inference();
    const net = m.network();
    return classesOf(net, toRows(x, net.inputs, "x"), m.transform(), m.reading());
  }

  /** Multi-label predictions: rows × outputs bytes, 1 where a sigmoid output's probability is ≥ `threshold` (default 0.5), else 0. */
  predictLabels(x: InputBatch, options?: LabelOptions): ByteMatrix {
    const m = this.inference();
    const net = m.network();
    return labelsOf(net, toRows(x, net.inputs, "x"), m.transform(), m.reading(), options);
  }

  /** Outputs of a stream of input batches, one output batch per input batch in order, pulled one at a time (see PredictStreamOptions). */
  predictStream(batches: PredictSource, options: PredictStreamOptions & { output: "classes" }): AsyncIterableIterator<Int32Array>;
  predictStream(batches: PredictSource, options?: PredictStreamOptions & { output?: "values" }): AsyncIterableIterator<Float32Array>;
  predictStream(batches: PredictSource, options?: PredictStreamOptions): AsyncIterableIterator<Float32Array | Int32Array> {
    return predictStream(this.inference(), batches, options);
  }

  /** predictStream() as a web TransformStream: input batches written in, output batches read out. */
  predictTransform(options: PredictStreamOptions & { output: "classes" }): TransformStream<StreamBatch, Int32Array>;
  predictTransform(options?: PredictStreamOptions & { output?: "values" }): TransformStream<StreamBatch, Float32Array>;
  predictTransform(options?: PredictStreamOptions): TransformStream<StreamBatch, Float32Array | Int32Array> {
    return predictTransform(this.inference(), options);
  }
}
