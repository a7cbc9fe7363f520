// The parts training is made of, each on its own, without a full fit(): the
// monitor parser, the plan, the callback list, metric sums, views of core memory, history,
// verbose progress, early stopping, checkpoints, the learning rate, and the in-memory batch source.
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, getCore, init } from "../src/index.js";
import { CallbackList, type Callback } from "../src/train/callback.js";
import { checkpointSettings, ModelCheckpoint } from "../src/train/checkpoint.js";
import { DeviceData } from "../src/train/device-data.js";
import { Snapshot } from "../src/train/divergence.js";
import { Network } from "../src/nn/network.js";
import { createOptimizer } from "../src/nn/optimizers.js";
import { GrowingBuffer } from "../src/train/growing-buffer.js";
import { EarlyStopping, earlyStoppingSettings, type EarlyStoppingTarget } from "../src/train/early-stopping.js";
import { emptyHistory, HistoryRecorder } from "../src/train/history.js";
import { lastingView } from "../src/train/lasting-view.js";
import { LearningRate, scheduleOption } from "../src/train/learning-rate.js";
import { MemorySource } from "../src/train/memory-source.js";
import { MetricSums } from "../src/train/metric-logs.js";
import { improves, monitorOption, worstValue } from "../src/train/monitor.js";
import { fitPlan } from "../src/train/plan.js";
import type { EpochLogs } from "../src/train/training.js";
import { VerboseProgress } from "../src/train/verbose.js";

const both = { validation: true, metrics: ["accuracy", "mae"] as const };
const neither = { validation: false, metrics: [] };
const inputs = { rows: 10, validationData: false, metrics: [], learningRate: 0.1 };

describe("monitorOption", () => {
  it("defaults to valLoss with validation data and to loss without", () => {
    expect(monitorOption(undefined, "fit: x", both)).toBe("valLoss");
    expect(monitorOption(undefined, "fit: x", neither)).toBe("loss");
    expect(monitorOption("valAccuracy", "fit: x", both)).toBe("valAccuracy");
    expect(monitorOption("valMae", "fit: x", both)).toBe("valMae");
  });

  it("refuses a metric the run does not compute, naming the fix", () => {
    expect(() => monitorOption("accuracy", "fit: x", { validation: true, metrics: ["mae"] })).toThrow(/fit: x monitors 'accuracy', which is not computed; add metrics: \['accuracy'\]/);
    expect(() => monitorOption("valMse", "fit: x", both)).toThrow(/fit: x monitors 'valMse', which is not computed; add metrics: \['mse'\] to compile\(\)/);
    expect(() => monitorOption("valLoss", "fit: x", neither)).toThrow(/fit: x monitors 'valLoss' but there is no validation data \(set validationSplit or validationData\)/);
    expect(() => monitorOption("f1", "fit: x", both)).toThrow(ConfigError);
  });

  it("takes the caller's wording and error class", () => {
    class UsageError extends Error {}
    const wording = { validation: "add --validation-split", metric: () => "it needs classes", error: (m: string) => new UsageError(m) };
    expect(() => monitorOption("valLoss", "train", neither, wording)).toThrow(UsageError);
    expect(() => monitorOption("valLoss", "train", neither, wording)).toThrow(/\(add --validation-split\)/);
  });

  it("losses improve downwards and accuracies upwards, by more than minDelta", () => {
    expect(improves("loss", 0.5, worstValue("loss"))).toBe(true);
    expect(improves("valAccuracy", 0.5, worstValue("valAccuracy"))).toBe(true);
    expect(improves("valMae", 0.5, 0.6)).toBe(true);
    expect(improves("mae", 0.6, 0.5)).toBe(false);
    expect(improves("loss", 0.5, 0.6, 0.05)).toBe(true);
    expect(improves("loss", 0.5, 0.52, 0.05)).toBe(false);
    expect(improves("accuracy", 0.9, 0.8)).toBe(true);
    expect(improves("accuracy", 0.8, 0.9)).toBe(false);
  });
});

