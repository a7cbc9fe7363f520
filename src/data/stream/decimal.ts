// Decimal numbers read straight from UTF-8 bytes into float32, with no string per cell. The result is
// exactly Math.fround(Number(text)): short numbers (up to 15 digits, a power of ten up to 22) are exact in
// float64 and take one correctly rounded multiply or divide, as Number() computes them (Clinger's fast path);
// longer ones are computed to within a few float64 ulps and kept when that whole interval rounds to one
// float32, which all but about one number in 30,000 do; the rest, and exponents far out, go through Number().

/** Powers of ten as float64 literals (correctly rounded, exact up to 1e22). */
const POW10 = Array.from({ length: 400 }, (_, k) => Number(`1e${k}`));
/** Relative width kept around an approximate value: far above its error (about 25 float64 roundings), far below a float32 step. */
const SLACK = 2 ** -40;
/** Significant digits accumulated; later ones only move the power of ten (their weight is below SLACK). */
const MAX_DIGITS = 19;

/**
 * Reads a number written as `[+-]digits[.digits][e[+-]digits]` (the dot being `mark`: 46 '.' or 44 ',') from
 * bytes[at..end), after spaces and tabs other than `stop`, into out[index]. Returns the index after the number
 * and any spaces or tabs after it (the caller checks what follows), or -1 when no number starts there.
 */
export function parseDecimal(bytes: Uint8Array, at: number, end: number, stop: number, mark: number, out: Float32Array, index: number): number {
  // The common case kept small enough to be inlined: at most 15 digits and no exponent.
  let i = at;
  let c = i < end ? bytes[i] : -1;
  if (((c === 32 || c === 9) && c !== stop) || c === 43) return parseLong(bytes, at, end, stop, mark, out, index);
  const negative = c === 45;
  if (negative) c = ++i < end ? bytes[i] : -1;
  let mantissa = 0;
  let digits = 0;
  while (c >= 48 && c <= 57) {
    mantissa = mantissa * 10 + (c - 48);
    digits++;
    c = ++i < end ? bytes[i] : -1;
  }
  let scale = 0;
  if (c === mark) {
    c = ++i < end ? bytes[i] : -1;
    while (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      scale++;
      c = ++i < end ? bytes[i] : -1;
    }
  }
  if (digits + scale === 0 || digits + scale > 15 || c === 101 || c === 69 || ((c === 32 || c === 9) && c !== stop)) {
    return parseLong(bytes, at, end, stop, mark, out, index);
  }
  // Storing into a Float32Array rounds the correctly rounded float64 to float32, as Math.fround does.
  const v = mantissa / POW10[scale];
  out[index] = negative ? -v : v;
  return i;
}

/** parseDecimal for the rest: spaces around, a plus sign, an exponent, more than 15 digits. */
function parseLong(bytes: Uint8Array, at: number, end: number, stop: number, mark: number, out: Float32Array, index: number): number {
  let i = at;
  let c = i < end ? bytes[i] : -1;
  while ((c === 32 || c === 9) && c !== stop) c = ++i < end ? bytes[i] : -1;
  let negative = false;
  if (c === 45 || c === 43) {
    negative = c === 45;
    c = ++i < end ? bytes[i] : -1;
  }
  const start = i;
  let mantissa = 0;
  let digits = 0; // significant digits in mantissa
  let seen = 0; // digits written, leading zeros included
  let exponent = 0;
  while (c >= 48 && c <= 57) {
    if (digits < MAX_DIGITS) {
      mantissa = mantissa * 10 + (c - 48);
      if (mantissa !== 0) digits++;
    } else exponent++;
    seen++;
    c = ++i < end ? bytes[i] : -1;
  }
  if (c === mark) {
    c = ++i < end ? bytes[i] : -1;
    while (c >= 48 && c <= 57) {
      if (digits < MAX_DIGITS) {
        mantissa = mantissa * 10 + (c - 48);
        if (mantissa !== 0) digits++;
        exponent--;
      }
      seen++;
      c = ++i < end ? bytes[i] : -1;
    }
  }
  if (seen === 0) return -1;
  if (c === 101 || c === 69) {
    c = ++i < end ? bytes[i] : -1;
    let minus = false;
    if (c === 45 || c === 43) {
      minus = c === 45;
      c = ++i < end ? bytes[i] : -1;
    }
    if (!(c >= 48 && c <= 57)) return -1;
    let e = 0;
    while (c >= 48 && c <= 57) {
      if (e < 1e6) e = e * 10 + (c - 48);
      c = ++i < end ? bytes[i] : -1;
    }
    exponent += minus ? -e : e;
  }
  const after = i;
  while ((c === 32 || c === 9) && c !== stop) c = ++i < end ? bytes[i] : -1;
  let v: number;
  if (mantissa === 0) v = 0;
  else if (digits <= 15 && exponent >= -22 && exponent <= 22) {
    v = Math.fround(exponent < 0 ? mantissa / POW10[-exponent] : mantissa * POW10[exponent]);
  } else if (exponent >= -300 && exponent <= 300) {
    const approx = exponent < 0 ? mantissa / POW10[-exponent] : mantissa * POW10[exponent];
    v = Math.fround(approx * (1 - SLACK));
    if (v !== Math.fround(approx * (1 + SLACK))) v = Math.fround(Number(ascii(bytes, start, after, mark)));
  } else {
    v = Math.fround(Number(ascii(bytes, start, after, mark)));
  }
  out[index] = negative ? -v : v;
  return i;
}

/** The ASCII text of bytes[from..to), with the decimal mark written as '.', for Number(). */
function ascii(bytes: Uint8Array, from: number, to: number, mark: number): string {
  let s = "";
  for (let i = from; i < to; i++) s += String.fromCharCode(bytes[i] === mark ? 46 : bytes[i]);
  return s;
}
