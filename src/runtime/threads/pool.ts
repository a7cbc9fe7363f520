// A pool of workers sharing the core's memory. The calling thread posts one
// task per worker into the control block, runs its own share inline, then
// waits for the others: no messages, no copies, one notify per worker.
import { CoreError } from "../../errors.js";
import { isNode, nodeImport } from "../platform.js";
import { ARG0, DONE, FAILED, KERNEL, MAX_ARGS, QUIT, SEQ, SLOT_BYTES, SLOT_F64, SLOT_I32, STATUS, type WorkerInit } from "./protocol.js";
import { HOT_MS, Spinner } from "./spin.js";

/** The few things the pool needs from a platform's worker. */
interface WorkerHandle {
  terminate(): Promise<unknown> | void;
}

/** A worker's task: the kernel's index and its arguments. */
export interface Task {
  kernel: number;
  args: readonly number[];
}

/** Workers that run core kernels on shared memory, driven through Atomics. */
export class Pool {
  /**
   * Waiting longer than this (ms) for one task means a worker has died or hung. A worker that dies
   * between calls is seen at once (its exit event); one that dies during a call, only by this timeout.
   */
  static taskTimeoutMs = 60_000;
  private seq = 0;
  private closed = false;
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private failure: string | undefined;
  /** Atomics.wait is refused on a browser's main thread; there we only spin. */
  private readonly canBlock: boolean;
  private readonly spinner = new Spinner();

  private constructor(private readonly workers: WorkerHandle[], control: SharedArrayBuffer,
    private readonly onFailure: (reason: string) => void) {
    this.ctl = new Int32Array(control);
    this.args = new Float64Array(control);
    this.canBlock = isNode;
  }

  /** Starts `count` workers on `module` and `memory`; resolves once each has instantiated the core. */
  static async start(count: number, module: WebAssembly.Module, memory: WebAssembly.Memory, kernels: string[],
    onFailure: (reason: string) => void = () => {}): Promise<Pool> {
    const control = new SharedArrayBuffer(Math.max(1, count) * SLOT_BYTES);
    const handles: WorkerHandle[] = [];
    const pool = new Pool(handles, control, onFailure);
    const ready: Promise<void>[] = [];
    try {
      for (let slot = 0; slot < count; slot++) {
        const init: WorkerInit = { module, memory, control, slot, kernels };
        const { handle, started } = await spawn(init, (error) => pool.fail(error));
        handles.push(handle);
        ready.push(started);
      }
      await Promise.all(ready);
    } catch (e) {
      await pool.close();
      throw new CoreError(`the thread pool could not start: ${(e as Error).message}`);
    }
    return pool;
  }

  /** Records the first failure of a worker (it died, or a kernel threw) and reports it once. */
  private fail(reason: string): void {
    if (this.closed || this.failure) return;
    this.failure = reason;
    this.onFailure(reason);
  }

  /** Whether a worker has failed; a failed pool refuses further tasks. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Number of worker threads (the calling thread is not counted). */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Runs tasks[i] on worker i while `inline` runs on this thread, and returns once all are done.
   * Fewer tasks than workers leaves the rest idle.
   */
  run(tasks: readonly Task[], inline: () => void): void {
    if (this.closed) throw new CoreError("the thread pool has been shut down");
    if (this.failure) throw new CoreError(`a pool worker failed (${this.failure}); the pool is being restarted, retry the call`);
    const seq = ++this.seq;
    const n = Math.min(tasks.length, this.workers.length);
    for (let w = 0; w < n; w++) {
      const base = w * SLOT_I32;
      const t = tasks[w];
      if (t.args.length > MAX_ARGS) throw new CoreError(`a pool task has ${t.args.length} arguments, at most ${MAX_ARGS} fit`);
      this.args.set(t.args, w * SLOT_F64 + ARG0);
      this.ctl[base + KERNEL] = t.kernel;
      Atomics.store(this.ctl, base + SEQ, seq);
      Atomics.notify(this.ctl, base + SEQ);
    }
    try {
      inline();
    } finally {
      // Every live worker is waited for even after one timed out, so none writes memory after the call returns.
      let timedOut: unknown;
      for (let w = 0; w < n; w++) {
        try {
          this.await(w, seq);
        } catch (e) {
          timedOut ??= e;
        }
      }
      if (timedOut) throw timedOut;
    }
    for (let w = 0; w < n; w++) {
      if (this.ctl[w * SLOT_I32 + STATUS] === FAILED) {
        this.fail(`kernel ${tasks[w].kernel} threw in worker ${w}`);
        throw new CoreError(`a pool worker failed while running kernel ${tasks[w].kernel}; the pool is being restarted, retry the call`);
      }
    }
  }

