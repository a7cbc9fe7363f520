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

/** Message that starts a worker. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  slot: number;
  kernels: string[];
}
