// IDX parsing against hand-written big-endian bytes, every error path, and the committed
// Fashion-MNIST fixture.
import { describe, expect, it } from "vitest";
import { gzipSync } from "node:zlib";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseIdx } from "../src/data/idx.js";
import { FASHION_MNIST_CLASSES, fashionMnistFromIdx } from "../src/data/fashion-mnist.js";
import { loadFashionMnist, readFileBytes } from "../src/node/files.js";
import { InputError } from "../src/errors.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/fashion-mnist/", import.meta.url));

/** An IDX file from its type code, shape and already big-endian payload bytes. */
function idx(type: number, shape: number[], payload: number[] | Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + payload.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, type, shape.length]);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(payload, 4 + 4 * shape.length);
  return out;
}

/** Expects parseIdx to reject with an InputError whose message matches every pattern. */
async function rejects(bytes: Uint8Array, ...patterns: RegExp[]): Promise<void> {
  const err = await parseIdx(bytes).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  for (const p of patterns) expect((err as Error).message).toMatch(p);
}

describe("parseIdx", () => {
  it("reads uint8 3-D data as a byte view", async () => {
    const payload = Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 11) & 0xff);
    const a = await parseIdx(idx(0x08, [2, 3, 4], payload));
    expect(a.dtype).toBe("uint8");
    expect(a.shape).toEqual([2, 3, 4]);
    expect(a.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(a.data)).toEqual(payload);
  });

  it("reads int32 1-D big-endian, including negatives", async () => {
    // 1, -2, 0x01020304, -2^31
    const a = await parseIdx(
      idx(0x0c, [4], [0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe, 1, 2, 3, 4, 0x80, 0, 0, 0]),
    );
    expect(a.dtype).toBe("int32");
    expect(a.shape).toEqual([4]);
    expect(a.data).toBeInstanceOf(Int32Array);
    expect(Array.from(a.data)).toEqual([1, -2, 0x01020304, -(2 ** 31)]);
  });

  it("reads float32 big-endian (bytes written by hand, not by the code under test)", async () => {
    // 1.5 = 3f c0 00 00, -2 = c0 00 00 00, 0.1f = 3d cc cc cd
    const a = await parseIdx(idx(0x0d, [1, 3], [0x3f, 0xc0, 0, 0, 0xc0, 0, 0, 0, 0x3d, 0xcc, 0xcc, 0xcd]));
    expect(a.dtype).toBe("float32");
    expect(a.shape).toEqual([1, 3]);
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(Array.from(a.data)).toEqual([1.5, -2, Math.fround(0.1)]);
  });

  it("reads int8, int16 and float64", async () => {
    const i8 = await parseIdx(idx(0x09, [3], [0x7f, 0x80, 0xff]));
    expect(i8.dtype).toBe("int8");
    expect(Array.from(i8.data)).toEqual([127, -128, -1]);
    const i16 = await parseIdx(idx(0x0b, [2], [0x01, 0x02, 0xff, 0xfe]));
    expect(i16.dtype).toBe("int16");
    expect(Array.from(i16.data)).toEqual([0x0102, -2]);
    // -0.5 = bf e0 00 00 00 00 00 00
    const f64 = await parseIdx(idx(0x0e, [1], [0xbf, 0xe0, 0, 0, 0, 0, 0, 0]));
    expect(f64.dtype).toBe("float64");
    expect(Array.from(f64.data)).toEqual([-0.5]);
  });

  it("accepts a zero-length dimension as an empty array", async () => {
    const a = await parseIdx(idx(0x08, [0, 28, 28], []));
    expect(a.shape).toEqual([0, 28, 28]);
    expect(a.data.length).toBe(0);
  });

  it("reads from a subarray that does not start at offset 0 of its buffer", async () => {
    const file = idx(0x0c, [2], [0, 0, 0, 7, 0xff, 0xff, 0xff, 0xf9]);
    const padded = new Uint8Array(file.length + 3);
    padded.set(file, 3);
    const a = await parseIdx(padded.subarray(3));
    expect(Array.from(a.data)).toEqual([7, -7]);
  });

  it("decompresses gzip input and gives the same result", async () => {
    const raw = idx(0x0c, [2, 2], [0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff, 0, 0, 1, 0]);
    const gz = new Uint8Array(gzipSync(raw));
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    const a = await parseIdx(gz);
    expect(a.dtype).toBe("int32");
    expect(a.shape).toEqual([2, 2]);
    expect(Array.from(a.data)).toEqual([1, 2, -1, 256]);
  });

  it("decompresses gzip input larger than one stream chunk", async () => {
    const payload = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) % 251);
    const a = await parseIdx(new Uint8Array(gzipSync(idx(0x08, [300, 1000], payload))));
    expect(a.shape).toEqual([300, 1000]);
    expect(a.data).toEqual(payload);
  });

  it("rejects empty input", async () => {
    await rejects(new Uint8Array(0), /empty/);
  });

  it("rejects a bad magic number", async () => {
    await rejects(Uint8Array.of(0x00, 0x01, 0x08, 0x01, 0, 0, 0, 0), /magic/, /0x00 0x01/);
    await rejects(new TextEncoder().encode("P5\n28 28\n255\n"), /magic/, /0x50 0x35/);
  });

  it("rejects an unknown type code", async () => {
    await rejects(idx(0x0a, [1], [0]), /unknown type code 0x0a/, /byte 2/);
  });

  it("rejects zero dimensions", async () => {
    await rejects(Uint8Array.of(0, 0, 0x08, 0), /dimension count/, /is 0/);
  });

  it("rejects a header cut short", async () => {
    await rejects(Uint8Array.of(0, 0), /truncated header/);
    await rejects(Uint8Array.of(0, 0, 0x08, 3, 0, 0, 0, 2), /truncated header/, /3 dimensions need 16/);
  });

  it("rejects truncated data, naming shape and sizes", async () => {
    const full = idx(0x0d, [2, 3], new Uint8Array(24));
    await rejects(full.subarray(0, full.length - 1), /truncated/, /\[2, 3\]/, /float32/, /needs 24/, /got 23/);
  });

  it("rejects trailing bytes", async () => {
    const file = idx(0x08, [4], [1, 2, 3, 4, 5, 6]);
    await rejects(file, /2 trailing bytes/, /needs 4/);
  });

  it("rejects a size that overflows a double without misreporting it", async () => {
    await rejects(idx(0x0e, [0xffffffff, 0xffffffff, 0xffffffff], []), /truncated/, /needs 633825299671392843082401579000 /);
  });

  it("rejects corrupt or truncated gzip as InputError", async () => {
    const gz = new Uint8Array(gzipSync(idx(0x08, [1000], new Uint8Array(1000).fill(9))));
    await rejects(gz.subarray(0, gz.length - 6), /gzip/);
  });

  it("rejects a non-Uint8Array argument", async () => {
    await expect(parseIdx([0, 0, 8, 1] as unknown as Uint8Array)).rejects.toThrow(InputError);
    await expect(parseIdx(new ArrayBuffer(8) as unknown as Uint8Array)).rejects.toThrow(/ArrayBuffer/);
  });
});

