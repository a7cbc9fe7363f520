// Cross-checks with the Python ML stack, where it is installed (skipped otherwise;
// CI installs it from scripts/python-requirements.txt): the Python snippet of docs/model-files.md, run
// verbatim with the reference safetensors reader, must reproduce predict() on the
// golden files and on fresh ones; onnx's checker must accept the ONNX export; a scikit-learn
// scaler and perceptron written by docs/import.md's exporter must load and predict as
// scikit-learn and onnxruntime do.
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dense, dropout, init, maxout, Sequential } from "../src/index.js";
import { loadModel, saveModel } from "../src/node/files.js";
import { maxRelError } from "./helpers.js";

const python = (code: string) => spawnSync("python3", ["-c", code], { encoding: "utf8", timeout: 60_000 });
const has = (modules: string) => python(`import ${modules}`).status === 0;
const withSafetensors = has("safetensors, numpy");
const withOnnx = has("onnx, onnxruntime, numpy");
const withSklearn = withOnnx && has("sklearn");
// CI installs the packages (scripts/python-requirements.txt) and sets this, so there the checks cannot skip.
if (process.env.WASMLP_REQUIRE_PYTHON && !(withSafetensors && withOnnx && withSklearn)) {
  throw new Error("WASMLP_REQUIRE_PYTHON is set but python3 lacks safetensors, onnx, onnxruntime, scikit-learn or numpy (see scripts/python-requirements.txt)");
}

