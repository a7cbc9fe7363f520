// Losses fused with their gradients: each returns the mean loss over the batch
// and, when grad != 0, writes d(mean loss)/d(input) there in the same pass.
// Sums run in f64 so a large batch's loss does not lose the small terms; the
// per-element gradients stay f32 like everything else in the core.
// Each loss has a _weighted twin taking one f32 weight per row, as Keras's
// sample and class weights: Σ_r w_r·loss_r / rows (the weighted sum over the
// batch size, not over the sum of weights). Both are one inline body; the plain
// export passes no weights, so its weighting folds away at compile time.
import { span } from "./checks";

/** Largest of n floats at p (n ≥ 1); NaN propagates. */
// @ts-ignore: decorator
@inline function row_max(p: usize, n: i32): f32 {
  let m = load<f32>(p);
  let j = 1;
  // Rows shorter than two vectors stay scalar; the lane reduction would cost more than it saves.
  if (n >= 8) {
    let v = v128.load(p);
    j = 4;
    for (; j + 4 <= n; j += 4) v = f32x4.max(v, v128.load(p + (<usize>j << 2)));
    m = Mathf.max(
      Mathf.max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
      Mathf.max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
  }
  for (; j < n; j++) m = Mathf.max(m, load<f32>(p + (<usize>j << 2)));
  return m;
}

/** Σ exp(z_j − m) over a row; also stores each exp at e when e != 0. */
// @ts-ignore: decorator
@inline function row_exp_sum(z: usize, e: usize, n: i32, m: f32): f64 {
  let s: f64 = 0;
  for (let j = 0; j < n; j++) {
    const o = <usize>j << 2;
    const x = Mathf.exp(load<f32>(z + o) - m);
    if (e) store<f32>(e + o, x);
    s += x;
  }
  return s;
}

/** p[j] *= a over a row: turns stored exps into softmax/rows. */
// @ts-ignore: decorator
@inline function row_scale(p: usize, n: i32, a: f32): void {
  const va = f32x4.splat(a);
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(p + (<usize>j << 2), f32x4.mul(v128.load(p + (<usize>j << 2)), va));
  for (; j < n; j++) store<f32>(p + (<usize>j << 2), load<f32>(p + (<usize>j << 2)) * a);
}

/** p[j] = p[j]·a + b·t[j] over a row: turns stored exps into a softmax gradient. */
// @ts-ignore: decorator
@inline function row_axpby(p: usize, t: usize, n: i32, a: f32, b: f32): void {
  const va = f32x4.splat(a);
  const vb = f32x4.splat(b);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(p + o, f32x4.add(f32x4.mul(v128.load(p + o), va), f32x4.mul(v128.load(t + o), vb)));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(p + o, load<f32>(p + o) * a + b * load<f32>(t + o));
  }
}

/** Weight of row r: w[r], or 1 when there are no weights (w == 0). */
// @ts-ignore: decorator
@inline function row_weight(w: usize, r: i32): f64 {
  return w ? <f64>load<f32>(w + (<usize>r << 2)) : 1.0;
}

/** Mean of w_r·(logsumexp(z_r) − z_r[label_r]); grad = w_r·(softmax − onehot)/rows. */
// @ts-ignore: decorator
@inline function ce_index(z: usize, labels: usize, w: usize, grad: usize, rows: i32, cols: i32): f64 {
  assert(rows >= 0 && cols >= 0, "softmax_cross_entropy_index: a negative size");
  assert(span(z, <i64>rows * cols, 4), "softmax_cross_entropy_index: z outside memory or misaligned");
  assert(span(labels, rows, 4), "softmax_cross_entropy_index: labels outside memory or misaligned");
  assert(w == 0 || span(w, rows, 4), "softmax_cross_entropy_index_weighted: weights outside memory or misaligned");
  assert(grad == 0 || span(grad, <i64>rows * cols, 4), "softmax_cross_entropy_index: grad outside memory or misaligned");
  let total: f64 = 0;
  const inv: f64 = 1.0 / <f64>rows;
  for (let r = 0; r < rows; r++) {
    const base = <usize>r * <usize>cols << 2;
    const zr = z + base;
    const wr = row_weight(w, r);
    const m = row_max(zr, cols);
    const s = row_exp_sum(zr, grad ? grad + base : 0, cols, m);
    const label = load<i32>(labels + (<usize>r << 2));
    // An out-of-range label (the wrapper rejects them first) poisons the loss instead of reading outside the row.
    const valid = <u32>label < <u32>cols;
    const zl: f64 = valid ? <f64>load<f32>(zr + (<usize>label << 2)) : NaN;
    total += wr * (Math.log(s) + <f64>m - zl);
    if (grad) {
      const gr = grad + base;
      const g: f32 = <f32>(wr * inv);
      row_scale(gr, cols, <f32>(<f64>g / s));
      if (valid) {
        const gl = gr + (<usize>label << 2);
        store<f32>(gl, load<f32>(gl) - g);
      }
    }
  }
  return total / <f64>rows;
}

