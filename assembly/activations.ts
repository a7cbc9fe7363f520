// Activations: each forward sits beside its backward. Backward passes read the
// forward *output* y (never the input), so a layer keeps one buffer per layer.
// Every backward computes dx = dy * f'(x) and may run in place (dx == dy).

import { span } from "./checks";
import {
  activate_scalar, activate_v128, derivative_scalar, derivative_v128, exp_nonpositive_v128,
} from "./activation_math";

/** y = act(x) elementwise over n floats; y may equal x. */
export function activation_forward(act: i32, x: usize, y: usize, n: i32, alpha: f32): void {
  assert(n >= 0, "activation_forward: a negative size");
  assert(span(x, n, 4), "activation_forward: x outside memory or misaligned");
  assert(span(y, n, 4), "activation_forward: y outside memory or misaligned");
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, activate_v128(v128.load(x + o), act, alpha));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, activate_scalar(load<f32>(x + o), act, alpha));
  }
}

/** dx = dy * act'(x), from the forward output y; dx may equal dy. */
export function activation_backward(act: i32, y: usize, dy: usize, dx: usize, n: i32, alpha: f32): void {
  assert(n >= 0, "activation_backward: a negative size");
  assert(span(y, n, 4), "activation_backward: y outside memory or misaligned");
  assert(span(dy, n, 4), "activation_backward: dy outside memory or misaligned");
  assert(span(dx, n, 4), "activation_backward: dx outside memory or misaligned");
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), derivative_v128(v128.load(y + o), act, alpha)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(dy + o) * derivative_scalar(load<f32>(y + o), act, alpha));
  }
}

/** Row-wise softmax of a rows×cols matrix, max-subtracted; y may equal x. */
export function softmax_forward(x: usize, y: usize, rows: i32, cols: i32): void {
  assert(rows >= 0 && cols >= 0, "softmax_forward: a negative size");
  assert(span(x, <i64>rows * cols, 4), "softmax_forward: x outside memory or misaligned");
  assert(span(y, <i64>rows * cols, 4), "softmax_forward: y outside memory or misaligned");
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>r * <usize>cols << 2);
    const yr = y + (<usize>r * <usize>cols << 2);
    let m = load<f32>(xr);
    for (let j = 1; j < cols; j++) m = Mathf.max(m, load<f32>(xr + (<usize>j << 2)));
    // Every exp by the same vector function, a ragged end's too (its 1–3 values in the low lanes), so a value
    // does not depend on its column.
    const vm = f32x4.splat(m);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      v128.store(yr + o, exp_nonpositive_v128(f32x4.sub(v128.load(xr + o), vm)));
    }
    const rest = cols - j;
    if (rest > 0) {
      const o = <usize>j << 2;
      let d = f32x4.splat(load<f32>(xr + o) - m);
      if (rest > 1) d = f32x4.replace_lane(d, 1, load<f32>(xr + o, 4) - m);
      if (rest > 2) d = f32x4.replace_lane(d, 2, load<f32>(xr + o, 8) - m);
      const e = exp_nonpositive_v128(d);
      store<f32>(yr + o, f32x4.extract_lane(e, 0));
      if (rest > 1) store<f32>(yr + o, f32x4.extract_lane(e, 1), 4);
      if (rest > 2) store<f32>(yr + o, f32x4.extract_lane(e, 2), 8);
    }
    let s: f32 = 0;
    for (j = 0; j < cols; j++) s += load<f32>(yr + (<usize>j << 2));
    const inv: f32 = 1.0 / s;
    for (j = 0; j < cols; j++) store<f32>(yr + (<usize>j << 2), load<f32>(yr + (<usize>j << 2)) * inv);
  }
}

/**
 * Row-wise log-softmax: y = (x − max) − log Σ exp(x − max). Subtracting the max first keeps
 * the largest entry exact (0 − log s) even for huge logits; y may equal x.
 */
export function log_softmax_forward(x: usize, y: usize, rows: i32, cols: i32): void {
  assert(rows >= 0 && cols >= 0, "log_softmax_forward: a negative size");
  assert(span(x, <i64>rows * cols, 4), "log_softmax_forward: x outside memory or misaligned");
  assert(span(y, <i64>rows * cols, 4), "log_softmax_forward: y outside memory or misaligned");
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>r * <usize>cols << 2);
    const yr = y + (<usize>r * <usize>cols << 2);
    let j = 0;
    let vm = f32x4.splat(-Infinity);
    for (; j + 4 <= cols; j += 4) vm = f32x4.max(vm, v128.load(xr + (<usize>j << 2)));
    let m = Mathf.max(
      Mathf.max(f32x4.extract_lane(vm, 0), f32x4.extract_lane(vm, 1)),
      Mathf.max(f32x4.extract_lane(vm, 2), f32x4.extract_lane(vm, 3)));
    for (; j < cols; j++) m = Mathf.max(m, load<f32>(xr + (<usize>j << 2)));
    // The sum in f64, as the cross-entropy kernels take it: its log is then good to f32 rounding.
    let s: f64 = 0;
    for (j = 0; j < cols; j++) s += Mathf.exp(load<f32>(xr + (<usize>j << 2)) - m);
    const ls = <f32>Math.log(s);
    const vmax = f32x4.splat(m);
    const vls = f32x4.splat(ls);
    for (j = 0; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      v128.store(yr + o, f32x4.sub(f32x4.sub(v128.load(xr + o), vmax), vls));
    }
    for (; j < cols; j++) store<f32>(yr + (<usize>j << 2), load<f32>(xr + (<usize>j << 2)) - m - ls);
  }
}

/** Softmax Jacobian-vector product: dx = y ⊙ (dy − Σ dy·y), row-wise; dx may equal dy. */
export function softmax_backward(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void {
  assert(rows >= 0 && cols >= 0, "softmax_backward: a negative size");
  assert(span(y, <i64>rows * cols, 4), "softmax_backward: y outside memory or misaligned");
  assert(span(dy, <i64>rows * cols, 4), "softmax_backward: dy outside memory or misaligned");
  assert(span(dx, <i64>rows * cols, 4), "softmax_backward: dx outside memory or misaligned");
  for (let r = 0; r < rows; r++) {
    const base = <usize>r * <usize>cols << 2;
    let dot: f32 = 0;
    for (let j = 0; j < cols; j++) {
      const o = base + (<usize>j << 2);
      dot += load<f32>(dy + o) * load<f32>(y + o);
    }
    for (let j = 0; j < cols; j++) {
      const o = base + (<usize>j << 2);
      store<f32>(dx + o, load<f32>(y + o) * (load<f32>(dy + o) - dot));
    }
  }
}
