// A pool worker: instantiates the core on the shared memory, then runs the
// kernels the pool posts in its control slot until told to quit. It blocks in
// Atomics.wait only after polling a while (spin.ts), so the calls of a step
// find it awake.
import { isNode, nodeImport } from "../platform.js";
import { ARG0, DONE, FAILED, KERNEL, OK, QUIT, SEQ, SLOT_F64, SLOT_I32, STATUS, type WorkerInit } from "./protocol.js";
import { HOT_MS, Spinner } from "./spin.js";

type Kernel = (...args: number[]) => unknown;

async function start(init: WorkerInit, post: (message: unknown) => void): Promise<void> {
  const instance = await WebAssembly.instantiate(init.module, { env: { memory: init.memory } });
  const exports = instance.exports as Record<string, Kernel>;
  const kernels = init.kernels.map((name) => exports[name]);
  const ctl = new Int32Array(init.control, init.slot * SLOT_I32 * 4, SLOT_I32);
  const args = new Float64Array(init.control, init.slot * SLOT_F64 * 8, SLOT_F64);
  // Read the counter before announcing readiness: a task posted right after would otherwise be missed.
  let last = Atomics.load(ctl, SEQ);
  post({ ready: true });
  const spinner = new Spinner();
  for (;;) {
    const seq = spinner.poll(ctl, SEQ, last, HOT_MS);
    if (seq === last) {
      Atomics.wait(ctl, SEQ, last);
      continue;
    }
    last = seq;
    const k = ctl[KERNEL];
    if (k === QUIT) break;
    try {
      const a = args;
      kernels[k](a[ARG0], a[ARG0 + 1], a[ARG0 + 2], a[ARG0 + 3], a[ARG0 + 4], a[ARG0 + 5], a[ARG0 + 6],
        a[ARG0 + 7], a[ARG0 + 8], a[ARG0 + 9], a[ARG0 + 10], a[ARG0 + 11], a[ARG0 + 12], a[ARG0 + 13]);
      ctl[STATUS] = OK;
    } catch (e) {
      ctl[STATUS] = FAILED;
      post({ error: String((e as Error)?.message ?? e) });
    }
    Atomics.store(ctl, DONE, seq);
    Atomics.notify(ctl, DONE);
  }
}

// No top-level await: bundlers build workers as classic scripts by default (Vite's 'iife').
if (isNode) {
  void nodeImport<typeof import("node:worker_threads")>("node:worker_threads").then(({ parentPort, workerData }) =>
    parentPort && start(workerData as WorkerInit, (m) => parentPort.postMessage(m)));
} else {
  const scope = globalThis as unknown as { onmessage: ((e: MessageEvent) => void) | null; postMessage(m: unknown): void };
  scope.onmessage = (e) => {
    scope.onmessage = null;
    start(e.data as WorkerInit, (m) => scope.postMessage(m)).catch((err) => scope.postMessage({ error: String(err?.message ?? err) }));
  };
}
