// A catalogue of bad inputs across the API, the data loaders, model files and
// the command line. Each row: what is wrong, the call, the error class, and a
// fragment of the message, which names the argument and says what was expected.
// Every API row runs against a compiled model that has trained one epoch, and
// checks that the error came before the core computed anything (no training or
// inference kernel ran) and that the model is unchanged afterwards: weights,
// optimizer state and step count, RNG state, settings, training record.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConfigError, CoreError, dense, dropout, getCore, imagesFromIdx, init, InputError, load, maxout, ModelFileError, parseCsv, parseIdx,
  Sequential, setThreads, StateError, type CompileOptions, type WasmlpError,
} from "../src/index.js";
import { loadCsv, loadModel } from "../src/node/files.js";

type ErrorClass = new (...args: never[]) => WasmlpError;

/** One bad input: what is wrong, the call that makes it, and the error it must raise. */
interface Case {
  what: string;
  call: (m: Sequential) => unknown;
  error: ErrorClass;
  message: RegExp;
  /** The fixture's compile() options when not the usual ones (Adam at 0.01 with accuracy). */
  compile?: CompileOptions;
  /** Further checks once the call has failed. */
  after?: () => void;
}

const x6 = new Float32Array(6 * 3).map((_, i) => Math.sin(i));
const y6 = Int32Array.from([0, 1, 0, 1, 0, 1]);
const nan = (i: number) => { const a = x6.slice(); a[i] = NaN; return a; };
const fit = (m: Sequential, options: object, x: unknown = x6, y: unknown = y6) => m.fit(x as never, y as never, options as never);
const bytes = (...b: number[]) => Uint8Array.from(b);
/** Where a checkpoint would be written if a refused fit() got as far as writing one. */
const CHECKPOINT = join(tmpdir(), `wasmlp-bad-inputs-${process.pid}.safetensors`);
/** Checkpoints handed to onSave by the cases that set it. */
let saves = 0;

