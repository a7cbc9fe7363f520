// Cross-checks with the Python ML stack, where it is installed (skipped otherwise;
// CI installs it from scripts/python-requirements.txt): the Python snippet of docs/model-files.md, run
// verbatim with the reference safetensors reader, must reproduce predict() on the
// golden files and on fresh ones; onnx's checker must accept the ONNX export.
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dense, dropout, init, maxout, Sequential } from "../src/index.js";
import { saveModel } from "../src/node/files.js";

const python = (code: string) => spawnSync("python3", ["-c", code], { encoding: "utf8", timeout: 60_000 });
const has = (modules: string) => python(`import ${modules}`).status === 0;
const withSafetensors = has("safetensors, numpy");
const withOnnx = has("onnx, onnxruntime, numpy");
// CI installs the packages (scripts/python-requirements.txt) and sets this, so there the checks cannot skip.
if (process.env.WASMLP_REQUIRE_PYTHON && !(withSafetensors && withOnnx)) {
  throw new Error("WASMLP_REQUIRE_PYTHON is set but python3 lacks safetensors, onnx, onnxruntime or numpy (see scripts/python-requirements.txt)");
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
});
