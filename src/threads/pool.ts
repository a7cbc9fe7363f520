// A pool of workers sharing the core's memory. The calling thread posts one
// task per worker into the control block, runs its own share inline, then
// waits for the others: no messages, no copies, one notify per worker.
import { CoreError } from "../errors.js";
import { ARG0, DONE, FAILED, KERNEL, MAX_ARGS, QUIT, SEQ, SLOT_BYTES, SLOT_F64, SLOT_I32, SPIN, STATUS, type WorkerInit } from "./protocol.js";

/** The few things the pool needs from a platform's worker. */
interface WorkerHandle {
  terminate(): Promise<unknown> | void;
}

/** A worker's task: the kernel's index and its arguments. */
export interface Task {
  kernel: number;
  args: readonly number[];
}

/** Waiting longer than this for one task means a worker has died or hung. */
const TASK_TIMEOUT_MS = 60_000;

/** Workers that run core kernels on shared memory, driven through Atomics. */
export class Pool {
  private seq = 0;
  private closed = false;
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private failure: string | undefined;
  /** Atomics.wait is refused on a browser's main thread; there we only spin. */
  private readonly canBlock: boolean;

  private constructor(private readonly workers: WorkerHandle[], control: SharedArrayBuffer,
    private readonly onFailure: (reason: string) => void) {
    this.ctl = new Int32Array(control);
    this.args = new Float64Array(control);
    this.canBlock = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";
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
      for (let w = 0; w < n; w++) this.await(w, seq);
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
    let spins = 0;
    const started = Date.now();
    while (Atomics.load(this.ctl, i) !== seq) {
      if (++spins < SPIN) continue;
      if (this.canBlock) Atomics.wait(this.ctl, i, Atomics.load(this.ctl, i), 1);
      if (Date.now() - started > TASK_TIMEOUT_MS) {
        this.fail(`worker ${w} did not finish a task within ${TASK_TIMEOUT_MS / 1000} s`);
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

/** Starts one worker; Node's worker_threads now, a module Web Worker in browsers. */
async function spawn(init: WorkerInit, onError: (message: string) => void): Promise<{ handle: WorkerHandle; started: Promise<void> }> {
  // Resolves to dist/threads/worker.js both from dist/threads/ and from src/threads/ (tests run the sources).
  const url = new URL("../../dist/threads/worker.js", import.meta.url);
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";
  if (isNode) {
    const { Worker } = await import("node:worker_threads");
    const worker = new Worker(url, { workerData: init });
    worker.unref();
    const started = new Promise<void>((resolve, reject) => {
      worker.on("message", (m: { ready?: boolean; error?: string }) => {
        if (m.ready) resolve();
        if (m.error) onError(m.error);
      });
      worker.once("error", (e) => { onError(e.message); reject(e); });
      worker.once("exit", (code) => { onError(`worker exited with code ${code}`); reject(new Error(`worker exited with code ${code}`)); });
    });
    return { handle: { terminate: () => worker.terminate() }, started };
  }
  const worker = new Worker(url, { type: "module" });
  const started = new Promise<void>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<{ ready?: boolean; error?: string }>) => {
      if (e.data.ready) resolve();
      if (e.data.error) onError(e.data.error);
    };
    worker.onerror = (e) => { onError(e.message); reject(new Error(e.message)); };
  });
  worker.postMessage(init);
  return { handle: { terminate: () => worker.terminate() }, started };
}