describe("fitPlan", () => {
  it("fills the defaults and freezes the plan", () => {
    const plan = fitPlan({}, inputs);
    expect(plan).toMatchObject({ epochs: 10, batchSize: 32, shuffle: true, splitRows: 0, verbose: false, divergence: { recover: false } });
    expect(Object.isFrozen(plan)).toBe(true);
    expect(plan.earlyStopping).toBeUndefined();
  });

  it("holds out a fraction of the rows, at random unless asked for the end, unless there is separate validation data", () => {
    expect(fitPlan({ validationSplit: 0.3 }, inputs)).toMatchObject({ splitRows: 3, splitFrom: "random" });
    expect(fitPlan({ validationSplit: { fraction: 0.3, from: "end" } }, inputs)).toMatchObject({ splitRows: 3, splitFrom: "end" });
    expect(fitPlan({ validationSplit: 0.3 }, { ...inputs, validationData: true }).splitRows).toBe(0);
    expect(() => fitPlan({ validationSplit: { fraction: 0.3, from: "start" as never } }, inputs)).toThrow(/validationSplit\.from must be one of 'random', 'end', got 'start'/);
    expect(() => fitPlan({ validationSplit: { from: "end" } as never }, inputs)).toThrow(/validationSplit needs a fraction/);
    expect(() => fitPlan({ validationSplit: { fraction: 0.2, form: "end" } as never }, inputs)).toThrow(/unknown option 'form' \(did you mean 'from'\?\)/);
    expect(() => fitPlan({ validationSplit: "0.2" as never }, inputs)).toThrow(/validationSplit must be a fraction in \[0, 1\) or \{ fraction, from/);
  });

  it("epochs: 'auto' holds out 20% when it can, stops early with best weights, and has a ceiling and a time budget", () => {
    const many = { ...inputs, rows: 1000 };
    const plan = fitPlan({ epochs: "auto" }, many);
    expect(plan).toMatchObject({ splitRows: 200, splitFrom: "random", seconds: 300 });
    expect(plan.earlyStopping).toMatchObject({ monitor: "valLoss", restoreBestWeights: true, minDelta: 1e-4 });
    // 800 training rows are 25 batches of 32: patience 200 / 25 = 8 batches' worth → at least 10; ceiling 20 000 / 25 = 800.
    expect([plan.epochs, plan.earlyStopping!.patience]).toEqual([800, 10]);
    // Too few rows to hold out 10 of them: the training loss is watched, with more patience for fewer batches.
    const few = fitPlan({ epochs: "auto" }, { ...inputs, rows: 40 });
    expect([few.splitRows, few.earlyStopping!.monitor, few.earlyStopping!.patience, few.epochs]).toEqual([0, "loss", 50, 1000]);
    // The caller's split, validation data, limits and early stopping are kept.
    expect(fitPlan({ epochs: "auto", validationSplit: 0.1 }, many).splitRows).toBe(100);
    expect(fitPlan({ epochs: "auto" }, { ...many, validationData: true }).splitRows).toBe(0);
    expect(fitPlan({ epochs: { max: 7, patience: 3, seconds: 2 } }, many)).toMatchObject({ epochs: 7, seconds: 2, earlyStopping: { patience: 3 } });
    expect(fitPlan({ epochs: "auto", earlyStopping: { patience: 4, monitor: "loss" } }, many).earlyStopping).toMatchObject({ patience: 4, monitor: "loss" });
    expect(fitPlan({ epochs: 5 }, many).seconds).toBeUndefined();
    expect(() => fitPlan({ epochs: "forever" as never }, many)).toThrow(/fit: epochs must be an integer ≥ 1 or 'auto'/);
    expect(() => fitPlan({ epochs: { max: 0 } }, many)).toThrow(/fit: epochs\.max must be an integer ≥ 1, got 0/);
    expect(() => fitPlan({ epochs: { seconds: -1 } }, many)).toThrow(/fit: epochs\.seconds must be a finite number > 0/);
    expect(() => fitPlan({ epochs: { patiense: 2 } as never }, many)).toThrow(/unknown option 'patiense' \(did you mean 'patience'\?\)/);
  });

  it("lets a monitor see the validation a split provides", () => {
    expect(fitPlan({ validationSplit: 0.2, earlyStopping: true }, inputs).earlyStopping?.monitor).toBe("valLoss");
    expect(() => fitPlan({ earlyStopping: { monitor: "valLoss" } }, inputs)).toThrow(/no validation data/);
  });

  it("refuses a bad option anywhere in the call, whatever comes before it", () => {
    expect(() => fitPlan({ epochs: 2, batchSize: 4, checkpoint: { last: "x", optimizer: 1 as never } }, inputs)).toThrow(/checkpoint\.optimizer must be true or false/);
    expect(() => fitPlan({ epochs: 2, onDivergence: { action: "recover", factor: 2 } }, inputs)).toThrow(/onDivergence\.factor/);
  });
});

describe("CallbackList", () => {
  it("calls hooks in order, awaits each onEpochEnd before the next, and runs onFinally in reverse", async () => {
    const calls: string[] = [];
    const make = (name: string): Callback => ({
      onTrainBegin: () => { calls.push(`${name} begin`); },
      onEpochEnd: async (epoch) => {
        await new Promise((resolve) => setTimeout(resolve, name === "a" ? 5 : 0));
        calls.push(`${name} epoch ${epoch}`);
      },
      onFinally: () => { calls.push(`${name} finally`); },
    });
    const list = new CallbackList([make("a"), undefined, make("b")]);
    list.onTrainBegin();
    await list.onEpochEnd(0, { loss: 1 });
    list.onBatchEnd(0, { loss: 1, size: 1 });
    list.onFinally();
    expect(calls).toEqual(["a begin", "b begin", "a epoch 0", "b epoch 0", "b finally", "a finally"]);
  });

  it("returns a promise from onEpochEnd only once a member does, and says which hooks its members have", async () => {
    const calls: string[] = [];
    const sync: Callback = { onEpochEnd: (epoch) => { calls.push(`sync ${epoch}`); } };
    const slow: Callback = { onEpochEnd: (epoch) => new Promise((resolve) => setTimeout(() => { calls.push(`slow ${epoch}`); resolve(); }, 1)) };
    const after: Callback = { onEpochEnd: (epoch) => { calls.push(`after ${epoch}`); }, onBatchEnd: () => {} };
    expect(new CallbackList([sync, sync]).onEpochEnd(0, { loss: 1 })).toBeUndefined();
    const pending = new CallbackList([sync, slow, after]).onEpochEnd(1, { loss: 1 });
    expect(pending).toBeInstanceOf(Promise);
    // The members after the one that returned a promise wait for it.
    expect(calls).toEqual(["sync 0", "sync 0", "sync 1"]);
    await pending;
    expect(calls).toEqual(["sync 0", "sync 0", "sync 1", "slow 1", "after 1"]);
    const nested = new CallbackList([sync, new CallbackList([after])]);
    expect([nested.has("onBatchEnd"), nested.has("onEpochEnd"), nested.has("onTrainBegin")]).toEqual([true, true, false]);
    expect(new CallbackList([sync, new CallbackList([sync])]).has("onBatchEnd")).toBe(false);
  });
});

describe("MetricSums", () => {
  it("weights each batch by its rows, writes the means after what the target object holds, and starts again on reset", () => {
    const sums = new MetricSums(["accuracy", "mae"]);
    sums.add({ accuracy: 1, mae: 2 }, 3);
    sums.add({ accuracy: 0, mae: 4 }, 1);
    const logs = sums.means(4, { loss: 0.5 });
    expect(logs).toEqual({ loss: 0.5, accuracy: 0.75, mae: 2.5 });
    expect(Object.keys(logs)).toEqual(["loss", "accuracy", "mae"]);
    sums.reset();
    sums.add({ accuracy: 0.5, mae: 1 }, 2);
    expect(sums.means(2)).toEqual({ accuracy: 0.5, mae: 1 });
  });
});

describe("divergence Snapshot", () => {
  beforeAll(async () => { await init(); });

  it("goes back to the weights and optimizer state of the latest take(), whether the checked spare or a fresh copy served it", () => {
    const core = getCore();
    const net = new Network(core, 2, [{ type: "dense", units: 3, activation: "tanh" }], 1);
    const optimizer = createOptimizer(core, "adam", net.size);
    const snapshot = new Snapshot(core, net, optimizer);
    const params = () => Array.from(core.f32(net.params, net.size));
    const state = () => optimizer.state().map((s) => Array.from(core.f32(s.ptr, net.size)));
    const change = (value: number) => {
      core.f32(net.params, net.size).fill(value);
      for (const s of optimizer.state()) core.f32(s.ptr, net.size).fill(value / 2);
      optimizer.steps++;
      net.weightsChanged();
    };
    try {
      snapshot.take(0);
      change(1);
      // Checked at an epoch's end and unchanged until the next take(): the spare becomes the copy.
      expect(snapshot.nonFinite()).toBe(0);
      snapshot.take(1);
      const [atOne, stateAtOne, stepsAtOne] = [params(), state(), optimizer.steps];
      change(2);
      snapshot.restore();
      expect([params(), state(), optimizer.steps, snapshot.epoch]).toEqual([atOne, stateAtOne, stepsAtOne, 1]);
      // Checked, then changed before the next take(): that take() copies the weights as they are then.
      change(3);
      expect(snapshot.nonFinite()).toBe(0);
      change(4);
      snapshot.take(2);
      const atTwo = params();
      change(5);
      snapshot.restore();
      expect(params()).toEqual(atTwo);
      // Non-finite values are counted across the parameters and every state buffer, and a failed check leaves the copy alone.
      core.f32(net.params, net.size)[0] = NaN;
      core.f32(optimizer.state()[1].ptr, net.size)[1] = Infinity;
      expect(snapshot.nonFinite()).toBe(2);
      snapshot.restore();
      expect(params()).toEqual(atTwo);
    } finally {
      snapshot.free();
      optimizer.dispose();
      net.dispose();
    }
  });
});

describe("lastingView", () => {
  it("keeps one view until growing an unshared memory detaches it, then makes one over the grown memory", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    let made = 0;
    const view = lastingView(() => { made++; return new Uint8Array(memory.buffer); });
    const first = view();
    first[10] = 7;
    expect(view()).toBe(first);
    memory.grow(1);
    const grown = view();
    expect(grown === first).toBe(false);
    expect([grown.length, grown[10], made]).toEqual([2 * 65536, 7, 2]);
    expect(view()).toBe(grown);
  });
});

