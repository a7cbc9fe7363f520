// wasmlp: multilayer perceptrons on a SIMD WebAssembly core.
export { init, getCore, type InitOptions, type WasmSource } from "./core.js";
export { WasmlpError, InputError, ConfigError, StateError, CoreError } from "./errors.js";
export { Sequential, sequential, type ModelConfig, type CompileOptions, type Evaluation, type NamedTensor } from "./model.js";
export { mlp, dense, maxout, dropout, type MlpOptions } from "./builders.js";
export type { FitOptions, History, Callbacks, EarlyStoppingOptions, EpochLogs } from "./training.js";
export type { Matrix, InputBatch, TargetBatch } from "./input.js";
export type { ActivationName } from "./activations.js";
export type { InitializerName } from "./initializers.js";
export type { LossName } from "./losses.js";
export type { OptimizerName, OptimizerConfig } from "./optimizers.js";
export type { LayerConfig } from "./layers/layer.js";
export type { DenseOptions } from "./layers/dense.js";
export type { MaxoutOptions } from "./layers/maxout.js";
export type { DropoutOptions } from "./layers/dropout.js";
export { spiral, xor, circles, moons, sine, type ToyDataset } from "./data/toy.js";
export { parseIdx, type IdxArray } from "./data/idx.js";
export { fashionMnistFromIdx, FASHION_MNIST_CLASSES, type FashionMnistSplit } from "./data/fashion-mnist.js";