let dir: string;
beforeAll(async () => {
  await init();
  dir = await mkdtemp(join(tmpdir(), "wasmlp-interop-"));
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

/** The Python snippet of docs/model-files.md: the first python block after its marker. */
async function readmeSnippet(): Promise<string> {
  const readme = await readFile(new URL("../docs/model-files.md", import.meta.url), "utf8");
  const after = readme.slice(readme.indexOf("<!-- python-snippet"));
  return /```python\n([\s\S]*?)```/.exec(after)![1];
}

/** The scikit-learn exporter of docs/import.md: the python block that defines sklearn_mlp_to_onnx. */
async function sklearnExporter(): Promise<string> {
  const doc = await readFile(new URL("../docs/import.md", import.meta.url), "utf8");
  const block = [...doc.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]).find((code) => code.includes("def sklearn_mlp_to_onnx"));
  if (!block) throw new Error("docs/import.md has no python block defining sklearn_mlp_to_onnx");
  return block;
}

/** What the scikit-learn driver writes for one exported model. */
interface SklearnCase {
  path: string;
  inputs: number[][];
  /** predict_proba (classifier) or predict (regressor), in float64. */
  sklearn: number[][];
  onnxruntime: number[][];
  /** The classifier's predict(). */
  classes?: number[];
}

/**
 * Trains a StandardScaler + MLPClassifier (relu) on iris, bundled with scikit-learn, and a StandardScaler +
 * MLPRegressor (tanh) on a generated Friedman #1 set, exports both with the docs' function, and prints every
 * fifth training row with scikit-learn's and onnxruntime's outputs. The rows are float32 values, so all three
 * see the same inputs.
 */
const sklearnDriver = (folder: string) => `
import json, os, warnings
import onnxruntime as ort
from sklearn.datasets import load_iris, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

warnings.filterwarnings("ignore", category=ConvergenceWarning)

def export(x, y, mlp, name, outputs):
    scaler = StandardScaler().fit(x)
    mlp.fit(scaler.transform(x), y)
    path = os.path.join(${JSON.stringify(folder)}, name + ".onnx")
    sklearn_mlp_to_onnx(scaler, mlp, path)
    rows = x[::5].astype(np.float32)
    scaled = scaler.transform(rows.astype(np.float64))
    case = {"path": path, "inputs": rows.tolist(), "sklearn": outputs(mlp, scaled).reshape(len(rows), -1).tolist(),
            "onnxruntime": ort.InferenceSession(path).run(None, {"x": rows})[0].tolist()}
    if isinstance(mlp, MLPClassifier):
        assert list(mlp.classes_) == list(range(len(mlp.classes_)))
        case["classes"] = mlp.predict(scaled).tolist()
    return case

iris = load_iris()
x, y = make_friedman1(n_samples=200, n_features=6, noise=0.5, random_state=0)
print(json.dumps({
    "classifier": export(iris.data, iris.target, MLPClassifier(hidden_layer_sizes=(16, 8), activation="relu", max_iter=400, random_state=0),
                         "iris", lambda m, r: m.predict_proba(r)),
    "regressor": export(x, y, MLPRegressor(hidden_layer_sizes=(16, 8), activation="tanh", max_iter=400, random_state=0),
                        "friedman", lambda m, r: m.predict(r)),
}))
`;

describe("Python interop", () => {
  it.skipIf(!withSafetensors)("the docs/model-files.md snippet (safetensors.numpy + numpy) reproduces predict on golden and fresh files", async () => {
    const fixtures = new URL("./fixtures/models/", import.meta.url).pathname;
    const expected = JSON.parse(await readFile(join(fixtures, "expected-v1.0.json"), "utf8")).fixtures as Record<string, { inputs: number[][]; outputs: number[][] }>;
    const cases = Object.entries(expected).map(([file, f]) => ({ path: join(fixtures, file), inputs: f.inputs, outputs: f.outputs }));
    const fresh = new Sequential({ inputs: 3, layers: [maxout(5, 3), dropout(0.1), dense(4, { activation: "leakyRelu", alpha: 0.25 }), dense(3, "softmax")], seed: 8 });
    fresh.compile({ optimizer: "adamw" });
    fresh.setPreprocessing({ method: "standardize", scale: [0.5, 2, 0.25], offset: [1, 0, -0.5] });
    const path = join(dir, "fresh.safetensors");
    await saveModel(fresh, path, { optimizer: true });
    const inputs = [[0.5, -1, 2], [-0.25, 0.75, -3]];
    cases.push({ path, inputs, outputs: fresh.predict(inputs) });
    fresh.dispose();

    // A JSON string literal is also a Python string literal.
    const driver = `\ncases = json.loads(${JSON.stringify(JSON.stringify(cases))})\n` +
      `print(json.dumps([float(np.abs(wasmlp_predict(c["path"], c["inputs"]) - np.array(c["outputs"])).max()) for c in cases]))\n`;
    const run = python((await readmeSnippet()) + driver);
    expect(run.stderr).toBe("");
    const errors = JSON.parse(run.stdout) as number[];
    expect(errors).toHaveLength(cases.length);
    for (const e of errors) expect(e).toBeLessThan(1e-5);
  });

  it.skipIf(!withOnnx)("onnx's checker (with shape inference) accepts the export and Python onnxruntime agrees with predict", async () => {
    const m = new Sequential({ inputs: 4, layers: [maxout(3, 2, { useBias: false }), dense(5, "tanh"), dense(2, "sigmoid")], seed: 5 });
    const path = join(dir, "model.onnx");
    await writeFile(path, m.toONNX());
    const x = [[0.1, 0.2, 0.3, 0.4], [-1, 2, -3, 4]];
    const run = python([
      "import json, numpy as np, onnx, onnxruntime as ort",
      `model = onnx.load(${JSON.stringify(path)})`,
      "onnx.checker.check_model(model, full_check=True)",
      `session = ort.InferenceSession(${JSON.stringify(path)})`,
      `print(json.dumps(session.run(["output"], {"input": np.array(${JSON.stringify(x)}, dtype=np.float32)})[0].tolist()))`,
    ].join("\n"));
    expect(run.stderr).toBe("");
    const got = (JSON.parse(run.stdout) as number[][]).flat();
    const want = m.predict(x).flat();
    got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-5));
    m.dispose();
  });

  it.skipIf(!withSklearn)("scikit-learn's StandardScaler + MLPClassifier / MLPRegressor, written by docs/import.md's exporter, predict as in onnxruntime and scikit-learn", async () => {
    const run = python((await sklearnExporter()) + sklearnDriver(dir));
    expect(run.stderr).toBe("");
    const cases = JSON.parse(run.stdout) as { classifier: SklearnCase; regressor: SklearnCase };
    for (const c of [cases.classifier, cases.regressor]) {
      const model = await loadModel(c.path);
      const got = model.predict(c.inputs);
      expect(got).toHaveLength(c.inputs.length);
      // onnxruntime runs the same float32 weights in float32: only summation order separates it from predict.
      expect(maxRelError(got.flat(), c.onnxruntime.flat())).toBeLessThanOrEqual(1e-5);
      // scikit-learn computes in float64 from float64 weights; the file holds them rounded to float32 (about 6e-8
      // relative each) and predict sums in float32, so a few float32 roundings per layer separate them. 1e-4
      // bounds that with room, while a scaler or weight read wrongly would be off by far more.
      expect(maxRelError(got.flat(), c.sklearn.flat())).toBeLessThanOrEqual(1e-4);
      if (c.classes) expect(Array.from(model.predictClasses(c.inputs))).toEqual(c.classes);
      model.dispose();
    }
    const classifier = await loadModel(cases.classifier.path);
    const { origin } = classifier;
    expect(origin?.format).toBe("onnx");
    expect(origin?.opset).toBe(13);
    expect(origin?.nodes.filter((n) => n.op === "Sub" || n.op === "Div").map((n) => [n.op, n.became])).toEqual([["Sub", "preprocessing"], ["Div", "preprocessing"]]);
    expect(origin?.nodes.filter((n) => n.op === "Gemm").map((n) => n.became)).toEqual(["layers.0", "layers.1", "layers.2"]);
    classifier.dispose();
  }, 120_000);
});
