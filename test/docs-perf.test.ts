// The performance figures of the docs are generated, never typed: the parts of
// docs/performance.md and README.md between perf markers must be exactly what
// scripts/perf-table.mjs makes of the committed run, docs/bench/latest.jsonl,
// and that run must carry the metadata the table reports.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { figure, INT8_RUNS, parseRun, replaceBetween, TARGETS } from "../scripts/perf-table.mjs";

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");
const run = parseRun(read("docs/bench/latest.jsonl"));

/** The committed run without the rows named `names` (and their peers), then `extra` rows: a run that had, or lacked, a section. */
function runWith(extra: object[], names = new Set(extra.map((r) => (r as { name: string }).name))): ReturnType<typeof parseRun> {
  const kept = read("docs/bench/latest.jsonl").split("\n").filter((l) => !l.startsWith("{") || !names.has(JSON.parse(l).name));
  return parseRun([...kept, ...extra.map((r) => JSON.stringify(r))].join("\n"));
}

/** A target's part as the script renders it: from its own committed runs, or from the committed full run. */
function rendered(target: (typeof TARGETS)[number]): string {
  const render = target.render as (...runs: ReturnType<typeof parseRun>[]) => string;
  return "runs" in target && target.runs ? render(...target.runs.map((f: string) => parseRun(read(f)))) : render(run);
}