  private await(w: number, seq: number): void {
    const i = w * SLOT_I32 + DONE;
    // DONE holds the worker's previous task until it finishes this one.
    const before = Atomics.load(this.ctl, i);
    if (before === seq) return;
    const started = performance.now();
    this.spinner.poll(this.ctl, i, before, HOT_MS);
    while (Atomics.load(this.ctl, i) !== seq) {
      if (this.canBlock) Atomics.wait(this.ctl, i, before, 1);
      const now = performance.now();
      if (now - started > Pool.taskTimeoutMs) {
        this.fail(`worker ${w} did not finish a task within ${Pool.taskTimeoutMs / 1000} s`);
        throw new CoreError(`a pool worker stopped responding: ${this.failure}`);
      }
    }
  }

  /** Stops every worker; the pool cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.workers.forEach((_, w) => {
      const base = w * SLOT_I32;
      this.ctl[base + KERNEL] = QUIT;
      Atomics.store(this.ctl, base + SEQ, ++this.seq);
      Atomics.notify(this.ctl, base + SEQ);
    });
    await Promise.all(this.workers.map((h) => h.terminate()));
  }
}

/** Node's copy of the worker: dist/threads/worker.js both from dist/threads/ and from src/threads/ (tests run the sources). */
const NODE_WORKER = "../../../dist/runtime/threads/worker.js";

/**
 * A Node worker given the process's flags, less any Node refuses in a worker: V8 options such as
 * --expose-gc or --max-old-space-size, which are process-wide and so in effect there already.
 */
function nodeWorker(Worker: typeof import("node:worker_threads").Worker, url: URL, workerData: WorkerInit, execArgv: string[]) {
  try {
    return new Worker(url, { workerData, execArgv });
  } catch (e) {
    if ((e as { code?: string }).code !== "ERR_WORKER_INVALID_EXEC_ARGV") throw e;
    // The message lists the refused flags; should its wording change, fall back to no flags at all.
    const message = (e as Error).message;
    const kept = execArgv.filter((a) => !message.includes(a));
    try {
      return new Worker(url, { workerData, execArgv: kept });
    } catch {
      return new Worker(url, { workerData, execArgv: [] });
    }
  }
}

/** Starts one worker; Node's worker_threads, or a module Web Worker in browsers. */
async function spawn(init: WorkerInit, onError: (message: string) => void): Promise<{ handle: WorkerHandle; started: Promise<void> }> {
  if (isNode) {
    const { Worker } = await nodeImport<typeof import("node:worker_threads")>("node:worker_threads");
    // Workers inherit the process's flags, except those valid only for a main script, and V8's wasm
    // flags (--experimental-wasm-relaxed-simd): process-wide, already in effect, refused in execArgv.
    const execArgv = process.execArgv.filter((a) => !a.startsWith("--input-type") && !a.startsWith("--experimental-wasm-"));
    // Browser bundles never take this path; the comment stops webpack warning of a URL it cannot resolve.
    const worker = nodeWorker(Worker, new URL(/* webpackIgnore: true */ NODE_WORKER, import.meta.url), init, execArgv);
    const started = new Promise<void>((resolve, reject) => {
      worker.on("message", (m: { ready?: boolean; error?: string }) => {
        if (m.ready) resolve();
        if (m.error) { onError(m.error); reject(new Error(m.error)); }
      });
      worker.once("error", (e) => { onError(e.message); reject(e); });
      worker.once("exit", (code) => { onError(`worker exited with code ${code}`); reject(new Error(`worker exited with code ${code}`)); });
    });
    // Once started (and after the listeners, which take a reference): an idle pool never keeps the process alive.
    void started.then(() => worker.unref(), () => {});
    return { handle: { terminate: () => worker.terminate() }, started };
  }
  // Written out in full so that bundlers (Vite, webpack 5) recognise the pattern and bundle the worker.
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  const started = new Promise<void>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<{ ready?: boolean; error?: string }>) => {
      if (e.data.ready) resolve();
      if (e.data.error) { onError(e.data.error); reject(new Error(e.data.error)); }
    };
    worker.onerror = (e) => {
      // A script that fails to load or parse reports an event without a message.
      const message = e.message || "the pool worker script (threads/worker.js) failed to load";
      onError(message);
      reject(new Error(message));
    };
  });
  worker.postMessage(init);
  return { handle: { terminate: () => worker.terminate() }, started };
}
