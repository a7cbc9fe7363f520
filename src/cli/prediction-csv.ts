// What `wasmlp predict` writes for each row: the class and one probability column per class
// (log-probabilities for a logSoftmax output), or the predicted values, after the row's file line (or
// its index). Rows go straight into a reused byte buffer, numbers included, so that writing millions
// of them costs no string per number; JSON records spell the same numbers.
import { outputActivation, type InferenceModel } from "./model-and-data.js";
import { MAX_SIGNIFICANT6_BYTES, writeInteger, writeSignificant6 } from "../util/number-bytes.js";

/** Which columns a model's predictions have. */
export interface PredictionLayout {
  /** classes: the largest output's class name, then each class's probability; binary: 0 or 1, then p(1); values: the outputs. */
  kind: "classes" | "binary" | "values";
  /** The column names after the first ("line" or "row"). */
  header: string[];
  /** Class names by index (kind "classes"). */
  names: string[];
  outputs: number;
}

/** The layout of `model`'s predictions: a softmax, logSoftmax or one-sigmoid output is a classifier, anything else gives values. */
export function predictionLayout(model: InferenceModel, classNames: () => string[]): PredictionLayout {
  const k = model.outputs;
  const activation = outputActivation(model);
  const logProbabilities = activation === "logSoftmax";
  const classifier = activation === "softmax" || logProbabilities || (activation === "sigmoid" && k === 1);
  if (classifier && k > 1) {
    const names = classNames();
    return { kind: "classes", header: ["class", ...names.map((n) => (logProbabilities ? `log p(${n})` : `p(${n})`))], names, outputs: k };
  }
  if (classifier) return { kind: "binary", header: ["class", "p(1)"], names: [], outputs: k };
  const target = model.preprocessing?.target?.name ?? "value";
  return { kind: "values", header: k === 1 ? [target] : Array.from({ length: k }, (_, j) => `${target}${j}`), names: [], outputs: k };
}

/** One record per row for --json, keyed by the header, with the numbers CSV spells (six significant digits). */
export function predictionRecords(layout: PredictionLayout, out: Float32Array, rows: number): Record<string, string | number>[] {
  const k = layout.outputs;
  const round = (v: number) => Number(v.toPrecision(6));
  return Array.from({ length: rows }, (_, r) => {
    const p = out.subarray(r * k, (r + 1) * k);
    if (layout.kind === "values") return Object.fromEntries(layout.header.map((h, j) => [h, round(p[j])]));
    const rec: Record<string, string | number> = { class: layout.kind === "classes" ? layout.names[largest(p)] : p[0] > 0.5 ? 1 : 0 };
    layout.header.slice(1).forEach((h, j) => { rec[h] = round(p[j]); });
    return rec;
  });
}

/** Bytes written so far are handed to `write` whenever the buffer fills; its promise resolving means the bytes may be reused. */
export type ByteWrite = (bytes: Uint8Array) => Promise<void>;

const [COMMA, NEWLINE, ZERO, ONE] = [44, 10, 48, 49];

/** Writes prediction rows as CSV through a reused buffer: the header, then rows batch by batch, then end(). */
export class PredictionCsv {
  private readonly buf: Uint8Array;
  private at = 0;
  private readonly names: Uint8Array[];
  private readonly rowBytes: number;

  constructor(private readonly layout: PredictionLayout, private readonly first: "line" | "row", private readonly write: ByteWrite, bufferBytes = 1 << 20) {
    const encoder = new TextEncoder();
    this.names = layout.names.map((n) => encoder.encode(quote(n)));
    const longestName = Math.max(1, ...this.names.map((n) => n.length));
    this.rowBytes = 24 + longestName + layout.outputs * (1 + MAX_SIGNIFICANT6_BYTES);
    this.buf = new Uint8Array(Math.max(bufferBytes, 2 * this.rowBytes));
  }

  /** The header line. */
  async header(): Promise<void> {
    const bytes = new TextEncoder().encode([this.first, ...this.layout.header].map(quote).join(",") + "\n");
    if (this.at + bytes.length > this.buf.length) await this.flush();
    if (bytes.length > this.buf.length) return this.write(bytes);
    this.buf.set(bytes, this.at);
    this.at += bytes.length;
  }

  /** `rows` rows of outputs (rows × outputs), labelled by `lines` (file lines) or numbered from `firstRow`. */
  async rows(out: Float32Array, rows: number, lines: Int32Array | undefined, firstRow = 0): Promise<void> {
    const { buf, layout } = this;
    const k = layout.outputs;
    for (let r = 0; r < rows; r++) {
      if (this.at + this.rowBytes > buf.length) await this.flush();
      let at = writeInteger(buf, this.at, lines ? lines[r] : firstRow + r);
      const p = r * k;
      if (layout.kind === "classes") {
        buf[at++] = COMMA;
        const name = this.names[largest(out.subarray(p, p + k))];
        buf.set(name, at);
        at += name.length;
      } else if (layout.kind === "binary") {
        buf[at++] = COMMA;
        buf[at++] = out[p] > 0.5 ? ONE : ZERO;
      }
      for (let j = p; j < p + k; j++) {
        buf[at++] = COMMA;
        at = writeSignificant6(buf, at, out[j]);
      }
      buf[at++] = NEWLINE;
      this.at = at;
    }
  }

  /** Writes what the buffer still holds. */
  end(): Promise<void> {
    return this.flush();
  }

  private async flush(): Promise<void> {
    if (this.at === 0) return;
    const n = this.at;
    this.at = 0;
    await this.write(this.buf.subarray(0, n));
  }
}

/** The index of the first largest value. */
function largest(p: Float32Array): number {
  let best = 0;
  for (let j = 1; j < p.length; j++) if (p[j] > p[best]) best = j;
  return best;
}

function quote(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
