// Pictures of training as standalone SVG text: line charts (loss and accuracy
// curves, a fitted function), a confusion matrix and the decision regions of a
// 2-D classifier. A few hundred lines of our own instead of a chart library:
// the output is plain SVG any browser or image viewer opens, in Node or a page.
import { InputError } from "../errors.js";
import type { History } from "../train/training.js";
import { checkKeys, describe, integerOption, positiveOption } from "../util/options.js";

/** One line (or set of points) of a chart. */
export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Default: a colour of the palette, by position. */
  color?: string;
  dashed?: boolean;
  /** Draw dots instead of a line. */
  points?: boolean;
}

/** Options of lineChartSvg(). */
export interface LineChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Fixed y range; default: the data's, padded. */
  yRange?: [number, number];
  /** Formats y tick labels (default: a short number). */
  yFormat?: (v: number) => string;
  /** Only whole-number ticks on the x axis (epochs). */
  integerX?: boolean;
}

/** Tableau 10: distinguishable colours for up to ten classes or series. */
export const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

const FONT = `font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"`;

/** A line chart of one or more series as an SVG document. */
export function lineChartSvg(series: Series[], options: LineChartOptions = {}): string {
  checkKeys(options, ["title", "xLabel", "yLabel", "width", "height", "yRange", "yFormat", "integerX"], "lineChartSvg");
  const width = positiveOption(options.width ?? 640, "lineChartSvg: width");
  const height = positiveOption(options.height ?? 400, "lineChartSvg: height");
  if (!Array.isArray(series)) throw new InputError(`lineChartSvg: series must be an array of {name, x, y}, got ${describe(series)}`);
  series.forEach((s, i) => {
    if (s?.x?.length !== s?.y?.length) {
      throw new InputError(`lineChartSvg: series[${i}] has ${s?.x?.length} x values but ${s?.y?.length} y values; they go in pairs`);
    }
  });
  return document(width, height, chart(series, { ...options, width, height }, 0, 0));
}

/** Loss and accuracy per epoch, training and validation, side by side, as an SVG document; `validationName` labels the second series. */
export function trainingCurvesSvg(history: History, options: { title?: string; validationName?: string } = {}): string {
  checkKeys(options, ["title", "validationName"], "trainingCurvesSvg");
  const other = options.validationName ?? "validation";
  const epochs = Array.from({ length: history.epochs }, (_, i) => i + 1);
  const panel = { width: 480, height: 360 };
  const loss: Series[] = [{ name: "training loss", x: epochs, y: history.loss, color: PALETTE[0] }];
  if (history.valLoss?.length) loss.push({ name: `${other} loss`, x: epochs, y: history.valLoss, color: PALETTE[1], dashed: true });
  const parts = [chart(loss, { ...panel, title: "Loss", xLabel: "epoch", yLabel: "loss", integerX: true }, 0, 30)];
  let width = panel.width;
  if (history.accuracy?.length) {
    const acc: Series[] = [{ name: "training accuracy", x: epochs, y: history.accuracy.map((v) => 100 * v), color: PALETTE[0] }];
    if (history.valAccuracy?.length) acc.push({ name: `${other} accuracy`, x: epochs, y: history.valAccuracy.map((v) => 100 * v), color: PALETTE[1], dashed: true });
    parts.push(chart(acc, { ...panel, title: "Accuracy", xLabel: "epoch", yLabel: "accuracy (%)", yFormat: (v) => `${round(v)}%`, integerX: true }, panel.width, 30));
    width += panel.width;
  }
  const title = `<text x="${width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="600" ${FONT}>${esc(options.title ?? "Training")}</text>`;
  return document(width, panel.height + 30, title + parts.join(""));
}

/** Options of confusionMatrixSvg(). */
export interface ConfusionMatrixOptions {
  title?: string;
  /** Cell side in pixels; default 44. */
  cell?: number;
}

