// The int8 GEMM (assembly/gemm_int8.ts) against a scalar integer reference in
// int32 JavaScript arithmetic: every tile edge of M, N and K with zero points,
// float and requantised outputs, bit for bit on every build this engine runs
// (the plain build always; the relaxed build where relaxed SIMD is on, as in the
// "relaxed-simd" vitest project; the checked build in the "debug" project). The
// "wasm-baseline" project runs this file again under V8's baseline compiler alone
// (--liftoff-only), where V8 11.3 gets the fused relaxed dot wrong.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoreError } from "../src/errors.js";
import { createCore, init, relaxedSimdSupported, type Core } from "../src/runtime/core.js";
import { rng } from "./helpers.js";

const ACTS = [0, 1, 2, 3, 4]; // linear, ReLU, Leaky ReLU, sigmoid, tanh
const ALPHA = Math.fround(0.1);
/** A byte no requantised code can be, nor either byte of an i16 one (codes are 0…127): marks memory the kernel must leave alone. */
const SENTINEL_BYTE = 0xee;
const SENTINEL_F32 = 777.25;
/** Rows around the 5-row (fused dot) and 4-row tiles and the 60-row block; columns around the 8-column panel and the 32-, 24- and 16-column tiles of one and two rows. */
const ROWS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 61, 67];
const COLS = [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 23, 24, 25, 31, 33, 40];
/** Depths around the k groups of 4 (relaxed) and 2 (plain). */
const DEPTHS = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 64, 100];

/** One quantised layer: activation codes (rows lda codes apart, the padding random), int8 weights, scales, bias. */
interface Layer {
  M: number; N: number; K: number;
  a: Uint8Array; lda: number; aZp: number;
  w: Int8Array; // K×N, rows ldw apart, the padding random
  ldw: number;
  wScale: Float32Array; inScale: number; bias: Float32Array | null;
  outInvScale: number; outZp: number;
}

function makeLayer(M: number, N: number, K: number, seed: number, fill?: { a: number; w: number; aZp: number }): Layer {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const lda = K + int(0, 5);
  // Past K (and past the last row, up to a multiple of 4), bytes of any value: their weights are zero.
  const a = Uint8Array.from({ length: M * lda + 4 }, (_, i) => (i % lda < K && i < M * lda ? fill?.a ?? int(0, 127) : int(0, 255)));
  const ldw = N + int(0, 3);
  const w = Int8Array.from({ length: K * ldw }, () => fill?.w ?? int(-128, 127));
  const wScale = Float32Array.from({ length: N }, () => 0.001 + 0.02 * r());
  const bias = seed % 3 === 0 ? null : Float32Array.from({ length: N }, () => r() * 4 - 2);
  // Output scale so that the codes span their range and some clamp at both ends.
  const outInvScale = Math.fround((20 + 40 * r()) / (0.3 * Math.sqrt(K) + 2));
  return { M, N, K, a, lda, aZp: fill?.aZp ?? int(0, 127), w, ldw, wScale, inScale: Math.fround(0.004 + 0.01 * r()), bias, outInvScale, outZp: int(0, 127) };
}

/** Σ_k a·w − aZp·colsum for every output, in int32 arithmetic as the kernel's lanes do it. */
function referenceSums(l: Layer): Int32Array {
  const { M, N, K, a, lda, w, ldw } = l;
  const out = new Int32Array(M * N);
  for (let j = 0; j < N; j++) {
    let colsum = 0;
    for (let k = 0; k < K; k++) colsum = (colsum + w[k * ldw + j]) | 0;
    for (let i = 0; i < M; i++) {
      let s = 0;
      for (let k = 0; k < K; k++) s = (s + Math.imul(a[i * lda + k], w[k * ldw + j])) | 0;
      out[i * N + j] = (s - Math.imul(l.aZp, colsum)) | 0;
    }
  }
  return out;
}

