// Streaming CSV and NDJSON readers against parseCsv: a tricky file split at every byte (and byte by byte)
// reads exactly as parseCsv reads it whole, through the read-ahead sample and through the fast path; random
// chunkings of a generated file; bytes parsed to float32 exactly as Math.fround(Number(text)); every error
// with its line and column, after the batches before it were delivered; abort; every kind of source; and
// constant memory in a child process whose heap is far smaller than the file it reads.
import { execFile } from "node:child_process";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, InputError, StateError } from "../src/errors.js";
import { AbortError } from "../src/train/errors.js";
import { csvPreprocessing, parseCsv, type CsvDataset, type CsvOptions } from "../src/data/csv.js";
import { byteChunks, readCsvStream, readNdjsonStream, type CsvStream, type RowBatch, type StreamSource } from "../src/index.js";
import { parseDecimal } from "../src/data/stream/decimal.js";
import { rng, scratchDir } from "./helpers.js";

const encode = (s: string) => new TextEncoder().encode(s);

interface Read {
  x: number[];
  labels: number[];
  targets: number[];
  lines: number[];
  batches: RowBatch[];
  stream: CsvStream;
}

/** Every batch of a stream, and its rows concatenated. */
async function readAll(stream: CsvStream): Promise<Read> {
  const out: Read = { x: [], labels: [], targets: [], lines: [], batches: [], stream };
  for await (const b of stream) {
    out.batches.push(b);
    out.x.push(...b.x);
    if (b.labels) out.labels.push(...b.labels);
    if (b.targets) out.targets.push(...b.targets);
    out.lines.push(...b.lines);
    expect(b.x.length).toBe(b.rows * b.cols);
  }
  return out;
}

/** The stream's rows, columns, target and task are parseCsv's, value for value (-0 and 0 told apart). */
function expectSame(got: Read, want: CsvDataset, what = ""): void {
  expect(got.stream.columns, what).toEqual(want.columns);
  expect(got.stream.target, what).toEqual(want.target);
  expect(got.stream.task, what).toBe(want.task);
  expect(got.stream.cols, what).toBe(want.cols);
  expect(new Float32Array(got.x), what).toEqual(want.x);
  expect(got.labels, what).toEqual([...(want.labels ?? [])]);
  expect(got.targets, what).toEqual([...(want.targets ?? [])]);
  expect(got.lines, what).toEqual([...want.lines]);
}

/** Bytes cut at the given positions. */
function cut(bytes: Uint8Array, at: number[]): Uint8Array[] {
  const edges = [0, ...at, bytes.length];
  return edges.slice(1).map((e, i) => bytes.slice(edges[i], e));
}

// Quotes, escaped quotes, CRLF and LF, a byte-order mark, a missing cell, a blank line, a line break and a
// delimiter inside quotes, spaces after a closing quote, multi-byte characters, a quoted number, and a last
// line without a line break.
const TRICKY = [
  '\ufeffsize,"we""ird",city,label\r\n',
  '1.5,"a ""q"" b",Zürich,x\r\n',
  ' 7 ,c,東京, y \r\n',
  '2,,"Berlin, Mitte",y\n',
  "\n",
  '-3e2,"two\nlines"  ,東京,x\r\n',
  '"4.25", c ,Zürich,y\n',
  '1e-3,"😀",Zürich,x',
].join("");
const TRICKY_OPTIONS: CsvOptions = { categorical: ['we"ird', "city"], missing: "drop" };

