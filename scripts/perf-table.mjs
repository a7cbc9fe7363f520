#!/usr/bin/env node
// Writes the performance figures of the docs from benchmark runs, so that no
// figure is copied by hand: `npm run bench -- --json --out docs/bench/latest.jsonl`,
// then `node scripts/perf-table.mjs docs/bench/latest.jsonl`. Rewrites what lies
// between <!-- perf:NAME:start --> and <!-- perf:NAME:end --> in docs/performance.md,
// README.md and docs/import.md (TARGETS); the int8 table also reads a committed run on
// Node 24 (INT8_RUNS). test/docs-perf.test.ts checks that the committed docs
// are what this script makes of the committed runs.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The metadata and rows of a `--json` benchmark output (other lines, such as npm's, are skipped). */
export function parseRun(text) {
  const lines = text.split("\n").filter((l) => l.trimStart().startsWith("{")).map((l) => JSON.parse(l));
  const meta = lines.find((l) => l.meta)?.meta;
  if (!meta) throw new Error("no metadata line: run the bench with --json from this version of bench/run.js");
  const rows = new Map();
  for (const { meta: _, ...row } of lines.filter((l) => !l.meta)) {
    const entry = rows.get(row.name) ?? { value: row.value, unit: row.unit, peers: {} };
    if (row.peer) entry.peers[row.peer] = { value: row.peerValue, ratio: row.ratio };
    rows.set(row.name, entry);
  }
  return { meta, rows };
}

const group = (x, digits) => x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
/** A figure as the docs print it: 3 significant figures, thousands grouped. */
export function figure(x) {
  if (x === undefined || x === null || !Number.isFinite(x)) return "—";
  if (Math.abs(x) >= 1000) return group(Number(x.toPrecision(3)), 0);
  if (Math.abs(x) >= 100) return group(x, 0);
  return group(x, Math.abs(x) >= 10 ? 1 : 2);
}