/** A confusion matrix (rows: true class, columns: predicted) as an SVG document; shading is the row's share. */
export function confusionMatrixSvg(matrix: ArrayLike<number>[], classes: string[], options: ConfusionMatrixOptions = {}): string {
  checkKeys(options, ["title", "cell"], "confusionMatrixSvg");
  const cell = positiveOption(options.cell ?? 44, "confusionMatrixSvg: cell");
  if (!Array.isArray(classes) || classes.length === 0 || classes.some((c) => typeof c !== "string")) {
    throw new InputError(`confusionMatrixSvg: classes must be a non-empty array of names, got ${describe(classes)}`);
  }
  const k = classes.length;
  if (!Array.isArray(matrix) || matrix.length !== k || matrix.some((row) => row?.length !== k)) {
    throw new InputError(`confusionMatrixSvg: the matrix must be ${k} × ${k} for ${k} classes, got ${describe(matrix)}` +
      (Array.isArray(matrix) && matrix.length === k ? ` with a row of ${matrix.find((row) => row?.length !== k)?.length} values` : ""));
  }
  const labelWidth = Math.min(160, 12 + 7 * Math.max(...classes.map((c) => c.length)));
  const left = labelWidth + 40;
  const top = 60;
  const size = k * cell;
  const out: string[] = [];
  out.push(`<text x="12" y="24" font-size="16" font-weight="600" ${FONT}>${esc(options.title ?? "Confusion matrix")}</text>`);
  out.push(`<text x="${left + size / 2}" y="${top - 10}" text-anchor="middle" font-size="12" ${FONT}>predicted class</text>`);
  out.push(`<text transform="translate(14 ${top + size / 2}) rotate(-90)" text-anchor="middle" font-size="12" ${FONT}>true class</text>`);
  for (let i = 0; i < k; i++) {
    const row = matrix[i];
    let total = 0;
    for (let j = 0; j < k; j++) total += row[j];
    for (let j = 0; j < k; j++) {
      const v = row[j];
      const share = total ? v / total : 0;
      const fill = i === j ? mix("#ffffff", "#2f6f4f", share) : mix("#ffffff", "#b03a2e", Math.min(1, share * 2));
      const x = left + j * cell;
      const y = top + i * cell;
      out.push(`<rect class="cell" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#ddd"><title>${esc(`true ${classes[i]}, predicted ${classes[j]}: ${v}`)}</title></rect>`);
      if (v) out.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" font-size="${cell < 36 ? 9 : 11}" fill="${share > 0.5 ? "#fff" : "#222"}" ${FONT}>${v}</text>`);
    }
    out.push(`<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end" font-size="11" ${FONT}>${esc(classes[i])}</text>`);
  }
  for (let j = 0; j < k; j++) {
    const x = left + j * cell + cell / 2;
    out.push(`<text transform="translate(${x + 4} ${top + size + 8}) rotate(45)" font-size="11" ${FONT}>${esc(classes[j])}</text>`);
  }
  const bottom = top + size + 12 + 6 * Math.min(24, Math.max(...classes.map((c) => c.length)));
  const title = options.title ?? "Confusion matrix";
  // Column labels are turned 45°: the last one reaches right by about 0.7 of its length.
  const right = left + size - cell / 2 + 5 * Math.min(24, classes[k - 1].length) + 16;
  return document(Math.max(left + size + 20, right, 9.5 * title.length + 24), bottom, out.join(""));
}

/** Options of decisionRegionsSvg(). */
export interface DecisionRegionsOptions {
  title?: string;
  /** Grid cells per side; default 160. */
  resolution?: number;
  /** Picture side in pixels; default 480. */
  size?: number;
  /** Class names for the legend. */
  classes?: string[];
}

