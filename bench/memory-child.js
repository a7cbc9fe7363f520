// Child of bench/memory.js: trains one epoch with one library and prints its peak RSS as JSON.
// Each library gets the data the way its users would give it: wasmlp the raw pixel bytes (they stay
// bytes in the core and are widened per batch), TensorFlow.js a float32 tensor of the scaled pixels.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadFashionMnist } from "../dist/node/files.js";

const FULL = "/usr/share/datasets/fashion-mnist";
const FIXTURE = fileURLToPath(new URL("../test/fixtures/fashion-mnist", import.meta.url));
const [library, mode] = process.argv.slice(2);
const quick = mode === "quick";
const { train } = await loadFashionMnist(!quick && existsSync(FULL) ? FULL : FIXTURE);
const rows = quick ? Math.min(train.rows, 4096) : train.rows;
const bytes = train.x.subarray(0, rows * 784);
const labels = train.labels.subarray(0, rows);
if (library === "wasmlp") {
  const { init, mlp, scaling } = await import("../dist/index.js");
  await init({ threads: 1 });
  const model = await mlp([784, 256, 128, 10], { seed: 1 });
  model.setPreprocessing(scaling(1 / 255));
  model.compile({ optimizer: "adam" });
  await model.fit({ data: bytes, rows, cols: 784 }, labels, { epochs: 1, batchSize: 128 });
} else {
  const x = new Float32Array(rows * 784);
  for (let i = 0; i < x.length; i++) x[i] = bytes[i] / 255;
  const { tfjsTrainOnce } = await import("./peers.js");
  await tfjsTrainOnce(x, labels, rows);
}
console.log(JSON.stringify({ library, rows, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
