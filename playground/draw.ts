// Drawing for the playground: decision regions as a heat map, the data points
// on top, loss curves and dataset thumbnails. Plain 2-D canvas, no library.

/** Class colours: orange, blue, green (the first two as in the TensorFlow Playground). */
export const COLORS: [number, number, number][] = [[245, 147, 34], [8, 119, 189], [44, 162, 95]];

/** The square of the plane on view: centre and half its side. */
export interface View {
  cx: number;
  cy: number;
  half: number;
}

/** A square view around points (x, y pairs), with a margin. */
export function viewOf(x: Float32Array): View {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < x.length; i += 2) {
    x0 = Math.min(x0, x[i]); x1 = Math.max(x1, x[i]);
    y0 = Math.min(y0, x[i + 1]); y1 = Math.max(y1, x[i + 1]);
  }
  return { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, half: 1.1 * Math.max(x1 - x0, y1 - y0) / 2 };
}

/** Centres of an n×n grid of cells over the view, row by row from the top, as (x, y) pairs. */
export function gridOf(view: View, n: number): Float32Array {
  const g = new Float32Array(n * n * 2);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      g[2 * (r * n + c)] = view.cx - view.half + (2 * view.half * (c + 0.5)) / n;
      g[2 * (r * n + c) + 1] = view.cy + view.half - (2 * view.half * (r + 0.5)) / n;
    }
  }
  return g;
}

/** Paints class probabilities of an n×n grid: each cell the probability-weighted class colour, paler where unsure. */
export function paintRegions(ctx: CanvasRenderingContext2D, probs: Float32Array, classes: number, n: number): void {
  const image = new ImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    let [r, g, b, top] = [0, 0, 0, 0];
    for (let k = 0; k < classes; k++) {
      const p = probs[i * classes + k];
      r += p * COLORS[k][0]; g += p * COLORS[k][1]; b += p * COLORS[k][2];
      top = Math.max(top, p);
    }
    // Certainty 0 at a uniform guess, 1 at a sure one; unsure cells fade towards white.
    const t = 0.15 + 0.6 * Math.max(0, (top - 1 / classes) / (1 - 1 / classes));
    image.data[4 * i] = 255 + t * (r - 255);
    image.data[4 * i + 1] = 255 + t * (g - 255);
    image.data[4 * i + 2] = 255 + t * (b - 255);
    image.data[4 * i + 3] = 255;
  }
  const small = new OffscreenCanvas(n, n);
  small.getContext("2d")!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(small, 0, 0, ctx.canvas.width, ctx.canvas.height);
}

/** Draws points (x, y pairs) in their class colours: training points ringed in white, validation in black, thumbnails bare. */
export function drawPoints(ctx: CanvasRenderingContext2D, view: View, x: Float32Array, labels: Int32Array,
  kind: "training" | "validation" | "thumbnail"): void {
  const { width, height } = ctx.canvas;
  const radius = kind === "thumbnail" ? 1.3 : 3.5;
  ctx.lineWidth = kind === "validation" ? 1.5 : 1;
  ctx.strokeStyle = kind === "validation" ? "#111" : "#fff";
  for (let i = 0; i < labels.length; i++) {
    const px = ((x[2 * i] - view.cx + view.half) / (2 * view.half)) * width;
    const py = ((view.cy + view.half - x[2 * i + 1]) / (2 * view.half)) * height;
    const [r, g, b] = COLORS[labels[i]];
    ctx.beginPath();
    ctx.arc(px, py, radius, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fill();
    if (kind !== "thumbnail") ctx.stroke();
  }
}

/** Axes through the origin, as faint lines. */
export function drawAxes(ctx: CanvasRenderingContext2D, view: View): void {
  const { width, height } = ctx.canvas;
  const ox = ((0 - view.cx + view.half) / (2 * view.half)) * width;
  const oy = ((view.cy + view.half) / (2 * view.half)) * height;
  ctx.strokeStyle = "rgba(0,0,0,0.12)";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(ox, 0); ctx.lineTo(ox, height);
  ctx.moveTo(0, oy); ctx.lineTo(width, oy);
  ctx.stroke();
}

/** Training (grey) and validation (black) loss per epoch; long histories are drawn at one point per pixel. */
export function drawLosses(ctx: CanvasRenderingContext2D, train: number[], validation: number[]): void {
  const { width, height } = ctx.canvas;
  ctx.clearRect(0, 0, width, height);
  const finite = [...train, ...validation].filter(Number.isFinite);
  if (finite.length === 0) return;
  const top = Math.max(...finite) * 1.05 || 1;
  const line = (values: number[], color: string) => {
    if (values.length === 0) return;
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    const step = Math.max(1, values.length / width);
    for (let i = 0, px = 0; i < values.length; i += step, px++) {
      const v = values[Math.floor(i)];
      const x = values.length === 1 ? 0 : (Math.floor(i) / (values.length - 1)) * (width - 1);
      const y = height - 2 - (v / top) * (height - 4);
      if (px === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    ctx.stroke();
  };
  line(train, "#999");
  line(validation, "#111");
  ctx.font = "11px system-ui, sans-serif";
  ctx.textAlign = "right";
  ctx.fillStyle = "#111";
  ctx.fillText("validation", width - 6, 13);
  ctx.fillStyle = "#999";
  ctx.fillText("training", width - 6, 26);
}

/** A dataset's thumbnail: its points on white. */
export function drawThumbnail(canvas: HTMLCanvasElement, x: Float32Array, labels: Int32Array): void {
  const ctx = canvas.getContext("2d")!;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  drawPoints(ctx, viewOf(x), x, labels, "thumbnail");
}