/** The performance table (Markdown) of a parsed run. */
export function renderTable({ meta, rows }) {
  const v = (name) => rows.get(name)?.value;
  const peer = (name, p, peerName = name) => rows.get(name)?.peers[p] ?? (peerName !== name ? rows.get(peerName)?.peers[p] : undefined);
  const slash = (...xs) => xs.map(figure).join(" / ");
  const percents = (...xs) => xs.map((x) => (Number.isFinite(x) ? String(Math.round(x)) : "—")).join(" / ");
  /** A peer's figure and how many times slower than wasmlp it is, from the row's ratio. */
  const versus = (name, p, lowerIsBetter = false) => {
    const q = peer(name, p);
    if (!q) return "—";
    const slower = q.ratio >= 1;
    const times = slower ? q.ratio : 1 / q.ratio;
    return `${figure(q.value)} (${figure(times)}× ${slower ? (lowerIsBetter ? "longer" : "slower") : lowerIsBetter ? "shorter" : "faster"})`;
  };
  const tf = "tfjs-wasm";
  const sk = "scikit-learn";
  const shape = "128x784x256";
  /** " (1.90× one thread)" from a speedup row, or nothing when the run lacks it. */
  const overOne = (...names) => (names.every((n) => rows.has(n)) ? ` (${names.map((n) => `${figure(v(n))}×`).join(" / ")} one thread)` : "");
  // The builds init() can pick; a debug build (names, assertions) is for development only.
  const sizes = meta.wasm.files.filter((f) => !f.file.includes("debug")).map((f) => f.bytes);
  const table = [
    ["metric", "wasmlp", `TensorFlow.js ${meta.peers?.["@tensorflow/tfjs-backend-wasm"] ?? ""} (wasm backend)`.replace("  ", " "), `brain.js ${meta.peers?.["brain.js"] ?? ""}`.trim(),
      "scikit-learn `MLPClassifier` (native BLAS)"],
    [`GEMM \`A·B\` 128×784×256, 1 thread, plain SIMD (GFLOP/s)`, figure(v(`gemm_nn_${shape}`)), figure(peer(`gemm_nn_${shape}`, tf)?.value), "—"],
    ["GEMM `A·Bᵀ` / `Aᵀ·B`, same size", slash(v(`gemm_nt_${shape}`), v(`gemm_tn_${shape}`)), slash(peer(`gemm_nt_${shape}`, tf)?.value, peer(`gemm_tn_${shape}`, tf)?.value), "—"],
    ["GEMM relaxed SIMD (fused multiply-add) `A·B` / `A·Bᵀ` / `Aᵀ·B`", slash(v(`gemm_relaxed_nn_${shape}`), v(`gemm_relaxed_nt_${shape}`), v(`gemm_relaxed_tn_${shape}`)), "—", "—"],
    ["GEMM 2 threads, relaxed: `A·B` (weights packed ahead, as layers run it) / `A·Bᵀ` / `Aᵀ·B`",
      [`gemm_relaxed_nn_packed_${shape}_2t`, `gemm_relaxed_nt_${shape}_2t`, `gemm_relaxed_tn_${shape}_2t`].map((n) => figure(v(n))).join(" / ") +
        overOne("gemm_nn_2t_speedup", "gemm_nt_2t_speedup", "gemm_tn_2t_speedup"),
      "— (its pool does not run in Node)", "—"],
    // The peer multiplies plain, unpacked: beside it, the same form of ours; then the path predict() takes.
    ["GEMM 1×784×256 (one sample), plain `A·B` / weights packed ahead, relaxed (as predict runs it)",
      slash(v("gemm_nn_1x784x256"), v("gemm_relaxed_nn_packed_1x784x256")), figure(peer("gemm_nn_1x784x256", tf)?.value), "—"],
    ["peak multiply-add loop, 1 core: multiply then add / fused (GFLOP/s)", slash(v("peak_mul_add_1t"), v("peak_relaxed_madd_1t")), "—", "—"],
    ["first-layer GEMM as % of that peak, plain: `A·B` / `A·Bᵀ` / `Aᵀ·B`", percents(...["nn", "nt", "tn"].map((f) => v(`peak_fraction_gemm_${f}_${shape}`))), "—", "—"],
    ["the same, relaxed build against the fused loop", percents(...["nn", "nt", "tn"].map((f) => v(`peak_fraction_gemm_relaxed_${f}_${shape}`))), "—", "—"],
    ["training, 1 thread (samples/s)", figure(v("train_samples_per_s_1t")), versus("train_samples_per_s_1t", tf), versus("train_samples_per_s_1t", "brain.js"),
      versus("train_samples_per_s_1t", sk)],
    ["training, 2 threads (samples/s)", figure(v("train_samples_per_s_2t")) + overOne("train_speedup_2t"), "—", "—", versus("train_samples_per_s_2t", sk)],
    // Rows of sections a run may leave out (accuracy came with the scikit-learn peer, the small networks later) appear when it has them.
    ...(rows.has("train_test_accuracy_1t") ? [["test accuracy after the training rows' epochs (%)", figure(v("train_test_accuracy_1t")), "—", "—",
      figure(peer("train_test_accuracy_1t", sk)?.value)]] : []),
    ["inference, batch 10,000, 1 thread (samples/s)", figure(v("infer_samples_per_s_1t")), versus("infer_samples_per_s_1t", tf), versus("infer_samples_per_s_1t", "brain.js"), "—"],
    ["inference, batch 10,000, 2 threads (samples/s)", figure(v("infer_samples_per_s_2t")) + overOne("infer_speedup_2t"), "—", "—", "—"],
    ...(rows.has("train_tiny_us_per_epoch") ? [["XOR on 2-8-1, one 4-row batch an epoch (µs per epoch)", figure(v("train_tiny_us_per_epoch")), "—",
      versus("train_tiny_us_per_epoch", "brain.js", true), "—"]] : []),
    ...(rows.has("train_small_us_per_step") ? [["13-64-3 on 142 rows, batch 32 (µs per step)", figure(v("train_small_us_per_step")), "—", "—", "—"]] : []),
    ["one sample through `predict` (µs)", figure(v("predict_one_us")), versus("predict_one_us", tf, true), versus("predict_one_us", "brain.js", true)],
    ["peak RSS, one training epoch (MiB)", figure(v("peak_rss_mib")), figure(peer("peak_rss_mib", tf)?.value), "—"],
    [`\`.wasm\` size, each of the ${sizes.length} builds (KB)`, `${figure(Math.min(...sizes) / 1000)}–${figure(Math.max(...sizes) / 1000)}`, "—", "—"],
  ];
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [
    `Run of ${meta.date.slice(0, 10)} (commit \`${meta.commit?.slice(0, 7) ?? "unknown"}\`${meta.uncommitted?.length ? " with uncommitted changes" : ""}): ` +
      `${meta.cpu}, ${meta.cores} vCPU, Node ${meta.node.replace(/^v/, "")} (V8 ${meta.v8.split("-")[0]}), ${meta.mode} mode, ${meta.data}; ` +
      `training and inference on the ${meta.wasm.used}-SIMD build; load average ${meta.loadAverage?.[0] ?? "unknown"} at the end.`,
    "",
    line(table[0]),
    line(table[0].map(() => "---")),
    // Rows without a figure for the last peers end in dashes.
    ...table.slice(1).map((cells) => line([...cells, ...Array(table[0].length - cells.length).fill("—")])),
  ].join("\n");
}

