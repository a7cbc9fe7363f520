// What `evaluate` and `predict` share: the arguments `<model> <data...>` and the options that
// choose and read the data; the model loaded and the data read with the model's own columns.
import type { CsvOptions } from "../data/csv.js";
import { ModelFileError } from "../errors.js";
import { decodeInferenceModel } from "../io/load.js";
import type { Sequential } from "../model/model.js";
import type { QuantizedModel } from "../model/quantized-model.js";
import type { ActivationName } from "../nn/activations.js";
import { init } from "../runtime/core.js";
import { filesBeside, readFileBytes } from "../node/files.js";
import { Options, parse, UsageError, type OptionSpec } from "./args.js";
import { classNames, loadData, type Loaded } from "./data.js";
import { csvOptions } from "./io.js";

/** The options both commands take. */
const SHARED = {
  split: { type: "string" }, missing: { type: "string" }, "class-names": { type: "string" },
  delimiter: { type: "string" }, decimal: { type: "string" }, thousands: { type: "string" }, "day-first": { type: "boolean" },
  json: { type: "boolean" }, help: { type: "boolean", short: "h" },
} as const satisfies OptionSpec;

/** A parsed `<model> <data...>` command line. */
export interface ModelAndDataArgs {
  command: "evaluate" | "predict" | "quantize";
  o: Options;
  modelPath: string;
  dataPaths: string[];
}

/** A model the inference commands run: a float model, or an int8 one from 'wasmlp quantize'. */
export type InferenceModel = Sequential | QuantizedModel;

/** A loaded model (the caller disposes it), its data, and the class names for reports. */
export interface ModelAndData {
  model: InferenceModel;
  data: Loaded;
  names(): string[];
}

/** Parses `<model> <data...>`, the shared options and the command's own (`extra`); checks the shared ones. */
export function parseModelAndData(command: ModelAndDataArgs["command"], argv: string[], extra: OptionSpec): ModelAndDataArgs {
  const { values, positionals } = parse(command, argv, { ...SHARED, ...extra });
  const o = new Options(values, command);
  const [modelPath, ...dataPaths] = positionals;
  if (!modelPath) throw new UsageError("missing the model file", command);
  o.choice("split", ["train", "test"] as const);
  o.choice("missing", ["error", "drop"] as const);
  return { command, o, modelPath, dataPaths };
}

/** Loads the model, then the data with the model's columns (with their targets when `scoring`), checked against its inputs. */
export async function openModelAndData(args: ModelAndDataArgs, scoring: boolean): Promise<ModelAndData> {
  const { command, o, dataPaths } = args;
  const model = await openModel(args);
  try {
    const data = await dataFor(model, { o, command, paths: dataPaths, split: o.choice("split", ["train", "test"] as const, "test") }, scoring);
    return { model, data, names: () => reportClassNames(args, model) };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Reads `paths` with the model's columns (with their targets when `scoring`), checked against its inputs. */
export async function dataFor(model: InferenceModel, where: { o: Options; command: string; paths: string[]; split: "train" | "test" }, scoring: boolean): Promise<Loaded> {
  const { o, command, paths, split } = where;
  const options = csvOptions(o, model.preprocessing, scoring);
  const allInputs = !scoring && mayTakeAllColumns(model, options);
  let data = await loadData(paths, split, allInputs ? { ...options, label: null } : options, command);
  if (allInputs && data.csv && data.x.cols !== model.inputs) data = await loadData(paths, split, options, command);
  // Notices go to stderr: predict may be writing its rows to stdout.
  for (const notice of data.csv?.notices ?? []) process.stderr.write(`note: ${notice}\n`);
  if (data.x.cols !== model.inputs) {
    throw new UsageError(`the model takes ${model.inputs} inputs but ${data.description} gives ${data.x.cols} per row`, command);
  }
  return data;
}

/** Loads the command's model; a data file named as the model, with a model file among the data, is pointed out as swapped arguments. */
export async function openModel({ command, modelPath, dataPaths }: ModelAndDataArgs): Promise<InferenceModel> {
  const bytes = await readFileBytes(modelPath);
  await init();
  return decodeInferenceModel(bytes, {}, { name: modelPath, sideFiles: filesBeside(modelPath, undefined) }).catch((e) => {
    // `wasmlp predict data.csv model.safetensors`: the error says what data.csv is; add that the order is swapped.
    if (e instanceof ModelFileError && dataPaths.some((p) => /\.(safetensors|onnx)$|(^|[/\\])model\.json$/i.test(p))) {
      throw new UsageError(`${e.message}\nThe model comes first: wasmlp ${command} <model> <data...>`, command);
    }
    throw e;
  });
}

/**
 * A model without a column schema (imported, or trained on arrays) takes rows of exactly its inputs: to predict, a
 * file of that many columns is all inputs; otherwise its last column (or --label) is the target. Whether to try that first.
 */
export function mayTakeAllColumns(model: InferenceModel, options: Omit<CsvOptions, "source">): boolean {
  return !model.preprocessing?.columns && options.label === undefined;
}

/** Class names for reports: --class-names, the model's, Fashion-MNIST's for such a folder, or the indices. */
export function reportClassNames({ o, dataPaths }: ModelAndDataArgs, model: InferenceModel): string[] {
  return classNames(o.list("class-names"), model.outputs, dataPaths[0], model.preprocessing?.target?.classes);
}

/** The activation of the model's last layer ('maxout' for a maxout layer), of either kind. */
export function outputActivation(model: InferenceModel): ActivationName | "maxout" {
  const last = model.layers.at(-1)!;
  return last.kind === "maxout" ? "maxout" : (last.activation as ActivationName);
}
