// Maxout: each unit outputs the largest of its `pieces` consecutive inputs.
// Forward records the winning piece so backward routes dy without re-reading z.
// Scalar on purpose: pieces are few and interleaved, so lanes would need
// shuffles, and the pass is bound by memory traffic, not arithmetic.
import { span } from "./checks";

/** y[r,j] = max over p of z[r, j·pieces + p]; argmax gets p (first max on ties). */
export function maxout_forward(z: usize, y: usize, argmax: usize, rows: i32, units: i32, pieces: i32): void {
  assert(rows >= 0 && units >= 0 && pieces >= 1, "maxout_forward: a negative size or no pieces");
  assert(span(z, <i64>rows * units * pieces, 4), "maxout_forward: z outside memory or misaligned");
  assert(span(y, <i64>rows * units, 4), "maxout_forward: y outside memory or misaligned");
  assert(span(argmax, <i64>rows * units, 4), "maxout_forward: argmax outside memory or misaligned");
  const n = rows * units;
  for (let i = 0; i < n; i++) {
    const zi = z + (<usize>i * <usize>pieces << 2);
    let best = load<f32>(zi);
    let k = 0;
    for (let p = 1; p < pieces; p++) {
      const v = load<f32>(zi + (<usize>p << 2));
      if (v > best) {
        best = v;
        k = p;
      }
    }
    store<f32>(y + (<usize>i << 2), best);
    store<i32>(argmax + (<usize>i << 2), k);
  }
}

/** dz = 0 except dz[r, j·pieces + argmax[r,j]] = dy[r,j]; dz is rows×(units·pieces). */
export function maxout_backward(dy: usize, argmax: usize, dz: usize, rows: i32, units: i32, pieces: i32): void {
  assert(rows >= 0 && units >= 0 && pieces >= 1, "maxout_backward: a negative size or no pieces");
  assert(span(dy, <i64>rows * units, 4), "maxout_backward: dy outside memory or misaligned");
  assert(span(argmax, <i64>rows * units, 4), "maxout_backward: argmax outside memory or misaligned");
  assert(span(dz, <i64>rows * units * pieces, 4), "maxout_backward: dz outside memory or misaligned");
  const n = rows * units;
  memory.fill(dz, 0, <usize>n * <usize>pieces << 2);
  for (let i = 0; i < n; i++) {
    const k = load<i32>(argmax + (<usize>i << 2));
    // A corrupt index is dropped rather than written outside this unit's pieces.
    if (<u32>k >= <u32>pieces) continue;
    store<f32>(dz + ((<usize>i * <usize>pieces + <usize>k) << 2), load<f32>(dy + (<usize>i << 2)));
  }
}
