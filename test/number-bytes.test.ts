// Numbers written as bytes (src/util/number-bytes.ts) against the text JavaScript writes for them:
// `wasmlp predict` prints String(Number(v.toPrecision(6))) for every output, and its streamed files
// must read the same, so every float32 class of value is compared with that expression.
import { describe, expect, it } from "vitest";
import { MAX_SIGNIFICANT6_BYTES, writeInteger, writeSignificant6 } from "../src/util/number-bytes.js";
import { rng } from "./helpers.js";

const buf = new Uint8Array(64);
const text = new TextDecoder();
const significant6 = (v: number) => text.decode(buf.subarray(0, writeSignificant6(buf, 0, v)));
const reference = (v: number) => String(Number(v.toPrecision(6)));

/** The values among `values` whose bytes differ from the reference, with both spellings (at most 10). */
function mismatches(values: Iterable<number>): [number, string, string][] {
  const bad: [number, string, string][] = [];
  for (const v of values) {
    const got = significant6(v);
    if (got !== reference(v) && bad.push([v, got, reference(v)]) >= 10) break;
  }
  return bad;
}

describe("writeSignificant6", () => {
  it("writes the edge cases as toPrecision(6) does", () => {
    const f = Math.fround;
    const edges = [0, -0, NaN, Infinity, -Infinity, 5e-7, f(5e-7), 0.0000005, f(0.0000005), 1e-6, f(1e-6), f(9.999995e-7), f(9.9999949e-7),
      1e9, f(1e9), -1e9, 1e21, f(1e21), f(9.99999e20), 1e20, f(123456789e12), 0.1, f(0.1), 1, -1, 10, 100000, 999999, f(999999.5), f(9999995),
      123456.5, -123456.5, 1234565, 1234575, 0.5, 0.25, 2 ** -20, -(2 ** -30), 2 ** 24, 2 ** 100, f(3.4028234663852886e38), -f(3.4028234663852886e38),
      f(1.401298464324817e-45), f(1.1754943508222875e-38), f(Math.PI), f(-Math.E), f(1 / 3), f(2 / 3)];
    expect(mismatches(edges)).toEqual([]);
    expect([significant6(-0), significant6(NaN), significant6(f(0.0000005)), significant6(1e9), significant6(123456.5), significant6(1e21)])
      .toEqual(["0", "NaN", "5e-7", "1000000000", "123457", "1e+21"]);
  });

  it("matches on a million random float32 bit patterns, probabilities and log-probabilities", () => {
    const r = rng(11);
    const f = new Float32Array(1);
    const bits = new Uint32Array(f.buffer);
    function* values() {
      for (let i = 0; i < 400_000; i++) {
        bits[0] = Math.floor(r() * 2 ** 32);
        yield f[0];
        f[0] = r() ** 4; // probabilities, many of them small
        yield f[0];
        f[0] = Math.log(r());
        yield f[0];
      }
    }
    expect(mismatches(values())).toEqual([]);
  });

  it("rounds ties up as toPrecision does: every float32 with a 5 in the seventh significant digit", () => {
    function* ties() {
      for (let i = 0; i < 200_000; i++) {
        const n = 1_000_005 + 10 * i; // seven digits ending in 5
        yield n;
        yield n / 2 ** 1; yield n / 2 ** 4; yield n * 2 ** 10; // ties scaled by powers of two stay ties only when exact
        yield Math.fround(n / 10);
        if (i < 67_000) yield 10_000_050 + 100 * i; // eight digits ending in 50, exact in float32 below 2^24
      }
    }
    expect(mismatches(ties())).toEqual([]);
  });

  it("never writes more than MAX_SIGNIFICANT6_BYTES", () => {
    let longest = 0;
    for (let e = -46; e <= 39; e++) for (const m of [-9.87654321, 1.23456789]) longest = Math.max(longest, significant6(Math.fround(m * 10 ** e)).length);
    expect(longest).toBeLessThanOrEqual(MAX_SIGNIFICANT6_BYTES);
    expect(significant6(-1.23457e20)).toHaveLength(MAX_SIGNIFICANT6_BYTES);
  });
});

describe("writeInteger", () => {
  it("writes integers as String() does", () => {
    const values = [0, 1, 9, 10, 99, 100, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53 - 1, -123456789012];
    const r = rng(5);
    for (let i = 0; i < 1000; i++) values.push(Math.floor(r() * 2 ** 31));
    expect(values.map((v) => text.decode(buf.subarray(0, writeInteger(buf, 0, v))))).toEqual(values.map(String));
  });
});
