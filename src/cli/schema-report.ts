// The schema report `wasmlp train` prints before training: each column of the CSV file and how it
// was read (number, category with its count of values, date, identifier left out, label), and the
// input width that results, so a file that would make hundreds of inputs shows why before it trains.
import type { CsvDataset } from "../data/csv.js";
import type { ColumnKind } from "../data/csv-columns.js";
import { describeDateOrder, type DateOrder } from "../data/csv-format.js";

/** One column of the report. */
export interface SchemaReportColumn {
  name: string;
  kind: ColumnKind;
  /** Model inputs the column gives: 1 for a number or date, one per value for a category, 0 when left out or the label. */
  inputs: number;
  /** category: its values; label: its classes (absent for a regression target). */
  values?: number;
  /** date: the order of day, month and year. */
  dateOrder?: DateOrder;
  /** identifier: its different values in the sample. */
  distinct?: number;
}

/** How a CSV file was read: its delimiter and number format, each column, the input width and the notices. */
export interface SchemaReport {
  delimiter: string;
  decimal: "." | ",";
  thousands?: string;
  columns: SchemaReportColumn[];
  /** Model inputs per row. */
  inputs: number;
  notices: string[];
}

/** The schema report of a parsed CSV file (or of anything that read one the same way). */
export function schemaReport(d: Pick<CsvDataset, "delimiter" | "plan" | "notices" | "cols" | "target">): SchemaReport {
  const number = d.plan.find((c) => c.number)?.number;
  const columns = d.plan.map((c): SchemaReportColumn => {
    const out: SchemaReportColumn = { name: c.name, kind: c.kind, inputs: c.kind === "number" || c.kind === "date" ? 1 : c.categories?.length ?? 0 };
    if (c.kind === "category") out.values = c.categories!.length;
    if (c.kind === "label" && d.target?.classes) out.values = d.target.classes.length;
    if (c.dateOrder) out.dateOrder = c.dateOrder;
    if (c.distinct !== undefined) out.distinct = c.distinct;
    return out;
  });
  const out: SchemaReport = { delimiter: d.delimiter, decimal: number?.decimal ?? ".", columns, inputs: d.cols, notices: d.notices };
  if (number?.thousands !== undefined) out.thousands = number.thousands;
  return out;
}

/** The report as aligned text: a line per column, the input width, then the notices. */
export function formatSchemaReport(r: SchemaReport): string {
  const marks = [`delimiter ${r.delimiter === "\t" ? "tab" : JSON.stringify(r.delimiter)}`, `decimal ${JSON.stringify(r.decimal)}`];
  if (r.thousands !== undefined) marks.push(`thousands ${JSON.stringify(r.thousands)}`);
  const width = Math.max(...r.columns.map((c) => c.name.length));
  const lines = [`columns (${marks.join(", ")}):`];
  for (const c of r.columns) lines.push(`  ${c.name.padEnd(width)}  ${howRead(c)}`);
  lines.push(`input width ${r.inputs}`);
  for (const n of r.notices) lines.push(`note: ${n}`);
  return lines.join("\n");
}

function howRead(c: SchemaReportColumn): string {
  switch (c.kind) {
    case "number": return "number";
    case "category": return `category, ${c.values} value${c.values === 1 ? "" : "s"}`;
    case "date": return `date (${describeDateOrder(c.dateOrder!)}), days since 1970-01-01`;
    case "identifier": return `identifier, left out (${c.distinct} different values)`;
    case "ignored": return "left out (ignored)";
    case "label": return c.values === undefined ? "label, a number (regression)" : `label, ${c.values} classes`;
  }
}