/** The plane coloured by a 2-input classifier's predicted class, with the data points on top, as an SVG document. */
export function decisionRegionsSvg(model: { predictClasses(x: Float32Array): Int32Array }, x: Float32Array, labels: ArrayLike<number>,
  options: DecisionRegionsOptions = {}): string {
  checkKeys(options, ["title", "resolution", "size", "classes"], "decisionRegionsSvg");
  const res = integerOption(options.resolution ?? 160, "decisionRegionsSvg: resolution", 2, 4096);
  const size = positiveOption(options.size ?? 480, "decisionRegionsSvg: size");
  const n = labels?.length;
  if (!(x instanceof Float32Array)) throw new InputError(`decisionRegionsSvg: x must be a Float32Array of 2 values per point, got ${describe(x)}`);
  if (!n) throw new InputError(`decisionRegionsSvg: labels must hold one class per point, got ${describe(labels)}`);
  if (x.length !== 2 * n) throw new InputError(`decisionRegionsSvg: x needs 2 values per label, got ${x.length} for ${n} labels`);
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, x[2 * i]); x1 = Math.max(x1, x[2 * i]);
    y0 = Math.min(y0, x[2 * i + 1]); y1 = Math.max(y1, x[2 * i + 1]);
  }
  const pad = 0.1 * Math.max(x1 - x0, y1 - y0, 1e-6);
  [x0, x1, y0, y1] = [x0 - pad, x1 + pad, y0 - pad, y1 + pad];
  const grid = new Float32Array(res * res * 2);
  for (let r = 0; r < res; r++) {
    for (let c = 0; c < res; c++) {
      grid[2 * (r * res + c)] = x0 + ((c + 0.5) / res) * (x1 - x0);
      grid[2 * (r * res + c) + 1] = y1 - ((r + 0.5) / res) * (y1 - y0);
    }
  }
  const predicted = model.predictClasses(grid);
  const top = options.title ? 34 : 0;
  const cell = size / res;
  const out: string[] = [];
  if (options.title) out.push(`<text x="${size / 2}" y="22" text-anchor="middle" font-size="16" font-weight="600" ${FONT}>${esc(options.title)}</text>`);
  out.push(`<g class="regions" shape-rendering="crispEdges">`);
  // Runs of one class along a grid row become one rectangle: a few hundred elements instead of res².
  for (let r = 0; r < res; r++) {
    for (let c = 0; c < res;) {
      const k = predicted[r * res + c];
      let end = c + 1;
      while (end < res && predicted[r * res + end] === k) end++;
      out.push(`<rect x="${f(c * cell)}" y="${f(top + r * cell)}" width="${f((end - c) * cell)}" height="${f(cell)}" fill="${mix("#ffffff", color(k), 0.35)}"/>`);
      c = end;
    }
  }
  out.push(`</g><g class="points">`);
  for (let i = 0; i < n; i++) {
    const px = ((x[2 * i] - x0) / (x1 - x0)) * size;
    const py = top + ((y1 - x[2 * i + 1]) / (y1 - y0)) * size;
    out.push(`<circle cx="${f(px)}" cy="${f(py)}" r="3.2" fill="${color(labels[i])}" stroke="#fff" stroke-width="0.8"/>`);
  }
  out.push(`</g>`);
  const classes = options.classes ?? [...new Set(Array.from(labels))].sort((a, b) => a - b).map(String);
  out.push(legend(classes.map((name, i) => ({ name, color: color(options.classes ? i : Number(name)) })), 8, top + 8, true));
  return document(size, size + top, out.join(""));
}

// ---- drawing helpers ----

function chart(series: Series[], o: LineChartOptions & { width: number; height: number }, ox: number, oy: number): string {
  const m = { left: 64, right: 16, top: o.title ? 34 : 14, bottom: 46 };
  const w = o.width - m.left - m.right;
  const h = o.height - m.top - m.bottom;
  const xs = series.flatMap((s) => Array.from(s.x));
  const ys = series.flatMap((s) => Array.from(s.y)).filter(Number.isFinite);
  const [xa, xb] = span(xs.length ? xs : [0, 1], false);
  const [ya, yb] = o.yRange ?? span(ys.length ? ys : [0, 1], true);
  const sx = (v: number) => m.left + ((v - xa) / (xb - xa || 1)) * w;
  const sy = (v: number) => m.top + h - ((v - ya) / (yb - ya || 1)) * h;
  const out: string[] = [`<g transform="translate(${ox} ${oy})">`];
  if (o.title) out.push(`<text x="${m.left + w / 2}" y="20" text-anchor="middle" font-size="14" font-weight="600" ${FONT}>${esc(o.title)}</text>`);
  out.push(`<rect x="${m.left}" y="${m.top}" width="${w}" height="${h}" fill="#fff" stroke="#999"/>`);
  const yfmt = o.yFormat ?? ((v: number) => String(round(v)));
  for (const t of ticks(ya, yb, 6)) {
    out.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="#eee"/>`);
    out.push(`<text x="${m.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end" font-size="11" ${FONT}>${esc(yfmt(t))}</text>`);
  }
  for (const t of ticks(xa, xb, 8, o.integerX)) {
    out.push(`<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${m.top + h}" y2="${m.top + h + 4}" stroke="#999"/>`);
    out.push(`<text x="${f(sx(t))}" y="${m.top + h + 16}" text-anchor="middle" font-size="11" ${FONT}>${round(t)}</text>`);
  }
  if (o.xLabel) out.push(`<text x="${m.left + w / 2}" y="${o.height - 8}" text-anchor="middle" font-size="12" ${FONT}>${esc(o.xLabel)}</text>`);
  if (o.yLabel) out.push(`<text transform="translate(14 ${m.top + h / 2}) rotate(-90)" text-anchor="middle" font-size="12" ${FONT}>${esc(o.yLabel)}</text>`);
  series.forEach((s, i) => {
    const c = s.color ?? PALETTE[i % PALETTE.length];
    const pts: string[] = [];
    for (let j = 0; j < s.x.length; j++) if (Number.isFinite(s.y[j])) pts.push(`${f(sx(s.x[j]))},${f(sy(s.y[j]))}`);
    if (s.points) {
      out.push(`<g class="series" fill="${c}">${pts.map((p) => { const [a, b] = p.split(","); return `<circle cx="${a}" cy="${b}" r="2.5"/>`; }).join("")}</g>`);
    } else {
      out.push(`<polyline class="series" points="${pts.join(" ")}" fill="none" stroke="${c}" stroke-width="2"${s.dashed ? ` stroke-dasharray="6 4"` : ""}><title>${esc(s.name)}</title></polyline>`);
    }
  });
  // The legend goes in the right-hand corner (top or bottom) that the lines cross least.
  const rows = 8 + 16 * series.length;
  let upper = 0;
  let lower = 0;
  for (const s of series) {
    for (let j = 0; j < s.x.length; j++) {
      if (sx(s.x[j]) < m.left + w / 2) continue;
      const y = sy(s.y[j]);
      if (y < m.top + rows + 16) upper++;
      if (y > m.top + h - rows - 16) lower++;
    }
  }
  const legendY = upper <= lower ? m.top + 8 : m.top + h - rows - 8;
  out.push(legend(series.map((s, i) => ({ name: s.name, color: s.color ?? PALETTE[i % PALETTE.length], dashed: s.dashed })), m.left + w - 8, legendY, false));
  out.push(`</g>`);
  return out.join("");
}