describe("history and verbose progress", () => {
  it("records each epoch's metrics in the history and the model's record", () => {
    const history = emptyHistory(["accuracy"], true);
    const recorded: EpochLogs[] = [];
    const recorder = new HistoryRecorder(history, (logs) => recorded.push(logs));
    recorder.onEpochEnd(0, { loss: 1, accuracy: 0.5, valLoss: 2, valAccuracy: 0.25 });
    recorder.onEpochEnd(1, { loss: 0.5, accuracy: 0.75, valLoss: 1, valAccuracy: 0.5 });
    expect(history).toEqual({ epochs: 2, loss: [1, 0.5], accuracy: [0.5, 0.75], valLoss: [2, 1], valAccuracy: [0.25, 0.5], stoppedEarly: false });
    expect(recorded).toHaveLength(2);
    expect(emptyHistory([], false)).toEqual({ epochs: 0, loss: [], stoppedEarly: false });
    const regression = emptyHistory(["mae", "mse"], true);
    new HistoryRecorder(regression, () => {}).onEpochEnd(0, { loss: 1, mae: 0.5, mse: 1, valLoss: 2, valMae: 0.75, valMse: 2 });
    expect(regression).toEqual({ epochs: 1, loss: [1], mae: [0.5], mse: [1], valLoss: [2], valMae: [0.75], valMse: [2], stoppedEarly: false });
  });

  it("prints one line per epoch", () => {
    const lines: string[] = [];
    const verbose = new VerboseProgress(3, (line) => lines.push(line));
    verbose.onEpochEnd(0, { loss: 0.5, accuracy: 0.9 });
    verbose.onEpochEnd(1, { loss: 0.25, mae: 0.125, mse: 0.0625, valLoss: 0.5, valMae: 0.375, valMse: 0.25 });
    expect(lines).toEqual(["epoch 1/3  loss 0.5000  accuracy 90.00%", "epoch 2/3  loss 0.2500  mae 0.1250  mse 0.0625  val loss 0.5000  val mae 0.3750  val mse 0.2500"]);
  });
});

