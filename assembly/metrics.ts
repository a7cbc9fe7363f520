// Metrics over a batch: predictions are compared in the core so accuracy costs
// one call, not a copy of the outputs into JavaScript.
import { span } from "./checks";

/** Index of the first largest of n floats at p; a NaN never wins unless it comes first. */
// @ts-ignore: decorator
@inline function row_argmax(p: usize, n: i32): i32 {
  let best = load<f32>(p);
  let k = 0;
  for (let j = 1; j < n; j++) {
    const v = load<f32>(p + (<usize>j << 2));
    if (v > best) {
      best = v;
      k = j;
    }
  }
  return k;
}

/** out[r] = argmax of row r of y (rows×cols), first max on ties. */
export function argmax_rows(y: usize, out: usize, rows: i32, cols: i32): void {
  assert(rows >= 0 && cols >= 0, "argmax_rows: a negative size");
  assert(span(y, <i64>rows * cols, 4), "argmax_rows: y outside memory or misaligned");
  assert(span(out, rows, 4), "argmax_rows: out outside memory or misaligned");
  for (let r = 0; r < rows; r++) {
    store<i32>(out + (<usize>r << 2), row_argmax(y + (<usize>r * <usize>cols << 2), cols));
  }
}

/** Number of rows whose argmax equals the i32 label. */
export function count_correct_index(y: usize, labels: usize, rows: i32, cols: i32): i32 {
  assert(rows >= 0 && cols >= 0, "count_correct_index: a negative size");
  assert(span(y, <i64>rows * cols, 4), "count_correct_index: y outside memory or misaligned");
  assert(span(labels, rows, 4), "count_correct_index: labels outside memory or misaligned");
  let hits = 0;
  for (let r = 0; r < rows; r++) {
    const k = row_argmax(y + (<usize>r * <usize>cols << 2), cols);
    hits += i32(k == load<i32>(labels + (<usize>r << 2)));
  }
  return hits;
}

/** Number of rows whose argmax equals the argmax of the target row. */
export function count_correct_onehot(y: usize, targets: usize, rows: i32, cols: i32): i32 {
  assert(rows >= 0 && cols >= 0, "count_correct_onehot: a negative size");
  assert(span(y, <i64>rows * cols, 4), "count_correct_onehot: y outside memory or misaligned");
  assert(span(targets, <i64>rows * cols, 4), "count_correct_onehot: targets outside memory or misaligned");
  let hits = 0;
  for (let r = 0; r < rows; r++) {
    const base = <usize>r * <usize>cols << 2;
    hits += i32(row_argmax(y + base, cols) == row_argmax(targets + base, cols));
  }
  return hits;
}

/** Number of elements where (y ≥ threshold) agrees with (t ≥ 0.5). */
export function count_correct_binary(y: usize, targets: usize, n: i32, threshold: f32): i32 {
  assert(n >= 0, "count_correct_binary: a negative size");
  assert(span(y, n, 4), "count_correct_binary: y outside memory or misaligned");
  assert(span(targets, n, 4), "count_correct_binary: targets outside memory or misaligned");
  const th = f32x4.splat(threshold);
  const half = f32x4.splat(0.5);
  // Agreeing lanes are all-ones masks (−1); subtracting them counts per lane.
  let acc = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const a = f32x4.ge(v128.load(y + o), th);
    const b = f32x4.ge(v128.load(targets + o), half);
    acc = i32x4.sub(acc, v128.not(v128.xor(a, b)));
  }
  let hits = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) +
    i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (; i < n; i++) {
    const o = <usize>i << 2;
    hits += i32((load<f32>(y + o) >= threshold) == (load<f32>(targets + o) >= 0.5));
  }
  return hits;
}

