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
