// Numbers written as ASCII straight into a byte buffer, for output of millions of values (CSV
// predictions) where a string per number would cost more than computing it. The text is exactly
// what JavaScript writes for the same rounding, so files read the same as before.

const OFFSET = 60;
/** 10^(i − OFFSET), each the double nearest to it (parsed, not computed, so each is correctly rounded). */
const POW10 = Float64Array.from({ length: 2 * OFFSET + 1 }, (_, i) => Number(`1e${i - OFFSET}`));
/** 10^i as integers, i < 16. */
const INT10 = Float64Array.from({ length: 16 }, (_, i) => 10 ** i);
/** A double and its two 32-bit halves (little-endian: [1] holds the sign and exponent), to read an exponent without log10. */
const BITS_F64 = new Float64Array(1);
const BITS_U32 = new Uint32Array(BITS_F64.buffer);
const DIGITS = 6;
const MIN = 10 ** (DIGITS - 1);
const MAX = 10 ** DIGITS;
const [MINUS, DOT, ZERO, E, PLUS] = [45, 46, 48, 101, 43];

/** Most bytes writeSignificant6() writes for one number ("-123457000000000000000"). */
export const MAX_SIGNIFICANT6_BYTES = 22;

/**
 * Writes `v` at `buf[at]` as `String(Number(v.toPrecision(6)))` spells it (six significant digits, trailing zeros
 * dropped, an exponent below 1e-6 and from 1e21) and returns the position after it; `buf` needs
 * MAX_SIGNIFICANT6_BYTES free. Computed in doubles, exactly: a value within a rounding error of a tie is left to toPrecision.
 */
export function writeSignificant6(buf: Uint8Array, at: number, v: number): number {
  if (v === 0) {
    buf[at] = ZERO; // -0 too
    return at + 1;
  }
  if (!Number.isFinite(v)) return writeAscii(buf, at, String(v));
  let a = v;
  if (a < 0) {
    buf[at++] = MINUS;
    a = -a;
  }
  // floor(log2(a) · log10(2)) from the exponent bits: the decimal exponent, or one below it (corrected next).
  BITS_F64[0] = a;
  let e = ((((BITS_U32[1] >>> 20) & 0x7ff) - 1023) * 78913) >> 18;
  if (e < DIGITS - OFFSET || e > OFFSET - DIGITS) return writeAscii(buf, at - (v < 0 ? 1 : 0), String(Number(v.toPrecision(DIGITS))));
  let s = a * POW10[OFFSET + DIGITS - 1 - e];
  // An exponent one too low leaves s at MAX or above.
  if (s >= MAX - 0.5) s = a * POW10[OFFSET + DIGITS - 1 - ++e];
  else if (s < MIN - 0.5) s = a * POW10[OFFSET + DIGITS - 1 - --e];
  // s carries a relative error of about 2^-52: near a tie, only exact decimal arithmetic can tell which way it rounds.
  if (Math.abs(s - Math.floor(s) - 0.5) < 1e-6) return writeAscii(buf, at - (v < 0 ? 1 : 0), String(Number(v.toPrecision(DIGITS))));
  let n = Math.round(s) | 0;
  if (n === MAX) {
    n = MIN;
    e++;
  }
  let k = DIGITS;
  for (let q = (n / 10) | 0; n === q * 10; q = (n / 10) | 0) {
    n = q;
    k--;
  }
  return writeDigits(buf, at, n, k, e);
}

/** Writes the `k` digits of `n` whose first has decimal exponent `e`, as Number.prototype.toString places the point. */
function writeDigits(buf: Uint8Array, at: number, n: number, k: number, e: number): number {
  if (e >= 21 || e < -6) {
    at = writeUint(buf, at, Math.floor(n / INT10[k - 1]));
    if (k > 1) {
      buf[at++] = DOT;
      at = writePadded(buf, at, n % INT10[k - 1], k - 1);
    }
    buf[at++] = E;
    buf[at++] = e < 0 ? MINUS : PLUS;
    return writeUint(buf, at, Math.abs(e));
  }
  if (e >= k - 1) {
    at = writeUint(buf, at, n);
    for (let i = k - 1; i < e; i++) buf[at++] = ZERO;
    return at;
  }
  if (e >= 0) {
    const low = k - e - 1;
    at = writeUint(buf, at, Math.floor(n / INT10[low]));
    buf[at++] = DOT;
    return writePadded(buf, at, n % INT10[low], low);
  }
  buf[at++] = ZERO;
  buf[at++] = DOT;
  for (let i = -1; i > e; i--) buf[at++] = ZERO;
  return writePadded(buf, at, n, k);
}

/** Writes an integer (|n| < 2^53) in decimal and returns the position after it. */
export function writeInteger(buf: Uint8Array, at: number, n: number): number {
  if (n < 0) {
    buf[at++] = MINUS;
    n = -n;
  }
  return writeUint(buf, at, n);
}

function writeUint(buf: Uint8Array, at: number, n: number): number {
  let width = 1;
  while (width < 16 && n >= INT10[width]) width++;
  return writePadded(buf, at, n, width);
}

/** Writes `n` as exactly `width` digits (leading zeros); int32 arithmetic below 2^31, which is what this is called with in bulk. */
function writePadded(buf: Uint8Array, at: number, n: number, width: number): number {
  let i = at + width - 1;
  for (; n >= 2 ** 31; i--) {
    const q = Math.floor(n / 10);
    buf[i] = ZERO + (n - 10 * q);
    n = q;
  }
  let m = n | 0;
  for (; i >= at; i--) {
    const q = (m / 10) | 0;
    buf[i] = ZERO + (m - 10 * q);
    m = q;
  }
  return at + width;
}

/** Writes ASCII text and returns the position after it. */
export function writeAscii(buf: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) buf[at++] = text.charCodeAt(i);
  return at;
}