/** The README's one-paragraph summary of a parsed run. */
export function renderSummary({ meta, rows }) {
  const v = (name) => rows.get(name)?.value;
  const ratio = (name) => rows.get(name)?.peers["tfjs-wasm"]?.ratio;
  const sk = [1, 2].map((t) => rows.get(`train_samples_per_s_${t}t`)?.peers["scikit-learn"]?.value);
  const sklearn = sk.every(Number.isFinite) && `${figure(sk[0])} on one thread and ${figure(sk[1])} on two`;
  return `In one run on a ${meta.cores}-vCPU ${meta.cpu} with Node ${meta.node.replace(/^v/, "")} (load average ` +
    `${meta.loadAverage?.[0] ?? "unknown"} at its end), one thread trained the ` +
    `784-256-128-10 benchmark network at ${figure(v("train_samples_per_s_1t"))} samples/s ` +
    `(${figure(ratio("train_samples_per_s_1t"))}× TensorFlow.js's wasm backend in the same run) and inferred at ` +
    `${figure(v("infer_samples_per_s_1t"))} samples/s (${figure(ratio("infer_samples_per_s_1t"))}×); two threads trained at ` +
    `${figure(v("train_samples_per_s_2t"))} samples/s` + (sklearn ? `; scikit-learn's \`MLPClassifier\` (native BLAS) trained at ${sklearn} in the same run.` : ".");
}

/** The imported-ONNX comparison with onnxruntime-web (Markdown) of a parsed run. */
export function renderOnnx({ meta, rows }) {
  const ort = "onnxruntime-web";
  const row = (name) => rows.get(name);
  const cells = (label, name, lowerIsBetter) => {
    const r = row(name);
    const q = r?.peers[ort];
    const times = q && (q.ratio >= 1 ? `${figure(q.ratio)}× ${lowerIsBetter ? "less" : "more"}` : `${figure(1 / q.ratio)}× ${lowerIsBetter ? "more" : "less"}`);
    return `| ${label} | ${figure(r?.value)} | ${figure(q?.value)} | ${times ?? "—"} |`;
  };
  const diff = row("onnx_max_abs_diff")?.value;
  return [
    `Run of ${meta.date.slice(0, 10)}: ${meta.cpu}, Node ${meta.node.replace(/^v/, "")}, one thread each, the benchmark network ` +
      `(784-256-128-10) as an ONNX file, the same Fashion-MNIST inputs; largest difference between the two runtimes' outputs ` +
      `${Number.isFinite(diff) ? diff.toExponential(1) : "—"}.`,
    "",
    `| metric | wasmlp | onnxruntime-web ${meta.peers?.["onnxruntime-web"] ?? ""} | wasmlp |`.replace("  ", " "),
    "| --- | --- | --- | --- |",
    cells("batch of 10,000 (samples/s)", "onnx_infer_samples_per_s_1t", false),
    cells("one sample (µs)", "onnx_predict_one_us", true),
    cells("`.wasm` loaded (bytes)", "onnx_wasm_bytes", true),
  ].join("\n");
}

/** The streaming figures (Markdown) of a parsed run, beside their targets; a run without the stream section shows dashes. */
export function renderStream({ meta, rows }) {
  const v = (name) => figure(rows.get(name)?.value);
  const ran = meta.sections?.includes("stream");
  const cells = [
    ["`readCsvStream`, 1,000,000 rows of 20 numbers and a class label, 152 MB (MB/s)", v("csv_parse_mb_per_s"), "≥ 150"],
    ["`wasmlp predict` file to file, 1,000,000 rows: read, parse, infer, format, write (rows/s)", v("stream_predict_rows_per_s"), "≥ 250,000"],
    ["its peak RSS (MiB)", v("stream_predict_peak_rss_mib"), "≤ 150"],
    ["peak RSS of the same on 10,000,000 rows, 1.5 GB (MiB)", v("stream_predict_10m_peak_rss_mib"), "≤ 150"],
    [`\`wasmlp train --stream\`, 20-64-32-3, batch 32, ${meta.mode === "quick" ? "500,000" : "5,000,000"} rows, one epoch (rows/s)`, v("stream_train_rows_per_s"), "≥ 300,000"],
    ["its peak RSS (MiB)", v("stream_train_peak_rss_mib"), "≤ 300"],
  ];
  return [
    ran
      ? `Run of ${meta.date.slice(0, 10)} (commit \`${meta.commit?.slice(0, 7) ?? "unknown"}\`): ${meta.cpu}, ${meta.cores} vCPU, Node ${meta.node.replace(/^v/, "")}, ` +
        `${meta.mode} mode; load average ${meta.loadAverage?.[0] ?? "unknown"} at the end.`
      : "The committed run did not include the `stream` section (`npm run bench -- --only stream`).",
    "",
    "| metric | wasmlp | target |",
    "| --- | --- | --- |",
    ...cells.map((c) => `| ${c.join(" | ")} |`),
  ].join("\n");
}