describe("early stopping", () => {
  /** A target whose "weights" are the epoch they were copied at. */
  function target() {
    const log: string[] = [];
    let epoch = 0;
    const t: EarlyStoppingTarget & { log: string[]; at(e: number): void } = {
      log,
      at: (e) => { epoch = e; },
      copyWeights: () => Float32Array.of(epoch),
      setWeights: (w) => { log.push(`set ${w[0]}`); },
      stop: () => { log.push("stop"); },
      restored: (e) => { log.push(`restored ${e}`); },
    };
    return t;
  }
  const run = (stopper: EarlyStopping, t: ReturnType<typeof target>, losses: number[]) => {
    losses.forEach((loss, e) => {
      t.at(e);
      if (!t.log.includes("stop")) stopper.onEpochEnd(e, { loss });
    });
    stopper.onEpochsEnd();
  };

  it("stops after `patience` epochs without improvement and puts back the best epoch's weights", () => {
    const t = target();
    const stopper = new EarlyStopping(earlyStoppingSettings({ patience: 2 }, neither)!, t);
    run(stopper, t, [1, 0.5, 0.6, 0.7, 0.1]);
    expect(t.log).toEqual(["stop", "set 1", "restored 1"]);
    expect(stopper.bestEpoch).toBe(1);
  });

  it("counts only improvements larger than minDelta, and keeps the last weights without restoreBestWeights", () => {
    const t = target();
    const stopper = new EarlyStopping(earlyStoppingSettings({ patience: 1, minDelta: 0.1, restoreBestWeights: false }, neither)!, t);
    run(stopper, t, [1, 0.95, 0.5]);
    expect(t.log).toEqual(["stop"]);
    expect(stopper.bestEpoch).toBe(0);
  });

  it("settings: true is the defaults, false and undefined are off", () => {
    expect(earlyStoppingSettings(true, both)).toEqual({ monitor: "valLoss", patience: 5, minDelta: 0, restoreBestWeights: true });
    expect(earlyStoppingSettings(false, both)).toBeUndefined();
    expect(earlyStoppingSettings(undefined, both)).toBeUndefined();
  });
});