/** Mean of logsumexp(z_r) − z_r[label_r]; grad = (softmax − onehot)/rows. */
export function softmax_cross_entropy_index(z: usize, labels: usize, grad: usize, rows: i32, cols: i32): f64 {
  return ce_index(z, labels, 0, grad, rows, cols);
}

/** softmax_cross_entropy_index with row r's loss and gradient times weights[r]. */
export function softmax_cross_entropy_index_weighted(z: usize, labels: usize, weights: usize, grad: usize, rows: i32, cols: i32): f64 {
  return ce_index(z, labels, weights, grad, rows, cols);
}

/** Mean over rows of −w_r·Σ t·log_softmax(z); grad = w_r·(softmax·Σt − t)/rows, any target distribution. */
// @ts-ignore: decorator
@inline function ce_dense(z: usize, targets: usize, w: usize, grad: usize, rows: i32, cols: i32): f64 {
  assert(rows >= 0 && cols >= 0, "softmax_cross_entropy_onehot: a negative size");
  assert(span(z, <i64>rows * cols, 4), "softmax_cross_entropy_onehot: z outside memory or misaligned");
  assert(span(targets, <i64>rows * cols, 4), "softmax_cross_entropy_onehot: targets outside memory or misaligned");
  assert(w == 0 || span(w, rows, 4), "softmax_cross_entropy_onehot_weighted: weights outside memory or misaligned");
  assert(grad == 0 || span(grad, <i64>rows * cols, 4), "softmax_cross_entropy_onehot: grad outside memory or misaligned");
  let total: f64 = 0;
  const inv: f64 = 1.0 / <f64>rows;
  for (let r = 0; r < rows; r++) {
    const base = <usize>r * <usize>cols << 2;
    const zr = z + base;
    const tr = targets + base;
    const wr = row_weight(w, r);
    const m = row_max(zr, cols);
    const s = row_exp_sum(zr, grad ? grad + base : 0, cols, m);
    const lse = <f64>m + Math.log(s);
    // −Σ t·(z − lse) term by term: no log of a zero probability, so one-hot rows stay finite.
    let tsum: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const t = <f64>load<f32>(tr + (<usize>j << 2));
      tsum += t;
      total += wr * t * (lse - <f64>load<f32>(zr + (<usize>j << 2)));
    }
    const g = wr * inv;
    if (grad) row_axpby(grad + base, tr, cols, <f32>(tsum * g / s), <f32>-g);
  }
  return total * inv;
}

/** Mean over rows of −Σ t·log_softmax(z); grad = (softmax·Σt − t)/rows, any target distribution. */
export function softmax_cross_entropy_onehot(z: usize, targets: usize, grad: usize, rows: i32, cols: i32): f64 {
  return ce_dense(z, targets, 0, grad, rows, cols);
}

/** softmax_cross_entropy_onehot with row r's loss and gradient times weights[r]. */
export function softmax_cross_entropy_onehot_weighted(z: usize, targets: usize, weights: usize, grad: usize, rows: i32, cols: i32): f64 {
  return ce_dense(z, targets, weights, grad, rows, cols);
}

/**
 * Σ over n elements of max(z,0) − z·t + log1p(exp(−|z|)); grad = (σ(z) − t)·g when grad != 0.
 * Not inlined: as the one caller of log1p it gets log1p inlined into its loop (two callers would get a call per element).
 */
function bce_sum(z: usize, targets: usize, grad: usize, n: usize, g: f32): f64 {
  let total: f64 = 0;
  for (let i: usize = 0; i < n; i++) {
    const o = i << 2;
    const x = load<f32>(z + o);
    const t = load<f32>(targets + o);
    const e = Mathf.exp(-Mathf.abs(x));
    total += <f64>Mathf.max(x, 0) - <f64>x * <f64>t + <f64>Mathf.log1p(e);
    if (grad) {
      // σ from the same e: 1/(1+e) for x ≥ 0, e/(1+e) below, so neither side loses digits to 1 − s.
      const d: f32 = 1.0 + e;
      const sig: f32 = x >= 0 ? <f32>1.0 / d : e / d;
      store<f32>(grad + o, (sig - t) * g);
    }
  }
  return total;
}