describe("readCsvStream reads as parseCsv", () => {
  const bytes = encode(TRICKY);
  const want = parseCsv(TRICKY, TRICKY_OPTIONS);
  const schema = csvPreprocessing(want, "none");

  it("a tricky file split into two chunks at every byte, through the sample and through the fast path", async () => {
    expect(want.rows).toBe(5); // the row with a missing cell is dropped
    for (let k = 0; k <= bytes.length; k++) {
      const chunks = cut(bytes, [k]);
      expectSame(await readAll(readCsvStream(chunks, { ...TRICKY_OPTIONS, batchRows: 2 })), want, `sample, split at ${k}`);
      // With the model's schema the sample is one row and every later row goes through the fast path.
      expectSame(await readAll(readCsvStream(chunks, { missing: "drop", schema, sampleRows: 1, batchRows: 2 })), want, `fast path, split at ${k}`);
    }
  });

  it("a tab-separated file with quoted fields: the tab after a closing quote delimits, in parseCsv and in both stream paths", async () => {
    const tsv = 'a\tb\tcolour\tlabel\n"1.5"\t2\t"red"\tx\n3\t"4"\t"dark blue" \ty\n"5"\t6\tred\tx\n';
    const whole = parseCsv(tsv);
    expect([whole.rows, whole.cols, Array.from(whole.x.subarray(0, 2))]).toEqual([3, 4, [1.5, 2]]);
    const tab = encode(tsv);
    for (let k = 0; k <= tab.length; k++) {
      expectSame(await readAll(readCsvStream(cut(tab, [k]), { batchRows: 2 })), whole, `sample, split at ${k}`);
      expectSame(await readAll(readCsvStream(cut(tab, [k]), { schema: csvPreprocessing(whole, "none"), sampleRows: 1 })), whole, `fast path, split at ${k}`);
    }
  });

  it("a tricky file one byte at a time", async () => {
    const chunks = cut(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1));
    expectSame(await readAll(readCsvStream(chunks, TRICKY_OPTIONS)), want);
    expectSame(await readAll(readCsvStream(chunks, { missing: "drop", schema, sampleRows: 1, batchRows: 3 })), want);
  });

  it("a generated file in random chunks, with numbers of every form, categories and classes decided from the first rows", async () => {
    const text = generated(3000, 7);
    const data = encode(text);
    const whole = parseCsv(text);
    const random = rng(11);
    for (let trial = 0; trial < 12; trial++) {
      const max = [13, 100, 1000, 20_000][trial % 4];
      const at: number[] = [];
      for (let p = Math.ceil(random() * max); p < data.length; p += Math.ceil(random() * max)) at.push(p);
      const got = await readAll(readCsvStream(cut(data, at), { sampleRows: 200, batchRows: 1 + Math.floor(random() * 700) }));
      expectSame(got, whole, `trial ${trial}`);
      expect(got.batches.slice(0, -1).every((b) => b.rows === got.batches[0].rows)).toBe(true);
      expect(got.batches.at(-1)!.bytesRead).toBe(data.length);
    }
  }, 30_000);

  it("random files of awkward spellings, cut at random, read as parseCsv reads them through the fast path", async () => {
    const random = rng(21);
    const pick = <T,>(a: T[]) => a[Math.floor(random() * a.length)];
    const numbers = ["1", " 2.5 ", '"3"', '" -4e-2 "', "-0", "+.5", "7.", "\t8\t", '"9" ', "1e39", "123456789.123456789", "NA", "", '"10"\t', "0.1"];
    const texts = ["a", " b ", '"c"', '"a""b"', '"x\ny"', '"Zürich"', "東京", '"😀"', "?", '"d,e"', "a"];
    const labels = ["yes", "no", '"yes"', " no"];
    let compared = 0;
    for (let file = 0; file < 60; file++) {
      const lines = [`${random() < 0.3 ? "\ufeff" : ""}n1,n2,t,label`];
      for (let r = 0; r < 40; r++) {
        if (random() < 0.05) lines.push(random() < 0.5 ? "" : "  ");
        lines.push([pick(numbers), pick(numbers), pick(texts), pick(labels)].join(","));
      }
      const end = () => (random() < 0.3 ? "\r\n" : "\n");
      const text = lines.map((l, i) => (i < lines.length - 1 ? l + end() : l + (random() < 0.5 ? end() : ""))).join("");
      let want: CsvDataset;
      try {
        want = parseCsv(text, { missing: "drop" });
      } catch {
        continue; // a file every row of which misses a value, or of one class
      }
      const data = encode(text);
      const at = Array.from({ length: 1 + Math.floor(random() * 6) }, () => Math.floor(random() * data.length)).sort((a, b) => a - b);
      const options = { missing: "drop" as const, schema: csvPreprocessing(want, "none"), sampleRows: 1, batchRows: 1 + Math.floor(random() * 9) };
      expectSame(await readAll(readCsvStream(cut(data, at), options)), want, `file ${file}: ${JSON.stringify(text)}`);
      compared++;
    }
    expect(compared).toBeGreaterThan(40);
  });

  it("regression targets, a decimal comma in a ;-file, dates and a left-out identifier, as parseCsv reads them", async () => {
    const random = rng(3);
    const rows = Array.from({ length: 400 }, (_, i) =>
      `id${i};${(random() * 100).toFixed(2).replace(".", ",")};2024-0${1 + (i % 9)}-1${i % 10};${i % 3 === 0 ? "red" : "blue"};${(random() * 1000).toFixed(3).replace(".", ",")}`);
    const text = `name;income;day;colour;price\n${rows.join("\n")}\n`;
    const want = parseCsv(text, { task: "regression" });
    expect(want.notices.length).toBeGreaterThan(1); // the delimiter, the decimal comma, the dates, the identifier
    const stream = readCsvStream(cut(encode(text), [100, 4000, 4001]), { task: "regression", sampleRows: 400, batchRows: 64 });
    const schema = await stream.schema();
    expect([schema.delimiter, schema.notices, schema.plan]).toEqual([want.delimiter, want.notices, want.plan]);
    expectSame(await readAll(stream), want);
    // The same rows through the fast path, decided by a schema.
    const fast = readCsvStream([text], { schema: csvPreprocessing(want, "none"), requireTarget: true, sampleRows: 1, batchRows: 64 });
    expectSame(await readAll(fast), want);
  });

  it("delimiters: detected (; and tab) or given, one byte or several (§), as parseCsv reads them", async () => {
    const random = rng(9);
    const table = (d: string) => `a${d}b${d}city${d}y\n${Array.from({ length: 120 }, (_, i) =>
      [(random() * 10).toFixed(3), String(i % 7), i % 4 ? "Köln" : d === "\t" ? "Berlin" : '"Berlin, Mitte; Ost"', i % 2 ? "ja" : "nein"].join(d)).join("\n")}\n`;
    for (const [d, given] of [[";", false], ["\t", false], ["|", true], ["§", true]] as const) {
      const text = table(d);
      const options = given ? { delimiter: d } : {};
      const want = parseCsv(text, options);
      expect(want.delimiter).toBe(d);
      const data = encode(text);
      for (const at of [[1], [2, 3], [517, 518, 519], [data.length - 1]]) {
        const got = await readAll(readCsvStream(cut(data, at), { ...options, sampleRows: 60, batchRows: 50 }));
        expectSame(got, want, `${JSON.stringify(d)} cut at ${at}`);
        expect((await got.stream.schema()).delimiter).toBe(d);
      }
    }
  });

  it("decides the columns from the first sampleRows rows as parseCsv decides on those rows", async () => {
    const text = generated(500, 2);
    const lines = text.split("\n");
    const head = parseCsv(lines.slice(0, 51).join("\n"));
    const stream = readCsvStream([text], { sampleRows: 50 });
    await stream.ready;
    expect([stream.columns, stream.target, stream.task, stream.cols]).toEqual([head.columns, head.target, head.task, head.cols]);
    expect((await readAll(stream)).lines.length).toBe(500);
  });
});

