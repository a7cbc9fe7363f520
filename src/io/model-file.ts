// The wasmlp model file: a safetensors container whose tensors are the model's
// parameters (`layers.{i}.weight`, `layers.{i}.bias`) and, optionally, its
// optimizer state (`optimizer.{state}.{parameter}`), with the architecture,
// training settings and RNG state as JSON strings in `__metadata__`.
// Loading checks the whole file against its own architecture before the
// model is allocated, so a corrupt or hostile file never reaches the core.
import { getCore } from "../runtime/core.js";
import { ModelFileError, StateError } from "../errors.js";
import type { LayerConfig } from "../nn/layers/layer.js";
import { createLayer } from "../nn/layers/registry.js";
import { registerEncoder, type Stateful } from "../model/encoders.js";
import { Sequential, type CompileOptions, type ModelConfig, type NamedTensor } from "../model/model.js";
import type { ModelState, TrainingRecord } from "../model/state.js";
import { checkOrigin, type ModelOrigin } from "../model/origin.js";
import type { OptimizerConfig } from "../nn/optimizers.js";
import { booleanOption, checkKeys, describe, integerOption } from "../util/options.js";
import { guessFileKind, looksLikeSafetensors } from "../util/file-kind.js";
import { checkPreprocessing, type Preprocessing } from "../nn/preprocessing.js";
import type { EpochLogs } from "../train/training.js";
import { asFileError as wrap } from "./as-file-error.js";
import { encodeSafetensors, parseSafetensors, readF32, type F32Tensor, type SafetensorsFile } from "./safetensors.js";
// Registers toONNX()'s encoder too: whatever reads or writes models imports this module, so both encoders are always there.
import "./onnx/export.js";

/** The format version this wasmlp writes: MAJOR.MINOR. */
export const FORMAT_VERSION = "1.0";
/** Files of this major version load; a newer major is refused. */
const MAJOR = 1;
/** The newest minor version this wasmlp knows (1.1 added quantised models); a newer minor's failures say to upgrade. */
export const READ_MINOR = 1;
/** Most layers a file may declare: building a network costs more than linear time in its depth, so a small file must not declare millions. */
export const MAX_FILE_LAYERS = 1024;

/** Options of model.save(). */
export interface SaveOptions {
  /** Include the optimizer's state and step count, so that training resumes exactly; default false. */
  optimizer?: boolean;
}

/** Options of decodeModel() (and of load(), which adds its own). */
export interface DecodeOptions {
  /** Refuse weights (and optimizer state) that are NaN or infinite; default true. */
  checkFinite?: boolean;
  /** Largest JSON header accepted, in bytes; default 100 MB, as in the reference safetensors reader. */
  maxHeaderBytes?: number;
}

/** The model as wasmlp file bytes (safetensors); model.save() calls this. */
export function encodeModel(model: Stateful, options: SaveOptions = {}): Uint8Array {
  checkKeys(options, ["optimizer"], "save");
  const withOptimizer = booleanOption(options.optimizer ?? false, "save: optimizer");
  const state = model.state({ optimizer: withOptimizer });
  if (withOptimizer && !state.optimizer) throw new StateError("save: optimizer state was requested but the model is not compiled");
  const params = fileOrder(state.weights);
  const tensors: F32Tensor[] = [...params];
  const { training } = state;
  const metadata: Record<string, string> = {
    format: "wasmlp",
    format_version: FORMAT_VERSION,
    config: JSON.stringify(state.config),
    preprocessing: JSON.stringify(state.preprocessing),
    training: JSON.stringify({ epochs: training.epochs, last: training.last ?? null, saved: new Date().toISOString() }),
    rng: JSON.stringify(state.rng),
  };
  if (state.compile) metadata.compile = JSON.stringify(state.compile);
  if (state.origin) metadata.origin = JSON.stringify(state.origin);
  const optimizer = state.optimizer;
  if (withOptimizer && optimizer?.state) {
    metadata.optimizer = JSON.stringify({ type: optimizer.type, steps: optimizer.steps, state: optimizer.state.map((s) => s.name) });
    for (const s of optimizer.state) {
      const byName = new Map(s.tensors.map((t) => [t.name, t]));
      for (const p of params) tensors.push({ ...byName.get(p.name)!, name: `optimizer.${s.name}.${p.name}` });
    }
  }
  return encodeSafetensors(tensors, metadata);
}
registerEncoder("wasmlp", encodeModel);

