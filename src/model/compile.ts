// compile()'s settings: checked and built (loss, optimizer state) before they
// replace the model's, so a refused compile() leaves the model as it was.
import { createLoss, defaultLoss, type Loss, type LossAlias, type LossName } from "../nn/losses.js";
import { createMetrics, type Metric, type MetricAlias, type MetricName } from "../nn/metrics.js";
import type { Network } from "../nn/network.js";
import { outputActivation, outputReading } from "../nn/output-kind.js";
import { createOptimizer, OPTIMIZER_KEYS, type Optimizer, type OptimizerConfig, type OptimizerName } from "../nn/optimizers.js";
import { checkKeys, numberOption } from "../util/options.js";
import { ConfigError } from "../errors.js";

/** Options of compile(). */
export interface CompileOptions {
  /**
   * Default: from the output activation (softmax or logSoftmax → categoricalCrossentropy, sigmoid → binaryCrossentropy,
   * else meanSquaredError).
   */
  loss?: LossName | LossAlias;
  /** Default: Adam with learning rate 0.001. */
  optimizer?: OptimizerName | OptimizerConfig;
  /**
   * Reported beside the loss: 'accuracy' for class outputs (softmax, logSoftmax, sigmoid, or logits under a cross-entropy
   * loss); 'mae' (mean absolute error) and 'mse' (mean squared error) for value outputs. Keras's spellings
   * ('acc', 'mean_absolute_error', ...) are read as these names.
   */
  metrics?: (MetricName | MetricAlias)[];
  /** L2 penalty λ: adds λ/2·Σw² over all weights (not biases) to the loss. */
  l2?: number;
}

/** compile()'s settings in full, as compile() takes them back; the optimizer's learning rate is its current one. */
export interface CompileSettings {
  loss: LossName;
  optimizer: OptimizerConfig;
  metrics: MetricName[];
  l2: number;
}

/** A compiled model's loss, optimizer and penalties. */
export interface Compiled {
  loss: Loss;
  optimizer: Optimizer;
  l2: number;
  /** In the order of MetricName, each once; accuracy reads outputs through outputReading(), as predictClasses() does. */
  metrics: Metric[];
}

/** Checks compile() options for `net` and builds the loss and optimizer (the caller owns the optimizer's memory). */
export function resolveCompile(net: Network, options: CompileOptions = {}): Compiled {
  checkKeys(options, ["loss", "optimizer", "metrics", "l2"], "compile");
  checkHiddenActivations(net);
  const activation = outputActivation(net);
  const loss = createLoss(options.loss ?? defaultLoss(activation), activation, net.outputs);
  const metrics = createMetrics(options.metrics ?? [], outputReading(net, loss.name), loss);
  const l2 = numberOption(options.l2 ?? 0, "compile: l2", 0);
  const optimizer = createOptimizer(net.core, options.optimizer ?? "adam", net.size);
  return { loss, optimizer, l2, metrics };
}

/** Refuses logSoftmax before the output layer: it has no backward pass, so only an output a loss reads as logits trains. */
function checkHiddenActivations(net: Network): void {
  const at = net.layers.slice(0, -1).findIndex((l) => l.toConfig().activation === "logSoftmax");
  if (at >= 0) {
    throw new ConfigError(`compile: layers[${at}] has a 'logSoftmax' activation, which trains only on the output layer; ` +
      "use another activation there (logSoftmax belongs on the last layer, with loss 'categoricalCrossentropy')");
  }
}

/**
 * Saved compile() settings (a model file, a state) as compile() takes them now: 'accuracy' on value outputs,
 * which earlier versions accepted and reported, is dropped, so those files keep loading.
 */
export function savedCompile(net: Network, settings: CompileOptions): CompileOptions {
  if (!Array.isArray(settings.metrics) || !settings.metrics.includes("accuracy")) return settings;
  const activation = outputActivation(net);
  const loss = createLoss(settings.loss ?? defaultLoss(activation), activation, net.outputs);
  if (outputReading(net, loss.name).kind !== "regression") return settings;
  return { ...settings, metrics: settings.metrics.filter((m) => m !== "accuracy") };
}

/** The settings of a compiled model, with the optimizer's current learning rate. */
export function compileSettings(c: Compiled): CompileSettings {
  const { optimizer } = c;
  const config: Record<string, unknown> = {};
  for (const key of OPTIMIZER_KEYS[optimizer.config.type]) {
    const value = key === "learningRate" ? optimizer.learningRate : (optimizer.config as unknown as Record<string, unknown>)[key];
    if (value !== undefined) config[key] = value;
  }
  return { loss: c.loss.name, optimizer: config as unknown as OptimizerConfig, metrics: c.metrics.map((m) => m.name), l2: c.l2 };
}
