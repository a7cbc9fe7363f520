// Peak resident memory while training one epoch of 784-256-128-10 on
// Fashion-MNIST, each library in a fresh process so neither sees the other's heap.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./memory-child.js", import.meta.url));

function peak(library, quick) {
  const out = execFileSync(process.execPath, [CHILD, library, quick ? "quick" : "full"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(out.trim().split("\n").pop()).peakRssMiB;
}

/** Row peak_rss_mib, with TensorFlow.js (wasm backend) measured the same way. */
export async function memorySection({ quick }) {
  const value = peak("wasmlp", quick);
  const row = { name: "peak_rss_mib", value: Math.round(value), unit: "MiB" };
  try {
    const peerValue = Math.round(peak("tfjs", quick));
    return [{ ...row, peer: "tfjs-wasm", peerValue, ratio: Math.round((peerValue / value) * 100) / 100 }];
  } catch {
    return [row];
  }
}
