// IEEE 754 half precision, which model files use to halve their weights'
// size (TensorFlow.js's float16 quantization, ONNX's FLOAT16). Every half is
// exactly a float32, so decoding loses nothing.

/** The float32 values of half-precision bit patterns. */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  return Float32Array.from(bits, halfValue);
}

function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