/** Builds a model from wasmlp file bytes, validating everything first; the core must be loaded. `name` names the file in errors. */
export function decodeModel(bytes: Uint8Array, options: DecodeOptions = {}, name?: string): Sequential {
  const { file, checkFinite } = openContainer(bytes, options, name, "decodeModel", "load");
  const plan = fromNewerMinor(file, planModel);
  if (checkFinite) for (const [name, data] of plan.data) checkFiniteTensor(name, data);
  const model = wrap(() => new Sequential(plan.config), 'metadata "config"');
  try {
    restore(model, plan);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/** Everything a file says, checked against itself, before any model memory exists. */
interface Plan {
  config: ModelConfig;
  compile?: CompileOptions;
  optimizer?: { type: string; steps: number; state: string[] };
  rng?: number[];
  training: TrainingRecord;
  preprocessing: Preprocessing | null;
  origin: ModelOrigin | null;
  params: { name: string; shape: number[] }[];
  data: Map<string, Float32Array>;
}

/**
 * Checks decode options (`where` names the call, `option` prefixes an option's name) and the container of a model file:
 * a file plainly of another kind is named as such. Returns the checked container and whether weights must be finite.
 */
export function openContainer(bytes: Uint8Array, options: DecodeOptions, name: string | undefined, where: string, option: string): { file: SafetensorsFile; checkFinite: boolean } {
  checkKeys(options, ["checkFinite", "maxHeaderBytes"], where);
  const checkFinite = booleanOption(options.checkFinite ?? true, `${option}: checkFinite`);
  if (options.maxHeaderBytes !== undefined) integerOption(options.maxHeaderBytes, `${option}: maxHeaderBytes`);
  refuseForeign(bytes, name);
  return { file: parseSafetensors(bytes, options.maxHeaderBytes), checkFinite };
}

/**
 * Runs `plan` on a checked container; a failure on a file of a newer minor version than this wasmlp knows says
 * that upgrading may be the fix, since a newer minor may store what this version cannot read.
 */
export function fromNewerMinor<T>(file: SafetensorsFile, plan: (file: SafetensorsFile) => T): T {
  try {
    return plan(file);
  } catch (e) {
    const minor = /^1\.(\d{1,6})$/.exec(file.metadata.format_version ?? "")?.[1];
    if (!(e instanceof ModelFileError) || minor === undefined || Number(minor) <= READ_MINOR) throw e;
    throw new ModelFileError(`${e.message} (the file is format version ${file.metadata.format_version}, newer than this wasmlp reads ` +
      `(up to 1.${READ_MINOR}): upgrade wasmlp to load it)`);
  }
}

function planModel(file: SafetensorsFile): Plan {
  const meta = file.metadata;
  checkFormat(meta);
  if (meta.quantization !== undefined) {
    throw new ModelFileError("the file holds a quantised (int8) model: read it with loadQuantized() (in Node, loadQuantizedModel(path)), " +
      "or with a wasmlp of format 1.1 or later");
  }
  const config = planConfig(json(meta, "config"));
  const params = expectedParams(config);
  const compile = meta.compile === undefined ? undefined : planCompile(json(meta, "compile"));
  const optimizer = meta.optimizer === undefined ? undefined : planOptimizer(json(meta, "optimizer"), compile);
  const rng = meta.rng === undefined ? undefined : planRng(json(meta, "rng"));
  const training = meta.training === undefined ? { epochs: 0 } : planTraining(json(meta, "training"));
  const rawPreprocessing = meta.preprocessing === undefined ? null : json(meta, "preprocessing");
  const preprocessing = rawPreprocessing === null ? null : wrap(() => checkPreprocessing(rawPreprocessing, config.inputs), 'metadata "preprocessing"');
  const rawOrigin = meta.origin === undefined ? null : json(meta, "origin");
  const origin = rawOrigin === null ? null : wrap(() => checkOrigin(rawOrigin, 'metadata "origin"'), "model file");

  const expected = new Map(params.map((p) => [p.name, p.shape]));
  for (const s of optimizer?.state ?? []) for (const p of params) expected.set(`optimizer.${s}.${p.name}`, p.shape);
  const data = new Map<string, Float32Array>();
  for (const t of file.tensors) {
    const shape = expected.get(t.name);
    if (!shape) {
      const hint = t.name.startsWith("optimizer.") && !optimizer ? ' (optimizer state without metadata "optimizer")' : "";
      throw new ModelFileError(`tensor ${JSON.stringify(t.name)} is not part of this architecture${hint}; expected ${[...expected.keys()].join(", ") || "no tensors"}`);
    }
    if (t.dtype !== "F32") throw new ModelFileError(`tensor ${JSON.stringify(t.name)}: dtype ${t.dtype}; a float model's tensors are F32`);
    if (t.shape.join() !== shape.join() || t.shape.length !== shape.length) {
      throw new ModelFileError(`tensor ${JSON.stringify(t.name)}: shape [${t.shape}] does not match the architecture's [${shape}]`);
    }
    data.set(t.name, readF32(file, t));
  }
  for (const name of expected.keys()) if (!data.has(name)) throw new ModelFileError(`tensor ${JSON.stringify(name)} is missing`);
  return { config, compile, optimizer, rng, training, preprocessing, origin, params, data };
}

/** A file that is plainly something else (CSV, ONNX, …) is called that, not a safetensors file with a corrupt header. */
function refuseForeign(bytes: Uint8Array, name: string | undefined): void {
  const kind = looksLikeSafetensors(bytes) ? undefined : guessFileKind(bytes);
  if (kind === undefined) return;
  throw new ModelFileError(`${name ?? "the bytes given"} ${name ? "is" : "are"} not a wasmlp model file: ${name ? "it looks" : "they look"} like ${kind}; ` +
    "a model file is the .safetensors file that save(), saveModel() or 'wasmlp train' writes");
}

/** Checks "format" and "format_version" (major 1); returns the minor version. */
export function checkFormat(meta: Record<string, string>): number {
  if (meta.format !== "wasmlp") {
    throw new ModelFileError(meta.format === undefined
      ? `not a wasmlp model: __metadata__ has no "format" (a plain safetensors file?)`
      : `not a wasmlp model: __metadata__ "format" is ${JSON.stringify(meta.format.slice(0, 40))}, expected "wasmlp"`);
  }
  const version = meta.format_version;
  const m = typeof version === "string" ? /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/.exec(version) : null;
  if (!m) throw new ModelFileError(`metadata "format_version" must be "MAJOR.MINOR", got ${JSON.stringify(version?.slice(0, 40))}`);
  const major = Number(m[1]);
  if (major > MAJOR) {
    throw new ModelFileError(`format version ${version} is newer than this wasmlp reads (${MAJOR}.x); upgrade wasmlp to load this file`);
  }
  if (major < MAJOR) throw new ModelFileError(`format version ${version} was never released; this wasmlp reads ${MAJOR}.x`);
  return Number(m[2]);
}

/** Parses one metadata value as JSON, naming the key when it is not. */
export function json(meta: Record<string, string>, key: string): unknown {
  const text = meta[key];
  if (text === undefined) throw new ModelFileError(`metadata "${key}" is missing`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(`metadata "${key}" is not valid JSON: ${(e as Error).message}`);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function planConfig(v: unknown): ModelConfig {
  const where = 'metadata "config"';
  if (!isObject(v)) throw new ModelFileError(`${where} must be an object {inputs, layers, seed}`);
  if (!Array.isArray(v.layers) || v.layers.length === 0) throw new ModelFileError(`${where}: layers must be a non-empty array`);
  if (v.layers.length > MAX_FILE_LAYERS) throw new ModelFileError(`${where}: ${v.layers.length} layers; model files hold at most ${MAX_FILE_LAYERS}`);
  if (!Number.isSafeInteger(v.inputs) || (v.inputs as number) < 1) throw new ModelFileError(`${where}: inputs must be a positive integer, got ${describe(v.inputs)}`);
  wrap(() => checkKeys(v, ["inputs", "layers", "seed"], where), where);
  return v as unknown as ModelConfig;
}

/** Parameter names and shapes the architecture implies, found by building the layers without memory. */
export function expectedParams(config: ModelConfig): { name: string; shape: number[] }[] {
  // Layer constructors validate and size, but allocate nothing until bound and allocated.
  const rt = { core: getCore(), rng: 0, work: 0 };
  const out: { name: string; shape: number[] }[] = [];
  let width = config.inputs;
  config.layers.forEach((c: LayerConfig, i) => {
    const layer = wrap(() => createLayer(rt, width, c, `layers[${i}]`), 'metadata "config"');
    for (const spec of layer.params()) out.push({ name: `layers.${i}.${spec.name}`, shape: spec.shape });
    width = layer.outputSize;
  });
  return out;
}

function planCompile(v: unknown): CompileOptions {
  if (!isObject(v)) throw new ModelFileError(`metadata "compile" must be an object {loss, optimizer, metrics, l2}`);
  return v as CompileOptions;
}

function planOptimizer(v: unknown, compile: CompileOptions | undefined): Plan["optimizer"] {
  const where = 'metadata "optimizer"';
  if (!compile) throw new ModelFileError(`${where} is present but "compile" is not; optimizer state needs its settings`);
  if (!isObject(v)) throw new ModelFileError(`${where} must be an object {type, steps, state}`);
  const compiledType = typeof compile.optimizer === "string" ? compile.optimizer : (compile.optimizer as OptimizerConfig | undefined)?.type;
  if (v.type !== compiledType) throw new ModelFileError(`${where}: type ${describe(v.type)} differs from the compiled optimizer ${describe(compiledType)}`);
  if (!Number.isSafeInteger(v.steps) || (v.steps as number) < 0) throw new ModelFileError(`${where}: steps must be a non-negative integer, got ${describe(v.steps)}`);
  const state = v.state;
  if (!Array.isArray(state) || !state.every((s) => typeof s === "string" && /^[A-Za-z0-9_]{1,32}$/.test(s)) || new Set(state).size !== state.length) {
    throw new ModelFileError(`${where}: state must list distinct buffer names such as ["m", "v"]`);
  }
  return { type: v.type as string, steps: v.steps as number, state: state as string[] };
}

function planRng(v: unknown): number[] {
  if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32) || v.every((x) => x === 0)) {
    throw new ModelFileError(`metadata "rng" must be four 32-bit unsigned integers, not all zero`);
  }
  return v;
}

function planTraining(v: unknown): TrainingRecord {
  const where = 'metadata "training"';
  if (!isObject(v)) throw new ModelFileError(`${where} must be an object {epochs, last, saved}`);
  if (!Number.isSafeInteger(v.epochs) || (v.epochs as number) < 0) throw new ModelFileError(`${where}: epochs must be a non-negative integer, got ${describe(v.epochs)}`);
  const record: TrainingRecord = { epochs: v.epochs as number };
  if (v.last !== undefined && v.last !== null) {
    if (!isObject(v.last) || !Object.values(v.last).every((x) => typeof x === "number")) throw new ModelFileError(`${where}: last must be an object of numbers`);
    record.last = { ...(v.last as unknown as EpochLogs) };
  }
  return record;
}

export function checkFiniteTensor(name: string, data: Float32Array): void {
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (x - x !== 0) throw new ModelFileError(`tensor ${JSON.stringify(name)} holds ${x} at index ${i}; weights must be finite (load with checkFinite: false to accept)`);
  }
}

/** Writes weights, compile settings, optimizer state and RNG state into a freshly built model. */
function restore(model: Sequential, plan: Plan): void {
  if (plan.compile) wrap(() => model.compile(plan.compile), 'metadata "compile"');
  const tensors = (prefix: string) => plan.params.map((p): NamedTensor => ({ ...p, data: plan.data.get(prefix + p.name)! }));
  const state: ModelState = {
    // The model's own config: the file's may leave defaults out.
    config: model.toConfig(),
    weights: tensors(""),
    // Compiled just above, so that a bad setting is named as the file's.
    compile: null,
    optimizer: plan.optimizer ? {
      type: plan.optimizer.type as OptimizerConfig["type"], steps: plan.optimizer.steps, learningRate: model.learningRate!,
      state: plan.optimizer.state.map((name) => ({ name, tensors: tensors(`optimizer.${name}.`) })),
    } : null,
    preprocessing: plan.preprocessing,
    training: plan.training,
    rng: plan.rng ?? model.state().rng,
    origin: plan.origin,
  };
  // Finiteness is checked (or not) as load() was asked, before the model was built.
  wrap(() => model.loadState(state, { checkFinite: false }), plan.optimizer ? 'metadata "optimizer"' : "model file");
}

/** Tensors in file order: by layer, weight before bias (the flat buffer puts all weights first). */
function fileOrder(weights: NamedTensor[]): NamedTensor[] {
  const layer = (t: NamedTensor) => Number(t.name.split(".")[1]);
  return [...weights].sort((a, b) => layer(a) - layer(b));
}