describe("fashionMnistFromIdx", () => {
  const images = (n: number) => idx(0x08, [n, 28, 28], new Uint8Array(n * 784).fill(3));

  it("builds a split with Int32 labels", async () => {
    const s = await fashionMnistFromIdx(images(3), idx(0x08, [3], [9, 0, 4]));
    expect(s.rows).toBe(3);
    expect(s.cols).toBe(784);
    expect(s.x.length).toBe(3 * 784);
    expect(s.labels).toEqual(Int32Array.of(9, 0, 4));
    expect(FASHION_MNIST_CLASSES[s.labels[0]]).toBe("Ankle boot");
  });

  it("rejects mismatched counts, bad labels, wrong shapes, naming the input", async () => {
    await expect(fashionMnistFromIdx(images(3), idx(0x08, [2], [1, 2]))).rejects.toThrow(/3 images but .* 2 labels/);
    await expect(fashionMnistFromIdx(images(2), idx(0x08, [2], [1, 10]))).rejects.toThrow(/label 10 at index 1/);
    await expect(fashionMnistFromIdx(idx(0x08, [1, 28, 27], new Uint8Array(756)), idx(0x08, [1], [0]))).rejects.toThrow(
      /images: expected uint8 of shape \[n, 28, 28\], got uint8 \[1, 28, 27\]/,
    );
    await expect(fashionMnistFromIdx(images(1), idx(0x0c, [1], [0, 0, 0, 1]))).rejects.toThrow(/labels: expected uint8/);
    const err = await fashionMnistFromIdx(images(1), Uint8Array.of(0, 0, 8), { labels: "y.idx" }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/^y\.idx: IDX: truncated header/);
  });
});

