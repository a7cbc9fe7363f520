// TensorFlow.js Layers import: the models TensorFlow.js trained and saved in
// test/fixtures/tfjs/ (scripts/make-tfjs-fixtures.mjs) must predict what
// TensorFlow.js predicted for them, and every malformed or unsupported file must
// be refused with a ModelFileError that names what is wrong.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { init, ModelFileError } from "../src/index.js";
import { buildImported } from "../src/io/import/build.js";
import { importTfjsLayers } from "../src/io/tfjs/layers.js";
import { maxRelError } from "./helpers.js";
import { fixture, NAMES, TOLERANCE, WORKING, type Fixture, type Json } from "./tfjs-fixtures.js";

/** Imports a fixture (or a changed copy of its model.json) and returns the Sequential it becomes. */
async function build(f: Fixture, modelJson: Json = f.modelJson, read = f.read) {
  return buildImported(await importTfjsLayers(modelJson, read));
}

/** The largest relative difference between the model's predictions and TensorFlow.js's for the fixture's inputs. */
async function difference(f: Fixture, modelJson: Json = f.modelJson, read = f.read): Promise<number> {
  const model = await build(f, modelJson, read);
  const got = model.predict(f.expected.inputs!);
  model.dispose();
  return maxRelError(got.flat(), f.expected.outputs!.flat());
}

const copy = (v: Json): Json => structuredClone(v);
const layersOf = (json: Json): Json[] => json.modelTopology.config.layers;
const entries = (json: Json): Json[] => json.weightsManifest[0].weights;

/** Imports and returns the message of the ModelFileError it must throw. */
async function refusal(modelJson: Json, read: (path: string) => Promise<Uint8Array>): Promise<string> {
  const error = await importTfjsLayers(modelJson, read).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ModelFileError);
  return (error as Error).message;
}

beforeAll(async () => { await init(); });