/** A CSV of `rows` rows: numbers in many spellings, a quoted number, a category and a class label (all seen in the first 20 rows). */
function generated(rows: number, seed: number): string {
  const random = rng(seed);
  const number = (i: number): string => {
    const v = (random() - 0.5) * 10 ** Math.floor(random() * 12 - 6);
    switch (i % 8) {
      case 0: return v.toFixed(4);
      case 1: return String(v);
      case 2: return v.toExponential(Math.floor(random() * 20));
      case 3: return ` ${Math.round(v * 1000)} `;
      case 4: return `"${v.toPrecision(7)}"`;
      case 5: return (v * 1e20).toPrecision(21);
      case 6: return `+${Math.abs(v).toFixed(2)}`;
      default: return String(Math.fround(v));
    }
  };
  const colours = ["red", "green", "blue", "Grün", "rot, dunkel"];
  const out = ["a,b,c,colour,d,class"];
  for (let r = 0; r < rows; r++) {
    const colour = colours[r < 20 ? r % colours.length : Math.floor(random() * colours.length)];
    out.push([number(r), number(r + 1), number(r + 3), colour.includes(",") ? `"${colour}"` : colour, number(r + 5), ["cat", "dog", "emu"][r % 3]].join(r % 11 === 0 ? "\t," : ","));
  }
  return `${out.join(r0(seed))}${seed % 2 ? "\n" : ""}`;
}

const r0 = (seed: number) => (seed % 3 === 0 ? "\r\n" : "\n");

