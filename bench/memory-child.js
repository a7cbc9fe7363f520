// Child of bench/memory.js: trains one epoch with one library and prints its peak RSS as JSON.
import { benchData } from "./train.js";

const [library, mode] = process.argv.slice(2);
const quick = mode === "quick";
const { train } = await benchData({ quick, log: (m) => console.error(m) });
const rows = quick ? Math.min(train.rows, 4096) : train.rows;
const x = train.x.subarray(0, rows * 784);
const y = train.labels.subarray(0, rows);
if (library === "wasmlp") {
  const { init, mlp } = await import("../dist/index.js");
  await init({ threads: 1 });
  const model = await mlp([784, 256, 128, 10], { seed: 1 });
  model.compile({ optimizer: "adam" });
  await model.fit(x, y, { epochs: 1, batchSize: 128 });
} else {
  const { tfjsTrainOnce } = await import("./peers.js");
  await tfjsTrainOnce(x, y, rows);
}
console.log(JSON.stringify({ library, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
