// Data bigger than memory: the CSV parse rate of readCsvStream, and the built CLI's streamed `predict` (file to
// file: read, parse, infer, format, write) and `train --stream` end to end, each in a child process whose peak
// resident memory (threads included) it reports at exit. The CSV files (20 numbers and a class label a row, about
// 160 bytes) are generated here from a seed into a temporary folder that is removed afterwards.
import { spawn } from "node:child_process";
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readCsvStream } from "../dist/index.js";
import { median } from "./train.js";

const CLI = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const MAX_RSS = fileURLToPath(new URL("./max-rss.cjs", import.meta.url));
const COLS = 20;
const CLASSES = 3;
/** Rows per training step: the CLI's default. */
const TRAIN_BATCH = 32;
/** What the issue asks of this machine; printed beside the figures, not asserted (the machine may be busy). */
const TARGET = { parseMBps: 150, predictRowsPerS: 250_000, predictMiB: 150, trainRowsPerS: 300_000, trainMiB: 300 };

/** A seeded xorshift32 generator of unsigned 32-bit integers. */
function xorshift(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

/** The labelling rule every file shares: the class is the argmax of three fixed linear maps of the row. */
const LABEL_WEIGHTS = (() => {
  const next = xorshift(7);
  return Float64Array.from({ length: CLASSES * COLS }, () => next() / 2 ** 31 - 1);
})();

const ROW_BYTES_MAX = COLS * 8 + 4;
const CHUNK_BYTES = 8 << 20;

/**
 * Writes `rows` rows of COLS numbers (-9.9999 to 9.9999, four decimals) and a class label to `path`, bytes straight
 * into one large buffer written a chunk at a time, so gigabytes take seconds rather than a string per number.
 */
function writeCsv(path, rows, seed) {
  const next = xorshift(seed);
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  const fd = openSync(path, "w");
  let at = buf.write(`${Array.from({ length: COLS }, (_, c) => `x${c}`).join(",")},label\n`);
  const scores = new Float64Array(CLASSES);
  for (let r = 0; r < rows; r++) {
    if (at > CHUNK_BYTES - ROW_BYTES_MAX) {
      writeSync(fd, buf, 0, at);
      at = 0;
    }
    scores.fill(0);
    for (let c = 0; c < COLS; c++) {
      const v = (next() % 199_999) - 99_999;
      for (let k = 0; k < CLASSES; k++) scores[k] += LABEL_WEIGHTS[k * COLS + c] * v;
      let a = v;
      if (a < 0) {
        buf[at++] = 45; // -
        a = -a;
      }
      buf[at++] = 48 + ((a / 10_000) | 0);
      buf[at++] = 46; // .
      buf[at++] = 48 + (((a / 1000) | 0) % 10);
      buf[at++] = 48 + (((a / 100) | 0) % 10);
      buf[at++] = 48 + (((a / 10) | 0) % 10);
      buf[at++] = 48 + (a % 10);
      buf[at++] = 44; // ,
    }
    let label = 0;
    for (let k = 1; k < CLASSES; k++) if (scores[k] > scores[label]) label = k;
    buf[at++] = 48 + label;
    buf[at++] = 10;
  }
  writeSync(fd, buf, 0, at);
  closeSync(fd);
  return statSync(path).size;
}

/** Seconds readCsvStream takes over the file, read from disk in 1 MiB chunks as `wasmlp predict` reads it. */
async function parseSeconds(path, rows) {
  const t0 = performance.now();
  let read = 0;
  for await (const batch of readCsvStream(createReadStream(path, { highWaterMark: 1 << 20 }), { name: path })) read += batch.rows;
  const seconds = (performance.now() - t0) / 1000;
  if (read !== rows) throw new Error(`readCsvStream read ${read} rows of ${rows}`);
  return seconds;
}

/** Runs the built CLI in a child process (with this process's Node flags); its stdout, wall-clock seconds and peak RSS in MiB. */
function runCli(args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...process.execArgv, "--require", MAX_RSS, CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = (performance.now() - t0) / 1000;
      const kib = Number(stderr.match(/^maxRSS (\d+)$/m)?.[1]);
      if (code !== 0 || !Number.isFinite(kib)) reject(new Error(`wasmlp ${args[0]} exited with ${code}: ${stderr.trim().slice(-2000)}`));
      else resolve({ stdout, seconds, peakMiB: kib / 1024 });
    });
  });
}

/** Line breaks in a file, counted chunk by chunk: that `predict` wrote a line for every row. */
async function countLines(path) {
  let lines = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return lines;
}

/** `wasmlp predict` from `data` to a file `passes` times: median rows/s and the largest peak RSS. */
async function predictRun(dir, model, data, rows, passes) {
  const out = join(dir, "predictions.csv");
  const rates = [];
  let peak = 0;
  for (let p = 0; p < passes; p++) {
    const run = await runCli(["predict", model, data, "--out", out]);
    const lines = await countLines(out);
    rmSync(out);
    if (lines !== rows + 1) throw new Error(`wasmlp predict wrote ${lines} lines for ${rows} rows`);
    rates.push(rows / run.seconds);
    peak = Math.max(peak, run.peakMiB);
  }
  return { rowsPerS: median(rates), rates, peakMiB: peak };
}