/** float(sum)·(inScale·wScale[j]) + bias[j], each step rounded to float32 as the kernel's separate multiply and add are. */
function referenceLinear(l: Layer, sums: Int32Array): Float32Array {
  const out = new Float32Array(sums.length);
  for (let i = 0; i < l.M; i++) {
    for (let j = 0; j < l.N; j++) {
      const scale = Math.fround(l.inScale * l.wScale[j]);
      out[i * l.N + j] = Math.fround(Math.fround(Math.fround(sums[i * l.N + j]) * scale) + (l.bias ? l.bias[j] : 0));
    }
  }
  return out;
}

/**
 * The activation applied to the reference floats: ReLU and Leaky ReLU in float32 here; sigmoid and
 * tanh by the core's own elementwise kernel, whose scalar math the epilogue shares.
 */
function referenceActivated(core: Core, linear: Float32Array, act: number): Float32Array {
  if (act === 0) return linear;
  if (act === 1) return linear.map((y) => (y > 0 ? y : 0));
  if (act === 2) return linear.map((y) => (y > 0 ? y : Math.fround(y * ALPHA)));
  const p = core.allocF32(linear.length);
  try {
    core.f32(p, linear.length).set(linear);
    core.raw.activation_forward(act, p, p, linear.length, ALPHA);
    return core.f32(p, linear.length).slice();
  } finally {
    core.free(p);
  }
}

/** clamp(nearest(y·inv) + zp, 0, 127), ties to even; NaN counts as 0 before the zero point. */
function referenceCode(y: number, inv: number, zp: number, nanCode = Math.min(Math.max(zp, 0), 127)): number {
  const x = Math.fround(y * inv);
  if (Number.isNaN(x)) return nanCode;
  let r = Math.round(x);
  if (r - x === 0.5 && r % 2 !== 0) r -= 1;
  return Math.min(Math.max(r + zp, 0), 127);
}

interface Run { out: Uint8Array; outsideWrites: number }

/** Codes as a core of `bytes` bytes a code stores them: as they are (1), or as little-endian i16 (2). */
function stored(codes: ArrayLike<number>, bytes: number): Uint8Array {
  return bytes === 1 ? Uint8Array.from(codes) : new Uint8Array(Uint16Array.from(codes).buffer);
}

/** The codes in `b`, stored `bytes` bytes each. */
function codesOf(b: Uint8Array, bytes: number): Uint8Array | Uint16Array {
  return bytes === 1 ? b : new Uint16Array(b.slice().buffer);
}

/**
 * Packs the layer on `core` and runs one GEMM into a block at row 1, column 2 of a
 * larger output, so that writes outside the block show; returns the block's raw bytes.
 */
function runLayer({ core, fused }: { core: Core; fused: number }, l: Layer, act: number, requant: boolean, split = 0): Run {
  const k = core.raw;
  const { M, N, K } = l;
  const put = (bytes: Uint8Array) => {
    const p = core.allocator.alloc(Math.max(bytes.length, 1));
    core.u8(p, bytes.length).set(bytes);
    return p;
  };
  const cb = k.int8_code_bytes();
  const elem = requant ? cb : 4;
  const ldc = N + 5;
  const full = new Uint8Array((M + 2) * ldc * elem);
  if (requant) full.fill(SENTINEL_BYTE);
  else new Float32Array(full.buffer).fill(SENTINEL_F32);
  const sentinel = full.slice();
  const ptrs = [put(stored(l.a, cb)), put(new Uint8Array(l.w.buffer)), put(new Uint8Array(l.wScale.buffer)),
    l.bias ? put(new Uint8Array(l.bias.buffer)) : 0, core.allocator.alloc(k.int8_packed_bytes(K, N)), put(full)];
  const [pa, pw, ps, pb, packed, pc] = ptrs;
  try {
    k.pack_int8_weights(K, N, pw, l.ldw, ps, l.inScale, pb, packed);
    const block = pc + (ldc + 2) * elem;
    // Columns [0, split) and [split, N) in two calls, as threads splitting the columns would.
    const parts = split > 0 ? [[0, split], [split, N]] : [[0, N]];
    for (const [n0, n1] of parts) {
      const p = packed + (n0 / 8) * k.int8_packed_bytes(K, 8);
      if (requant) k.gemm_int8_requant(M, n1 - n0, K, pa, l.lda * cb, l.aZp, p, block + cb * n0, ldc * cb, act, ALPHA, l.outInvScale, l.outZp, fused);
      else k.gemm_int8_f32(M, n1 - n0, K, pa, l.lda * cb, l.aZp, p, block + 4 * n0, ldc, act, ALPHA, fused);
    }
    const after = core.u8(pc, full.length).slice();
    const out = new Uint8Array(M * N * elem);
    let outsideWrites = 0;
    for (let r = 0; r < M + 2; r++) {
      for (let c = 0; c < ldc; c++) {
        const inside = r >= 1 && r <= M && c >= 2 && c < N + 2;
        for (let b = 0; b < elem; b++) {
          const at = (r * ldc + c) * elem + b;
          if (inside) out[((r - 1) * N + c - 2) * elem + b] = after[at];
          else if (after[at] !== sentinel[at]) outsideWrites++;
        }
      }
    }
    return { out, outsideWrites };
  } finally {
    for (const p of ptrs) if (p) core.free(p);
  }
}