/** out[i] = 1 where y[i] ≥ threshold, else 0 (bytes); a NaN output reads as 0. */
export function threshold_u8(y: usize, out: usize, n: i32, threshold: f32): void {
  assert(n >= 0, "threshold_u8: a negative size");
  assert(span(y, n, 4), "threshold_u8: y outside memory or misaligned");
  assert(span(out, n, 1), "threshold_u8: out outside memory");
  for (let i = 0; i < n; i++) {
    store<u8>(out + <usize>i, u8(load<f32>(y + (<usize>i << 2)) >= threshold));
  }
}

/** Σ f((y − t)·w[c]) over a rows×cols pair in f64, f = |·| or square; w holds cols floats, or is 0 for all ones. */
// @ts-ignore: decorator
@inline function sum_diff(y: usize, targets: usize, rows: i32, cols: i32, w: usize, square: bool): f64 {
  let acc = f64x2.splat(0);
  let total: f64 = 0;
  // Without weights the pair is one flat run; with them each row starts the weights again.
  const runs = w ? rows : 1;
  const len = w ? cols : rows * cols;
  for (let r = 0; r < runs; r++) {
    const base = <usize>r * <usize>len << 2;
    let j = 0;
    for (; j + 4 <= len; j += 4) {
      const o = <usize>j << 2;
      let d = f32x4.sub(v128.load(y + base + o), v128.load(targets + base + o));
      if (w) d = f32x4.mul(d, v128.load(w + o));
      d = square ? f32x4.mul(d, d) : f32x4.abs(d);
      acc = f64x2.add(acc, f64x2.add(f64x2.promote_low_f32x4(d), f64x2.promote_low_f32x4(v128.shuffle<f32>(d, d, 2, 3, 0, 1))));
    }
    for (; j < len; j++) {
      const o = <usize>j << 2;
      let d = <f64>(load<f32>(y + base + o) - load<f32>(targets + base + o));
      if (w) d *= <f64>load<f32>(w + o);
      total += square ? d * d : Math.abs(d);
    }
  }
  return total + f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
}

/** Σ |y − t|·w[c] over rows×cols floats (w: cols floats, or 0 for ones), in f64: the mean absolute error's sum. */
export function sum_abs_diff(y: usize, targets: usize, rows: i32, cols: i32, w: usize): f64 {
  assert(rows >= 0 && cols >= 0, "sum_abs_diff: a negative size");
  assert(span(y, <i64>rows * cols, 4), "sum_abs_diff: y outside memory or misaligned");
  assert(span(targets, <i64>rows * cols, 4), "sum_abs_diff: targets outside memory or misaligned");
  assert(w == 0 || span(w, cols, 4), "sum_abs_diff: w outside memory or misaligned");
  return sum_diff(y, targets, rows, cols, w, false);
}

/** Σ ((y − t)·w[c])² over rows×cols floats (w: cols floats, or 0 for ones), in f64: the mean squared error's sum. */
export function sum_squared_diff(y: usize, targets: usize, rows: i32, cols: i32, w: usize): f64 {
  assert(rows >= 0 && cols >= 0, "sum_squared_diff: a negative size");
  assert(span(y, <i64>rows * cols, 4), "sum_squared_diff: y outside memory or misaligned");
  assert(span(targets, <i64>rows * cols, 4), "sum_squared_diff: targets outside memory or misaligned");
  assert(w == 0 || span(w, cols, 4), "sum_squared_diff: w outside memory or misaligned");
  return sum_diff(y, targets, rows, cols, w, true);
}

/** Index of the first of n floats outside [lo, hi] (a NaN is outside), or −1 when all lie inside. */
export function first_outside_range(x: usize, n: i32, lo: f32, hi: f32): i32 {
  assert(n >= 0, "first_outside_range: a negative size");
  assert(span(x, n, 4), "first_outside_range: x outside memory or misaligned");
  const l = f32x4.splat(lo);
  const h = f32x4.splat(hi);
  let i = 0;
  // Four at a time while every lane is inside; the first block with a lane outside is scanned one by one.
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    if (!i32x4.all_true(v128.and(f32x4.ge(v, l), f32x4.le(v, h)))) break;
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (!(v >= lo && v <= hi)) return i;
  }
  return -1;
}
