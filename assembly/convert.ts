// Conversions of stored input rows into the float32 rows the first layer reads:
// bytes (images kept one byte a pixel) widened and scaled per batch, and a
// per-column affine map (x·scale + offset) for fitted preprocessing.
import { row_inside, span } from "./checks";

/** Sixteen bytes at p, widened to four f32x4 vectors and mapped to v·scale + offset, stored at q. */
// @ts-ignore: decorator
@inline function convert16(p: usize, q: usize, s: v128, o: v128): void {
  const b = v128.load(p);
  const lo = i16x8.extend_low_i8x16_u(b);
  const hi = i16x8.extend_high_i8x16_u(b);
  v128.store(q, f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo)), s), o));
  v128.store(q, f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo)), s), o), 16);
  v128.store(q, f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi)), s), o), 32);
  v128.store(q, f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi)), s), o), 48);
}

/** dst row r (f32) = src row index[r] (u8, rows of cols bytes) · scale + offset; indices must be valid rows of src. */
export function gather_rows_u8_scaled(src: usize, index: usize, dst: usize, rows: i32, cols: i32, scale: f32, offset: f32): void {
  assert(rows >= 0 && cols >= 0, "gather_rows_u8_scaled: a negative size");
  assert(span(index, rows, 4), "gather_rows_u8_scaled: index outside memory or misaligned");
  assert(span(dst, <i64>rows * cols, 4), "gather_rows_u8_scaled: dst outside memory or misaligned");
  const s = f32x4.splat(scale);
  const o = f32x4.splat(offset);
  for (let r = 0; r < rows; r++) {
    const k = <usize>load<u32>(index + (<usize>r << 2));
    assert(row_inside(src, k, <usize>cols), "gather_rows_u8_scaled: a row index points outside memory");
    const p = src + k * <usize>cols;
    const q = dst + ((<usize>r * <usize>cols) << 2);
    let c = 0;
    for (; c + 16 <= cols; c += 16) convert16(p + <usize>c, q + (<usize>c << 2), s, o);
    for (; c < cols; c++) store<f32>(q + (<usize>c << 2), <f32>load<u8>(p + <usize>c) * scale + offset);
  }
}

/** x[r, c] = x[r, c] · scale[c] + offset[c] in place, over rows×cols f32; scale and offset hold cols floats. */
export function scale_shift_columns(x: usize, rows: i32, cols: i32, scale: usize, offset: usize): void {
  assert(rows >= 0 && cols >= 0, "scale_shift_columns: a negative size");
  assert(span(x, <i64>rows * cols, 4), "scale_shift_columns: x outside memory or misaligned");
  assert(span(scale, cols, 4), "scale_shift_columns: scale outside memory or misaligned");
  assert(span(offset, cols, 4), "scale_shift_columns: offset outside memory or misaligned");
  for (let r = 0; r < rows; r++) {
    const row = x + ((<usize>r * <usize>cols) << 2);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const o = <usize>c << 2;
      v128.store(row + o, f32x4.add(f32x4.mul(v128.load(row + o), v128.load(scale + o)), v128.load(offset + o)));
    }
    for (; c < cols; c++) {
      const o = <usize>c << 2;
      store<f32>(row + o, load<f32>(row + o) * load<f32>(scale + o) + load<f32>(offset + o));
    }
  }
}