function legend(items: { name: string; color: string; dashed?: boolean }[], x: number, y: number, alignLeft: boolean): string {
  const width = 34 + 7 * Math.max(...items.map((i) => i.name.length));
  const left = alignLeft ? x : x - width;
  const out = [`<g class="legend"><rect x="${left}" y="${y}" width="${width}" height="${8 + 16 * items.length}" fill="#fff" fill-opacity="0.85" stroke="#ccc"/>`];
  items.forEach((it, i) => {
    const cy = y + 12 + 16 * i;
    out.push(`<line x1="${left + 6}" x2="${left + 24}" y1="${cy}" y2="${cy}" stroke="${it.color}" stroke-width="${it.dashed ? 2 : 4}"${it.dashed ? ` stroke-dasharray="4 3"` : ""}/>`);
    out.push(`<text x="${left + 30}" y="${cy + 4}" font-size="11" ${FONT}>${esc(it.name)}</text>`);
  });
  out.push(`</g>`);
  return out.join("");
}

function document(width: number, height: number, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${f(width)}" height="${f(height)}" viewBox="0 0 ${f(width)} ${f(height)}">` +
    `<rect width="100%" height="100%" fill="#fff"/>${body}</svg>\n`;
}

/** Data range, padded by 5% for y; a flat range is widened so the line sits mid-chart. */
function span(v: number[], pad: boolean): [number, number] {
  let lo = Math.min(...v);
  let hi = Math.max(...v);
  if (hi - lo < 1e-12) return [lo - 1, hi + 1];
  if (pad) {
    const p = 0.05 * (hi - lo);
    lo -= p;
    hi += p;
  }
  return [lo, hi];
}

/** About `count` round tick values (1, 2 or 5 × 10^k apart) within [lo, hi]. */
function ticks(lo: number, hi: number, count: number, integer = false): number[] {
  const raw = Math.max((hi - lo) / count, integer ? 1 : 0);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((s) => s * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step) out.push(Math.abs(t) < 1e-12 * step ? 0 : t);
  return out;
}

function color(k: number): string {
  return PALETTE[((k % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** Linear blend of two #rrggbb colours: t = 0 gives a, 1 gives b. */
function mix(a: string, b: string, t: number): string {
  const pa = [1, 3, 5].map((i) => parseInt(a.slice(i, i + 2), 16));
  const pb = [1, 3, 5].map((i) => parseInt(b.slice(i, i + 2), 16));
  return "#" + pa.map((v, i) => Math.round(v + (pb[i] - v) * t).toString(16).padStart(2, "0")).join("");
}

function round(v: number): number {
  return Number(v.toPrecision(6));
}

function f(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