describe("TensorFlow.js Layers fixtures", () => {
  it("covers the model kinds the import supports, and one it refuses", () => {
    expect(NAMES).toEqual(["activation-layers", "batchnorm", "conv2d", "dense-activations", "flatten-dropout", "float16", "functional", "sharded", "uint8"]);
    expect(WORKING).toHaveLength(NAMES.length - 1);
  });

  it.each(WORKING)("%s predicts what TensorFlow.js predicted, within 1e-5", async (name) => {
    const f = fixture(name);
    expect(f.expected.inputs!.length).toBeGreaterThan(0);
    expect(await difference(f)).toBeLessThanOrEqual(TOLERANCE);
  });

  it("reads the architecture each model describes", async () => {
    const configs = Object.fromEntries(await Promise.all(WORKING.map(async (n) => [n, (await importTfjsLayers(fixture(n).modelJson, fixture(n).read)).config])));
    expect(configs["dense-activations"]).toMatchObject({ inputs: 6, layers: [
      { units: 8, activation: "relu" }, { units: 8, activation: "tanh" }, { units: 8, activation: "sigmoid" },
      { units: 6, activation: "linear", useBias: false }, { units: 3, activation: "softmax" }] });
    expect(configs["flatten-dropout"]).toMatchObject({ inputs: 16, layers: [{ units: 12, activation: "relu" }, { units: 3, activation: "softmax" }] });
    expect(configs["activation-layers"]).toMatchObject({ inputs: 7, layers: [
      { units: 8, activation: "leakyRelu", alpha: expect.closeTo(0.3, 7) }, { units: 8, activation: "leakyRelu", alpha: expect.closeTo(0.1, 7) },
      { units: 8, activation: "relu" }, { units: 4, activation: "softmax" }] });
    expect(configs.functional).toMatchObject({ inputs: 5, layers: [{ units: 9, activation: "relu" }, { units: 2, activation: "sigmoid" }] });
    expect(configs.batchnorm.layers.map((l: Json) => l.activation)).toEqual(["relu", "tanh", "linear"]);
  });

  it("folds BatchNormalization: the first becomes the preprocessing, the others fold into the Dense layers beside them", async () => {
    const f = fixture("batchnorm");
    const imported = await importTfjsLayers(f.modelJson, f.read);
    expect(imported.preprocessing).toMatchObject({ method: "scale" });
    expect((imported.preprocessing!.scale as number[]).length).toBe(5);
    const became = imported.origin.nodes.filter((n) => n.op === "BatchNormalization").map((n) => n.became);
    expect(became).toEqual(["preprocessing", "folded into layers.0", "folded into layers.1"]);
  });

  it("records where the model came from: format, producer and what each layer became", async () => {
    const f = fixture("flatten-dropout");
    const { origin } = await importTfjsLayers(f.modelJson, f.read);
    expect(origin.format).toBe("tfjs-layers");
    expect(origin.producer).toBe("TensorFlow.js tfjs-layers v4.22.0");
    expect(origin.nodes.map((n) => [n.op, n.became])).toEqual([
      ["Flatten", "dropped"], ["Dense", "layers.0"], ["Dense", "layers.0 activation"], ["Dropout", "dropped"],
      ["Dense", "layers.1"], ["Dense", "layers.1 activation"]]);
    const converted = { ...copy(f.modelJson), convertedBy: "TensorFlow.js Converter v4.17.0", generatedBy: "keras v2.15.0" };
    expect((await importTfjsLayers(converted, f.read)).origin.producer).toBe("TensorFlow.js Converter v4.17.0 from keras v2.15.0");
  });

  it("reads weights spanning two shard files, each file once, by the paths model.json gives (./ dropped)", async () => {
    const sharded = fixture("sharded");
    expect(sharded.modelJson.weightsManifest[0].paths).toEqual(["group1-shard1of2.bin", "group1-shard2of2.bin"]);
    await importTfjsLayers(sharded.modelJson, sharded.read);
    expect(sharded.asked).toEqual(["group1-shard1of2.bin", "group1-shard2of2.bin"]);
    const half = fixture("float16");
    expect(half.modelJson.weightsManifest[0].paths).toEqual(["./model.weights.bin"]);
    await importTfjsLayers(half.modelJson, half.read);
    expect(half.asked).toEqual(["model.weights.bin"]);
  });

  it("takes the model.json as text, and weights as ArrayBuffers", async () => {
    const f = fixture("dense-activations");
    const text = readFileSync(join(f.dir, "model.json"), "utf8");
    const asBuffer = async (p: string) => { const b = await f.read(p); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer; };
    expect(await difference(f, text, asBuffer as never)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe("TensorFlow.js topology forms", () => {
  it("an older Sequential whose config is the layer array", async () => {
    const f = fixture("dense-activations");
    const json = copy(f.modelJson);
    json.modelTopology.config = json.modelTopology.config.layers;
    expect(await difference(f, json)).toBeLessThanOrEqual(TOLERANCE);
  });

  it("a converted Keras file: the model inside model_config", async () => {
    const f = fixture("sharded");
    const json = copy(f.modelJson);
    json.modelTopology = { keras_version: "2.15.0", backend: "tensorflow", model_config: json.modelTopology, training_config: {} };
    expect(await difference(f, json)).toBeLessThanOrEqual(TOLERANCE);
  });

  it("Keras 3 names: batch_shape, negative_slope, an InputLayer, and Functional nodes given as keras tensors", async () => {
    const f = fixture("activation-layers");
    const json = copy(f.modelJson);
    const [input, ...rest] = layersOf(json);
    input.config.batch_shape = input.config.batch_input_shape;
    delete input.config.batch_input_shape;
    const leaky = rest.find((l) => l.class_name === "LeakyReLU" && l.config.alpha === 0.1);
    leaky.config.negative_slope = leaky.config.alpha;
    delete leaky.config.alpha;
    expect(await difference(f, json)).toBeLessThanOrEqual(TOLERANCE);

    const fn = fixture("functional");
    const functional = copy(fn.modelJson);
    functional.modelTopology.class_name = "Functional";
    for (const layer of layersOf(functional)) {
      layer.inbound_nodes = layer.inbound_nodes.map((node: Json[]) => ({
        args: node.map(([name, n, t]: Json[]) => ({ class_name: "__keras_tensor__", config: { keras_history: [name, n, t] } })), kwargs: {},
      }));
    }
    functional.modelTopology.config.input_layers = functional.modelTopology.config.input_layers[0];
    expect(await difference(fn, functional)).toBeLessThanOrEqual(TOLERANCE);
  });

  it("a Keras 3 Sequential with no input shape on its layers but the build_input_shape it was built with", async () => {
    const f = fixture("dense-activations");
    const json = copy(f.modelJson);
    json.modelTopology.config.build_input_shape = layersOf(json)[0].config.batch_input_shape;
    delete layersOf(json)[0].config.batch_input_shape;
    expect(await difference(f, json)).toBeLessThanOrEqual(TOLERANCE);
  });

  it("uint16-quantized, int32 and float16 weights, decoded as TensorFlow.js decodes them", async () => {
    const json = {
      modelTopology: { class_name: "Sequential", config: { layers: [
        { class_name: "Dense", config: { name: "a", units: 2, batch_input_shape: [null, 2] } },
        { class_name: "Dense", config: { name: "b", units: 1, use_bias: false } },
      ] } },
      weightsManifest: [{ paths: ["w.bin"], weights: [
        { name: "a/kernel", shape: [2, 2], dtype: "float32", quantization: { dtype: "uint16", scale: 0.5, min: -1 } },
        { name: "a/bias", shape: [2], dtype: "int32" },
        { name: "b/kernel", shape: [2, 1], dtype: "float16" },
      ] }],
    };
    const bytes = new Uint8Array(8 + 8 + 4);
    new Uint16Array(bytes.buffer, 0, 4).set([0, 1, 2, 65535]); // −1, −0.5, 0, 32766.5
    new Int32Array(bytes.buffer, 8, 2).set([3, -4]);
    new Uint16Array(bytes.buffer, 16, 2).set([0x3c00, 0xc000]); // 1, −2
    const imported = await importTfjsLayers(json, async () => bytes);
    expect(Array.from(imported.weights[0].data)).toEqual([-1, -0.5, 0, 32766.5]);
    expect(Array.from(imported.weights[1].data)).toEqual([3, -4]);
    expect(Array.from(imported.weights[2].data)).toEqual([1, -2]);
    const model = buildImported(imported);
    // [1, 2]·W + b = [3 − 1 + 0, −4 − 0.5 + 65533] = [2, 65528.5]; then 2·1 + 65528.5·(−2).
    expect(model.predict([[1, 2]])).toEqual([[-131055]]);
    model.dispose();
  });

  it("uint8-quantized weights: v·scale + min, rounded for an int32 weight", async () => {
    const json = {
      modelTopology: { class_name: "Sequential", config: { layers: [{ class_name: "Dense", config: { name: "d", units: 1, batch_input_shape: [null, 1] } }] } },
      weightsManifest: [{ paths: ["w.bin"], weights: [
        { name: "d/kernel", shape: [1, 1], dtype: "int32", quantization: { dtype: "uint8", scale: 0.3, min: -1.2 } },
        { name: "d/bias", shape: [1], dtype: "float32", quantization: { dtype: "uint8", scale: 0.25, min: 0.5 } },
      ] }],
    };
    const imported = await importTfjsLayers(json, async () => Uint8Array.from([10, 4]));
    // round(10·0.3 − 1.2) = round(1.8) = 2; 4·0.25 + 0.5 = 1.5.
    expect(imported.weights.map((w) => Array.from(w.data))).toEqual([[2], [1.5]]);
  });

  it("a BatchNormalization before a Flatten normalises each channel of the last axis across the other axes", async () => {
    const f = fixture("flatten-dropout");
    const json = copy(f.modelJson);
    // The same 16 values as [4, 2, 2] (Flatten reads them in the same order), normalised per channel first.
    delete layersOf(json)[0].config.batch_input_shape;
    layersOf(json).unshift({ class_name: "BatchNormalization", config: { name: "bn", epsilon: 0, batch_input_shape: [null, 4, 2, 2] } });
    json.weightsManifest.push({ paths: ["bn.bin"], weights: ["gamma", "beta", "moving_mean", "moving_variance"].map((w) => ({ name: `bn/${w}`, shape: [2], dtype: "float32" })) });
    const gamma = [2, 0.5];
    const beta = [1, -1];
    const bn = new Uint8Array(Float32Array.from([...gamma, ...beta, 0, 0, 1, 1]).buffer);
    const model = await build(f, json, async (p) => (p === "bn.bin" ? bn : f.read(p)));
    // Rows that the normalisation maps onto the fixture's inputs give TensorFlow.js's outputs for those.
    const x = f.expected.inputs!.map((row) => row.map((u, i) => (u - beta[i % 2]) / gamma[i % 2]));
    expect(maxRelError(model.predict(x).flat(), f.expected.outputs!.flat())).toBeLessThanOrEqual(TOLERANCE);
    model.dispose();
  });

  it("a functional model's layers may be listed out of order; the chain is followed from input to output", async () => {
    const f = fixture("functional");
    const json = copy(f.modelJson);
    json.modelTopology.config.layers.reverse();
    expect(await difference(f, json)).toBeLessThanOrEqual(TOLERANCE);
  });

  it("a ReLU layer with a negative_slope is a leaky ReLU, and a LeakyReLU of slope 0 a ReLU", async () => {
    const f = fixture("activation-layers");
    const json = copy(f.modelJson);
    const relu = layersOf(json).find((l) => l.class_name === "ReLU");
    relu.config.negative_slope = 0.25;
    const leaky = layersOf(json).find((l) => l.class_name === "LeakyReLU");
    leaky.config.alpha = 0;
    const { config } = await importTfjsLayers(json, f.read);
    expect(config.layers.map((l) => [l.activation, l.alpha])).toEqual([["relu", undefined], ["leakyRelu", expect.closeTo(0.1, 7)], ["leakyRelu", 0.25], ["softmax", undefined]]);
  });
});

/** Fixture JSON with one change, imported: the message of the ModelFileError it gives. */
async function refusedWith(name: string, change: (json: Json) => void, read?: (path: string) => Promise<Uint8Array>): Promise<string> {
  const f = fixture(name);
  const json = copy(f.modelJson);
  change(json);
  return refusal(json, read ?? f.read);
}

describe("TensorFlow.js import refuses", () => {
  it("a Conv2D model, naming the layer, its class and what is supported, before reading any weight file", async () => {
    const f = fixture("conv2d");
    expect(await refusal(f.modelJson, f.read)).toMatch(
      /^layer "conv2d_Conv2D1": class Conv2D is not supported; wasmlp imports multilayer perceptrons made of InputLayer, Dense, Activation, LeakyReLU, ReLU, Softmax, BatchNormalization, Dropout, Flatten layers$/);
    expect(f.asked).toEqual([]);
  });

  it.each([
    ["a Dense activation wasmlp lacks", (j: Json) => { layersOf(j)[0].config.activation = "elu"; }, /^layer "dense_Dense\d+" \(Dense\): activation 'elu' is not supported; wasmlp has linear, relu, sigmoid, tanh, softmax/],
    ["an Activation layer wasmlp lacks", (j: Json) => { layersOf(j)[0].config.activation = "linear"; layersOf(j).splice(1, 0, { class_name: "Activation", config: { name: "act", activation: "selu" } }); }, /^layer "act" \(Activation\): activation 'selu' is not supported/],
    ["units that are not a positive integer", (j: Json) => { layersOf(j)[0].config.units = 0; }, /\(Dense\): units must be a positive integer, got 0/],
    ["use_bias that is not a boolean", (j: Json) => { layersOf(j)[0].config.use_bias = "yes"; }, /\(Dense\): use_bias must be true or false, got 'yes'/],
    ["two activations in a row", (j: Json) => { layersOf(j).splice(1, 0, { class_name: "Activation", config: { name: "again", activation: "tanh" } }); }, /^node "again" \(Activation\): an activation must follow a linear layer directly/],
    ["an InputLayer that is not first", (j: Json) => { layersOf(j).splice(1, 0, { class_name: "InputLayer", config: { name: "late", batch_input_shape: [null, 8] } }); }, /^layer "late" \(InputLayer\): an InputLayer must be the model's first layer/],
    ["a topology class it does not import", (j: Json) => { j.modelTopology.class_name = "Bidirectional"; }, /^modelTopology: class_name 'Bidirectional' is not supported; wasmlp imports Sequential models and functional models/],
    ["a first layer without an input shape", (j: Json) => { delete layersOf(j)[0].config.batch_input_shape; }, /^layer "dense_Dense\d+" \(Dense\): the first layer must give the input shape as batch_input_shape or batch_shape \(or an InputLayer before it\), got undefined/],
    ["an input shape with an unknown axis", (j: Json) => { layersOf(j)[0].config.batch_input_shape = [null, null]; }, /input shape \[null, null\] must give every axis after the batch a fixed positive size/],
    ["layers without names", (j: Json) => { delete layersOf(j)[1].config.name; }, /^modelTopology: layer 2 must be an object \{class_name, config\} whose config has a name/],
    ["two layers of one name", (j: Json) => { layersOf(j)[1].config.name = layersOf(j)[0].config.name; }, /^modelTopology: two layers are named "dense_Dense\d+"/],
    ["a model.json of another format", (j: Json) => { j.format = "graph-model"; }, /^model\.json: format 'graph-model' is not supported; wasmlp imports TensorFlow\.js Layers models \(format 'layers-model'\), and a graph model is a TensorFlow graph of ops$/],
  ])("%s", async (_, change, message) => {
    expect(await refusedWith("dense-activations", change)).toMatch(message);
  });

  it.each([
    ["a Dense on a multi-dimensional input (no Flatten)", (j: Json) => { layersOf(j).shift(); layersOf(j)[0].config.batch_input_shape = [null, 4, 4, 1]; }, /^layer "dense_Dense\d+" \(Dense\): its input has shape \[4, 4, 1\] and the layer acts on the last axis only; add a Flatten before it$/],
    ["a channels_first Flatten", (j: Json) => { layersOf(j)[0].config.data_format = "channels_first"; }, /\(Flatten\): data_format 'channels_first' reorders the axes before flattening; wasmlp imports channels_last only/],
  ])("%s", async (_, change, message) => {
    expect(await refusedWith("flatten-dropout", change)).toMatch(message);
  });

  it.each([
    ["a capped ReLU", (j: Json) => { layersOf(j).find((l) => l.class_name === "ReLU").config.max_value = 6; }, /\(ReLU\): max_value 6 \(a capped ReLU\) is not supported/],
    ["a ReLU threshold", (j: Json) => { layersOf(j).find((l) => l.class_name === "ReLU").config.threshold = 0.5; }, /\(ReLU\): threshold 0.5 is not supported/],
    ["a leaky slope above 1", (j: Json) => { layersOf(j).find((l) => l.class_name === "LeakyReLU").config.alpha = 2; }, /^node "leaky_re_lu_LeakyReLU\d+" \(LeakyReLU\): leaky ReLU slope 2 is not supported; wasmlp's leakyRelu takes a slope between 0 and 1/],
    ["a leaky slope that is not a number", (j: Json) => { layersOf(j).find((l) => l.class_name === "LeakyReLU").config.alpha = "0.2"; }, /\(LeakyReLU\): alpha must be a number, got '0.2'/],
    ["a softmax over another axis", (j: Json) => { layersOf(j).find((l) => l.class_name === "Softmax").config.axis = 0; }, /\(Softmax\): axis 0 is not supported; wasmlp imports this layer over the last axis \(-1\) only/],
  ])("%s", async (_, change, message) => {
    expect(await refusedWith("activation-layers", change)).toMatch(message);
  });

  it.each([
    ["a normalisation over another axis", (j: Json) => { layersOf(j)[0].config.axis = 0; }, /^layer "batch_normalization_BatchNormalization\d+" \(BatchNormalization\): axis 0 is not supported/],
    ["a negative epsilon", (j: Json) => { layersOf(j)[0].config.epsilon = -1; }, /\(BatchNormalization\): epsilon must be a finite number ≥ 0, got -1/],
    ["center that is not a boolean", (j: Json) => { layersOf(j)[0].config.center = 1; }, /\(BatchNormalization\): center and scale must be true or false, got 1 and true/],
    ["a normalisation whose weights are missing", (j: Json) => { layersOf(j).push({ class_name: "BatchNormalization", config: { name: "late_bn" } }); }, /^layer "late_bn" \(BatchNormalization\): weightsManifest has no weight "late_bn\/gamma"/],
  ])("%s", async (_, change, message) => {
    expect(await refusedWith("batchnorm", change)).toMatch(message);
  });

  it("a normalisation whose variance plus epsilon is not positive", async () => {
    const f = fixture("batchnorm");
    const json = copy(f.modelJson);
    layersOf(json)[0].config.epsilon = 0;
    const at = byteOffset(json, (n) => n === `${layersOf(json)[0].config.name}/moving_variance`);
    const read = async (p: string) => { const b = Uint8Array.from(await f.read(p)); new DataView(b.buffer).setFloat32(at, 0, true); return b; };
    expect(await refusal(json, read)).toMatch(/\(BatchNormalization\): moving_variance 0 \+ epsilon 0 of channel 0 is not positive/);
  });

  it("a scaling after the output activation, with its weights in a second group", async () => {
    const f = fixture("dense-activations");
    const json = copy(f.modelJson);
    layersOf(json).push({ class_name: "BatchNormalization", config: { name: "after" } });
    const bn = ["gamma", "beta", "moving_mean", "moving_variance"].map((w) => ({ name: `after/${w}`, shape: [3], dtype: "float32" }));
    json.weightsManifest.push({ paths: ["bn.bin"], weights: bn });
    const read = async (p: string) => (p === "bn.bin" ? new Uint8Array(Float32Array.from([2, 2, 2, 0, 0, 0, 1, 1, 1, 1, 1, 1]).buffer) : f.read(p));
    expect(await refusal(json, read)).toMatch(/^node "after" \(BatchNormalization\): a per-column scaling after the output activation is not supported/);
  });

  it.each([
    ["two inputs", (j: Json) => { j.modelTopology.config.input_layers.push(["other", 0, 0]); }, /^modelTopology: input_layers must name exactly one layer; wasmlp imports models with one input and one output/],
    ["a layer with two inbound tensors", (j: Json) => { layersOf(j).at(-1).inbound_nodes[0].push([layersOf(j)[0].name, 0, 0, {}]); }, /\(Dense\): it takes 2 inputs \(dropout_Dropout\d+, input\d+\); wasmlp imports functional models whose layers form one chain/],
    ["a branch off the chain", (j: Json) => { layersOf(j).push({ class_name: "Dense", name: "side", config: { name: "side", units: 2 }, inbound_nodes: [[[layersOf(j)[0].name, 0, 0, {}]]] }); }, /^layer "side" \(Dense\) is not on the chain from "input\d+" to "dense_Dense\d+"/],
    ["a layer fed by nothing", (j: Json) => { layersOf(j)[1].inbound_nodes = []; }, /^layer "dense_Dense\d+" \(Dense\): it takes 0 inputs \(none\)/],
    ["a loop", (j: Json) => { layersOf(j)[0].inbound_nodes = [[[layersOf(j).at(-1).name, 0, 0, {}]]]; j.modelTopology.config.input_layers = [["nowhere", 0, 0]]; }, /^modelTopology: the layers feed each other in a loop/],
    ["an inbound layer the model does not list", (j: Json) => { layersOf(j).at(-1).inbound_nodes = [[["ghost", 0, 0, {}]]]; }, /^modelTopology: the chain reaches a layer "ghost" that the model does not list/],
  ])("a functional model with %s", async (_, change, message) => {
    expect(await refusedWith("functional", change)).toMatch(message);
  });

  it("model.json text that is not JSON, and JSON that is not an object", async () => {
    const f = fixture("dense-activations");
    expect(await refusal("{ not json", f.read)).toMatch(/^model\.json is not valid JSON: /);
    expect(await refusal([1, 2], f.read)).toMatch(/^model\.json must be an object \{modelTopology, weightsManifest\}, got an array of length 2/);
    expect(await refusal({ weightsManifest: [] }, f.read)).toMatch(/^modelTopology must be an object \{class_name, config\}, got undefined/);
  });
});

/** Byte offset of the first entry whose name passes `match`, in the fixture's single weight group. */
function byteOffset(json: Json, match: (name: string) => boolean): number {
  let at = 0;
  for (const e of entries(json)) {
    if (match(e.name)) return at;
    at += 4 * e.shape.reduce((n: number, d: number) => n * d, 1);
  }
  throw new Error("no such weight");
}

describe("TensorFlow.js weights manifest refuses", () => {
  const f = () => fixture("dense-activations");

  it.each([
    ["a path leaving the model's folder", "../weights.bin", /^weightsManifest group 1: path "\.\.\/weights\.bin" leaves the model's folder; weight files are named relative to model\.json, in its folder or below it$/],
    ["a path inside that still climbs out", "shards/../../x.bin", /path "shards\/\.\.\/\.\.\/x\.bin" leaves the model's folder/],
    ["an absolute path", "/etc/passwd", /path "\/etc\/passwd" is absolute or a URL/],
    ["a URL", "https://example.com/w.bin", /path "https:\/\/example\.com\/w\.bin" is absolute or a URL/],
    ["a Windows drive path", "C:/w.bin", /path "C:\/w\.bin" is absolute or a URL/],
    ["a backslash", "shards\\w.bin", /path "shards\\\\w\.bin" holds a backslash/],
    ["an empty path", "", /a path must be a non-empty string, got ''/],
    ["a path naming no file", "./", /path "\.\/" names no file/],
  ])("%s, before reading any file", async (_, path, message) => {
    const fx = f();
    expect(await refusedWith("dense-activations", (j) => { j.weightsManifest[0].paths = [path]; }, fx.read)).toMatch(message);
    expect(fx.asked).toEqual([]);
  });

  it("a weight file that cannot be read, naming it", async () => {
    const fx = fixture("sharded");
    const missing = async (p: string) => (p === "group1-shard2of2.bin" ? readFileSync(join(fx.dir, "absent.bin")) : fx.read(p));
    expect(await refusal(fx.modelJson, missing)).toMatch(/^weight file "group1-shard2of2\.bin" could not be read: ENOENT/);
    const odd = async () => "bytes" as never;
    expect(await refusal(fx.modelJson, odd)).toMatch(/^weight file "group1-shard1of2\.bin": the reader must give a Uint8Array or an ArrayBuffer, got 'bytes'/);
  });

  it("a ModelFileError from the reader passes through as it is", async () => {
    const own = new ModelFileError("load: the model's weights are in \"weights.bin\", which it was not given");
    const error = await importTfjsLayers(f().modelJson, async () => { throw own; }).catch((e) => e);
    expect(error).toBe(own);
  });

  it("files shorter than the weights, naming the first weight that does not fit", async () => {
    const fx = fixture("sharded");
    const short = async (p: string) => (await fx.read(p)).subarray(0, p.includes("2of2") ? 100 : undefined);
    expect(await refusal(fx.modelJson, short)).toMatch(
      /^weightsManifest group 1: weight "dense_Dense\d+\/kernel" \[20, 20\] needs bytes 320–1920 but the group's files \(group1-shard1of2\.bin, group1-shard2of2\.bin\) hold 1200 bytes; the files are truncated or belong to another model$/);
  });

  it("files longer than the weights", async () => {
    const fx = f();
    const long = async (p: string) => { const b = await fx.read(p); const out = new Uint8Array(b.length + 8); out.set(b); return out; };
    expect(await refusal(fx.modelJson, long)).toMatch(/^weightsManifest group 1: the weights take (\d+) bytes but the group's files \(weights\.bin\) hold \d+; the files belong to another model or the manifest misses a weight$/);
  });

  it.each([
    ["a dtype it does not read", (j: Json) => { entries(j)[0].dtype = "string"; }, /^weightsManifest group 1: weight "dense_Dense\d+\/kernel": dtype 'string' is not supported; wasmlp reads float32, int32, float16 weights$/],
    ["a bool dtype", (j: Json) => { entries(j)[1].dtype = "bool"; }, /weight "dense_Dense\d+\/bias": dtype 'bool' is not supported/],
    ["a quantization it does not read", (j: Json) => { entries(j)[0].quantization = { dtype: "int4" }; }, /weight "dense_Dense\d+\/kernel": quantization 'int4' of float32 is not supported/],
    ["uint8 quantization without a scale", (j: Json) => { entries(j)[0].quantization = { dtype: "uint8", min: 0 }; }, /uint8 quantization needs a finite scale and min, got scale undefined and min 0/],
    ["a shape that is not a list of sizes", (j: Json) => { entries(j)[0].shape = [6, -8]; }, /weight "dense_Dense\d+\/kernel": shape must be an array of non-negative integers, got an array of length 2/],
    ["a shape too large to address", (j: Json) => { entries(j)[0].shape = [2 ** 30, 2 ** 30]; }, /shape \[1073741824, 1073741824\] is too large/],
    ["a weight listed twice", (j: Json) => { entries(j).push({ ...entries(j)[0] }); }, /^weightsManifest: weight "dense_Dense\d+\/kernel" is listed twice$/],
    ["a weight without a name", (j: Json) => { entries(j)[0].name = ""; }, /a weight must be an object \{name, shape, dtype\} with a non-empty name/],
    ["a group without paths", (j: Json) => { j.weightsManifest[0].paths = []; }, /^weightsManifest group 1: paths is empty; it must name the group's weight files$/],
    ["a group that is not {paths, weights}", (j: Json) => { j.weightsManifest = [{ paths: ["weights.bin"] }]; }, /^weightsManifest group 1 must be an object \{paths, weights\} with two arrays/],
    ["a manifest that is not a list", (j: Json) => { j.weightsManifest = {}; }, /^weightsManifest must be an array of \{paths, weights\} groups, got an object/],
  ])("%s", async (_, change, message) => {
    expect(await refusedWith("dense-activations", change)).toMatch(message);
  });

  it.each([
    ["a kernel whose shape does not match the layer", (j: Json) => { const e = entries(j)[0]; e.shape = [e.shape[1], e.shape[0]]; }, /^layer "dense_Dense\d+" \(Dense\): weight "dense_Dense\d+\/kernel" has shape \[8, 6\], but the layer needs \[6, 8\]$/],
    ["a bias whose shape does not match the layer", (j: Json) => { const bias = entries(j)[1]; bias.shape = [2, 4]; }, /\(Dense\): weight "dense_Dense\d+\/bias" has shape \[2, 4\], but the layer needs \[8\]/],
    ["a layer whose weight is missing", (j: Json) => { entries(j)[1].name = "elsewhere/bias"; }, /^layer "dense_Dense\d+" \(Dense\): weightsManifest has no weight "dense_Dense\d+\/bias" \(or one ending in "\/dense_Dense\d+\/bias"\) left for it$/],
    ["a weight no layer takes", (j: Json) => { layersOf(j)[0].config.use_bias = false; }, /^weightsManifest: "dense_Dense\d+\/bias" belongs to no layer of the model$/],
  ])("%s", async (_, change, message) => {
    expect(await refusedWith("dense-activations", change)).toMatch(message);
  });

  it("two weights matching one layer's name", async () => {
    const fx = f();
    const json = copy(fx.modelJson);
    const kernel = entries(json)[0];
    json.weightsManifest.push({ paths: ["more.bin"], weights: [{ ...kernel, name: `b/${kernel.name}` }] });
    kernel.name = `a/${kernel.name}`;
    const read = async (p: string) => (p === "more.bin" ? new Uint8Array(4 * 6 * 8) : fx.read(p));
    expect(await refusal(json, read)).toMatch(/^layer "dense_Dense\d+" \(Dense\): weights "a\/dense_Dense\d+\/kernel" and "b\/dense_Dense\d+\/kernel" both match "dense_Dense\d+\/kernel"$/);
  });

  it("a model with no weighted layer", async () => {
    const json = { modelTopology: { class_name: "Sequential", config: { layers: [{ class_name: "Dropout", config: { name: "d", rate: 0.5, batch_input_shape: [null, 3] } }] } }, weightsManifest: [] };
    expect(await refusal(json, async () => new Uint8Array())).toMatch(/the model has no weighted layer/);
  });

  it("a saved optimizer's weights are left out", async () => {
    const fx = fixture("uint8");
    const json = copy(fx.modelJson);
    json.weightsManifest.push({ paths: ["weights.bin"], weights: entries(json).map((e: Json) => ({ ...e, name: `${e.name}/m`, group: "optimizer" })) });
    expect(await difference(fx, json)).toBeLessThanOrEqual(TOLERANCE);
  });
});
