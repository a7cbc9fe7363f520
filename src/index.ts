// wasmlp: multilayer perceptrons on a SIMD WebAssembly core.
export { init, getCore, setThreads, shutdown, relaxedSimdSupported, type Core, type InitOptions, type WasmSource, type SimdBuild } from "./runtime/core.js";
export type { CoreStats, KernelProfile, KernelTime } from "./runtime/kernels.js";
export { WasmlpError, InputError, ConfigError, StateError, CoreError, ModelFileError } from "./errors.js";
export { DivergenceError, AbortError } from "./train/errors.js";
export {
  Sequential, type ModelConfig, type CompileOptions, type CompileSettings, type Evaluation, type NamedTensor, type Tensor, type LayerWeights,
} from "./model/model.js";
export { QuantizedModel } from "./model/quantized-model.js";
export type { Predictor } from "./model/predictor.js";
export type { QuantizeMethod, QuantizeOptions } from "./model/quantize.js";
export type { QuantizedModelState, QuantizedLayerState, CalibrationMethod } from "./model/quantized-state.js";
export type { LabelOptions } from "./model/predict.js";
export type { PredictSource, PredictStreamOptions, StreamBatch } from "./model/predict-stream.js";
export type { ModelState, StateOptions, LoadStateOptions, OptimizerProgress, TrainingRecord } from "./model/state.js";
export type { LayerInfo } from "./model/layers-info.js";
export type { SummaryOptions } from "./model/summary.js";
export type { WeightOptions } from "./train/sample-weights.js";
export { decodeModel, FORMAT_VERSION, type DecodeOptions, type SaveOptions } from "./io/model-file.js";
export { load, loadQuantized, type LoadOptions, type ModelSource, type TfjsModelFiles } from "./io/load.js";
export { encodeQuantized, decodeQuantizedModel, QUANTIZED_FORMAT_VERSION } from "./io/quantized-file.js";
export type { ModelOrigin } from "./model/origin.js";
export { parseSafetensors, type SafetensorsFile, type TensorEntry } from "./io/safetensors.js";
export { ONNX_OPSET } from "./io/onnx/export.js";
export { encodeQuantizedOnnx } from "./io/onnx/export-quantized.js";
export { mlp, sequential, dense, maxout, dropout, type MlpOptions } from "./model/builders.js";
export type {
  FitOptions, StreamFitOptions, PartialFitOptions, PartialFitResult, History, Callbacks, BatchLogs, EarlyStoppingOptions, EpochLogs, CheckpointOptions, LearningRateSchedule,
} from "./train/training.js";
export type { DivergenceOptions, DivergenceRecord } from "./train/divergence.js";
export type { Matrix, ByteMatrix, InputBatch, TargetBatch } from "./nn/input.js";
export {
  fitPreprocessing, fitTargetScaling, scaling, oneHot, type Preprocessing, type PreprocessingMethod, type FitPreprocessingOptions, type InputColumn, type TargetColumn,
} from "./nn/preprocessing.js";
export { fitPreprocessingStream, PreprocessingStats, type StatisticsBatch } from "./nn/preprocessing-stats.js";
export type { Dataset, DatasetEpoch, DatasetItem } from "./train/dataset.js";
export type { ActivationName } from "./nn/activations.js";
export type { InitializerName } from "./nn/initializers.js";
export type { LossName, LossAlias } from "./nn/losses.js";
export type { MetricName, MetricAlias } from "./nn/metrics.js";
export type { OptimizerName, OptimizerConfig } from "./nn/optimizers.js";
export type { LayerConfig } from "./nn/layers/layer.js";
export type { DenseOptions } from "./nn/layers/dense.js";
export type { MaxoutOptions } from "./nn/layers/maxout.js";
export type { DropoutOptions } from "./nn/layers/dropout.js";
export { spiral, xor, circles, moons, sine, type ToyDataset, type ToyClassification, type ToyRegression, type XorOptions } from "./data/toy.js";
export { parseIdx, type IdxArray } from "./data/idx.js";
export { imagesFromIdx, type ImageDataset } from "./data/images.js";
export { parseCsv, csvPreprocessing, type CsvOptions, type CsvDataset } from "./data/csv.js";
export type { ColumnKind, ColumnPlan, CsvColumnOptions } from "./data/csv-columns.js";
export { readCsvStream, type CsvStreamOptions } from "./data/stream/csv-stream.js";
export { readNdjsonStream, type NdjsonStreamOptions } from "./data/stream/ndjson-stream.js";
export type { CsvStream, StreamSchema } from "./data/stream/table-stream.js";
export type { RowBatch } from "./data/stream/row-batch.js";
export { byteChunks, type StreamSource } from "./data/stream/source.js";
export { confusionMatrix, classScores, type ClassScores } from "./model/confusion.js";
export {
  lineChartSvg, trainingCurvesSvg, confusionMatrixSvg, decisionRegionsSvg, PALETTE,
  type Series, type LineChartOptions, type ConfusionMatrixOptions, type DecisionRegionsOptions,
} from "./plot/svg.js";
export { fashionMnistFromIdx, FASHION_MNIST_CLASSES, type FashionMnistSplit } from "./data/fashion-mnist.js";
