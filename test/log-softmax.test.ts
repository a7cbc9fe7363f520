// A logSoftmax output (PyTorch's LogSoftmax): predict gives the log of what the same
// softmax network predicts, and it trains, scores and classifies exactly as softmax
// does, since the fused cross-entropy reads either output as logits.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, dense, init, load, Sequential, spiral, type ActivationName, type LayerConfig } from "../src/index.js";
import { maxRelError } from "./helpers.js";

let dir: string;
beforeAll(async () => {
  await init();
  dir = await mkdtemp(join(tmpdir(), "wasmlp-log-softmax-"));
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const data = spiral({ pointsPerClass: 30, classes: 3, seed: 3 });
const oneHot = Float32Array.from({ length: data.labels!.length * 3 }, (_, i) => (data.labels![Math.floor(i / 3)] === i % 3 ? 1 : 0));

/** The same 2 → 3-class network and seed with `output` on its last layer. */
function classifier(output: ActivationName | string, hidden: ActivationName = "tanh"): Sequential {
  return new Sequential({ inputs: 2, layers: [dense(12, hidden), dense(3, output as ActivationName)], seed: 11 });
}

describe("logSoftmax output", () => {
  it("predict is the log of the softmax network's predictions with the same weights, within 1e-6", () => {
    const soft = classifier("softmax");
    const log = classifier("logSoftmax");
    log.setWeights(soft.getWeights());
    const p = soft.predict(data.x);
    const logp = log.predict(data.x);
    expect(logp.every((v) => v <= 0 && Number.isFinite(v))).toBe(true);
    expect(maxRelError(logp, Array.from(p, Math.log))).toBeLessThan(1e-6);
    // Each row's probabilities sum to 1.
    for (let r = 0; r < data.labels!.length; r++) {
      expect(Math.exp(logp[3 * r]) + Math.exp(logp[3 * r + 1]) + Math.exp(logp[3 * r + 2])).toBeCloseTo(1, 6);
    }
    soft.dispose();
    log.dispose();
  });

  for (const [what, y] of [["class indices", data.labels!], ["one-hot rows", oneHot]] as const) {
    it(`trains with categoricalCrossentropy (${what}) to bit-identical weights, loss, accuracy and classes as softmax`, async () => {
      const soft = classifier("softmax");
      const log = classifier("logSoftmax");
      const runs = [];
      for (const m of [soft, log]) {
        // No loss named: a logSoftmax output defaults to categoricalCrossentropy, as softmax does.
        m.compile({ optimizer: { type: "adam", learningRate: 0.02 }, metrics: ["accuracy"] });
        runs.push((await m.fit(data.x, y, { epochs: 5, batchSize: 16 })).loss);
      }
      expect(log.state().compile!.loss).toBe("categoricalCrossentropy");
      expect(runs[1]).toEqual(runs[0]);
      const [ws, wl] = [soft.getWeights(), log.getWeights()];
      wl.forEach((w, i) => expect(w.data, w.name).toEqual(ws[i].data));
      expect(log.evaluate(data.x, y)).toEqual(soft.evaluate(data.x, y));
      expect(log.evaluate(data.x, y).accuracy).toBeGreaterThan(0.4);
      expect(log.predictClasses(data.x)).toEqual(soft.predictClasses(data.x));
      // predictClasses is the argmax of the log-probabilities.
      const logp = log.predict(data.x);
      const argmax = Int32Array.from(data.labels!, (_, r) => [0, 1, 2].reduce((b, j) => (logp[3 * r + j] > logp[3 * r + b] ? j : b), 0));
      expect(log.predictClasses(data.x)).toEqual(argmax);
      soft.dispose();
      log.dispose();
    });
  }

  it("reads the aliases log_softmax, logsoftmax and LogSoftmax as logSoftmax", () => {
    for (const alias of ["log_softmax", "logsoftmax", "LogSoftmax"]) {
      const m = classifier(alias);
      expect(m.toConfig().layers[1].activation, alias).toBe("logSoftmax");
      m.dispose();
    }
  });

  it("is refused with meanSquaredError or binaryCrossentropy, naming the fix, and the model stays uncompiled", () => {
    const m = classifier("logSoftmax");
    expect(() => m.compile({ loss: "meanSquaredError" })).toThrow(ConfigError);
    expect(() => m.compile({ loss: "mse" })).toThrow(/'logSoftmax' output gives log-probabilities; use loss 'categoricalCrossentropy'.*'softmax' output/);
    expect(() => m.compile({ loss: "binaryCrossentropy" })).toThrow(/needs a 'sigmoid'.*got 'logSoftmax'/);
    expect(m.state().compile).toBeNull();
    m.dispose();
  });

  it("is refused before the output layer at compile(), naming the layer; predict still runs it", () => {
    const layers: LayerConfig[] = [dense(4, "logSoftmax"), dense(3, "softmax")];
    const m = new Sequential({ inputs: 2, layers, seed: 1 });
    expect(() => m.compile()).toThrow(ConfigError);
    expect(() => m.compile()).toThrow(/layers\[0\] has a 'logSoftmax' activation, which trains only on the output layer/);
    expect(m.state().compile).toBeNull();
    expect(m.predict([[0.5, -0.5]])[0].reduce((a, b) => a + b)).toBeCloseTo(1, 6);
    m.dispose();
  });

  it("predictLabels points to predictClasses, as for softmax", () => {
    const m = classifier("logSoftmax");
    expect(() => m.predictLabels(data.x)).toThrow(/'logSoftmax' output names one class per row; use predictClasses\(\)/);
    m.dispose();
  });

  it("survives a model file: saved, loaded and compiled, it predicts the same bits", async () => {
    const m = classifier("logSoftmax");
    m.compile();
    const back = await load(m.save());
    expect(back.toConfig().layers[1].activation).toBe("logSoftmax");
    expect(back.state().compile!.loss).toBe("categoricalCrossentropy");
    expect(back.predict(data.x)).toEqual(m.predict(data.x));
    m.dispose();
    back.dispose();
  });
});

describe("logSoftmax on the command line", () => {
  const BIN = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
  const PENGUINS = fileURLToPath(new URL("./fixtures/penguins/penguins.csv", import.meta.url));
  const wasmlp = (...args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: "1" } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });

  it("train offers it as an output only; predict writes one log-probability column per class", async () => {
    const help = (await wasmlp("train", "--help")).stdout;
    expect(help).toMatch(/--output [^\n]*\|softmax\|logSoftmax\n/);
    expect(help).toMatch(/--activation relu\|linear\|leakyRelu\|sigmoid\|tanh\|maxout /);
    const hidden = await wasmlp("train", PENGUINS, "--activation", "logSoftmax");
    expect([hidden.code, hidden.stderr]).toEqual([2, expect.stringMatching(/--activation must be one of relu, .*got "logSoftmax"/)]);

    const out = join(dir, "m.safetensors");
    const train = await wasmlp("train", PENGUINS, "--label", "species", "--missing", "drop", "--output", "logSoftmax", "--epochs", "2",
      "--no-plot", "--seed", "1", "--out", out);
    expect(train.code, train.stderr).toBe(0);
    const lines = (await wasmlp("predict", out, PENGUINS, "--missing", "drop")).stdout.trim().split("\n");
    expect(lines[0]).toBe("line,class,log p(Adelie),log p(Chinstrap),log p(Gentoo)");
    const [, cls, ...logp] = lines[1].split(",");
    const p = logp.map((v) => Math.exp(Number(v)));
    expect(p.reduce((a, b) => a + b)).toBeCloseTo(1, 4);
    expect(cls).toBe(["Adelie", "Chinstrap", "Gentoo"][p.indexOf(Math.max(...p))]);
  }, 30_000);
});
