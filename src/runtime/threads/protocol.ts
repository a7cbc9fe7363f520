// The control block shared by the pool and its workers: one 256-byte slot per
// worker (a cache line or more apart, so slots never share a line), holding a
// task counter, a completion counter, the kernel to run and its arguments.

/** Int32 fields of a slot. */
export const SEQ = 0;
export const DONE = 1;
export const KERNEL = 2;
export const STATUS = 3;
/** Bytes per worker slot. */
export const SLOT_BYTES = 256;
/** Int32 elements per slot. */
export const SLOT_I32 = SLOT_BYTES / 4;
/** Float64 elements per slot; arguments start at ARG0. */
export const SLOT_F64 = SLOT_BYTES / 8;
export const ARG0 = 2;
/** Most arguments a kernel call may pass. */
export const MAX_ARGS = SLOT_F64 - ARG0;
/** Kernel index that tells a worker to exit. */
export const QUIT = -1;
/** Status values a worker reports. */
export const OK = 0;
export const FAILED = 1;
/**
 * Milliseconds a thread polls a counter before it blocks in Atomics.wait: waking a blocked thread
 * costs ~60 µs, a poll well under 1 µs, so polling bridges the gaps between a step's kernels. Short,
 * and timed by the clock rather than by a count of polls: with more busy threads than cores, a
 * thread that polls for long loses its turn to the scheduler, so its next share starts late (two
 * threads trained 3–7× slower with 0.2–3 ms than with 0.05 ms under such load), and a fixed count
 * of polls lasted 0.1–7 ms once polls were preempted.
 */
export const SPIN_MS = 0.05;

/** Message that starts a worker. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  slot: number;
  kernels: string[];
}