/** The expected block bytes on `core`: float32 outputs, or codes. */
function expected(core: Core, l: Layer, act: number, requant: boolean, linear: Float32Array): Uint8Array {
  const y = referenceActivated(core, linear, act);
  if (!requant) return new Uint8Array(y.slice().buffer);
  return stored(Array.from(y, (v) => referenceCode(v, l.outInvScale, l.outZp)), core.raw.int8_code_bytes());
}

/** The first differing output, described, or "" when the bytes agree. */
function firstDifference(got: Uint8Array, want: Uint8Array, elem: number): string {
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) {
      const at = Math.floor(i / elem);
      const read = (b: Uint8Array) => (elem === 4 ? new Float32Array(b.buffer, b.byteOffset + at * 4, 1)[0] : codesOf(b, elem)[at]);
      return `output ${at}: ${read(got)} instead of ${read(want)}`;
    }
  }
  return "";
}

/** Each core with the dot form its engine allows, asked once before anything else runs. */
const cores: { name: string; core: Core; fused: number }[] = [];
const withForm = (name: string, core: Core) => ({ name, core, fused: core.raw.int8_fused_dot_exact(3, 5, 7) });
beforeAll(async () => {
  // init() is the checked build in the "debug" project and this engine's default build elsewhere.
  const loaded = await init();
  cores.push(withForm(`loaded (${loaded.file})`, loaded));
  cores.push(withForm("plain", await createCore({ simd: "plain", threads: 1 })));
  if (relaxedSimdSupported()) cores.push(withForm("relaxed", await createCore({ simd: "relaxed", threads: 1 })));
});
afterAll(async () => {
  for (const { core } of cores.slice(1)) await core.stopPool();
});

/** Runs the layer on every core in both output forms and collects every mismatch. */
function checkLayer(l: Layer, act: number, failures: string[], split = 0): void {
  const linear = referenceLinear(l, referenceSums(l));
  for (const requant of [false, true]) {
    for (const c of cores) {
      const want = expected(c.core, l, act, requant, linear);
      const { out, outsideWrites } = runLayer(c, l, act, requant, split);
      const diff = firstDifference(out, want, requant ? c.core.raw.int8_code_bytes() : 4);
      if (diff || outsideWrites) {
        failures.push(`${c.name}${c.fused ? " (fused dot)" : ""} ${requant ? "codes" : "floats"} M=${l.M} N=${l.N} K=${l.K} act ${act}: ${diff || "ok"}, ${outsideWrites} bytes written outside the output`);
      }
    }
  }
}

