// Half-precision decoding, against values whose bit patterns IEEE 754 fixes.
import { describe, expect, it } from "vitest";
import { float16ToFloat32 } from "../src/util/float16.js";

describe("float16ToFloat32", () => {
  it("decodes normal, subnormal, signed zero, infinite and NaN halves exactly", () => {
    const bits = [0x3c00, 0xc000, 0x3555, 0x7bff, 0x0400, 0x0001, 0x03ff, 0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00];
    const want = [1, -2, 0.333251953125, 65504, 2 ** -14, 2 ** -24, 1023 * 2 ** -24, 0, -0, Infinity, -Infinity, NaN];
    const got = Array.from(float16ToFloat32(Uint16Array.from(bits)));
    got.forEach((v, i) => expect(Object.is(v, want[i]), `0x${bits[i].toString(16)} gave ${v}, want ${want[i]}`).toBe(true));
  });

  it("widens every normal half to the float32 of the same sign, exponent and mantissa, and keeps every NaN a NaN", () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const values = float16ToFloat32(all);
    const f32 = new Uint32Array(values.buffer);
    for (let h = 0; h < 65536; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff)) { expect(Number.isNaN(values[h])).toBe(true); continue; }
      // A half widens to a float32 by shifting: sign, exponent rebased by 112, mantissa moved up 13 bits (normal halves).
      if ((h & 0x7c00) !== 0 && (h & 0x7c00) !== 0x7c00) {
        const want = ((h & 0x8000) << 16) | ((((h >> 10) & 0x1f) + 112) << 23) | ((h & 0x3ff) << 13);
        if (f32[h] !== want >>> 0) throw new Error(`0x${h.toString(16)}: got bits 0x${f32[h].toString(16)}`);
      }
    }
  });
});