describe("generated performance figures", () => {
  for (const target of TARGETS) {
    const { file, name } = target;
    it(`${file} (${name}) is what scripts/perf-table.mjs makes of ${"runs" in target && target.runs ? target.runs.join(" and ") : "docs/bench/latest.jsonl"}`, () => {
      const text = read(file);
      expect(replaceBetween(text, name, rendered(target))).toBe(text);
    });
  }

  it("the int8 table's runs are of Node 20 and Node 24, and every cell of theirs reads a row they have: none prints as a dash", () => {
    const runs = INT8_RUNS.map((f: string) => parseRun(read(f)));
    expect(runs.map((r: ReturnType<typeof parseRun>) => r.meta.node.split(".")[0])).toEqual(["v20", "v24"]);
    for (const r of runs) for (const section of ["peak", "int8", "onnx"]) expect(r.meta.sections).toContain(section);
    const table = rendered(TARGETS.find((t) => t.name === "int8")!);
    const rows = table.split("\n").filter((l) => l.startsWith("| ")).slice(2);
    expect(rows.length).toBe(10);
    for (const row of rows) expect(row, row).not.toMatch(/—|NaN/);
  });

  it("the committed run says when, where and on what it ran", () => {
    const { meta } = run;
    expect(meta.date).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(meta.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(meta.cpu.length).toBeGreaterThan(0);
    expect(meta.node).toMatch(/^v\d+\./);
    expect(["plain", "relaxed"]).toContain(meta.wasm.used);
    const files = meta.wasm.files.map((f: { file: string }) => f.file);
    for (const build of ["wasmlp", "wasmlp-relaxed", "wasmlp-shared", "wasmlp-relaxed-shared"]) expect(files).toContain(`build/${build}.wasm`);
  });

  it("the committed run has the peak-loop rows that back the fraction-of-peak figures", () => {
    for (const name of ["peak_mul_add_1t", "peak_relaxed_madd_1t", "peak_fraction_gemm_nn_128x784x256", "peak_fraction_gemm_relaxed_nn_128x784x256"]) {
      expect(run.rows.get(name)?.value, name).toBeGreaterThan(0);
    }
  });

  it("every wasmlp figure of the table reads a row the run has: none prints as a dash", () => {
    const table = TARGETS.find((t) => t.name === "table")!.render(run);
    const rows = table.split("\n").filter((l) => l.startsWith("| ")).slice(2);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.split(" | ")[1], row).not.toMatch(/—/);
  });

  it("a run with scikit-learn, two-thread speedups and small networks shows them; the committed run's table stands without them", () => {
    const extra = [
      { name: "train_samples_per_s_1t", value: 40000, unit: "samples/s", peer: "scikit-learn", peerValue: 80000, ratio: 0.5 },
      { name: "train_samples_per_s_2t", value: 60000, unit: "samples/s", peer: "scikit-learn", peerValue: 50000, ratio: 1.2 },
      { name: "train_test_accuracy_1t", value: 85.1, unit: "%", peer: "scikit-learn", peerValue: 84.2, ratio: 1.01 },
      { name: "train_speedup_2t", value: 1.5, unit: "×" },
      { name: "infer_speedup_2t", value: 1.9, unit: "×" },
      { name: "gemm_nn_2t_speedup", value: 1.86, unit: "×" },
      { name: "gemm_nt_2t_speedup", value: 1.85, unit: "×" },
      { name: "gemm_tn_2t_speedup", value: 1.7, unit: "×" },
      { name: "train_tiny_us_per_epoch", value: 20, unit: "µs", peer: "brain.js", peerValue: 8, ratio: 0.4 },
      { name: "train_small_us_per_step", value: 19.8, unit: "µs" },
    ];
    const withExtra = runWith(extra);
    const render = (name: string, r: typeof run) => TARGETS.find((t) => t.name === name)!.render(r);
    const table = render("table", withExtra).split("\n");
    const row = (start: string) => table.find((l) => l.startsWith(`| ${start}`)) ?? "";
    expect(row("training, 1 thread")).toMatch(/\| 80,000 \(2\.00× faster\) \|$/);
    expect(row("training, 2 threads")).toMatch(/ \(1\.50× one thread\) \| — \| — \| 50,000 \(1\.20× slower\) \|$/);
    expect(row("test accuracy")).toMatch(/\| 85\.1 \| — \| — \| 84\.2 \|$/);
    expect(row("inference, batch 10,000, 2 threads")).toContain("(1.90× one thread)");
    expect(row("GEMM 2 threads")).toContain("(1.86× / 1.85× / 1.70× one thread)");
    expect(row("XOR on 2-8-1")).toMatch(/\| 20\.0 \| — \| 8\.00 \(2\.50× shorter\) \| — \|$/);
    expect(row("13-64-3")).toMatch(/\| 19\.8 \| — \| — \| — \|$/);
    expect(render("summary", withExtra)).toContain("; scikit-learn's `MLPClassifier` (native BLAS) trained at 80,000 on one thread and 50,000 on two in the same run.");
    const lacking = runWith([], new Set([...extra.map((r) => r.name), "sklearn_train_samples_per_s_1t", "sklearn_train_samples_per_s_2t", "sklearn_test_accuracy_1t", "sklearn_test_accuracy_2t", "train_test_accuracy_2t"]));
    const plain = render("table", lacking);
    for (const absent of ["test accuracy", "XOR on 2-8-1", "13-64-3", "one thread)"]) expect(plain).not.toContain(absent);
    expect(render("summary", lacking)).not.toContain("scikit-learn");
  });

  it("the streaming table shows a run's stream rows beside their targets, and dashes for a run without them", () => {
    const render = TARGETS.find((t) => t.name === "stream")!.render;
    const stream = [
      { name: "csv_parse_mb_per_s", value: 212.4, unit: "MB/s" },
      { name: "stream_predict_rows_per_s", value: 263_456, unit: "rows/s" },
      { name: "stream_predict_peak_rss_mib", value: 108, unit: "MiB" },
      { name: "stream_train_rows_per_s", value: 150_321, unit: "rows/s" },
      { name: "stream_train_peak_rss_mib", value: 121, unit: "MiB" },
    ];
    const withStream = runWith(stream, new Set([...stream.map((r) => r.name), "stream_predict_10m_peak_rss_mib"]));
    const table = render({ ...withStream, meta: { ...withStream.meta, sections: ["stream"] } });
    const row = (start: string) => table.split("\n").find((l) => l.startsWith(`| ${start}`)) ?? "";
    expect(table).toMatch(/^Run of \d{4}-\d\d-\d\d /);
    expect(row("`readCsvStream`")).toMatch(/\| 212 \| ≥ 150 \|$/);
    expect(row("`wasmlp predict`")).toMatch(/\| 263,000 \| ≥ 250,000 \|$/);
    expect(row("peak RSS of the same on 10,000,000 rows")).toMatch(/\| — \| ≤ 150 \|$/);
    expect(row("`wasmlp train --stream`")).toMatch(/\| 150,000 \| ≥ 300,000 \|$/);
    expect(table.split("\n").filter((l) => l.startsWith("| its peak RSS")).map((l) => l.split(" | ")[1])).toEqual(["108", "121"]);
    const lacking = runWith([], new Set([...stream.map((r) => r.name), "stream_predict_10m_peak_rss_mib"]));
    const without = render({ ...lacking, meta: { ...lacking.meta, sections: lacking.meta.sections.filter((n: string) => n !== "stream") } });
    expect(without).toContain("did not include the `stream` section");
    expect(without.split("\n").filter((l) => l.startsWith("| ")).slice(2).every((l) => l.split(" | ")[1] === "—")).toBe(true);
  });

  it("replaceBetween refuses a document without the markers", () => {
    expect(() => replaceBetween("no markers here", "table", "x")).toThrow(/markers/);
  });

  it("figures print with three significant digits and grouped thousands, a missing one as a dash", () => {
    expect([figure(35338.4), figure(164.6), figure(47.96), figure(2.125), figure(undefined)]).toEqual(["35,300", "165", "48.0", "2.13", "—"]);
  });
});
