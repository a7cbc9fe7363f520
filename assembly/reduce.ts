// Reductions and vector updates the layers and the training loop share: bias
// gradients, norms, clipping, finiteness and label checks, and batch gathering.
import { row_inside, span } from "./checks";

/** out (+)= Σ over rows of x (rows×cols), per column; accumulate 0 overwrites out. */
export function column_sums(x: usize, out: usize, rows: i32, cols: i32, accumulate: i32): void {
  assert(rows >= 0 && cols >= 0, "column_sums: a negative size");
  assert(span(x, <i64>rows * cols, 4), "column_sums: x outside memory or misaligned");
  assert(span(out, cols, 4), "column_sums: out outside memory or misaligned");
  const stride = <usize>cols << 2;
  let c = 0;
  // Sixteen columns per sweep keep four accumulators in registers and read whole cache lines.
  for (; c + 16 <= cols; c += 16) {
    const oc = out + (<usize>c << 2);
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    if (accumulate) {
      a0 = v128.load(oc); a1 = v128.load(oc, 16); a2 = v128.load(oc, 32); a3 = v128.load(oc, 48);
    }
    let p = x + (<usize>c << 2);
    for (let r = 0; r < rows; r++) {
      a0 = f32x4.add(a0, v128.load(p));
      a1 = f32x4.add(a1, v128.load(p, 16));
      a2 = f32x4.add(a2, v128.load(p, 32));
      a3 = f32x4.add(a3, v128.load(p, 48));
      p += stride;
    }
    v128.store(oc, a0); v128.store(oc, a1, 16); v128.store(oc, a2, 32); v128.store(oc, a3, 48);
  }
  for (; c + 4 <= cols; c += 4) {
    const oc = out + (<usize>c << 2);
    let a = accumulate ? v128.load(oc) : f32x4.splat(0);
    let p = x + (<usize>c << 2);
    for (let r = 0; r < rows; r++) {
      a = f32x4.add(a, v128.load(p));
      p += stride;
    }
    v128.store(oc, a);
  }
  for (; c < cols; c++) {
    const oc = out + (<usize>c << 2);
    let a: f32 = accumulate ? load<f32>(oc) : 0;
    let p = x + (<usize>c << 2);
    for (let r = 0; r < rows; r++) {
      a += load<f32>(p);
      p += stride;
    }
    store<f32>(oc, a);
  }
}

/** Σ x² over n floats, accumulated in f64. */
export function sum_squares(x: usize, n: i32): f64 {
  assert(n >= 0, "sum_squares: a negative size");
  assert(span(x, n, 4), "sum_squares: x outside memory or misaligned");
  // Squares of f32 values are exact in f64, so the lanes widen before squaring.
  let acc = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    acc = f64x2.add(acc, f64x2.add(f64x2.mul(lo, lo), f64x2.mul(hi, hi)));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    s += v * v;
  }
  return s;
}

/** y += alpha·x over n floats. */
export function axpy(alpha: f32, x: usize, y: usize, n: i32): void {
  assert(n >= 0, "axpy: a negative size");
  assert(span(x, n, 4), "axpy: x outside memory or misaligned");
  assert(span(y, n, 4), "axpy: y outside memory or misaligned");
  const va = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(va, v128.load(x + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) + alpha * load<f32>(x + o));
  }
}

/** x *= s over n floats. */
export function scale(x: usize, n: i32, s: f32): void {
  assert(n >= 0, "scale: a negative size");
  assert(span(x, n, 4), "scale: x outside memory or misaligned");
  const vs = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(x + o, f32x4.mul(v128.load(x + o), vs));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(x + o, load<f32>(x + o) * s);
  }
}

/** x = min(max(x, lo), hi) over n floats; NaN stays NaN so divergence is still seen. */
export function clamp(x: usize, n: i32, lo: f32, hi: f32): void {
  assert(n >= 0, "clamp: a negative size");
  assert(span(x, n, 4), "clamp: x outside memory or misaligned");
  // f32x4.min/max propagate NaN (pmin/pmax would not), matching Mathf.min/max in the tail.
  const vlo = f32x4.splat(lo);
  const vhi = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(x + o, f32x4.min(f32x4.max(v128.load(x + o), vlo), vhi));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(x + o, Mathf.min(Mathf.max(load<f32>(x + o), lo), hi));
  }
}

/** Number of NaN or ±Inf among n floats. */
export function count_nonfinite(x: usize, n: i32): i32 {
  assert(n >= 0, "count_nonfinite: a negative size");
  assert(span(x, n, 4), "count_nonfinite: x outside memory or misaligned");
  // Tested on the bits (exponent all ones), so no float compare can be fooled.
  const expo = i32x4.splat(0x7f800000);
  let acc = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    acc = i32x4.sub(acc, i32x4.eq(v128.and(v128.load(x + (<usize>i << 2)), expo), expo));
  }
  let count = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) +
    i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (; i < n; i++) {
    count += i32((load<u32>(x + (<usize>i << 2)) & 0x7f800000) == 0x7f800000);
  }
  return count;
}

/** Index of the first i32 label outside [0, classes), or −1 when all are in range. */
export function first_label_out_of_range(labels: usize, n: i32, classes: i32): i32 {
  assert(n >= 0, "first_label_out_of_range: a negative size");
  assert(span(labels, n, 4), "first_label_out_of_range: labels outside memory or misaligned");
  if (classes <= 0) return n > 0 ? 0 : -1;
  for (let i = 0; i < n; i++) {
    // One unsigned compare rejects negatives as well as labels ≥ classes.
    if (<u32>load<i32>(labels + (<usize>i << 2)) >= <u32>classes) return i;
  }
  return -1;
}

/** dst row r = src row index[r] (rows×cols f32); indices must be valid rows of src. */
export function gather_rows(src: usize, index: usize, dst: usize, rows: i32, cols: i32): void {
  assert(rows >= 0 && cols >= 0, "gather_rows: a negative size");
  assert(span(index, rows, 4), "gather_rows: index outside memory or misaligned");
  assert(span(dst, <i64>rows * cols, 4), "gather_rows: dst outside memory or misaligned");
  const bytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const k = <usize>load<u32>(index + (<usize>r << 2));
    assert(row_inside(src, k, bytes), "gather_rows: a row index points outside memory");
    memory.copy(dst + <usize>r * bytes, src + k * bytes, bytes);
  }
}

/** dst[i] = src[index[i]] over n i32 values; indices must be valid in src. */
export function gather_i32(src: usize, index: usize, dst: usize, n: i32): void {
  assert(n >= 0, "gather_i32: a negative size");
  assert(span(index, n, 4), "gather_i32: index outside memory or misaligned");
  assert(span(dst, n, 4), "gather_i32: dst outside memory or misaligned");
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const k = <usize>load<u32>(index + o);
    assert(row_inside(src, k, 4), "gather_i32: an index points outside memory");
    store<i32>(dst + o, load<i32>(src + (k << 2)));
  }
}