describe("checkpoints", () => {
  it("writes 'last' every epoch and 'best' when the monitored metric improves, with the optimizer as asked", async () => {
    const written: string[] = [];
    const saved: string[] = [];
    const asked: boolean[] = [];
    const settings = checkpointSettings({ last: "l", best: "b", monitor: "accuracy", optimizer: false, onSave: (_, kind, epoch) => { saved.push(`${kind} ${epoch}`); } }, both)!;
    const checkpoint = new ModelCheckpoint(settings, (withOptimizer) => { asked.push(withOptimizer); return Uint8Array.of(asked.length); },
      async (path, bytes) => { written.push(`${path} ${bytes[0]}`); });
    for (const [epoch, accuracy] of [0.5, 0.7, 0.6, 0.8].entries()) await checkpoint.onEpochEnd(epoch, { loss: 1, accuracy });
    expect(written).toEqual(["l 1", "b 1", "l 2", "b 2", "l 3", "l 4", "b 4"]);
    expect(saved).toEqual(["last 0", "best 0", "last 1", "best 1", "last 2", "last 3", "best 3"]);
    expect(asked).toEqual([false, false, false, false]);
  });

  it("with only a 'best' path, makes bytes only when there is something to write", async () => {
    let made = 0;
    const checkpoint = new ModelCheckpoint(checkpointSettings({ best: "b" }, neither)!, () => Uint8Array.of(++made), async () => {});
    for (const [epoch, loss] of [1, 2, 0.5].entries()) await checkpoint.onEpochEnd(epoch, { loss });
    expect(made).toBe(2);
  });
});

