// The network diagram: inputs, hidden units and outputs as columns of nodes,
// joined by lines whose colour is the weight's sign (blue +, orange −) and
// whose width is its size, as in the TensorFlow Playground.
import type { ModelConfig, NamedTensor } from "wasmlp";
import { COLORS } from "./draw.js";

/** Width of one column of the diagram, in pixels; the unit buttons above use the same. */
export const COLUMN = 84;
const ROW = 32;
const NODE = 24;
const SVG = "http://www.w3.org/2000/svg";

/** Widths of the columns: inputs, each hidden layer's units, outputs. */
export function columnsOf(config: ModelConfig): number[] {
  return [config.inputs, ...config.layers.filter((l) => l.type !== "dropout").map((l) => l.units as number)];
}

/** Redraws `svg` for `config`; with weights, the lines show them. */
export function drawNetwork(svg: SVGSVGElement, config: ModelConfig, weights?: NamedTensor[]): void {
  const columns = columnsOf(config);
  const height = Math.max(...columns) * ROW + 8;
  svg.setAttribute("width", String(columns.length * COLUMN));
  svg.setAttribute("height", String(height));
  svg.replaceChildren();
  const at = (c: number, i: number) => [c * COLUMN + COLUMN / 2, 4 + i * ROW + NODE / 2];
  const layers = config.layers.map((l, i) => ({ l, i })).filter(({ l }) => l.type !== "dropout");
  const byName = new Map(weights?.map((w) => [w.name, w]));
  for (let c = 0; c + 1 < columns.length; c++) {
    const { l, i } = layers[c];
    const w = byName.get(`layers.${i}.weight`);
    const pieces = l.type === "maxout" ? (l.pieces as number ?? 2) : 1;
    const width = columns[c + 1] * pieces;
    let largest = 1e-6;
    if (w) for (const v of w.data) largest = Math.max(largest, Math.abs(v));
    for (let a = 0; a < columns[c]; a++) {
      for (let b = 0; b < columns[c + 1]; b++) {
        // A maxout unit shows its strongest piece.
        let v = 0;
        if (w) for (let p = 0; p < pieces; p++) { const x = w.data[a * width + b * pieces + p]; if (Math.abs(x) > Math.abs(v)) v = x; }
        const [x1, y1] = at(c, a);
        const [x2, y2] = at(c + 1, b);
        const line = document.createElementNS(SVG, "line");
        Object.entries({ x1: x1 + NODE / 2, y1, x2: x2 - NODE / 2, y2 }).forEach(([k, n]) => line.setAttribute(k, String(n)));
        line.setAttribute("stroke", !w ? "#ccc" : v >= 0 ? "rgb(8,119,189)" : "rgb(245,147,34)");
        line.setAttribute("stroke-width", String(w ? 0.3 + 3.2 * Math.abs(v) / largest : 0.5));
        line.setAttribute("stroke-opacity", String(w ? 0.25 + 0.6 * Math.abs(v) / largest : 0.6));
        svg.append(line);
      }
    }
  }
  columns.forEach((n, c) => {
    for (let i = 0; i < n; i++) {
      const [x, y] = at(c, i);
      const rect = document.createElementNS(SVG, "rect");
      Object.entries({ x: x - NODE / 2, y: y - NODE / 2, width: NODE, height: NODE, rx: 3 }).forEach(([k, v]) => rect.setAttribute(k, String(v)));
      const last = c === columns.length - 1;
      rect.setAttribute("fill", last ? `rgb(${COLORS[i].join(",")})` : c === 0 ? "#fff" : "#eef2f5");
      rect.setAttribute("stroke", "#888");
      svg.append(rect);
      if (c === 0) {
        const label = document.createElementNS(SVG, "text");
        Object.entries({ x, y: y + 4, "text-anchor": "middle", "font-size": 12 }).forEach(([k, v]) => label.setAttribute(k, String(v)));
        label.textContent = `x${i + 1}`;
        svg.append(label);
      }
    }
  });
}