describe("numbers from bytes", () => {
  const read = (s: string, mark = 46): number => {
    const bytes = encode(s);
    const out = new Float32Array(3).fill(7);
    const end = parseDecimal(bytes, 0, bytes.length, -1, mark, out, 1);
    expect([out[0], out[2]]).toEqual([7, 7]); // only its own slot is written
    return end === bytes.length ? out[1] : NaN;
  };

  it("equal Math.fround(Number(text)) for short, long, tiny, huge and halfway numbers", () => {
    const random = rng(5);
    const cases = [
      "0", "-0", "+0.0", "000123.4500", ".5", "5.", "-.25e-3", "1e0", "1E+2", "3.4028235e38", "3.4028236e38", "3.40282357e38", "1e39", "-1e39",
      "1.4e-45", "7e-46", "7.1e-46", "1e-46", "1.17549435e-38", "123456789012345678901234567890", "0.000000000000000000000000000000123",
      "16777217", "16777216.5", "33554435", "0.1", "0.30000000000000004", "9007199254740993", "1e-400", "1e400", "4.9e-324", "2.5e-324",
    ];
    for (let i = 0; i < 30_000; i++) {
      const kind = i % 6;
      const v = random() * 2 ** (random() * 260 - 130) * (random() < 0.5 ? -1 : 1);
      if (kind === 0) cases.push(String(v));
      else if (kind === 1) cases.push(v.toPrecision(1 + Math.floor(random() * 21)));
      else if (kind === 2) cases.push(v.toExponential(Math.floor(random() * 25)));
      else if (kind === 3) cases.push(v.toFixed(Math.floor(random() * 12)));
      else {
        // Halfway between two neighbouring float32s, written to 9 to 25 digits.
        const f = new Float32Array([v]);
        const bits = new Uint32Array(f.buffer);
        const a = f[0];
        bits[0] += 1;
        cases.push(((a + f[0]) / 2).toPrecision(9 + Math.floor(random() * 17)));
      }
    }
    let wrong = 0;
    const shown: string[] = [];
    for (const s of cases) {
      const want = Math.fround(Number(s));
      if (!Object.is(read(s), want)) {
        wrong++;
        if (shown.length < 5) shown.push(`${s}: ${read(s)} instead of ${want}`);
      }
    }
    expect(shown).toEqual([]);
    expect(wrong).toBe(0);
  });

  it("read with a decimal comma, and refuse what is not a number", () => {
    expect(read("-1,5", 44)).toBe(-1.5);
    expect(read("2,5e3", 44)).toBe(2500);
    for (const s of ["", "-", ".", "e5", "1e", "1e+", "--1", "+-1", "1.5", "0x10", "Infinity", "NaN"]) {
      expect(read(s, s === "1.5" ? 44 : 46), s).toBeNaN();
    }
    expect(read(" 12 ")).toBe(12);
    // Spaces and tabs around a number are skipped, unless they are the delimiter, where the number ends.
    const bytes = encode("\t-12.5\t3");
    const out = new Float32Array(1);
    expect([parseDecimal(bytes, 0, bytes.length, 9, 46, out, 0), out[0]]).toEqual([-1, 0]);
    expect([parseDecimal(bytes, 1, bytes.length, 9, 46, out, 0), out[0]]).toEqual([6, -12.5]);
    expect([parseDecimal(bytes, 1, bytes.length, 32, 46, out, 0), out[0]]).toEqual([7, -12.5]);
  });
});