describe("learning rate", () => {
  it("follows the schedule at fractional epochs, scales down on request and puts the rate back", () => {
    const target = { learningRate: 0.1 };
    const rate = new LearningRate(target, scheduleOption({ type: "step", stepSize: 1, gamma: 0.5 }, 4, 0.1), 2);
    rate.onBatchBegin(0, 1);
    expect(target.learningRate).toBeCloseTo(0.1, 12);
    rate.onBatchBegin(1, 0);
    expect(target.learningRate).toBeCloseTo(0.05, 12);
    expect(rate.reduce(0.1, 2)).toBeCloseTo(0.0025, 12);
    rate.onBatchBegin(2, 1);
    expect(target.learningRate).toBeCloseTo(0.0025, 12);
    rate.onFinally();
    expect(target.learningRate).toBe(0.1);
  });

  it("in fit, begins only batches that exist: a cosine run's last epoch ends above zero and its checkpoint loads", async () => {
    const { Sequential, dense, decodeModel } = await import("../src/index.js");
    await init();
    const m = new Sequential({ inputs: 2, layers: [dense(4, "tanh"), dense(2, "softmax")], seed: 1 }).compile({ optimizer: "adam" });
    const x = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i));
    const y = Int32Array.from({ length: 20 }, (_, i) => i % 2);
    const seen: number[] = [];
    let last: Uint8Array | undefined;
    await m.fit(x, y, {
      epochs: 2, batchSize: 8, learningRateSchedule: { type: "cosine" },
      callbacks: { onBatchEnd: () => { seen.push(m.learningRate!); } },
      checkpoint: { onSave: (bytes: Uint8Array) => { last = bytes; } },
    });
    expect(seen).toHaveLength(6);
    expect(Math.min(...seen)).toBeGreaterThan(0);
    expect(decodeModel(last!).learningRate).toBeGreaterThan(0);
    m.dispose();
  });

  it("leaves a constant rate alone until a divergence scales it", () => {
    const target = { learningRate: 0.1 };
    const rate = new LearningRate(target, undefined, 3);
    target.learningRate = 0.2; // as a callback might
    rate.onBatchBegin(0, 0);
    expect(target.learningRate).toBe(0.2);
    rate.reduce(0.5, 0);
    rate.onBatchBegin(0, 1);
    expect(target.learningRate).toBe(0.05);
  });

  it("schedules: exponential per epoch, cosine to the floor at `epochs`", () => {
    const exp = scheduleOption({ type: "exponential", gamma: 0.5 }, 4, 1)!;
    expect([0, 0.5, 1, 2.9].map(exp)).toEqual([1, 1, 0.5, 0.25]);
    const cos = scheduleOption({ type: "cosine", minLearningRate: 0.1 }, 4, 1)!;
    expect(cos(0)).toBe(1);
    expect(cos(2)).toBeCloseTo(0.55, 12);
    expect(cos(4)).toBeCloseTo(0.1, 12);
    expect(cos(9)).toBeCloseTo(0.1, 12);
    expect(scheduleOption(undefined, 4, 1)).toBeUndefined();
  });
});