describe("int8 GEMM against the integer reference", () => {
  it("every tile edge of M, N and K, with zero points, bias or none and every activation, bit for bit", () => {
    const failures: string[] = [];
    let n = 0;
    for (const M of ROWS) for (const N of COLS) for (const K of DEPTHS) checkLayer(makeLayer(M, N, K, ++n), ACTS[n % ACTS.length], failures);
    expect(failures.slice(0, 10)).toEqual([]);
  });

  it("the benchmark network's shapes and blocks past 60 rows, bit for bit", () => {
    const failures: string[] = [];
    const shapes = [[130, 256, 784], [1, 256, 784], [2, 128, 256], [3, 10, 128], [4, 10, 128], [67, 130, 300], [200, 41, 33]];
    shapes.forEach(([M, N, K], i) => checkLayer(makeLayer(M, N, K, 9000 + i), ACTS[i % ACTS.length], failures));
    expect(failures).toEqual([]);
  });

  it("K = 131072 with the extreme codes and weights: sums of ±2,130,706,432 stay exact in int32", () => {
    const K = 131072;
    const low = makeLayer(1, 9, K, 1, { a: 127, w: -128, aZp: 0 });
    const sums = referenceSums(low);
    // The int32 reference agrees with the exact sum, so nothing wrapped.
    expect(sums[0]).toBe(K * 127 * -128);
    const high = makeLayer(2, 9, K, 2, { a: 0, w: -128, aZp: 127 });
    expect(referenceSums(high)[0]).toBe(-127 * K * -128);
    const failures: string[] = [];
    checkLayer(low, 0, failures);
    checkLayer(high, 0, failures);
    expect(failures).toEqual([]);
  });

  it("a column split at a multiple of 8 (one call per part, as threads would) gives the same bits", () => {
    const failures: string[] = [];
    for (const [M, N, K, split] of [[1, 40, 100, 16], [2, 33, 17, 8], [9, 64, 784, 32], [70, 25, 31, 24]]) {
      checkLayer(makeLayer(M, N, K, 50 + M), 1, failures, split);
    }
    expect(failures).toEqual([]);
  });

  it("K = 0: the outputs are the activated bias", () => {
    const failures: string[] = [];
    checkLayer(makeLayer(3, 11, 0, 4), 3, failures);
    checkLayer(makeLayer(5, 9, 0, 5), 0, failures);
    expect(failures).toEqual([]);
  });

  it("requantising with no activation or ReLU clamps far-out values and makes NaN the zero point, in every tile height", () => {
    const failures: string[] = [];
    let n = 0;
    // An infinite output scale makes every y·inv ±∞, or NaN where ReLU gives 0; 1e30 makes it far past the rounding's limits.
    for (const outInvScale of [Infinity, 1e30]) {
      for (const M of [1, 2, 3, 4, 5, 6, 7]) {
        for (const [N, K] of [[8, 16], [13, 3], [5, 9]]) {
          for (const act of [0, 1]) checkLayer({ ...makeLayer(M, N, K, 3000 + ++n), outInvScale }, act, failures);
        }
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
  });

  it("M = 0 or N = 0 writes nothing", () => {
    for (const c of cores) {
      expect(runLayer(c, makeLayer(0, 5, 7, 6), 0, false).outsideWrites).toBe(0);
      expect(runLayer(c, makeLayer(4, 0, 7, 7), 0, true).outsideWrites).toBe(0);
    }
  });
});

describe("int8 builds", () => {
  it("pack to the same number of bytes: 96 + 8·round_up(K, 4) per 8 columns", () => {
    for (const { core } of cores) {
      expect(core.raw.int8_packed_bytes(784, 256)).toBe(32 * (96 + 8 * 784));
      expect(core.raw.int8_packed_bytes(5, 9)).toBe(2 * (96 + 8 * 8));
      expect(core.raw.int8_packed_bytes(0, 1)).toBe(96);
    }
  });

  it("the fused relaxed dot is refused exactly where the engine's baseline compiler gets it wrong", () => {
    const plain = cores.find((c) => c.name === "plain")!;
    expect(plain.fused).toBe(1);
    const relaxed = cores.find((c) => c.name === "relaxed");
    // V8 11.3 (Node 20) is the engine with the fault; its optimising compiler alone runs the fused form right.
    const faulty = process.versions.v8.startsWith("11.3.") && !process.execArgv.includes("--no-liftoff");
    if (relaxed) expect(relaxed.fused).toBe(faulty ? 0 : 1);
  });

  it.runIf(relaxedSimdSupported())("plain and relaxed write the same floats and codes (i16 and byte codes), with the fused dot and without", () => {
    const plain = cores.find((c) => c.name === "plain")!;
    const relaxed = cores.find((c) => c.name === "relaxed")!;
    expect(relaxed.core.raw.simd_build()).toBe(1);
    expect([plain.core.raw.int8_code_bytes(), relaxed.core.raw.int8_code_bytes()]).toEqual([2, 1]);
    for (const [M, N, K, act] of [[1, 256, 784, 1], [130, 128, 256, 4], [7, 10, 128, 3]]) {
      const l = makeLayer(M, N, K, 77 + M);
      for (const requant of [false, true]) {
        const read = (c: typeof plain) => Array.from(requant ? codesOf(runLayer(c, l, act, requant).out, c.core.raw.int8_code_bytes()) : runLayer(c, l, act, requant).out);
        const a = read(plain);
        expect(read(relaxed)).toEqual(a);
        expect(read({ ...relaxed, fused: 0 })).toEqual(a);
      }
    }
  });

  it("the checked build names a bad call: rows shorter than K", async () => {
    const core = await createCore({ debug: true, threads: 1 });
    const k = core.raw;
    const a = core.allocator.alloc(64);
    const packed = core.allocator.alloc(k.int8_packed_bytes(16, 8));
    const c = core.allocator.alloc(64);
    expect(() => k.gemm_int8_f32(2, 8, 16, a, 8, 0, packed, c, 8, 0, 0, 1)).toThrow(CoreError);
    expect(() => k.gemm_int8_f32(2, 8, 16, a, 8, 0, packed, c, 8, 0, 0, 1)).toThrow(/gemm_int8/);
  });
});

describe("quantize_rows_u7", () => {
  it("rounds ties to even, clamps to 0…127, maps NaN to code 0, and leaves row padding alone", () => {
    const special = [2.5, 3.5, -2.5, 0.49999997, 1e9, -1e9, Infinity, -Infinity, NaN, 0, -0];
    for (const { name, core } of cores) {
      // With a multiple of the special values' count as columns, every special value meets every lane position of the
      // 16- and 4-wide steps and the scalar tail.
      const n = special.length;
      for (const [cols, inv] of [[1, 1], [3, 0.75], [4, 1], [5, 0.75], [8, 1], [n, 1], [n, 0.75], [13, 1], [16, 1], [37, 0.75], [2 * n, 1], [4 * n, 0.75]]) {
        const rows = 3;
        const ldx = cols + 2;
        const ldq = cols + 3;
        const r = rng(cols);
        const x = Float32Array.from({ length: rows * ldx }, (_, i) =>
          (cols % n === 0 ? special[(i % ldx + Math.floor(i / ldx)) % n] : r() * 300 - 150));
        const zp = 41;
        const cb = core.raw.int8_code_bytes();
        const px = core.allocF32(x.length);
        const pq = core.allocator.alloc(rows * ldq * cb);
        const flag = core.allocator.alloc(4);
        try {
          core.f32(px, x.length).set(x);
          core.u8(pq, rows * ldq * cb).fill(SENTINEL_BYTE);
          core.i32(flag, 1)[0] = 0;
          core.raw.quantize_rows_u7(px, ldx, rows, cols, inv, zp, pq, ldq * cb, flag);
          const q = core.u8(pq, rows * ldq * cb).slice();
          const read = Array.from({ length: rows * cols }, (_, i) => x[Math.floor(i / cols) * ldx + i % cols]);
          expect([name, cols, core.i32(flag, 1)[0]]).toEqual([name, cols, read.every(Number.isFinite) ? 0 : 1]);
          const sentinel = cb === 1 ? SENTINEL_BYTE : SENTINEL_BYTE * 0x101;
          const want = stored(Array.from({ length: rows * ldq }, (_, i) => {
            const [row, col] = [Math.floor(i / ldq), i % ldq];
            // The input's NaN takes code 0 (the requantisation's takes the zero point).
            return col < cols ? referenceCode(x[row * ldx + col], inv, zp, 0) : sentinel;
          }), cb);
          expect([name, cols, firstDifference(q, want, cb)]).toEqual([name, cols, ""]);
        } finally {
          core.free(px);
          core.free(pq);
          core.free(flag);
        }
      }
    }
  });

  it("notes one non-finite value, or one product that overflows, wherever it lies, and otherwise leaves the word as it was", () => {
    for (const { name, core } of cores) {
      const [rows, cols] = [3, 37];
      const px = core.allocF32(rows * cols);
      const pq = core.allocator.alloc(rows * cols * 2);
      const flag = core.allocator.alloc(4);
      try {
        const r = rng(5);
        const x = Float32Array.from({ length: rows * cols }, () => r() * 300 - 150);
        const noted = (inv: number, at: number, value: number, before = 0) => {
          const y = x.slice();
          if (at >= 0) y[at] = value;
          core.f32(px, y.length).set(y);
          core.i32(flag, 1)[0] = before;
          core.raw.quantize_rows_u7(px, cols, rows, cols, inv, 41, pq, cols * 2, flag);
          return core.i32(flag, 1)[0];
        };
        expect([name, noted(0.75, -1, 0)]).toEqual([name, 0]);
        expect([name, noted(0.75, -1, 0, 7)]).toEqual([name, 7]);
        // Columns 0–31 go by the 16-wide step, 32–35 by the 4-wide one, 36 by the scalar tail; every row.
        for (const at of [0, 17, 31, 33, 36, cols + 5, 2 * cols + 36]) {
          for (const value of [NaN, Infinity, -Infinity]) expect([name, at, value, noted(0.75, at, value)]).toEqual([name, at, value, 1]);
          expect([name, at, "overflow", noted(4, at, 3e38)]).toEqual([name, at, "overflow", 1]);
        }
      } finally {
        for (const p of [px, pq, flag]) core.free(p);
      }
    }
  });

  it("split by rows across two threads, as a batch's input is, gives the same codes", async () => {
    const core = await createCore({ threads: 2 });
    const cb = core.raw.int8_code_bytes();
    const [rows, cols, ldq] = [300, 785, 800 * cb];
    const r = rng(3);
    const x = Float32Array.from({ length: rows * cols }, () => r() * 300 - 150);
    const px = core.allocF32(x.length);
    const pq = [core.allocator.alloc(rows * ldq), core.allocator.alloc(rows * ldq)];
    const flag = core.allocator.alloc(4);
    try {
      core.f32(px, x.length).set(x);
      core.raw.quantize_rows_u7(px, cols, rows, cols, 0.75, 41, pq[0], ldq, 0);
      const tasks = core.stats().poolTasks;
      core.kernels.quantize_rows_u7(px, cols, rows, cols, 0.75, 41, pq[1], ldq, 0);
      if (core.shared) expect(core.stats().poolTasks).toBeGreaterThan(tasks);
      const [one, two] = pq.map((p) => codesOf(core.u8(p, rows * ldq).filter((_, i) => i % ldq < cols * cb), cb));
      expect(Array.from(two)).toEqual(Array.from(one));
      expect(one[0]).toBe(referenceCode(x[0], 0.75, 41));
      // A NaN in the last row, the second thread's share, reaches the caller's word.
      core.f32(px + 4 * (rows * cols - 1), 1)[0] = NaN;
      core.i32(flag, 1)[0] = 0;
      core.kernels.quantize_rows_u7(px, cols, rows, cols, 0.75, 41, pq[1], ldq, flag);
      expect(core.i32(flag, 1)[0]).toBe(1);
    } finally {
      core.free(px);
      for (const p of [...pq, flag]) core.free(p);
      await core.stopPool();
    }
  });
});