/**
 * The runs the int8 table reads, a column each: the full run on Node 20, and a run of the sections the table needs on
 * Node 24, `npm run bench -- --node 24 --only peak,int8,onnx --json --out docs/bench/int8-node24.jsonl`.
 */
export const INT8_RUNS = ["docs/bench/latest.jsonl", "docs/bench/int8-node24.jsonl"];

/** The int8 inference table (Markdown) of parsed runs, a column each: int8 against float32 and the ceiling of the same run. */
export function renderInt8(...runs) {
  const ort = "onnxruntime-web";
  const times = (x) => (Number.isFinite(x) ? `${figure(x)}×` : "—");
  const metrics = [
    ["ceiling: peak multiply-adds of the int8 relaxed dot / int16 dot over f32 fused multiply-add",
      (v) => `${times(v("int8_peak_ratio_relaxed"))} / ${times(v("int8_peak_ratio_plain"))}`],
    ["float32, batch 10,000, 1 thread, relaxed build (samples/s)", (v) => figure(v("int8_infer_samples_per_s_1t") / v("int8_speedup_relaxed_1t"))],
    ["int8, the same (samples/s)", (v) => figure(v("int8_infer_samples_per_s_1t"))],
    ["int8 over float32, relaxed build / plain build", (v) => `${times(v("int8_speedup_relaxed_1t"))} / ${times(v("int8_speedup_plain_1t"))}`],
    ["the relaxed build's speedup as a share of its ceiling (%)", (v) => figure(100 * v("int8_speedup_relaxed_1t") / v("int8_peak_ratio_relaxed"))],
    ["int8, 2 threads (samples/s)", (v) => `${figure(v("int8_infer_samples_per_s_2t"))} (${times(v("int8_infer_samples_per_s_2t") / v("int8_infer_samples_per_s_1t"))} one thread)`],
    [`${ort}, the network's float32 ONNX file, batch 10,000, 1 thread (samples/s)`, (_, peer) => figure(peer("onnx_infer_samples_per_s_1t")?.value)],
    ["one sample through `predict`, int8 (µs)", (v) => figure(v("int8_predict_one_us"))],
    [`${ort}, one sample of the float32 ONNX file (µs)`, (_, peer) => figure(peer("onnx_predict_one_us")?.value)],
    ["test accuracy lost to int8 (points)", (v) => figure(v("int8_fashion_accuracy_drop_points"))],
  ];
  const engine = ({ meta }) => `Node ${meta.node.replace(/^v/, "")} (V8 ${meta.v8.split(".").slice(0, 2).join(".")})`;
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [
    runs.map(({ meta }) => `${engine({ meta })}: run of ${meta.date.slice(0, 10)} (commit \`${meta.commit?.slice(0, 7) ?? "unknown"}\`` +
      `${meta.uncommitted?.length ? " with uncommitted changes" : ""}), ${meta.cpu}, ${meta.cores} vCPU, ${meta.mode} mode; load average ` +
      `${meta.loadAverage?.[0] ?? "unknown"} at the end.`).join("\n"),
    "",
    line(["metric", ...runs.map(engine)]),
    line(["---", ...runs.map(() => "---")]),
    ...metrics.map(([label, cell]) => line([label, ...runs.map(({ rows }) =>
      cell((name) => rows.get(name)?.value, (name) => rows.get(name)?.peers[ort]))])),
  ].join("\n");
}

/** `text` with the part between the NAME markers replaced by `body`. */
export function replaceBetween(text, name, body) {
  const start = `<!-- perf:${name}:start -->`;
  const end = `<!-- perf:${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`markers ${start} … ${end} not found`);
  return `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
}

/**
 * The documents this script writes, with the renderer of each marked part; `runs`: the committed runs that part
 * reads instead of the run named on the command line.
 */
export const TARGETS = [
  { file: "docs/performance.md", name: "table", render: renderTable },
  { file: "docs/performance.md", name: "stream", render: renderStream },
  { file: "docs/performance.md", name: "int8", render: renderInt8, runs: INT8_RUNS },
  { file: "README.md", name: "summary", render: renderSummary },
  { file: "docs/import.md", name: "onnx", render: renderOnnx },
];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const source = process.argv[2];
  if (!source) {
    console.error("usage: node scripts/perf-table.mjs <bench output, one JSON object per line>");
    process.exit(2);
  }
  const run = parseRun(readFileSync(source, "utf8"));
  const committed = (file) => parseRun(readFileSync(fileURLToPath(new URL(`../${file}`, import.meta.url)), "utf8"));
  for (const { file, name, render, runs } of TARGETS) {
    const path = fileURLToPath(new URL(`../${file}`, import.meta.url));
    writeFileSync(path, replaceBetween(readFileSync(path, "utf8"), name, runs ? render(...runs.map(committed)) : render(run)));
    console.log(`wrote ${file} (${name}) from ${runs?.join(", ") ?? source}`);
  }
}