describe("MemorySource", () => {
  beforeAll(async () => { await init(); });

  it("gathers batches in the epoch's order and scores the held-out rows at the end", () => {
    const core = getCore();
    const x = Float32Array.from({ length: 5 * 2 }, (_, i) => i);
    const data = DeviceData.upload(core, { data: x, rows: 5, cols: 2 }, { kind: "dense", data: Float32Array.from([0, 1, 2, 3, 4]), rows: 5, cols: 1 }, { classes: 0 });
    const rng = core.allocator.alloc(16);
    core.kernels.rng_seed(rng, 1);
    const source = new MemorySource(core, rng, data, undefined, { train: Int32Array.of(0, 1, 2), validation: Int32Array.of(3, 4) });
    const dst = core.allocF32(2 * 2);
    const targets = core.allocF32(2);
    try {
      expect([source.rows, source.validationRows, source.targetKind]).toEqual([3, 2, "dense"]);
      source.beginEpoch(false, 0);
      expect(source.next(1, dst, targets)?.rows).toBe(1);
      expect(source.next(2, dst, targets)?.rows).toBe(2);
      expect(Array.from(core.f32(dst, 4))).toEqual([2, 3, 4, 5]);
      expect(Array.from(core.f32(targets, 2))).toEqual([1, 2]);
      const held = source.rowsOf("validation", 0, 2, dst);
      expect(Array.from(core.f32(held.x, 4))).toEqual([6, 7, 8, 9]);
      expect(Array.from(core.f32(held.targets.ptr, 2))).toEqual([3, 4]);
      // A shuffled epoch is a permutation of the training rows only.
      source.beginEpoch(true, 1);
      const seen: number[] = [];
      for (let b = source.next(1, dst, targets); b; b = source.next(1, dst, targets)) seen.push(core.f32(targets, 1)[0]);
      expect(seen.sort()).toEqual([0, 1, 2]);
    } finally {
      source.free();
      for (const p of [rng, dst, targets]) core.free(p);
    }
  });

  it("holds out rows anywhere in the data: training batches and both parts' scores see only their own rows", () => {
    const core = getCore();
    const x = Float32Array.from({ length: 5 * 2 }, (_, i) => i);
    const data = DeviceData.upload(core, { data: x, rows: 5, cols: 2 }, { kind: "index", labels: Int32Array.of(0, 1, 2, 3, 4), rows: 5 }, { classes: 5 });
    const rng = core.allocator.alloc(16);
    core.kernels.rng_seed(rng, 2);
    const source = new MemorySource(core, rng, data, undefined, { train: Int32Array.of(0, 2, 4), validation: Int32Array.of(1, 3) });
    const dst = core.allocF32(3 * 2);
    const targets = core.allocator.alloc(3 * 4);
    try {
      expect([source.rows, source.validationRows]).toEqual([3, 2]);
      source.beginEpoch(false, 0);
      source.next(3, dst, targets);
      expect(source.next(3, dst, targets)).toBeUndefined();
      expect(Array.from(core.i32(targets, 3))).toEqual([0, 2, 4]);
      const held = source.rowsOf("validation", 0, 2, dst);
      expect([Array.from(core.f32(held.x, 4)), Array.from(core.i32(held.targets.ptr, 2))]).toEqual([[2, 3, 6, 7], [1, 3]]);
      const trained = source.rowsOf("train", 1, 2, dst);
      expect([Array.from(core.f32(trained.x, 4)), Array.from(core.i32(trained.targets.ptr, 2))]).toEqual([[4, 5, 8, 9], [2, 4]]);
      source.beginEpoch(true, 1);
      source.next(3, dst, targets);
      expect(Array.from(core.i32(targets, 3)).sort()).toEqual([0, 2, 4]);
    } finally {
      source.free();
      for (const p of [rng, dst, targets]) core.free(p);
    }
  });
});

describe("GrowingBuffer", () => {
  beforeAll(async () => { await init(); });

  it("keeps its block while batches fit, grows it when one does not, and frees it", () => {
    const core = getCore();
    const before = core.allocator.bytesInUse;
    const buffer = new GrowingBuffer(core, 8);
    try {
      const first = buffer.take(4);
      const held = core.allocator.bytesInUse - before;
      expect([buffer.capacity, held >= 32]).toEqual([4, true]);
      expect([buffer.take(3), buffer.take(4), core.allocator.bytesInUse - before]).toEqual([first, first, held]);
      buffer.take(10);
      expect([buffer.capacity, core.allocator.bytesInUse - before >= 80]).toEqual([10, true]);
    } finally {
      buffer.free();
    }
    expect([buffer.capacity, core.allocator.bytesInUse]).toEqual([0, before]);
  });
});
