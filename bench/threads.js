// Two-thread figures: the GEMMs of the first layer, training and batch
// inference, each beside the same figure on one thread from the same run.
import { setThreads } from "../dist/runtime/core.js";
import { gemmSection } from "./gemm.js";
import { gemmSpeedupRows } from "./speedups.js";
import { trainSection } from "./train.js";

/** Rows for 2 threads (names end in _2t), and gemm_{nn,nt,tn}_2t_speedup. */
export async function threadsSection({ quick, log }) {
  await setThreads(2);
  let rows;
  try {
    // The forward pass runs the packed A·B (gemm_*nn_packed); plain gemm_nn has no layer caller and stays on one thread.
    const gemm = (await gemmSection({ quick, shapes: [[128, 784, 256]] }))
      .filter((r) => !/_nn_\d/.test(r.name))
      .map((r) => ({ ...r, name: `${r.name}_2t` }));
    const train = (await trainSection({ quick, log, latency: false }))
      .map((r) => ({ ...r, name: r.name.replace(/_1t$/, "_2t") }));
    rows = [...gemm, ...train];
  } finally {
    await setThreads(1);
  }
  // The shared core's pool stopped, the GEMMs' speedups time a one- and a two-thread core of their own.
  return [...rows, ...await gemmSpeedupRows({ quick, log })];
}
