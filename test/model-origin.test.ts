// An imported model keeps where it came from through state(), loadState(), save and load.
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, decodeModel, getCore, init, ModelFileError, Sequential } from "../src/index.js";
import { ChainBuilder } from "../src/io/import/chain.js";
import { buildImported } from "../src/io/import/build.js";
import { encodeSafetensors, parseSafetensors, readF32 } from "../src/io/safetensors.js";

beforeAll(async () => { await init(); });

/** A 3-2 ReLU network with standardised inputs, as an importer would describe it. */
function imported() {
  const c = new ChainBuilder(3);
  c.affine({ name: "scaler", op: "Sub" }, 1, [-1, -2, -3]);
  c.linear({ name: "fc", op: "Gemm" }, new Float32Array([0.5, -1, 2, 0.25, -0.75, 1.5]), 2, new Float32Array([0.1, -0.2]));
  c.activation({ name: "relu", op: "Relu" }, "relu");
  return c.finish({ format: "onnx", producer: "pytorch 2.13.0", opset: 18 });
}

describe("model origin", () => {
  it("an imported model computes its chain and reports where it came from", () => {
    const model = buildImported(imported());
    const x = [[1, 2, 3], [4, -5, 6]];
    const want = x.map((r) => [0, 1].map((j) => Math.max(0, [0.1, -0.2][j] + r.reduce((s, v, i) => s + (v - (i + 1)) * [[0.5, -1], [2, 0.25], [-0.75, 1.5]][i][j], 0))));
    const got = model.predict(x);
    want.flat().forEach((v, i) => expect(got.flat()[i]).toBeCloseTo(v, 5));
    expect(model.origin).toEqual({ format: "onnx", producer: "pytorch 2.13.0", opset: 18, nodes: [
      { name: "scaler", op: "Sub", became: "preprocessing" }, { name: "fc", op: "Gemm", became: "layers.0" },
      { name: "relu", op: "Relu", became: "layers.0 activation" },
    ] });
    expect(model.state().origin).toEqual(model.origin);
    model.dispose();
  });

  it("is saved in the model file and read back; a model made here has none", () => {
    const model = buildImported(imported());
    const again = decodeModel(model.save());
    expect(again.origin).toEqual(model.origin);
    expect(again.predict([[1, 1, 1]])).toEqual(model.predict([[1, 1, 1]]));
    const own = new Sequential({ inputs: 2, layers: [{ type: "dense", units: 1 }] });
    expect(own.origin).toBeNull();
    expect(parseSafetensors(own.save()).metadata.origin).toBeUndefined();
    for (const m of [model, again, own]) m.dispose();
  });

  it("loadState checks the origin and sets it; without one the model has none", () => {
    const model = buildImported(imported());
    const state = model.state();
    expect(() => model.loadState({ ...state, origin: { format: 7 } as never })).toThrow(ConfigError);
    expect(() => model.loadState({ ...state, origin: { format: "onnx", nodes: [{ name: "a", op: "b" }] } as never })).toThrow(/origin: nodes\[0\]/);
    expect(() => model.loadState({ ...state, origin: { format: "onnx", opset: -1, nodes: [] } })).toThrow(/opset must be a positive integer/);
    expect(model.origin?.format).toBe("onnx");
    model.loadState({ ...state, origin: undefined });
    expect(model.origin).toBeNull();
    model.dispose();
  });

  it("a file whose origin is malformed is a ModelFileError", () => {
    const model = buildImported(imported());
    const file = parseSafetensors(model.save());
    const tensors = file.tensors.map((t) => ({ name: t.name, shape: t.shape, data: readF32(file, t) }));
    const bad = encodeSafetensors(tensors, { ...file.metadata, origin: JSON.stringify({ format: "onnx", nodes: "all" }) });
    expect(() => decodeModel(bad)).toThrow(ModelFileError);
    expect(() => decodeModel(bad)).toThrow(/metadata "origin"/);
    model.dispose();
  });

  it("an imported model that cannot be built is a ModelFileError, and nothing is left allocated", () => {
    const m = imported();
    const bad = { ...m, weights: m.weights.map((t) => ({ ...t, data: t.data.map(() => NaN) })) };
    const before = getCore().allocator.bytesInUse;
    expect(() => buildImported(bad)).toThrow(ModelFileError);
    expect(getCore().allocator.bytesInUse).toBe(before);
    expect(() => buildImported(bad)).toThrow(/the imported model: .*finite/);
  });
});
