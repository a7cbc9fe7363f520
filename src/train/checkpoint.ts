// Checkpoints: the model written after every epoch ('last') and whenever the
// monitored metric improves ('best'), to files (Node) and/or a callback.
import { ConfigError } from "../errors.js";
import { nodeImport } from "../runtime/platform.js";
import { booleanOption, checkKeys, describe } from "../util/options.js";
import type { Callback } from "./callback.js";
import { improves, monitorOption, worstValue, type Computed, type Monitor } from "./monitor.js";
import type { CheckpointOptions, EpochLogs } from "./training.js";

/** The checkpoint option, checked. */
export interface CheckpointSettings {
  readonly last?: string;
  readonly best?: string;
  readonly monitor: Monitor;
  readonly optimizer: boolean;
  readonly onSave?: CheckpointOptions["onSave"];
}

/** Reads fit()'s checkpoint option; undefined when absent. */
export function checkpointSettings(spec: unknown, computed: Computed): CheckpointSettings | undefined {
  if (spec === undefined) return undefined;
  const where = "fit: checkpoint";
  checkKeys(spec as object, ["last", "best", "monitor", "optimizer", "onSave"], where);
  const o = spec as CheckpointOptions;
  for (const key of ["last", "best"] as const) {
    if (o[key] !== undefined && (typeof o[key] !== "string" || o[key] === "")) {
      throw new ConfigError(`${where}.${key} must be a file path, got ${JSON.stringify(o[key])}`);
    }
  }
  if (o.onSave !== undefined && typeof o.onSave !== "function") throw new ConfigError(`${where}.onSave must be a function, got ${describe(o.onSave)}`);
  if (o.last === undefined && o.best === undefined && o.onSave === undefined) {
    throw new ConfigError(`${where} needs a 'last' or 'best' path, or an onSave callback`);
  }
  return Object.freeze({
    last: o.last, best: o.best, onSave: o.onSave,
    optimizer: booleanOption(o.optimizer ?? true, `${where}.optimizer`),
    monitor: monitorOption(o.monitor, where, computed),
  });
}

/** Writes bytes to a path. */
export type FileWriter = (path: string, bytes: Uint8Array) => Promise<void>;

/** The Node file writer, loaded on first use: browsers pass only onSave and never import node: modules. */
function files(): Promise<typeof import("../runtime/write-file.js")> {
  // The specifier is relative to runtime/platform.js, beside which write-file.js sits.
  return nodeImport<typeof import("../runtime/write-file.js")>("./write-file.js");
}

/** Writes atomically; a failure is an InputError naming the checkpoint's path, never a temporary file. */
const writeAtomic: FileWriter = async (path, bytes) => (await files()).saveFile(path, bytes);

/** Throws an InputError naming a checkpoint path that cannot be written (a missing folder, no permission), before any training. */
export async function checkCheckpointPaths(settings: CheckpointSettings | undefined): Promise<void> {
  const paths = [settings?.last, settings?.best].filter((p): p is string => p !== undefined);
  if (paths.length === 0) return;
  const { checkWritable } = await files();
  for (const path of paths) await checkWritable(path);
}

/** Saves the model after each epoch as the settings ask; `save` makes the bytes. */
export class ModelCheckpoint implements Callback {
  private best: number;

  constructor(private readonly settings: CheckpointSettings, private readonly save: (withOptimizer: boolean) => Uint8Array,
    private readonly write: FileWriter = writeAtomic) {
    this.best = worstValue(settings.monitor);
  }

  async onEpochEnd(epoch: number, logs: EpochLogs): Promise<void> {
    const s = this.settings;
    const value = logs[s.monitor]!;
    const improved = improves(s.monitor, value, this.best);
    if (improved) this.best = value;
    const wantLast = s.last !== undefined || s.onSave !== undefined;
    const wantBest = improved && (s.best !== undefined || s.onSave !== undefined);
    if (!wantLast && !wantBest) return;
    const bytes = this.save(s.optimizer);
    if (wantLast) {
      if (s.last !== undefined) await this.write(s.last, bytes);
      await s.onSave?.(bytes, "last", epoch);
    }
    if (wantBest) {
      if (s.best !== undefined) await this.write(s.best, bytes);
      await s.onSave?.(bytes, "best", epoch);
    }
  }
}