const count = (x) => Math.round(x).toLocaleString("en-US");

/** Rows csv_parse_mb_per_s, stream_predict_* and stream_train_* (under --quick: no 10,000,000-row predict, 500,000 rows trained). */
export async function streamSection({ quick, log }) {
  const dir = mkdtempSync(join(tmpdir(), "wasmlp-bench-stream-"));
  try {
    const rows = 1_000_000;
    const data = join(dir, "data-1m.csv");
    let t0 = performance.now();
    const bytes = writeCsv(data, rows, 1);
    log(`stream: wrote ${count(rows)} × ${COLS} CSV rows (${(bytes / 1e6).toFixed(0)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const parse = [];
    for (let p = 0; p < 3; p++) parse.push(bytes / 1e6 / await parseSeconds(data, rows));
    const parseMBps = median(parse);
    log(`stream: readCsvStream parses ${parseMBps.toFixed(0)} MB/s (median of ${parse.map((x) => x.toFixed(0)).join(", ")}; target ≥ ${TARGET.parseMBps})`);

    // The model predict runs: 20-64-32-3 trained briefly on rows apart from the measured ones.
    const slice = join(dir, "train-slice.csv");
    writeCsv(slice, quick ? 5000 : 20_000, 2);
    const model = join(dir, "model.safetensors");
    await runCli(["train", slice, "--layers", "64,32", "--epochs", "3", "--seed", "1", "--no-plot", "--json", "--out", model]);

    const one = await predictRun(dir, model, data, rows, quick ? 1 : 3);
    log(`stream: wasmlp predict, ${count(rows)} rows file to file: ${count(one.rowsPerS)} rows/s (median of ${one.rates.map(count).join(", ")}; target ≥ ${count(TARGET.predictRowsPerS)}), ` +
      `peak RSS ${one.peakMiB.toFixed(0)} MiB (target ≤ ${TARGET.predictMiB})`);
    const out = [
      { name: "csv_parse_mb_per_s", value: parseMBps, unit: "MB/s" },
      { name: "stream_predict_rows_per_s", value: one.rowsPerS, unit: "rows/s" },
      { name: "stream_predict_peak_rss_mib", value: Math.round(one.peakMiB), unit: "MiB" },
    ];
    rmSync(data);

    if (quick) log("stream: --quick leaves out predict on 10,000,000 rows (1.5 GB to write and read)");
    else {
      const big = join(dir, "data-10m.csv");
      t0 = performance.now();
      const bigBytes = writeCsv(big, 10 * rows, 3);
      log(`stream: wrote ${count(10 * rows)} rows (${(bigBytes / 1e9).toFixed(2)} GB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const ten = await predictRun(dir, model, big, 10 * rows, 1);
      rmSync(big);
      log(`stream: wasmlp predict, ${count(10 * rows)} rows: ${count(ten.rowsPerS)} rows/s, peak RSS ${ten.peakMiB.toFixed(0)} MiB (target ≤ ${TARGET.predictMiB})`);
      out.push({ name: "stream_predict_10m_peak_rss_mib", value: Math.round(ten.peakMiB), unit: "MiB" });
    }

    const trainRows = quick ? 500_000 : 5_000_000;
    const trainData = join(dir, "train.csv");
    writeCsv(trainData, trainRows, 4);
    const run = await runCli(["train", trainData, "--stream", "--layers", "64,32", "--epochs", "1", "--batch-size", String(TRAIN_BATCH), "--seed", "1",
      "--no-plot", "--json", "--out", join(dir, "streamed.safetensors")]);
    rmSync(trainData);
    const report = JSON.parse(run.stdout);
    if (report.rows !== trainRows) throw new Error(`wasmlp train --stream read ${report.rows} rows of ${trainRows}`);
    // The epoch's rate; the command also reads the file once before it for the preprocessing's statistics.
    log(`stream: wasmlp train --stream, ${report.network.sizes.join("-")} on ${count(trainRows)} rows, batch ${TRAIN_BATCH}, ` +
      `${report.threads} thread(s): ${count(report.samplesPerSecond)} rows/s in the epoch (target ≥ ${count(TARGET.trainRowsPerS)}), ` +
      `${count(trainRows / run.seconds)} rows/s for the whole command with its statistics pass, peak RSS ${run.peakMiB.toFixed(0)} MiB (target ≤ ${TARGET.trainMiB})`);
    out.push(
      { name: "stream_train_rows_per_s", value: report.samplesPerSecond, unit: "rows/s" },
      { name: "stream_train_peak_rss_mib", value: Math.round(run.peakMiB), unit: "MiB" },
    );
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
