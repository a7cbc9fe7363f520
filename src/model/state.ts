// A model's public state: everything that makes it this model, as plain data.
// Model files, workers and tools read and write a model through it, never
// through its private fields. Loading a state checks all of it before any of
// it is written, so a refused loadState() leaves the model as it was.
import { ConfigError, StateError } from "../errors.js";
import type { Network } from "../nn/network.js";
import type { Optimizer, OptimizerName } from "../nn/optimizers.js";
import { checkPreprocessing, type Preprocessing } from "../nn/preprocessing.js";
import type { EpochLogs } from "../train/training.js";
import { booleanOption, checkKeys, describe, integerOption, positiveOption } from "../util/options.js";
import { compileSettings, resolveCompile, savedCompile, type Compiled, type CompileSettings } from "./compile.js";
import type { ModelConfig } from "./config.js";
import { checkOrigin, type ModelOrigin } from "./origin.js";
import { checkTensors, readTensors, writeTensors, type NamedTensor } from "./weights.js";

/** Epochs trained so far and the logs of the last one, carried through save and load. */
export interface TrainingRecord {
  epochs: number;
  last?: EpochLogs;
}

/** Where an optimizer is: its step count, learning rate and (when asked for) its state buffers as tensors named like the parameters. */
export interface OptimizerProgress {
  type: OptimizerName;
  steps: number;
  learningRate: number;
  /** Each state buffer ('m' and 'v' for Adam, 'velocity' for momentum, 'square' for RMSProp) as one tensor per parameter. */
  state?: { name: string; tensors: NamedTensor[] }[];
}

/** Everything that makes a model this model; state() returns it and loadState() puts it back. */
export interface ModelState {
  /** The architecture; loadState() accepts only a state of the model's own inputs and layers. */
  config: ModelConfig;
  /** Every parameter tensor. */
  weights: NamedTensor[];
  /** compile() settings, or null: not compiled (from state()), keep the model's own (to loadState()). */
  compile: CompileSettings | null;
  /** The optimizer's progress, or null: not compiled (from state()), keep the model's own (to loadState()). */
  optimizer: OptimizerProgress | null;
  preprocessing: Preprocessing | null;
  training: TrainingRecord;
  /** The random generator's four 32-bit words: shuffling and dropout go on from here. */
  rng: number[];
  /** Where an imported model came from, or null (made by wasmlp); loadState() without it sets null. */
  origin?: ModelOrigin | null;
}

/** Options of state(). */
export interface StateOptions {
  /** Include the optimizer's state buffers (as much memory again as the weights, or twice for Adam); default false. */
  optimizer?: boolean;
}

/** Options of loadState(). */
export interface LoadStateOptions {
  /** Refuse weights and optimizer state that are NaN or infinite; default true. */
  checkFinite?: boolean;
}

/** The parts of a model its state is read from and written to. */
export interface StateParts {
  net: Network;
  config: ModelConfig;
  compiled: Compiled | undefined;
  preprocessing: Preprocessing | null;
  training: TrainingRecord;
  origin: ModelOrigin | null;
}

/** Reads a model's state. */
export function readState(parts: StateParts, options: StateOptions = {}): ModelState {
  checkKeys(options, ["optimizer"], "state");
  const withState = booleanOption(options.optimizer ?? false, "state: optimizer");
  const { net, compiled } = parts;
  let optimizer: OptimizerProgress | null = null;
  if (compiled) {
    const o = compiled.optimizer;
    optimizer = { type: o.config.type, steps: o.steps, learningRate: o.learningRate };
    if (withState) optimizer.state = o.state().map((s) => ({ name: s.name, tensors: readTensors(net, s.ptr) }));
  }
  return {
    config: parts.config,
    weights: readTensors(net, net.params),
    compile: compiled ? compileSettings(compiled) : null,
    optimizer,
    preprocessing: parts.preprocessing && structuredClone(parts.preprocessing),
    training: structuredClone(parts.training),
    rng: Array.from(net.core.i32(net.rt.rng, 4), (v) => v >>> 0),
    origin: parts.origin && structuredClone(parts.origin),
  };
}

/** A state checked against a model, ready to be written: compiling it has already built the new optimizer. */
export interface CheckedState {
  weights: ReturnType<typeof checkTensors>;
  /** A new compile to install, or undefined to keep the model's. */
  compiled?: Compiled;
  optimizer?: { steps: number; learningRate: number; state: ReturnType<typeof checkTensors>[] | undefined };
  preprocessing: Preprocessing | null;
  training: TrainingRecord;
  rng: number[];
  origin: ModelOrigin | null;
}

