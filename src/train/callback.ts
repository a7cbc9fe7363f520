// Training features as components with hooks, after tfjs-layers' Callback and
// CallbackList: the loop calls the hooks in order and knows nothing of what
// they do. The user's callbacks (one object, or an array as tfjs takes them)
// are one component among them.
import { ConfigError } from "../errors.js";
import { checkKeys, describe } from "../util/options.js";
import { isPending } from "./batch-source.js";
import type { BatchLogs, Callbacks, EpochLogs, History } from "./training.js";

/** The hooks a user's callbacks object may have. */
const USER_HOOKS = ["onTrainBegin", "onEpochBegin", "onBatchEnd", "onEpochEnd", "onTrainEnd"] as const;
/** tfjs hooks fit() does not call, with what to use instead. */
const NOT_CALLED: Record<string, string> = {
  onBatchBegin: "use onBatchEnd (it gets the batch's loss) or onEpochBegin",
  onYield: "fit() yields to the event loop by itself; use onBatchEnd",
};

/** Hooks a training component may have; all optional. */
export interface Callback {
  onTrainBegin?(): void;
  onEpochBegin?(epoch: number): void;
  onBatchBegin?(epoch: number, batch: number): void;
  /** Between a batch's backward pass and its optimizer step, with the batch's loss. */
  beforeUpdate?(epoch: number, batch: number, loss: number): void;
  onBatchEnd?(batch: number, logs: BatchLogs): void;
  onEpochEnd?(epoch: number, logs: EpochLogs): void | Promise<void>;
  /** After the last epoch (or a stop), before the final weights are checked. */
  onEpochsEnd?(): void;
  /** However fit() ends, success or error: puts back and frees what the component took. */
  onFinally?(): void;
  /** After fit() has finished normally, with the history it resolves to. */
  onTrainEnd?(history: History): void;
}

/** fit()'s callbacks option checked (known hooks only, each a function) as one component; undefined when there are none. */
export function userCallbacks(value: unknown): Callback | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  list.forEach((c, i) => checkHooks(c, Array.isArray(value) ? `fit: callbacks[${i}]` : "fit: callbacks"));
  return new CallbackList(list as Callbacks[]);
}

/** Throws a ConfigError for an unknown hook name (with a suggestion) or a hook that is not a function. */
function checkHooks(c: unknown, where: string): void {
  const unsupported = typeof c === "object" && c !== null ? Object.keys(c).find((k) => k in NOT_CALLED) : undefined;
  if (unsupported) throw new ConfigError(`${where}: fit() does not call '${unsupported}'; ${NOT_CALLED[unsupported]}`);
  checkKeys(c as object, USER_HOOKS, where);
  for (const key of USER_HOOKS) {
    const hook = (c as Record<string, unknown>)[key];
    if (hook !== undefined && typeof hook !== "function") throw new ConfigError(`${where}.${key} must be a function, got ${describe(hook)}`);
  }
}

/** The hooks a CallbackList calls, each on the members that have it. */
type Hook = keyof Callback;
const HOOKS: Hook[] = ["onTrainBegin", "onEpochBegin", "onBatchBegin", "beforeUpdate", "onBatchEnd", "onEpochEnd", "onEpochsEnd", "onFinally", "onTrainEnd"];

/**
 * A list of callbacks called in order (onFinally in reverse, as destructors are). Each hook runs over the
 * members that have it, found once: the loop calls several hooks a batch, and most members have few.
 */
export class CallbackList implements Required<Callback> {
  private readonly byHook: Record<Hook, Callback[]>;

  constructor(callbacks: (Callback | undefined)[]) {
    const list = callbacks.filter((c): c is Callback => c !== undefined);
    this.byHook = Object.fromEntries(HOOKS.map((hook) => [hook, list.filter((c) => c instanceof CallbackList ? c.has(hook) : typeof c[hook] === "function")])) as Record<Hook, Callback[]>;
    this.byHook.onFinally.reverse();
  }

  /** Whether some member has `hook`: the loop makes a batch's logs only for someone who reads them. */
  has(hook: Hook): boolean {
    return this.byHook[hook].length > 0;
  }

  onTrainBegin(): void {
    for (const c of this.byHook.onTrainBegin) c.onTrainBegin!();
  }

  onEpochBegin(epoch: number): void {
    for (const c of this.byHook.onEpochBegin) c.onEpochBegin!(epoch);
  }

  onBatchBegin(epoch: number, batch: number): void {
    for (const c of this.byHook.onBatchBegin) c.onBatchBegin!(epoch, batch);
  }

  beforeUpdate(epoch: number, batch: number, loss: number): void {
    for (const c of this.byHook.beforeUpdate) c.beforeUpdate!(epoch, batch, loss);
  }

  onBatchEnd(batch: number, logs: BatchLogs): void {
    for (const c of this.byHook.onBatchEnd) c.onBatchEnd!(batch, logs);
  }

  /** Each member's onEpochEnd in turn, waiting for any that returns a promise; a promise only if one did. */
  onEpochEnd(epoch: number, logs: EpochLogs): void | Promise<void> {
    const list = this.byHook.onEpochEnd;
    for (let i = 0; i < list.length; i++) {
      const pending = list[i].onEpochEnd!(epoch, logs);
      if (isPending(pending)) return this.epochEndFrom(pending, i + 1, epoch, logs);
    }
  }

  onEpochsEnd(): void {
    for (const c of this.byHook.onEpochsEnd) c.onEpochsEnd!();
  }

  onFinally(): void {
    for (const c of this.byHook.onFinally) c.onFinally!();
  }

  onTrainEnd(history: History): void {
    for (const c of this.byHook.onTrainEnd) c.onTrainEnd!(history);
  }

  /** The rest of onEpochEnd once a member's hook has returned `pending`: the members from `next` on, one after another. */
  private async epochEndFrom(pending: Promise<void>, next: number, epoch: number, logs: EpochLogs): Promise<void> {
    await pending;
    const list = this.byHook.onEpochEnd;
    for (let i = next; i < list.length; i++) await list[i].onEpochEnd!(epoch, logs);
  }
}