describe("readCsvStream errors", () => {
  const header = "a,b,colour,label\n";
  const row = (i: number) => `${i},${i / 2},${["red", "blue"][i % 2]},${["yes", "no"][i % 2]}\n`;
  const rows = (n: number) => Array.from({ length: n }, (_, i) => row(i)).join("");

  /** Reads until the error; resolves with the rows delivered before it and the error. */
  async function failing(text: string, options = {}): Promise<{ rows: number; error: unknown }> {
    let delivered = 0;
    try {
      for await (const b of readCsvStream(cut(encode(text), [37, 500]), { name: "data.csv", sampleRows: 10, batchRows: 16, ...options })) delivered += b.rows;
    } catch (error) {
      return { rows: delivered, error };
    }
    throw new Error("the stream did not fail");
  }

  it.each([
    ["a row with a field too many", `${header}${rows(60)}1,2,red,yes,9\n${rows(3)}`, /^data\.csv:62: row has 5 fields but the header has 4$/],
    ["a row with a field too few", `${header}${rows(60)}1,2,red\n`, /^data\.csv:62: row has 3 fields but the header has 4$/],
    ["text in a number column", `${header}${rows(60)}1,x1,red,yes\n`,
      /^data\.csv:62: column 2 \("b"\): "x1" is not a number \(the first 10 rows decided how it is read; pass sampleRows: '10000' to decide from more rows, or name it in categorical: 'b'\)$/],
    ["a category first seen after the sample", `${header}${rows(60)}1,2,green,yes\n`,
      /^data\.csv:62: column 3 \("colour"\): category "green" is not one of \["blue", "red"\] \(the first 10 rows decided its categories; pass sampleRows: '10000'/],
    ["a class first seen after the sample", `${header}${rows(60)}1,2,red,maybe\n`,
      /^data\.csv:62: column 4 \("label"\): label "maybe" is not one of the model's classes \["no", "yes"\] \(the first 10 rows decided the classes/],
    ["a missing value", `${header}${rows(60)}1,NA,red,yes\n`, /^data\.csv:62: column 2 \("b"\): missing value "NA" \(pass missing: 'drop' to skip such rows\)$/],
    ["a quote never closed at the end of the input", `${header}${rows(60)}1,2,"red,yes\n${rows(3)}`, /^data\.csv:62: a quoted field is never closed$/],
    ["a character after a closing quote", `${header}${rows(60)}1,2,"red"x,yes\n`, /^data\.csv:62: unexpected "x" after a closing quote$/],
  ])("%s: an InputError naming the line and column, after the batches before it", async (_, text, message) => {
    const { rows: delivered, error } = await failing(text);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
    expect(delivered).toBe(48); // three whole batches of 16 rows before the batch holding line 62
  });

  it("a record longer than 16 MiB (a quote never closed) is refused while reading, not held", async () => {
    const piece = encode("x".repeat(1 << 20));
    const source = (function* () {
      yield "a,b\n1,2\n3,4\n5,\"";
      for (let i = 0; i < 20; i++) yield piece;
    })();
    await expect(readAll(readCsvStream(source, { sampleRows: 1, label: null }))).rejects.toThrow(/^CSV:4: a record longer than 16 MiB; is a quoted field never closed\?$/);
  }, 30_000);

  it("a regression target that is not a number", async () => {
    const text = `x,y\n${Array.from({ length: 40 }, (_, i) => `${i},${i * 1.5}\n`).join("")}3,abc\n`;
    const { error } = await failing(text, { task: "regression" });
    expect((error as Error).message).toMatch(/^data\.csv:42: column 2 \("y"\): target "abc" is not a number \(the first 10 rows decided the task/);
  });

  it("errors in the sample are parseCsv's; an empty source, a single class, a bad option", async () => {
    await expect(readCsvStream([]).ready).rejects.toThrow(/^CSV: empty file; expected a header row and data rows$/);
    await expect(readCsvStream(["a,b\n"]).ready).rejects.toThrow(/^CSV: no data rows after the header$/);
    await expect(readCsvStream(["a,b\n1,x\n2,x\n3,y\n"], { sampleRows: 2 }).ready).rejects.toThrow(/the label column "b" has a single class "x"/);
    await expect(readCsvStream(["a,b\n1,2\n"], { task: "sideways" as never }).ready).rejects.toThrow(ConfigError);
  });

  it("missing: 'drop' drops rows in and past the sample and counts them", async () => {
    const text = `${header}${rows(4)}2,?,red,yes\n${rows(30)}1,,red,yes\n${rows(5)}NA,1,blue,no\n`;
    const got = await readAll(readCsvStream([text], { missing: "drop", sampleRows: 10, batchRows: 7 }));
    expect(got.lines.length).toBe(39);
    expect(got.stream.dropped).toBe(3); // one in the sample, two after it
    expect(got.stream.rows).toBe(39);
    expectSame(got, parseCsv(text, { missing: "drop" }));
    // A sample whose every row is dropped reads on until rows are left to decide from.
    const late = `${header}1,,red,yes\n2,NA,red,no\n3,?,blue,no\n${rows(20)}`;
    expectSame(await readAll(readCsvStream([late], { missing: "drop", sampleRows: 3 })), parseCsv(late, { missing: "drop" }));
  });

  it("refuses bad options when called, and bad sources and chunks when read", async () => {
    expect(() => readCsvStream([], { batchRows: 0 })).toThrow(ConfigError);
    expect(() => readCsvStream([], { sampleRows: 1.5 })).toThrow(ConfigError);
    expect(() => readCsvStream([], { signal: {} as AbortSignal })).toThrow(/signal must be an AbortSignal/);
    expect(() => readCsvStream([], { delimiter: "ab" })).toThrow(/delimiter must be one character/);
    expect(() => readCsvStream([], { source: "x" } as never)).toThrow(ConfigError);
    await expect(readCsvStream(42 as unknown as StreamSource).ready).rejects.toThrow(/expected a ReadableStream, a Node Readable or an \(async\) iterable/);
    await expect(readCsvStream([{} as Uint8Array]).ready).rejects.toThrow(/expected chunks of text or bytes, got/);
  });

  it("is read once, and tells its columns only once they are decided", async () => {
    const stream = readCsvStream([`${header}${rows(3)}`]);
    expect(() => stream.columns).toThrow(StateError);
    await readAll(stream);
    expect(stream.columns.map((c) => c.name)).toEqual(["a", "b", "colour"]);
    await expect(readAll(stream)).rejects.toThrow(/read once/);
  });
});

describe("stream sources", () => {
  const text = `x,y,label\n${Array.from({ length: 5000 }, (_, i) => `${i % 97},${(i * 0.37).toFixed(2)},${i % 2 ? "odd" : "even"}\n`).join("")}`;
  const want = parseCsv(text);
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  beforeAll(async () => {
    scratch = await scratchDir("wasmlp-stream-");
    const f = await open(scratch.at("rows.csv"), "w");
    await f.writeFile(text);
    await f.close();
  });
  afterAll(async () => scratch.remove());

  it("a Node Readable (fs.createReadStream), a web ReadableStream of bytes or strings, async and sync iterables", async () => {
    const sources: [string, () => StreamSource][] = [
      ["fs.createReadStream", () => createReadStream(scratch.at("rows.csv"), { highWaterMark: 1000 })],
      ["ReadableStream of bytes", () => Readable.toWeb(Readable.from(cut(encode(text), [10, 4000, 20000]))) as ReadableStream<Uint8Array>],
      ["ReadableStream of strings", () => new ReadableStream<string>({ start(c) { c.enqueue(text.slice(0, 777)); c.enqueue(text.slice(777)); c.close(); } })],
      ["async iterable of strings", () => (async function* () { for (let i = 0; i < text.length; i += 3333) yield text.slice(i, i + 3333); })()],
      ["iterable of Buffers", () => [Buffer.from(text.slice(0, 5)), Buffer.from(text.slice(5))]],
      ["iterable of a DataView", () => [new DataView(encode(text).buffer)]],
    ];
    for (const [what, source] of sources) expectSame(await readAll(readCsvStream(source(), { sampleRows: 100 })), want, what);
  });

  it("byteChunks gives every chunk as UTF-8 bytes: strings encoded (a surrogate pair cut between chunks kept whole), views of any type as their bytes", async () => {
    const got: number[][] = [];
    const source = ["é", "\ud83d", "\ude00x", new Uint16Array([0x4241]), Buffer.from("z"), "", "\ud83d"];
    for await (const chunk of byteChunks(source)) {
      expect(chunk.constructor).toBe(Uint8Array);
      got.push([...chunk]);
    }
    expect(got).toEqual([[0xc3, 0xa9], [0xf0, 0x9f, 0x98, 0x80, 0x78], [0x41, 0x42], [0x7a], [0xef, 0xbf, 0xbd]]);
  });

  it("a character split between string chunks, halves of a surrogate pair included", async () => {
    const emoji = "a,b\n😀,1\nü,2\n😀,3\n";
    const chunks = [...emoji].flatMap((ch) => (ch.length === 2 ? [ch[0], ch[1]] : [ch]));
    expectSame(await readAll(readCsvStream(chunks)), parseCsv(emoji));
  });

  it("an AbortSignal stops reading mid-stream and cancels a web ReadableStream", async () => {
    const controller = new AbortController();
    let cancelled: unknown;
    let pulls = 0;
    const source = new ReadableStream<string>({
      pull(c) {
        c.enqueue(pulls++ === 0 ? "a,b\n" : Array.from({ length: 100 }, (_, i) => `${i},${i % 2}\n`).join(""));
      },
      cancel(reason) {
        cancelled = reason ?? "cancelled";
      },
    }, { highWaterMark: 0 });
    const stream = readCsvStream(source, { signal: controller.signal, batchRows: 50, sampleRows: 10 });
    const seen: number[] = [];
    const error = await (async () => {
      try {
        for await (const b of stream) {
          seen.push(b.rows);
          if (seen.length === 3) controller.abort(new Error("enough"));
        }
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).message).toMatch(/reading aborted: enough/);
    expect((error as AbortError).reason).toEqual(new Error("enough"));
    expect(seen).toEqual([50, 50, 50]);
    expect(cancelled).toBeDefined();
    expect(pulls).toBeLessThan(8); // pulled as batches were asked for, not ahead
  });

  it("an abort while a read waits rejects at once; a signal aborted before reading rejects the first read", async () => {
    const controller = new AbortController();
    const source = (async function* () {
      yield "a,b\n1,2\n3,4\n";
      await new Promise(() => {}); // a source that never answers again
    })();
    const stream = readCsvStream(source, { signal: controller.signal, sampleRows: 5 });
    setTimeout(() => controller.abort(), 20);
    const started = performance.now();
    await expect(stream.ready).rejects.toBeInstanceOf(AbortError);
    expect(performance.now() - started).toBeLessThan(5000);
    const already = readCsvStream(["a,b\n1,2\n"], { signal: AbortSignal.abort() });
    await expect(readAll(already)).rejects.toBeInstanceOf(AbortError);
  });

  it("breaking out of the loop releases the source", async () => {
    let returned = false;
    const source = (function* () {
      try {
        yield "a,b\n";
        for (let i = 0; ; i++) yield `${i},${i % 2}\n`;
      } finally {
        returned = true;
      }
    })();
    for await (const b of readCsvStream(source, { batchRows: 10, sampleRows: 10 })) {
      expect(b.rows).toBe(10);
      break;
    }
    expect(returned).toBe(true);
  });

  it("close() after the schema releases the source without reading the rows", async () => {
    let cancelled = false;
    let pulls = 0;
    const source = new ReadableStream<string>({
      pull(c) {
        c.enqueue(pulls++ === 0 ? "a,b\n" : "1,x\n2,y\n");
      },
      cancel() {
        cancelled = true;
      },
    }, { highWaterMark: 0 });
    const stream = readCsvStream(source, { sampleRows: 4, delimiter: "," }); // given, so no lines are read ahead to detect it
    expect((await stream.schema()).columns).toEqual([{ name: "a" }]);
    await stream.close();
    expect([cancelled, pulls]).toEqual([true, 4]); // the header, two chunks of rows, and one to learn whether more follow
    await expect(readAll(stream)).rejects.toThrow(StateError);
  });
});

describe("readNdjsonStream", () => {
  const objects = Array.from({ length: 300 }, (_, i) => ({ a: (i * 0.1) % 7, b: i % 5 === 0 ? "1e-3" : -i, colour: ["red", "blue", "green"][i % 3], label: i % 2 ? "odd" : "even" }));
  const ndjson = `\ufeff${objects.map((o, i) => `${JSON.stringify(o)}${i % 7 === 0 ? "\r\n\n" : "\n"}`).join("")}`;
  const csv = `a,b,colour,label\n${objects.map((o) => `${o.a},${o.b},${o.colour},${o.label}`).join("\n")}`;

  it("reads the rows parseCsv reads from the same table, split at every byte of its start and in random chunks", async () => {
    const want = parseCsv(csv);
    const bytes = encode(ndjson);
    const first = await readAll(readNdjsonStream([bytes], { sampleRows: 20, batchRows: 64 }));
    expect(new Float32Array(first.x)).toEqual(want.x);
    expect(first.labels).toEqual([...want.labels!]);
    expect([first.stream.columns, first.stream.target, first.stream.task]).toEqual([want.columns, want.target, want.task]);
    // NDJSON lines count blank lines: object i is on line i + 1 + (blank lines before it).
    expect(first.lines.slice(0, 3)).toEqual([1, 3, 4]);
    for (let k = 0; k < 200; k++) {
      const got = await readAll(readNdjsonStream(cut(bytes, [k, k + 300]), { sampleRows: 20, batchRows: 64 }));
      expect(got.x, `split at ${k}`).toEqual(first.x);
      expect(got.lines).toEqual(first.lines);
    }
  });

  it("errors name the line: bad JSON, not an object, a nested value, a key not in the sample, a missing value, a late class", async () => {
    const lines = (extra: string) => [`{"a":1,"b":"x"}`, `{"a":2,"b":"y"}`, extra, `{"a":3,"b":"x"}`].join("\n");
    const cases: [string, RegExp][] = [
      [`{"a":1,`, /^j\.ndjson:3: not valid JSON \(/],
      [`[1,2]`, /^j\.ndjson:3: expected a JSON object, got/],
      [`{"a":{"deep":1},"b":"x"}`, /^j\.ndjson:3: key "a" holds .*; expected a number, a string, a boolean or null$/],
      [`{"a":1,"b":"x","c":5}`, /^j\.ndjson:3: key "c" is not among the keys of the first 2 rows \("a", "b"\); pass sampleRows: '10000'/],
      [`{"a":null,"b":"x"}`, /^j\.ndjson:3: column 1 \("a"\): missing value "" \(pass missing: 'drop' to skip such rows\)$/],
      [`{"a":1,"b":"z"}`, /^j\.ndjson:3: column 2 \("b"\): label "z" is not one of the model's classes \["x", "y"\] \(the first 2 rows decided the classes/],
    ];
    for (const [extra, message] of cases) {
      await expect(readAll(readNdjsonStream([lines(extra)], { name: "j.ndjson", sampleRows: 2 })), extra).rejects.toThrow(message);
    }
    await expect(readNdjsonStream(["\n \n"]).ready).rejects.toThrow(/^NDJSON: no rows; expected one JSON object per line$/);
    const long = (function* () {
      yield '{"a":1}\n{"a":"';
      for (let i = 0; i < 20; i++) yield "x".repeat(1 << 20);
    })();
    await expect(readAll(readNdjsonStream(long))).rejects.toThrow(/^NDJSON:2: a line longer than 16 MiB$/);

    const dropped = await readAll(readNdjsonStream([lines(`{"b":"y"}`)], { missing: "drop" }));
    expect([dropped.lines, dropped.stream.dropped]).toEqual([[1, 2, 4], 1]);
    // A sample whose every row is dropped reads on until rows are left to decide from.
    const late = await readAll(readNdjsonStream([[`{"a":null,"b":"x"}`, `{"b":"y"}`, `{"a":1,"b":"x"}`, `{"a":2,"b":"y"}`].join("\n")], { missing: "drop", sampleRows: 1 }));
    expect([late.lines, late.labels, late.stream.dropped]).toEqual([[3, 4], [0, 1], 2]);
    await expect(readNdjsonStream([`{"a":null,"b":"x"}`], { missing: "drop" }).ready).rejects.toThrow(/^NDJSON: every row has a missing value; nothing is left to read$/);
  });

  it("reads strings, booleans and numbers in any column as parseCsv reads their text", async () => {
    const text = [`{"n":"2.5","flag":true,"y":1}`, `{"n":3,"flag":false,"y":2.5}`, `{"n":" 4 ","flag":true,"y":"7"}`].join("\n");
    const got = await readAll(readNdjsonStream([text], { task: "regression" }));
    const want = parseCsv("n,flag,y\n2.5,true,1\n3,false,2.5\n 4 ,true,7\n", { task: "regression" });
    expect(new Float32Array(got.x)).toEqual(want.x);
    expect(got.targets).toEqual([...want.targets!]);
  });
});

describe("constant memory", () => {
  const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  beforeAll(async () => { scratch = await scratchDir("wasmlp-stream-memory-"); });
  afterAll(async () => scratch.remove());

  it("reads a 150 MB CSV in a child process with a 32 MB heap", async () => {
    // One block of 10,000 rows written 100 times: 1,000,000 rows of 20 numbers, about 150 MB.
    const block = Array.from({ length: 10_000 }, (_, r) => Array.from({ length: 20 }, (_, c) => (((r * 31 + c * 17) % 4000) / 1000 - 2).toFixed(4)).join(",")).join("\n") + "\n";
    const file = scratch.at("big.csv");
    const f = await open(file, "w");
    await f.write(`${Array.from({ length: 20 }, (_, c) => `c${c}`).join(",")}\n`);
    for (let i = 0; i < 100; i++) await f.write(block);
    const { size } = await f.stat();
    await f.close();
    expect(size).toBeGreaterThan(140e6);
    const script = `
      import { createReadStream } from "node:fs";
      import { readCsvStream } from ${JSON.stringify(DIST)};
      let rows = 0, sum = 0;
      for await (const b of readCsvStream(createReadStream(process.argv[1]), { label: null })) { rows += b.rows; sum += b.x[0]; }
      console.log(JSON.stringify({ rows, heap: process.memoryUsage().heapUsed }));`;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ["--max-old-space-size=32", "--input-type=module", "-e", script, file], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(stdout);
      });
    });
    const { rows, heap } = JSON.parse(out);
    expect(rows).toBe(1_000_000);
    expect(heap).toBeLessThan(32 * 2 ** 20);
  }, 120_000);
});
