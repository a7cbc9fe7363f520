// Two-thread figures: the GEMMs of the first layer, training and batch
// inference, each beside the same figure on one thread from the same run.
import { setThreads } from "../dist/runtime/core.js";
import { gemmSection } from "./gemm.js";
import { trainSection } from "./train.js";

/** Rows for 2 threads (names end in _2t), with the 1-thread rows' values as a reference in the log. */
export async function threadsSection({ quick, log }) {
  await setThreads(2);
  try {
    // The forward pass runs the packed A·B (gemm_*nn_packed); plain gemm_nn has no layer caller and stays on one thread.
    const gemm = (await gemmSection({ quick, shapes: [[128, 784, 256]] }))
      .filter((r) => !/_nn_\d/.test(r.name))
      .map((r) => ({ ...r, name: `${r.name}_2t` }));
    const train = (await trainSection({ quick, log, latency: false }))
      .map((r) => ({ ...r, name: r.name.replace(/_1t$/, "_2t") }));
    return [...gemm, ...train];
  } finally {
    await setThreads(1);
  }
}
