// Writes the small Fashion-MNIST test fixture in test/fixtures/fashion-mnist/.
//
// Source: Debian's `dataset-fashion-mnist` package (apt-get install -y dataset-fashion-mnist),
// which installs the original gzip IDX files under /usr/share/datasets/fashion-mnist/.
//
// Subset: the first 6,000 training and the first 1,000 test items, in file order. Those
// prefixes are close to balanced (train 560–643 per class, test 87–115 per class), so no
// stratified resampling is needed; the script checks this and stops if a source ever
// gives a prefix with a class more than 25% away from an even share.
//
// Output is byte-for-byte reproducible for a given Node/zlib: gzip level 9, header mtime 0.
//
// Usage: node scripts/make-fixture.mjs [source-dir]
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { join, dirname } from "node:path";

const SOURCE = process.argv[2] ?? "/usr/share/datasets/fashion-mnist";
const OUT = join(dirname(fileURLToPath(import.meta.url)), "..", "test", "fixtures", "fashion-mnist");
const SPLITS = [
  { prefix: "train", count: 6000 },
  { prefix: "t10k", count: 1000 },
];
const CLASSES = 10;
const MAX_IMBALANCE = 0.25;

/** Reads a gzip IDX file and checks the header fields this script relies on. */
async function readIdx(name, magic) {
  const bytes = gunzipSync(await readFile(join(SOURCE, name)));
  const got = bytes.readUInt32BE(0);
  if (got !== magic) throw new Error(`${name}: magic 0x${got.toString(16)}, expected 0x${magic.toString(16)}`);
  return bytes;
}

/** Keeps the header with the item count replaced by `count`, and the first `count` items. */
function prefix(bytes, headerBytes, itemBytes, count) {
  if (bytes.readUInt32BE(4) < count) throw new Error(`source has only ${bytes.readUInt32BE(4)} items, need ${count}`);
  const out = Buffer.from(bytes.subarray(0, headerBytes + count * itemBytes));
  out.writeUInt32BE(count, 4);
  return out;
}

await mkdir(OUT, { recursive: true });
for (const { prefix: p, count } of SPLITS) {
  const images = await readIdx(`${p}-images-idx3-ubyte.gz`, 0x00000803);
  const labels = await readIdx(`${p}-labels-idx1-ubyte.gz`, 0x00000801);
  const rows = images.readUInt32BE(8);
  const cols = images.readUInt32BE(12);
  const outImages = prefix(images, 16, rows * cols, count);
  const outLabels = prefix(labels, 8, 1, count);

  const perClass = new Array(CLASSES).fill(0);
  for (const y of outLabels.subarray(8)) perClass[y]++;
  const even = count / CLASSES;
  const worst = Math.max(...perClass.map((c) => Math.abs(c - even) / even));
  if (worst > MAX_IMBALANCE) {
    throw new Error(`${p}: first ${count} items are unbalanced (${perClass.join(", ")}); use a stratified subset`);
  }

  for (const [name, raw] of [
    [`${p}-images-idx3-ubyte.gz`, outImages],
    [`${p}-labels-idx1-ubyte.gz`, outLabels],
  ]) {
    const gz = gzipSync(raw, { level: 9 });
    await writeFile(join(OUT, name), gz);
    const sha = createHash("sha256").update(raw).digest("hex");
    console.log(`${name}: ${count} items, ${gz.length} bytes gzip, sha256(uncompressed) ${sha}`);
  }
  console.log(`${p} class counts: ${perClass.join(" ")}`);
}