/** The catalogue: calls on a model with 3 inputs, layers dense(4, relu) → dense(2, softmax), compiled with Adam. */
const API: Case[] = [
  // Model construction
  { what: "inputs 0", call: () => new Sequential({ inputs: 0, layers: [dense(2)] }), error: ConfigError, message: /model config: inputs must be an integer ≥ 1, got 0/ },
  { what: "fractional inputs", call: () => new Sequential({ inputs: 2.5, layers: [dense(2)] }), error: ConfigError, message: /inputs must be an integer ≥ 1, got 2\.5/ },
  { what: "inputs as a string", call: () => new Sequential({ inputs: "3" as never, layers: [dense(2)] }), error: ConfigError, message: /inputs must be an integer ≥ 1, got '3'/ },
  { what: "negative units", call: () => new Sequential({ inputs: 2, layers: [dense(-3)] }), error: ConfigError, message: /layers\[0\]: units must be an integer ≥ 1, got -3/ },
  { what: "fractional units", call: () => new Sequential({ inputs: 2, layers: [dense(1.5)] }), error: ConfigError, message: /layers\[0\]: units must be an integer ≥ 1, got 1\.5/ },
  { what: "dropout rate 1", call: () => new Sequential({ inputs: 2, layers: [dropout(1), dense(2)] }), error: ConfigError, message: /layers\[0\]: rate must be a finite number ≥ 0 and < 1, got 1/ },
  { what: "negative dropout rate", call: () => new Sequential({ inputs: 2, layers: [dropout(-0.1), dense(2)] }), error: ConfigError, message: /rate must be a finite number ≥ 0 and < 1, got -0\.1/ },
  { what: "NaN dropout rate", call: () => new Sequential({ inputs: 2, layers: [dropout(NaN), dense(2)] }), error: ConfigError, message: /rate must be a finite number ≥ 0 and < 1, got NaN/ },
  { what: "maxout with one piece", call: () => new Sequential({ inputs: 2, layers: [maxout(3, 1)] }), error: ConfigError, message: /layers\[0\]: pieces must be an integer ≥ 2, got 1/ },
  { what: "unknown activation", call: () => new Sequential({ inputs: 2, layers: [dense(2, "relux" as never)] }), error: ConfigError, message: /unknown activation "relux"; known: .*relu/ },
  { what: "unknown layer type", call: () => new Sequential({ inputs: 2, layers: [{ type: "conv2d", units: 2 }] }), error: ConfigError, message: /layers\[0\]: unknown layer type "conv2d"; known: dense/ },
  { what: "unknown initializer", call: () => new Sequential({ inputs: 2, layers: [dense(2, { initializer: "xavier" as never })] }), error: ConfigError, message: /unknown initializer "xavier"; known: / },
  { what: "misspelt layer option", call: () => new Sequential({ inputs: 2, layers: [{ type: "dense", unit: 2 } as never] }), error: ConfigError, message: /unknown option 'unit' \(did you mean 'units'\?\)/ },
  { what: "misspelt model option", call: () => new Sequential({ inputs: 2, layers: [dense(2)], seeds: 1 } as never), error: ConfigError, message: /model config: unknown option 'seeds' \(did you mean 'seed'\?\)/ },
  { what: "no layers", call: () => new Sequential({ inputs: 2, layers: [] }), error: ConfigError, message: /layers must be a non-empty array of layer configs, got an array of length 0/ },
  { what: "negative seed", call: () => new Sequential({ inputs: 2, layers: [dense(2)], seed: -1 }), error: ConfigError, message: /seed must be an integer ≥ 0, got -1/ },

  // compile()
  { what: "unknown loss", call: (m) => m.compile({ loss: "hinge" }), error: ConfigError, message: /unknown loss "hinge"; known: categoricalCrossentropy/ },
  { what: "unknown optimizer", call: (m) => m.compile({ optimizer: "adagrad" as never }), error: ConfigError, message: /unknown optimizer "adagrad"; known: sgd, momentum/ },
  { what: "learning rate 0", call: (m) => m.compile({ optimizer: { type: "sgd", learningRate: 0 } }), error: ConfigError, message: /optimizer 'sgd': learningRate must be a finite number > 0, got 0/ },
  { what: "negative learning rate", call: (m) => m.compile({ optimizer: { type: "adam", learningRate: -0.1 } }), error: ConfigError, message: /learningRate must be a finite number > 0, got -0\.1/ },
  { what: "NaN learning rate", call: (m) => m.compile({ optimizer: { type: "adam", learningRate: NaN } }), error: ConfigError, message: /learningRate must be a finite number > 0, got NaN/ },
  { what: "misspelt optimizer option", call: (m) => m.compile({ optimizer: { type: "adam", learning_rate: 0.1 } as never }), error: ConfigError, message: /optimizer 'adam': unknown option 'learning_rate'/ },
  { what: "option of another optimizer", call: (m) => m.compile({ optimizer: { type: "sgd", beta1: 0.9 } as never }), error: ConfigError, message: /optimizer 'sgd': unknown option 'beta1'/ },
  { what: "misspelt compile option", call: (m) => m.compile({ optimiser: "adam" } as never), error: ConfigError, message: /compile: unknown option 'optimiser' \(did you mean 'optimizer'\?\)/ },
  { what: "negative L2", call: (m) => m.compile({ l2: -1 }), error: ConfigError, message: /compile: l2 must be a finite number ≥ 0, got -1/ },
  { what: "loss that does not fit the output layer", call: (m) => m.compile({ loss: "binaryCrossentropy" }), error: ConfigError, message: /'binaryCrossentropy' needs a 'sigmoid'.*got 'softmax'/ },
  { what: "unknown metric", call: (m) => m.compile({ metrics: ["precision" as never] }), error: ConfigError, message: /compile: unknown metric "precision"; known: accuracy, mae, mse \(aliases: acc, / },
  { what: "metrics that are not an array", call: (m) => m.compile({ metrics: "accuracy" as never }), error: ConfigError, message: /compile: metrics must be an array of metric names \(accuracy, mae, mse\), got "accuracy"/ },
  { what: "a value metric on class outputs", call: (m) => m.compile({ metrics: ["mae"] }), error: ConfigError, message: /metric 'mae' compares output values with targets, but loss 'categoricalCrossentropy' reads the outputs as logits/ },

  // fit() options
  { what: "`epoch` for `epochs`", call: (m) => fit(m, { epoch: 3 }), error: ConfigError, message: /fit: unknown option 'epoch' \(did you mean 'epochs'\?\)/ },
  { what: "batchSize 0", call: (m) => fit(m, { batchSize: 0 }), error: ConfigError, message: /fit: batchSize must be an integer ≥ 1, got 0/ },
  { what: "fractional batchSize", call: (m) => fit(m, { batchSize: 2.5 }), error: ConfigError, message: /fit: batchSize must be an integer ≥ 1, got 2\.5/ },
  { what: "negative epochs", call: (m) => fit(m, { epochs: -1 }), error: ConfigError, message: /fit: epochs must be an integer ≥ 1, got -1/ },
  { what: "validationSplit 1", call: (m) => fit(m, { validationSplit: 1 }), error: ConfigError, message: /fit: validationSplit must be a finite number ≥ 0 and < 1, got 1/ },
  { what: "clipNorm 0", call: (m) => fit(m, { clipNorm: 0 }), error: ConfigError, message: /fit: clipNorm must be a finite number > 0, got 0/ },
  { what: "NaN clipValue", call: (m) => fit(m, { clipValue: NaN }), error: ConfigError, message: /fit: clipValue must be a finite number > 0, got NaN/ },
  { what: "unknown onDivergence action", call: (m) => fit(m, { onDivergence: "explode" }), error: ConfigError, message: /fit: onDivergence must be one of 'throw', 'recover', got 'explode'/ },
  { what: "signal that is not an AbortSignal", call: (m) => fit(m, { signal: "stop" }), error: ConfigError, message: /fit: signal must be an AbortSignal .*got 'stop'/ },
  { what: "unknown schedule type", call: (m) => fit(m, { learningRateSchedule: { type: "linear" } }), error: ConfigError, message: /learningRateSchedule.type must be one of 'step', 'exponential', 'cosine', got 'linear'/ },
  { what: "misspelt callback", call: (m) => fit(m, { callbacks: { onEpochEnds: () => {} } }), error: ConfigError, message: /fit: callbacks: unknown option 'onEpochEnds' \(did you mean 'onEpochEnd'\?\)/ },
  { what: "validation data that is not [x, y]", call: (m) => fit(m, { validationData: [x6] }), error: InputError, message: /validationData must be \[x, y\], got an array of length 1/ },
  { what: "fit options that are not an object", call: (m) => fit(m, 5 as never), error: ConfigError, message: /fit: options must be an object, got 5/ },
  { what: "epochs as a string", call: (m) => fit(m, { epochs: "3" }), error: ConfigError, message: /fit: epochs must be an integer ≥ 1 or 'auto' \(or \{ max, patience, seconds \}\), got '3'/ },
  { what: "shuffle that is not a boolean", call: (m) => fit(m, { shuffle: "yes" }), error: ConfigError, message: /fit: shuffle must be true or false, got 'yes'/ },
  { what: "validationSplit that leaves no validation row", call: (m) => fit(m, { validationSplit: 0.1 }), error: ConfigError, message: /fit: validationSplit 0\.1 of 6 rows leaves 0 validation and 6 training rows; both need at least 1/ },
  { what: "validation data that is not an array", call: (m) => fit(m, { validationData: x6 }), error: InputError, message: /validationData must be \[x, y\], got a Float32Array of length 18/ },
  { what: "validation targets of the wrong count", call: (m) => fit(m, { validationData: [x6, [0, 1]] }), error: InputError, message: /validationData\[1\] has 2 labels but \S+ has 6 rows/ },
  { what: "earlyStopping that is not an object", call: (m) => fit(m, { earlyStopping: "yes" }), error: ConfigError, message: /fit: earlyStopping: options must be an object, got 'yes'/ },
  { what: "misspelt earlyStopping option", call: (m) => fit(m, { earlyStopping: { patients: 2 } }), error: ConfigError, message: /fit: earlyStopping: unknown option 'patients' \(did you mean 'patience'\?\)/ },
  { what: "earlyStopping monitor that does not exist", call: (m) => fit(m, { earlyStopping: { monitor: "f1" } }), error: ConfigError, message: /fit: earlyStopping\.monitor must be one of 'loss', 'accuracy', 'mae', 'mse', 'valLoss', 'valAccuracy', 'valMae', 'valMse', got 'f1'/ },
  { what: "earlyStopping monitoring accuracy without metrics", compile: { optimizer: { type: "adam", learningRate: 0.01 } },
    call: (m) => fit(m, { epochs: 2, earlyStopping: { monitor: "accuracy" }, checkpoint: { last: CHECKPOINT, onSave: () => { saves++; } } }),
    error: ConfigError, message: /fit: earlyStopping monitors 'accuracy', which is not computed; add metrics: \['accuracy'\] to compile\(\)/,
    after: () => {
      expect(existsSync(CHECKPOINT), "checkpoint file").toBe(false);
      expect(saves, "checkpoints passed to onSave").toBe(0);
    } },
  { what: "earlyStopping monitoring valLoss without validation data", call: (m) => fit(m, { earlyStopping: { monitor: "valLoss" } }), error: ConfigError, message: /fit: earlyStopping monitors 'valLoss' but there is no validation data \(set validationSplit or validationData\)/ },
  { what: "negative patience", call: (m) => fit(m, { earlyStopping: { patience: -1 } }), error: ConfigError, message: /fit: earlyStopping\.patience must be an integer ≥ 0, got -1/ },
  { what: "negative minDelta", call: (m) => fit(m, { earlyStopping: { minDelta: -0.1 } }), error: ConfigError, message: /fit: earlyStopping\.minDelta must be a finite number ≥ 0, got -0\.1/ },
  { what: "restoreBestWeights that is not a boolean", call: (m) => fit(m, { earlyStopping: { restoreBestWeights: "no" } }), error: ConfigError, message: /fit: earlyStopping\.restoreBestWeights must be true or false, got 'no'/ },
  { what: "callbacks that are not an object", call: (m) => fit(m, { callbacks: () => {} }), error: ConfigError, message: /fit: callbacks: options must be an object/ },
  { what: "a callback that is not a function", call: (m) => fit(m, { callbacks: { onEpochEnd: "log" } }), error: ConfigError, message: /fit: callbacks\.onEpochEnd must be a function, got 'log'/ },
  { what: "verbose that is not a boolean", call: (m) => fit(m, { verbose: 1 }), error: ConfigError, message: /fit: verbose must be true or false, got 1/ },
  { what: "checkpoint that is not an object", call: (m) => fit(m, { checkpoint: "best.safetensors" }), error: ConfigError, message: /fit: checkpoint: options must be an object, got 'best\.safetensors'/ },
  { what: "checkpoint without a path or onSave", call: (m) => fit(m, { checkpoint: { monitor: "loss" } }), error: ConfigError, message: /fit: checkpoint needs a 'last' or 'best' path, or an onSave callback/ },
  { what: "misspelt checkpoint option", call: (m) => fit(m, { checkpoint: { lats: CHECKPOINT } }), error: ConfigError, message: /fit: checkpoint: unknown option 'lats' \(did you mean 'last'\?\)/ },
  { what: "empty checkpoint.last", call: (m) => fit(m, { checkpoint: { last: "" } }), error: ConfigError, message: /fit: checkpoint\.last must be a file path, got ""/ },
  { what: "checkpoint.best that is not a path", call: (m) => fit(m, { checkpoint: { best: 5 } }), error: ConfigError, message: /fit: checkpoint\.best must be a file path, got 5/ },
  { what: "checkpoint monitor that does not exist", call: (m) => fit(m, { checkpoint: { best: CHECKPOINT, monitor: "f1" } }), error: ConfigError, message: /fit: checkpoint\.monitor must be one of 'loss', 'accuracy', 'mae', 'mse', 'valLoss', 'valAccuracy', 'valMae', 'valMse', got 'f1'/ },
  { what: "checkpoint monitoring accuracy without metrics", compile: { optimizer: { type: "adam", learningRate: 0.01 } },
    call: (m) => fit(m, { checkpoint: { best: CHECKPOINT, monitor: "accuracy", onSave: () => { saves++; } } }),
    error: ConfigError, message: /fit: checkpoint monitors 'accuracy', which is not computed; add metrics/,
    after: () => {
      expect(existsSync(CHECKPOINT), "checkpoint file").toBe(false);
      expect(saves, "checkpoints passed to onSave").toBe(0);
    } },
  { what: "checkpoint monitoring valAccuracy without validation data", call: (m) => fit(m, { checkpoint: { best: CHECKPOINT, monitor: "valAccuracy" } }), error: ConfigError, message: /fit: checkpoint monitors 'valAccuracy' but there is no validation data/ },
  { what: "checkpoint.optimizer that is not a boolean", call: (m) => fit(m, { checkpoint: { last: CHECKPOINT, optimizer: "yes" } }), error: ConfigError, message: /fit: checkpoint\.optimizer must be true or false, got 'yes'/ },
  { what: "checkpoint in a folder that does not exist", call: (m) => fit(m, { epochs: 1, checkpoint: { last: "/nonexistent/dir/m.safetensors" } }),
    error: InputError, message: /cannot write \/nonexistent\/dir\/m\.safetensors: the folder \/nonexistent\/dir does not exist/ },
  { what: "checkpoint.onSave that is not a function", call: (m) => fit(m, { checkpoint: { onSave: "save" } }), error: ConfigError, message: /fit: checkpoint\.onSave must be a function, got 'save'/ },
  { what: "learningRateSchedule that is not an object", call: (m) => fit(m, { learningRateSchedule: "cosine" }), error: ConfigError, message: /fit: learningRateSchedule must be \{type: 'step' \| 'exponential' \| 'cosine', \.\.\.\}/ },
  { what: "step schedule without stepSize", call: (m) => fit(m, { learningRateSchedule: { type: "step" } }), error: ConfigError, message: /fit: learningRateSchedule\.stepSize must be an integer ≥ 1, got undefined/ },
  { what: "step schedule with gamma above 1", call: (m) => fit(m, { learningRateSchedule: { type: "step", stepSize: 2, gamma: 2 } }), error: ConfigError, message: /fit: learningRateSchedule\.gamma must be a finite number ≥ 0 and ≤ 1, got 2/ },
  { what: "exponential schedule without gamma", call: (m) => fit(m, { learningRateSchedule: { type: "exponential" } }), error: ConfigError, message: /fit: learningRateSchedule\.gamma must be a finite number ≥ 0 and ≤ 1, got undefined/ },
  { what: "cosine schedule over 0 epochs", call: (m) => fit(m, { learningRateSchedule: { type: "cosine", epochs: 0 } }), error: ConfigError, message: /fit: learningRateSchedule\.epochs must be an integer ≥ 1, got 0/ },
  { what: "cosine floor above the compiled rate", call: (m) => fit(m, { learningRateSchedule: { type: "cosine", minLearningRate: 0.5 } }), error: ConfigError, message: /fit: learningRateSchedule\.minLearningRate must be a finite number ≥ 0 and ≤ 0\.01, got 0\.5/ },
  { what: "option of another schedule", call: (m) => fit(m, { learningRateSchedule: { type: "exponential", gamma: 0.5, stepSize: 2 } }), error: ConfigError, message: /fit: learningRateSchedule: unknown option 'stepSize'/ },
  { what: "signal that is a plain object", call: (m) => fit(m, { signal: {} }), error: ConfigError, message: /fit: signal must be an AbortSignal .*got an object/ },
  { what: "negative clipNorm", call: (m) => fit(m, { clipNorm: -1 }), error: ConfigError, message: /fit: clipNorm must be a finite number > 0, got -1/ },
  { what: "clipValue as a string", call: (m) => fit(m, { clipValue: "1" }), error: ConfigError, message: /fit: clipValue must be a finite number > 0, got '1'/ },
  { what: "onDivergence that is a number", call: (m) => fit(m, { onDivergence: 3 }), error: ConfigError, message: /fit: onDivergence must be 'throw', 'recover' or \{action, factor, maxRecoveries\}, got 3/ },
  { what: "onDivergence factor 1", call: (m) => fit(m, { onDivergence: { action: "recover", factor: 1 } }), error: ConfigError, message: /fit: onDivergence\.factor must be a finite number ≥ 0 and < 1, got 1/ },
  { what: "negative onDivergence maxRecoveries", call: (m) => fit(m, { onDivergence: { action: "recover", maxRecoveries: -1 } }), error: ConfigError, message: /fit: onDivergence\.maxRecoveries must be an integer ≥ 0, got -1/ },
  { what: "misspelt onDivergence option", call: (m) => fit(m, { onDivergence: { action: "recover", factr: 0.5 } }), error: ConfigError, message: /fit: onDivergence: unknown option 'factr' \(did you mean 'factor'\?\)/ },
  { what: "sampleWeight of the wrong length", call: (m) => fit(m, { sampleWeight: [1, 2] }), error: InputError, message: /fit: sampleWeight has 2 weights but x has 6 rows; give one weight per row/ },
  { what: "negative sampleWeight", call: (m) => fit(m, { sampleWeight: [1, 1, -1, 1, 1, 1] }), error: InputError, message: /fit: sampleWeight\[2\] must be a finite number ≥ 0, got -1/ },
  { what: "NaN sampleWeight", call: (m) => fit(m, { sampleWeight: Float32Array.of(1, 1, 1, 1, 1, NaN) }), error: InputError, message: /fit: sampleWeight\[5\] must be a finite number ≥ 0, got NaN/ },
  { what: "sampleWeight that is not an array", call: (m) => fit(m, { sampleWeight: 2 }), error: InputError, message: /fit: sampleWeight must be a Float32Array or an array of numbers .*got 2/ },
  { what: "classWeight for a class the model lacks", call: (m) => fit(m, { classWeight: { 0: 1, 2: 5 } }), error: ConfigError, message: /fit: classWeight has class '2'; classes are the indices 0\.\.1/ },
  { what: "negative classWeight", call: (m) => fit(m, { classWeight: [1, -2] }), error: ConfigError, message: /fit: classWeight\[1\] must be a finite number ≥ 0, got -2/ },
  { what: "classWeight that is not an object", call: (m) => fit(m, { classWeight: "balanced" }), error: ConfigError, message: /fit: classWeight must be an object \{class: weight\} or an array of weights by class index, got 'balanced'/ },
  { what: "initialEpoch at epochs", call: (m) => fit(m, { epochs: 3, initialEpoch: 3 }), error: ConfigError, message: /fit: initialEpoch 3 leaves no epoch to run: epochs \(3\) counts from 0/ },
  { what: "negative initialEpoch", call: (m) => fit(m, { initialEpoch: -1 }), error: ConfigError, message: /fit: initialEpoch must be an integer ≥ 0, got -1/ },
  { what: "misspelt hook in a callbacks array", call: (m) => fit(m, { callbacks: [{ onEpochEnd: () => {} }, { onTrainEnds: () => {} }] }), error: ConfigError, message: /fit: callbacks\[1\]: unknown option 'onTrainEnds' \(did you mean 'onTrainEnd'\?\)/ },
  { what: "tfjs hook fit() does not call", call: (m) => fit(m, { callbacks: { onYield: () => {} } }), error: ConfigError, message: /fit: callbacks: fit\(\) does not call 'onYield'/ },
  { what: "trainOnBatch option misspelt", call: (m) => m.trainOnBatch(x6, y6, { sampleWeights: [1] } as never), error: ConfigError, message: /trainOnBatch: unknown option 'sampleWeights' \(did you mean 'sampleWeight'\?\)/ },
  { what: "trainOnBatch with labels out of range", call: (m) => m.trainOnBatch(x6, [0, 1, 0, 1, 0, 3]), error: InputError, message: /y\[5\] = 3 is out of range/ },
  { what: "trainOnBatch sampleWeight of the wrong length", call: (m) => m.trainOnBatch(x6, y6, { sampleWeight: [1] }), error: InputError, message: /trainOnBatch: sampleWeight has 1 weights but x has 6 rows/ },

  // Inputs x
  { what: "row width that does not divide the data", call: (m) => m.predict(new Float32Array(4)), error: InputError, message: /x has 4 values, which is not a whole number of rows of 3 inputs/ },
  { what: "ragged rows", call: (m) => m.predict([[1, 2, 3], [1, 2]]), error: InputError, message: /x\[1\] has 2 values, expected 3 \(rows must all have the same width\)/ },
  { what: "rows of strings", call: (m) => m.predict([["1", "2", "3"]] as never), error: InputError, message: /x\[0\]\[0\] must be a number, got '1'/ },
  { what: "Float64Array instead of Float32Array", call: (m) => m.predict(new Float64Array(3) as never), error: InputError, message: /x must be a Float32Array.*got a Float64Array of length 3 \(convert it with Float32Array\.from\(x\)/ },
  { what: "matrix with the wrong column count", call: (m) => m.predict({ data: new Float32Array(4), rows: 2, cols: 2 }), error: InputError, message: /x has 2 columns, expected 3/ },
  { what: "matrix whose data does not match rows × cols", call: (m) => m.predict({ data: new Float32Array(5), rows: 2, cols: 3 }), error: InputError, message: /x\.data has 5 values but rows × cols = 6/ },
  { what: "NaN in x", call: (m) => fit(m, {}, nan(7)), error: InputError, message: /x contains NaN at row 2, column 1: inputs and targets must be finite/ },
  { what: "Infinity in x at predict", call: (m) => m.predict(Float32Array.from([1, 2, Infinity])), error: InputError, message: /x contains Infinity at row 0, column 2/ },
  { what: "empty x", call: (m) => fit(m, {}, new Float32Array(0), new Int32Array(0)), error: InputError, message: /x is empty: expected at least one row of 3 values/ },
  { what: "no rows at all", call: (m) => m.predict([]), error: InputError, message: /x is empty/ },
  { what: "one row of the wrong width", call: (m) => m.predict([1, 2]), error: InputError, message: /x\[0\] has 2 values, expected 3/ },
  { what: "x of the wrong type", call: (m) => m.predict("1,2,3" as never), error: InputError, message: /x must be a Float32Array, an array of rows or \{data, rows, cols\}; got '1,2,3'/ },
  { what: "NaN in validation data", call: (m) => fit(m, { validationData: [nan(0), y6] }), error: InputError, message: /validationData\[0\] contains NaN at row 0, column 0/ },

  // Targets y
  { what: "label out of range", call: (m) => fit(m, {}, x6, Int32Array.from([0, 1, 0, 1, 0, 2])), error: InputError, message: /y\[5\] = 2 is out of range: class indices must be in 0\.\.1/ },
  { what: "negative label", call: (m) => fit(m, {}, x6, [0, 1, 0, 1, 0, -1]), error: InputError, message: /y\[5\] = -1 is out of range/ },
  { what: "non-integer label", call: (m) => fit(m, {}, x6, [0, 1, 0, 1, 0, 0.5]), error: InputError, message: /y\[5\] must be an integer class index in 0\.\.1, got 0\.5/ },
  { what: "labels as strings", call: (m) => fit(m, {}, x6, ["a", "b", "a", "b", "a", "b"]), error: InputError, message: /y\[0\] must be an integer class index in 0\.\.1, got 'a'/ },
  { what: "fewer labels than rows", call: (m) => fit(m, {}, x6, Int32Array.from([0, 1])), error: InputError, message: /y has 2 labels but x has 6 rows: every input row needs one label/ },
  { what: "one-hot targets of the wrong width", call: (m) => m.evaluate(x6, new Float32Array(6 * 3)), error: InputError, message: /y has 18 values; expected 6 rows × 2 outputs = 12/ },
  { what: "Infinity in one-hot targets", call: (m) => m.evaluate(x6, new Float32Array(12).fill(Infinity, 3, 4)), error: InputError, message: /y contains Infinity at row 1, column 1/ },

  // State, and two callers at once. (predict before compile is not an error: a network predicts without a loss.)
  { what: "evaluate before compile", call: () => new Sequential({ inputs: 3, layers: [dense(2, "softmax")] }).evaluate(x6, y6), error: StateError, message: /evaluate: call compile\(\) first/ },
  { what: "fit before compile", call: () => new Sequential({ inputs: 3, layers: [dense(2, "softmax")] }).fit(x6, y6), error: StateError, message: /fit: call compile\(\) first/ },
  { what: "save with optimizer state before compile", call: () => new Sequential({ inputs: 3, layers: [dense(2, "softmax")] }).save({ optimizer: true }), error: StateError, message: /save: optimizer state was requested but the model is not compiled/ },
  { what: "a second fit while one runs", call: async (m) => { const first = fit(m, { epochs: 2 }); try { await fit(m, {}); } finally { await first; } }, error: StateError, message: /fit: the model is already training; wait for fit\(\) to finish/ },
  { what: "trainOnBatch while fit runs", call: async (m) => { const first = fit(m, { epochs: 2 }); try { m.trainOnBatch(x6, y6); } finally { await first; } }, error: StateError, message: /trainOnBatch: the model is already training; wait for fit\(\) to finish/ },
  { what: "trainOnBatch before compile", call: () => new Sequential({ inputs: 3, layers: [dense(2, "softmax")] }).trainOnBatch(x6, y6), error: StateError, message: /trainOnBatch: call compile\(\) first/ },
  { what: "compile while fit runs", call: async (m) => { const first = fit(m, { epochs: 2 }); try { m.compile(); } finally { await first; } }, error: StateError, message: /compile: the model is already training/ },
  { what: "setWeights while fit runs", call: async (m) => { const first = fit(m, { epochs: 2 }); try { m.setWeights([]); } finally { await first; } }, error: StateError, message: /setWeights: the model is already training/ },

  // Weights
  { what: "setWeights with an unknown tensor", call: (m) => m.setWeights([{ name: "layers.7.weight", shape: [1], data: new Float32Array(1) }]), error: InputError, message: /setWeights: unknown tensor "layers\.7\.weight"; known: layers\.0\.weight/ },
  { what: "setWeights with the wrong shape", call: (m) => m.setWeights([{ name: "layers.0.weight", shape: [4, 3], data: new Float32Array(12) }]), error: InputError, message: /setWeights: layers\.0\.weight has shape \[3,4\] \(12 values\), got shape \[4,3\]/ },
  { what: "setWeights with NaN", call: (m) => m.setWeights([{ name: "layers.1.bias", shape: [2], data: Float32Array.from([0, NaN]) }]), error: InputError, message: /layers\.1\.bias contains NaN at index 1; weights must be finite/ },
  { what: "setWeights with a plain array", call: (m) => m.setWeights([{ name: "layers.1.bias", shape: [2], data: [0, 1] as never }]), error: InputError, message: /layers\.1\.bias data must be a Float32Array, got an array of length 2/ },
  { what: "layer index out of range", call: (m) => m.layerWeights(5), error: InputError, message: /layerWeights: layer index must be an integer in \[0, 1\], got 5/ },
  { what: "preprocessing of the wrong width", call: (m) => m.setPreprocessing({ method: "standardize", scale: [1, 1], offset: 0 } as never), error: InputError, message: /has 2 values; the model has 3 inputs/ },

  // Model files
  { what: "model file of random bytes", call: () => load(Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 255)), error: ModelFileError, message: /header length .* exceeds/ },
  { what: "truncated model file", call: (m) => load(m.save().subarray(0, 100)), error: ModelFileError, message: /header length \d+ \(bytes 0-7\) points past the end of the 100-byte file/ },
  { what: "model file cut inside its data", call: (m) => { const b = m.save(); return load(b.subarray(0, b.length - 4)); }, error: ModelFileError, message: /data|bytes/ },
  { what: "empty model file", call: () => load(new Uint8Array(0)), error: ModelFileError, message: /8-byte header length/ },
  { what: "model file with a NaN weight", call: (m) => load(withNaN(m.save())), error: ModelFileError, message: /tensor "layers\.1\.bias".*NaN/ },
  { what: "load of something that is not bytes", call: () => load(42 as never), error: InputError, message: /load: expected .*got 42/ },
  { what: "save option misspelt", call: (m) => m.save({ optimiser: true } as never), error: ConfigError, message: /save: unknown option 'optimiser' \(did you mean 'optimizer'\?\)/ },
  { what: "loadModel of a missing file", call: () => loadModel("/nonexistent/model.safetensors"), error: InputError, message: /file not found: \/nonexistent\/model\.safetensors/ },

  // Data loaders
  { what: "CSV row with a missing field", call: () => parseCsv("a,b,label\n1,2,x\n3,y\n", { source: "d.csv" }), error: InputError, message: /d\.csv:3: row has 2 fields but the header has 3/ },
  { what: "CSV cell that is not a number", call: () => parseCsv("a,b,label\n1,2,x\n3,oops,y\n", { source: "d.csv" }), error: InputError, message: /d\.csv:3: column 2 \("b"\): "oops" is not a number/ },
  { what: "CSV label column that does not exist", call: () => parseCsv("a,b\n1,2\n", { label: "y", source: "d.csv" }), error: InputError, message: /d\.csv: no label column named "y"; the header has a, b/ },
  { what: "CSV option misspelt", call: () => parseCsv("a,b\n1,2\n", { lable: "b" } as never), error: ConfigError, message: /parseCsv: unknown option 'lable' \(did you mean 'label'\?\)/ },
  { what: "CSV with only a header", call: () => parseCsv("a,b\n", { source: "d.csv" }), error: InputError, message: /d\.csv: no data rows after the header/ },
  { what: "CSV file that does not exist", call: () => loadCsv("/nonexistent/data.csv"), error: InputError, message: /file not found: \/nonexistent\/data\.csv/ },
  { what: "IDX with a bad magic number", call: () => parseIdx(bytes(1, 2, 8, 1, 0, 0, 0, 1, 7)), error: InputError, message: /IDX: .*magic/ },
  { what: "IDX truncated inside its data", call: () => parseIdx(bytes(0, 0, 8, 1, 0, 0, 0, 5, 1, 2)), error: InputError, message: /IDX: truncated: .*got 2/ },
  { what: "IDX of an unknown type code", call: () => parseIdx(bytes(0, 0, 0x42, 1, 0, 0, 0, 1, 7)), error: InputError, message: /IDX: unknown type code 0x42 at byte 2/ },
  { what: "IDX images and labels of different counts", call: () => imagesFromIdx(bytes(0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 5, 6), bytes(0, 0, 8, 1, 0, 0, 0, 1, 3)), error: InputError, message: /has 2 images but .* has 1 labels/ },

  // The core
  { what: "zero threads", call: () => setThreads(0), error: ConfigError, message: /threads must be an integer ≥ 1, got 0/ },
  { what: "fractional threads", call: () => setThreads(1.5), error: ConfigError, message: /threads must be an integer ≥ 1, got 1\.5/ },
  { what: "init with zero threads once loaded", call: () => init({ threads: 0 }), error: ConfigError, message: /init: threads must be an integer ≥ 1, got 0/ },
  { what: "init with an unknown simd build", call: () => init({ simd: "fast" as never }), error: ConfigError, message: /init: simd must be one of 'auto', 'relaxed', 'plain', got 'fast'/ },
  { what: "init with debug that is not a boolean", call: () => init({ debug: "yes" as never }), error: ConfigError, message: /init: debug must be true or false, got 'yes'/ },
  { what: "a model too big for the core", call: () => new Sequential({ inputs: 100_000, layers: [dense(100_000)] }), error: CoreError, message: /a network of 10000100000 parameters does not fit: out of memory: 40000400000 bytes requested .* memory limit is \d+ bytes/ },
];

/** The bytes of a model file with the first float of layers.1.bias set to NaN (its data is the file's last 8 bytes). */
function withNaN(file: Uint8Array): Uint8Array {
  const b = file.slice();
  new DataView(b.buffer).setFloat32(b.length - 8, NaN, true);
  return b;
}

/** Kernels that train or infer; validation kernels (count_nonfinite, label range checks) may run. */
const COMPUTE = /^(gemm_|pack_b|activation_|softmax_|maxout_|sigmoid_|mean_squared|argmax|count_correct|threshold_u8|sum_abs_diff|sum_squared_diff|dropout_|momentum_|adam_|rmsprop_|rng_shuffle|gather_rows|scale_shift)/;
/** Compute kernels the core ran since the last resetStats(), from its public counters. */
function computeCalls(): number {
  return Object.entries(getCore().stats().callsByKernel).filter(([name]) => COMPUTE.test(name)).reduce((sum, [, n]) => sum + n, 0);
}

beforeAll(async () => {
  await init();
  await setThreads(1);
});
afterAll(async () => {
  await setThreads(2);
});

/** Everything about a model a failed call must leave alone, read through its public state. */
function fingerprint(m: Sequential) {
  return { ...m.state({ optimizer: true }), learningRate: m.learningRate };
}

async function fixture(compile: CompileOptions = { optimizer: { type: "adam", learningRate: 0.01 }, metrics: ["accuracy"] }): Promise<Sequential> {
  const m = new Sequential({ inputs: 3, layers: [dense(4, "relu"), dense(2, "softmax")], seed: 9 });
  m.compile(compile);
  await m.fit(x6, y6, { epochs: 1, batchSize: 3 });
  return m;
}

async function caught(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe(`bad inputs: ${API.length} cases, each a documented error before the core runs, the model unchanged`, () => {
  it("has at least 40 distinct cases", () => {
    expect(API.length).toBeGreaterThanOrEqual(40);
    expect(new Set(API.map((c) => c.what)).size).toBe(API.length);
  });

  for (const c of API) {
    it(c.what, async () => {
      const m = await fixture(c.compile);
      const before = fingerprint(m);
      saves = 0;
      const concurrent = /while/.test(c.what);
      getCore().resetStats();
      const error = await caught(() => c.call(m));
      expect(error, "an error").toBeInstanceOf(c.error);
      expect((error as Error).name).toBe(c.error.name);
      expect((error as Error).message).toMatch(c.message);
      // A call refused while another fit runs cannot be told apart from that fit's own work.
      if (!concurrent) {
        expect(computeCalls(), "compute kernels run before the error").toBe(0);
        expect(fingerprint(m)).toEqual(before);
      }
      c.after?.();
      m.dispose();
    });
  }

  it("the compute-kernel count sees training, so a case that trained would fail", async () => {
    const m = await fixture();
    getCore().resetStats();
    await fit(m, { epochs: 1 });
    expect(computeCalls()).toBeGreaterThan(0);
    m.dispose();
  });

  it("a disposed model refuses every call with a StateError", async () => {
    const m = await fixture();
    m.dispose();
    const calls: [string, () => unknown][] = [
      ["predict", () => m.predict(x6)], ["fit", () => m.fit(x6, y6)], ["evaluate", () => m.evaluate(x6, y6)],
      ["compile", () => m.compile()], ["getWeights", () => m.getWeights()], ["save", () => m.save()],
      ["summary", () => m.summary()], ["inputs", () => m.inputs], ["setPreprocessing", () => m.setPreprocessing(null)],
    ];
    for (const [name, call] of calls) {
      const e = await caught(call);
      expect(e, name).toBeInstanceOf(StateError);
      expect((e as Error).message, name).toMatch(/this model has been disposed; create or load a new one/);
    }
  });
});

// The command line, run as a child process: usage errors exit 2, data and file errors exit 1,
// and with --json the error's class and message come out as JSON.
describe("bad inputs on the command line", () => {
  const BIN = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
  const PENGUINS = fileURLToPath(new URL("./fixtures/penguins/penguins.csv", import.meta.url));
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wasmlp-bad-inputs-"));
    await writeFile(join(dir, "garbage.safetensors"), Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 255));
    await writeFile(join(dir, "ragged.csv"), "a,b,label\n1,2,x\n3,y\n");
  });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  const run = (args: string[]) => new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(process.execPath, [BIN, ...args, "--json"], { cwd: dir }, (err, stdout) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout });
    });
  });

  const CLI: { what: string; args: () => string[]; code: number; type: string; message: RegExp }[] = [
    { what: "epochs 0", args: () => ["train", PENGUINS, "--epochs", "0"], code: 2, type: "UsageError", message: /--epochs must be an integer ≥ 1, got "0"/ },
    { what: "negative learning rate", args: () => ["train", PENGUINS, "--lr=-1"], code: 2, type: "UsageError", message: /--lr must be a number ≥ 0, got "-1"/ },
    { what: "dropout 1", args: () => ["train", PENGUINS, "--dropout", "1"], code: 2, type: "UsageError", message: /--dropout must be a number ≥ 0 and ≤ 0\.99, got "1"/ },
    { what: "misspelt option", args: () => ["train", PENGUINS, "--optimiser", "adam"], code: 2, type: "UsageError", message: /unknown option --optimiser \(did you mean --optimizer\?\)/ },
    { what: "unknown activation", args: () => ["train", PENGUINS, "--activation", "relux"], code: 2, type: "UsageError", message: /--activation must be one of relu, .*got "relux"/ },
    { what: "ragged CSV", args: () => ["train", join(dir, "ragged.csv")], code: 1, type: "InputError", message: /ragged\.csv:3: row has 2 fields but the header has 3/ },
    { what: "corrupt model file", args: () => ["predict", join(dir, "garbage.safetensors"), PENGUINS], code: 1, type: "ModelFileError", message: /header length .* exceeds/ },
    { what: "missing data file", args: () => ["train", join(dir, "nope.csv")], code: 1, type: "InputError", message: /file not found: .*nope\.csv/ },
  ];

  for (const c of CLI) {
    it(c.what, async () => {
      const r = await run(c.args());
      expect(r.code).toBe(c.code);
      const { error } = JSON.parse(r.stdout);
      expect(error.type).toBe(c.type);
      expect(error.message).toMatch(c.message);
    });
  }
});
