// Types of scripts/perf-table.mjs, for the tests that import it.

/** One benchmark row by name: its value and unit, and each peer's figure and ratio. */
export interface RunRow {
  value: number;
  unit: string;
  peers: Record<string, { value: number; ratio: number }>;
}

/** A parsed `--json` benchmark output: the run's metadata line and its rows. */
export interface BenchRun {
  meta: {
    date: string;
    commit: string | null;
    uncommitted: string[] | null;
    cpu: string;
    cores: number;
    node: string;
    v8: string;
    mode: "quick" | "full";
    data: string;
    loadAverage?: number[];
    wasm: { used: "plain" | "relaxed"; files: { file: string; bytes: number; sha256: string }[] };
    [key: string]: unknown;
  };
  rows: Map<string, RunRow>;
}

export function parseRun(text: string): BenchRun;
export function figure(x: number | undefined | null): string;
export function renderTable(run: BenchRun): string;
export function renderSummary(run: BenchRun): string;
export function renderStream(run: BenchRun): string;
export function replaceBetween(text: string, name: string, body: string): string;
export const TARGETS: { file: string; name: string; render: (run: BenchRun) => string }[];