/** Checks a state for loading into `parts`; a compile in it builds a new optimizer, which the caller installs or disposes. */
export function checkState(parts: StateParts, state: ModelState, options: LoadStateOptions = {}): CheckedState {
  const where = "loadState";
  checkKeys(options, ["checkFinite"], where);
  const finite = booleanOption(options.checkFinite ?? true, `${where}: checkFinite`);
  if (typeof state !== "object" || state === null) throw new ConfigError(`${where}: expected a model state from state(), got ${describe(state)}`);
  checkKeys(state, ["config", "weights", "compile", "optimizer", "preprocessing", "training", "rng", "origin"], where);
  const { net, config } = parts;
  const ours = JSON.stringify([config.inputs, config.layers]);
  if (JSON.stringify([state.config?.inputs, state.config?.layers]) !== ours) {
    throw new ConfigError(`${where}: the state's architecture (inputs and layers) differs from this model's; build a model from state.config`);
  }
  const weights = checkTensors(net, state.weights, `${where}: weights`, finite);
  if (new Set(weights.map(([p]) => p.name)).size !== net.info.length) {
    throw new ConfigError(`${where}: weights must hold each of ${net.info.map((p) => p.name).join(", ")} exactly once`);
  }
  const checked: CheckedState = {
    weights,
    preprocessing: state.preprocessing === null ? null : checkPreprocessing(state.preprocessing, config.inputs, net.outputs),
    training: checkTraining(state.training),
    rng: checkRng(state.rng),
    origin: state.origin == null ? null : checkOrigin(state.origin, `${where}: origin`),
  };
  checked.compiled = state.compile === null ? undefined : resolveCompile(net, savedCompile(net, state.compile));
  try {
    checked.optimizer = checkProgress(net, checked.compiled?.optimizer ?? parts.compiled?.optimizer, state.optimizer, finite);
  } catch (e) {
    checked.compiled?.optimizer.dispose();
    throw e;
  }
  return checked;
}

/** Writes a checked state's weights, optimizer progress (into `optimizer`, the model's after any new compile) and RNG state. */
export function writeState(net: Network, optimizer: Optimizer | undefined, checked: CheckedState): void {
  writeTensors(net.core, net.params, checked.weights);
  net.weightsChanged();
  const progress = checked.optimizer;
  if (progress && optimizer) {
    optimizer.steps = progress.steps;
    optimizer.learningRate = progress.learningRate;
    progress.state?.forEach((tensors, i) => writeTensors(net.core, optimizer.state()[i].ptr, tensors));
  }
  net.core.i32(net.rt.rng, 4).set(checked.rng);
}

function checkProgress(net: Network, optimizer: Optimizer | undefined, p: OptimizerProgress | null, finite: boolean): CheckedState["optimizer"] {
  if (p === null) return undefined;
  const where = "loadState: optimizer";
  if (!optimizer) throw new StateError(`${where}: the state has optimizer progress but the model is not compiled; include compile settings`);
  checkKeys(p, ["type", "steps", "learningRate", "state"], where);
  if (p.type !== optimizer.config.type) throw new ConfigError(`${where}: type ${describe(p.type)} differs from the compiled optimizer '${optimizer.config.type}'`);
  const steps = integerOption(p.steps, `${where}.steps`, 0);
  const learningRate = positiveOption(p.learningRate, `${where}.learningRate`);
  if (p.state === undefined) return { steps, learningRate, state: undefined };
  const names = optimizer.state().map((b) => b.name);
  if (!Array.isArray(p.state) || p.state.map((s) => s?.name).join() !== names.join()) {
    throw new ConfigError(`${where}: state [${Array.isArray(p.state) ? p.state.map((s) => s?.name) : describe(p.state)}] does not match ${optimizer.config.type}'s buffers [${names}]`);
  }
  const state = p.state.map((s) => {
    const tensors = checkTensors(net, s.tensors, `${where}.${s.name}`, finite);
    if (tensors.length !== net.info.length) throw new ConfigError(`${where}.${s.name}: needs one tensor per parameter (${net.info.length})`);
    return tensors;
  });
  return { steps, learningRate, state };
}

function checkTraining(v: unknown): TrainingRecord {
  const where = "loadState: training";
  const t = v as TrainingRecord;
  if (typeof t !== "object" || t === null) throw new ConfigError(`${where} must be {epochs, last}, got ${describe(v)}`);
  checkKeys(t, ["epochs", "last"], where);
  const record: TrainingRecord = { epochs: integerOption(t.epochs, `${where}.epochs`, 0) };
  if (t.last !== undefined) {
    if (typeof t.last !== "object" || t.last === null || !Object.values(t.last).every((x) => typeof x === "number")) {
      throw new ConfigError(`${where}.last must be an object of numbers`);
    }
    record.last = { ...t.last };
  }
  return record;
}

function checkRng(v: unknown): number[] {
  if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32) || v.every((x) => x === 0)) {
    throw new ConfigError(`loadState: rng must be four 32-bit unsigned integers, not all zero, got ${describe(v)}`);
  }
  return [...v];
}