describe("Node file helpers", () => {
  it("loads the committed fixture: 6,000 / 1,000 items of 28×28, all 10 classes", async () => {
    const { train, test } = await loadFashionMnist(FIXTURE);
    expect(train.rows).toBe(6000);
    expect(test.rows).toBe(1000);
    expect(train.x.length).toBe(6000 * 28 * 28);
    expect(test.x.length).toBe(1000 * 28 * 28);
    for (const [split, expected] of [
      [train, [560, 643, 608, 612, 584, 594, 590, 617, 590, 602]],
      [test, [107, 105, 111, 93, 115, 87, 97, 95, 95, 95]],
    ] as const) {
      const counts = new Array(10).fill(0);
      for (const y of split.labels) {
        expect(y >= 0 && y <= 9).toBe(true);
        counts[y]++;
      }
      expect(counts).toEqual(expected);
      expect(counts.every((c) => c > 0)).toBe(true);
    }
    // Fashion-MNIST's first train and test items are both ankle boots; images are not blank.
    expect(train.labels[0]).toBe(9);
    expect(test.labels[0]).toBe(9);
    expect(Math.max(...train.x.subarray(0, 784))).toBeGreaterThan(200);
  });

  it("loads uncompressed files and names a missing one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wasmlp-idx-"));
    try {
      const img = idx(0x08, [2, 28, 28], new Uint8Array(2 * 784).fill(1));
      await writeFile(join(dir, "train-images-idx3-ubyte"), img);
      await writeFile(join(dir, "train-labels-idx1-ubyte"), idx(0x08, [2], [3, 5]));
      await writeFile(join(dir, "t10k-images-idx3-ubyte.gz"), gzipSync(img));
      await expect(loadFashionMnist(dir)).rejects.toThrow(/missing .*t10k-labels-idx1-ubyte\.gz nor t10k-labels-idx1-ubyte/);
      await writeFile(join(dir, "t10k-labels-idx1-ubyte"), idx(0x08, [2], [7, 1]));
      const { train, test } = await loadFashionMnist(dir);
      expect(train.labels).toEqual(Int32Array.of(3, 5));
      expect(test.labels).toEqual(Int32Array.of(7, 1));
      // A corrupt file is reported with its path.
      await writeFile(join(dir, "train-labels-idx1-ubyte"), idx(0x08, [2], [3, 5, 0]));
      await expect(loadFashionMnist(dir)).rejects.toThrow(/train-labels-idx1-ubyte: IDX: 1 trailing bytes/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("readFileBytes returns a plain Uint8Array and names a missing path", async () => {
    const bytes = await readFileBytes(join(FIXTURE, "t10k-labels-idx1-ubyte.gz"));
    expect(bytes.constructor).toBe(Uint8Array);
    await expect(readFileBytes(join(FIXTURE, "nope.gz"))).rejects.toThrow(/file not found: .*nope\.gz/);
  });
});

describe("platform neutrality", () => {
  it("src/data/ imports nothing from node:", async () => {
    const dir = fileURLToPath(new URL("../src/data/", import.meta.url));
    const files = (await readdir(dir)).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const src = await readFile(join(dir, f), "utf8");
      expect(src, f).not.toMatch(/from\s+["']node:|require\(|\bBuffer\b|\bprocess\./);
    }
  });
});
