// The performance figures of the docs are generated, never typed: the parts of
// docs/performance.md and README.md between perf markers must be exactly what
// scripts/perf-table.mjs makes of the committed run, docs/bench/latest.jsonl,
// and that run must carry the metadata the table reports.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { figure, parseRun, replaceBetween, TARGETS } from "../scripts/perf-table.mjs";

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");
const run = parseRun(read("docs/bench/latest.jsonl"));

describe("generated performance figures", () => {
  for (const { file, name, render } of TARGETS) {
    it(`${file} (${name}) is what scripts/perf-table.mjs makes of docs/bench/latest.jsonl`, () => {
      const text = read(file);
      expect(replaceBetween(text, name, render(run))).toBe(text);
    });
  }

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

  it("replaceBetween refuses a document without the markers", () => {
    expect(() => replaceBetween("no markers here", "table", "x")).toThrow(/markers/);
  });

  it("figures print with three significant digits and grouped thousands, a missing one as a dash", () => {
    expect([figure(35338.4), figure(164.6), figure(47.96), figure(2.125), figure(undefined)]).toEqual(["35,300", "165", "48.0", "2.13", "—"]);
  });
});