/** Σ over n elements of (y − t)²; grad = 2(y − t)·g when grad != 0 (g carries the 2). */
// @ts-ignore: decorator
@inline function squared_error_sum(y: usize, targets: usize, grad: usize, n: usize, g2s: f32): f64 {
  const g2 = f32x4.splat(g2s);
  // Squares of f32 differences are exact in f64, so the lanes widen before squaring.
  let acc = f64x2.splat(0);
  let i: usize = 0;
  for (; i + 4 <= n; i += 4) {
    const o = i << 2;
    const d = f32x4.sub(v128.load(y + o), v128.load(targets + o));
    const lo = f64x2.promote_low_f32x4(d);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(d, d, 2, 3, 0, 1));
    acc = f64x2.add(acc, f64x2.add(f64x2.mul(lo, lo), f64x2.mul(hi, hi)));
    if (grad) v128.store(grad + o, f32x4.mul(d, g2));
  }
  let total = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) {
    const o = i << 2;
    const d = load<f32>(y + o) - load<f32>(targets + o);
    total += <f64>d * <f64>d;
    if (grad) store<f32>(grad + o, d * g2s);
  }
  return total;
}

/** Mean over all elements of max(z,0) − z·t + log1p(exp(−|z|)); grad = (σ(z) − t)/(rows·cols). */
export function sigmoid_binary_cross_entropy(z: usize, targets: usize, grad: usize, rows: i32, cols: i32): f64 {
  assert(rows >= 0 && cols >= 0, "sigmoid_binary_cross_entropy: a negative size");
  assert(span(z, <i64>rows * cols, 4), "sigmoid_binary_cross_entropy: z outside memory or misaligned");
  assert(span(targets, <i64>rows * cols, 4), "sigmoid_binary_cross_entropy: targets outside memory or misaligned");
  assert(grad == 0 || span(grad, <i64>rows * cols, 4), "sigmoid_binary_cross_entropy: grad outside memory or misaligned");
  const n = <usize>rows * <usize>cols;
  const inv: f64 = 1.0 / <f64>n;
  return bce_sum(z, targets, grad, n, <f32>inv) * inv;
}

/** Mean over all elements of (y − t)²; grad = 2(y − t)/(rows·cols). */
export function mean_squared_error(y: usize, targets: usize, grad: usize, rows: i32, cols: i32): f64 {
  assert(rows >= 0 && cols >= 0, "mean_squared_error: a negative size");
  assert(span(y, <i64>rows * cols, 4), "mean_squared_error: y outside memory or misaligned");
  assert(span(targets, <i64>rows * cols, 4), "mean_squared_error: targets outside memory or misaligned");
  assert(grad == 0 || span(grad, <i64>rows * cols, 4), "mean_squared_error: grad outside memory or misaligned");
  const n = <usize>rows * <usize>cols;
  const inv: f64 = 1.0 / <f64>n;
  return squared_error_sum(y, targets, grad, n, <f32>(2.0 * inv)) * inv;
}

/** Row-wise losses (sigmoid_binary_cross_entropy, mean_squared_error) weighted by row: Σ_r w_r·sum_r / (rows·cols), the gradient of row r scaled by w_r. */
// @ts-ignore: decorator
@inline function weighted_rows(kind: i32, z: usize, targets: usize, weights: usize, grad: usize, rows: i32, cols: i32): f64 {
  assert(rows >= 0 && cols >= 0, "weighted loss: a negative size");
  assert(span(z, <i64>rows * cols, 4), "weighted loss: z outside memory or misaligned");
  assert(span(targets, <i64>rows * cols, 4), "weighted loss: targets outside memory or misaligned");
  assert(span(weights, rows, 4), "weighted loss: weights outside memory or misaligned");
  assert(grad == 0 || span(grad, <i64>rows * cols, 4), "weighted loss: grad outside memory or misaligned");
  const inv: f64 = 1.0 / (<f64>rows * <f64>cols);
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const base = <usize>r * <usize>cols << 2;
    const wr = row_weight(weights, r);
    const gr = grad ? grad + base : 0;
    total += wr * (kind == 0
      ? bce_sum(z + base, targets + base, gr, <usize>cols, <f32>(wr * inv))
      : squared_error_sum(z + base, targets + base, gr, <usize>cols, <f32>(2.0 * wr * inv)));
  }
  return total * inv;
}

/** sigmoid_binary_cross_entropy with row r's loss and gradient times weights[r]. */
export function sigmoid_binary_cross_entropy_weighted(z: usize, targets: usize, weights: usize, grad: usize, rows: i32, cols: i32): f64 {
  return weighted_rows(0, z, targets, weights, grad, rows, cols);
}

/** mean_squared_error with row r's loss and gradient times weights[r]. */
export function mean_squared_error_weighted(y: usize, targets: usize, weights: usize, grad: usize, rows: i32, cols: i32): f64 {
  return weighted_rows(1, y, targets, weights, grad, rows, cols);
}
