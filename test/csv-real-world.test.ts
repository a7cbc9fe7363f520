// CSV files as spreadsheet programs and databases export them: semicolons and decimal commas,
// thousands separators, dates in ISO, day-first and month-first forms, a name column per row and
// text with too many values to one-hot encode. parseCsv decides how each column is read, says so
// in its notices, and the model file keeps the decisions so the CLI's predict reads the file the
// same way training did. The CLI tests run the built CLI (`npm run build:ts` first).
import { readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, InputError } from "../src/errors.js";
import { csvPreprocessing, parseCsv, type CsvOptions } from "../src/data/csv.js";
import { cellProblem, decideColumns, fewValues, inputColumn, isMissing, labelReader, listNames, rowWriter, spellOption } from "../src/data/csv-columns.js";
import { dayMonthFields, describeDateOrder, detectDelimiter, looksLikeDecimalComma, looksLikeDecimalPoint, readDate, readNumber } from "../src/data/csv-format.js";
import { checkPreprocessing } from "../src/nn/preprocessing.js";
import { loadModel } from "../src/node/files.js";
import { formatSchemaReport, schemaReport } from "../src/cli/schema-report.js";
import { rng, runCli, scratchDir } from "./helpers.js";

const DAY = 86_400_000;
/** Days since 1970-01-01 by the platform's own calendar: the reference the reader is checked against. */
const days = (y: number, m: number, d: number, h = 0, min = 0, s = 0) => Date.UTC(y, m - 1, d, h, min, s) / DAY;

const EUROPEAN = 'name;income;city;label\nAnna;1234,5;"Berlin, Mitte";a\nBen;99,25;Hamburg;b\nCem;-0,5;"Berlin, Mitte";a\n';

describe("a semicolon file with decimal commas", () => {
  it("reads the same with the delimiter and decimal comma detected as with both given, quoted \"Berlin, Mitte\" one field", () => {
    const detected = parseCsv(EUROPEAN);
    const given = parseCsv(EUROPEAN, { delimiter: ";", decimal: "," });
    for (const d of [detected, given]) {
      expect(d.delimiter).toBe(";");
      expect(d.columns).toEqual([{ name: "name", categories: ["Anna", "Ben", "Cem"] }, { name: "income", decimal: "," }, { name: "city", categories: ["Berlin, Mitte", "Hamburg"] }]);
      expect(Array.from(d.x)).toEqual([1, 0, 0, 1234.5, 1, 0, 0, 1, 0, 99.25, 0, 1, 0, 0, 1, -0.5, 1, 0]);
      expect(Array.from(d.labels!)).toEqual([0, 1, 0]);
    }
    expect(detected.notices).toEqual([
      'fields are separated by ";" (detected)',
      `numbers are read with a decimal comma ("1,5" is 1.5), as the file's numbers are written; pass decimal: '.' to read them otherwise`,
    ]);
    expect(given.notices).toEqual([]);
  });

  it("a ;-file whose numbers have decimal points keeps the point; a comma file is read as before, without a notice", () => {
    const d = parseCsv("a;b;y\n1.5;2;x\n2.5;3;z\n");
    expect(Array.from(d.x)).toEqual([1.5, 2, 2.5, 3]);
    expect(d.notices).toEqual(['fields are separated by ";" (detected)']);
    const c = parseCsv("a,b,y\n1.5,2,x\n2.5,3,z\n");
    expect(c.delimiter).toBe(",");
    expect(c.notices).toEqual([]);
  });

  it("a number with a decimal point in a decimal-comma column is refused, saying how numbers were read", () => {
    expect(() => parseCsv("a;y\n1,5;x\n2.5;z\n", { decimal: ",", source: "eu.csv" }))
      .toThrow(new InputError('eu.csv:3: column 1 ("a"): "2.5" is not a number (read with decimal comma ",")'));
  });
});

describe("delimiter detection", () => {
  it("picks the character that splits the header and every row alike, outside quotes", () => {
    expect(detectDelimiter("a,b,c\n1,2,3\n")).toBe(",");
    expect(detectDelimiter('a;b\n"x;y, z";2\n')).toBe(";");
    expect(detectDelimiter("a\tb\tc\n1\t2,5\t3\n")).toBe("\t");
    expect(detectDelimiter("a|b\n1|2\n")).toBe("|");
    // A ;-file with decimal commas: the commas split the rows but not the header.
    expect(detectDelimiter("x;y\n1,5;2,5\n3,5;4\n")).toBe(";");
    // One column, or rows that split unevenly under every candidate: a comma, so the usual errors follow.
    expect(detectDelimiter("x\n1\n2\n")).toBe(",");
    expect(detectDelimiter("a,b\n1,2,3\n")).toBe(",");
    // A head cut inside a record: the cut record is not counted unless the text is complete.
    expect(detectDelimiter("a;b\n1;2\n3", false)).toBe(";");
  });

  it("tab- and pipe-separated files read without options; a given delimiter is used as given", () => {
    expect(Array.from(parseCsv("a\tb\ty\n1\t2\tp\n3\t4\tq\n").x)).toEqual([1, 2, 3, 4]);
    const piped = parseCsv("a|b|y\n1|2|p\n3|4|q\n");
    expect(piped.notices).toEqual(['fields are separated by "|" (detected)']);
    expect(parseCsv("a;b,y\n1;2,p\n3;4,q\n", { delimiter: "," }).columns).toEqual([{ name: "a;b", categories: ["1;2", "3;4"] }]);
  });
});

describe("thousands separators", () => {
  it('reads "1,297" with thousands "," and "1.297,5" with thousands "." and a decimal comma', () => {
    const d = parseCsv('n,y\n"1,297",a\n"12,345.5",b\n42,a\n', { thousands: "," });
    expect(Array.from(d.x)).toEqual([1297, 12345.5, 42]);
    expect(d.columns).toEqual([{ name: "n", thousands: "," }]);
    const eu = parseCsv("n;y\n1.297,5;a\n3;b\n", { thousands: ".", decimal: "," });
    expect(Array.from(eu.x)).toEqual([1297.5, 3]);
    expect(readNumber("1'000", { decimal: ".", thousands: "'" })).toBe(1000);
  });

  it("without the option a quoted 1,297 is not a number; separators out of groups of three are refused", () => {
    expect(() => parseCsv('n,y\n"1,297",a\n2,b\n', { source: "t.csv" })).toThrow(/^t\.csv:2: column 1 \("n"\): "1,297" is not a number$/);
    expect(() => parseCsv('n,y\n"1,29",a\n2,b\n', { thousands: ",", source: "t.csv" }))
      .toThrow(new InputError('t.csv:2: column 1 ("n"): "1,29" is not a number (read with thousands separator ",")'));
    expect(() => parseCsv("n;y\n1,5;a\n", { thousands: ",", decimal: "," })).toThrow(new ConfigError('parseCsv: thousands and decimal are both ","; a number needs two different marks'));
    expect(() => parseCsv("n,y\n1,a\n", { thousands: "x" })).toThrow(/parseCsv: thousands must be one of "," "\." " " "'" "_", got 'x'/);
    expect(() => parseCsv("n,y\n1,a\n", { decimal: ";" } as never)).toThrow(ConfigError);
  });
});

describe("dates and times", () => {
  const column = (cells: string[], options: CsvOptions = {}) => {
    const text = `when,y\n${cells.map((c, i) => `${c},${i % 2 ? "a" : "b"}`).join("\n")}\n`;
    return parseCsv(text, options);
  };

  it("ISO 8601 dates and date-times are days since 1970-01-01 UTC, fractional for times, offsets applied", () => {
    const d = column(["2024-12-31", "1970-01-01T12:00:00Z", "2000-02-29 06:30", "2024-03-01T01:00:00+02:00", "1969-12-31T18:00:00.5Z"]);
    expect(d.columns).toEqual([{ name: "when", kind: "date", dateOrder: "ymd" }]);
    expect(Array.from(d.x)).toEqual(Array.from(Float32Array.of(days(2024, 12, 31), 0.5, days(2000, 2, 29, 6, 30), days(2024, 2, 29, 23), Date.UTC(1969, 11, 31, 18, 0, 0, 500) / DAY)));
    expect(d.notices).toEqual(['column 1 ("when") holds dates (ISO 8601 year-month-day): read as days since 1970-01-01']);
  });

  it("day-first dates with dots or slashes, month-first ones, each decided from the sample", () => {
    const dotted = column(["31.12.2024", "01.02.2023", "1.2.2023 14:15"]);
    expect(dotted.columns[0]).toEqual({ name: "when", kind: "date", dateOrder: "dmy" });
    expect(Array.from(dotted.x)).toEqual(Array.from(Float32Array.of(days(2024, 12, 31), days(2023, 2, 1), days(2023, 2, 1, 14, 15))));
    const dayFirst = column(["31/12/2024", "01/02/2023"]);
    expect(dayFirst.columns[0].dateOrder).toBe("dmy");
    expect(dayFirst.x[1]).toBe(days(2023, 2, 1));
    const monthFirst = column(["12/31/2024", "01/02/2023"]);
    expect(monthFirst.columns[0].dateOrder).toBe("mdy");
    expect(monthFirst.x[1]).toBe(days(2023, 1, 2));
  });

  it("dates that fit both orders are month first, said in the notice, or day first with dayFirst", () => {
    const ambiguous = column(["01/02/2023", "03/04/2023"]);
    expect(ambiguous.x[0]).toBe(days(2023, 1, 2));
    expect(ambiguous.notices).toEqual([
      'column 1 ("when") holds dates (month/day/year, no day over 12 tells the order, so month first as is usual; pass dayFirst: true for day first): read as days since 1970-01-01',
    ]);
    const told = column(["01/02/2023", "03/04/2023"], { dayFirst: true });
    expect(told.x[0]).toBe(days(2023, 2, 1));
    expect(told.notices).toEqual(['column 1 ("when") holds dates (day/month/year): read as days since 1970-01-01']);
    expect(() => column(["01/02/2023"], { dayFirst: "yes" } as never)).toThrow(/parseCsv: dayFirst must be true or false/);
  });

  it("cells that are not all valid dates in one order are text: 31.02. is no day, and 13/01 beside 01/13 fits no order", () => {
    expect(column(["31.02.2024", "01.01.2024"]).columns[0].categories).toEqual(["01.01.2024", "31.02.2024"]);
    expect(column(["13/01/2024", "01/13/2024"]).columns[0].categories).toEqual(["01/13/2024", "13/01/2024"]);
    expect(readDate("2024-13-01", "ymd")).toBeNaN();
    expect(readDate("24:00", "ymd")).toBeNaN();
    expect(readDate("12.31.2024", "mdy")).toBeNaN();
  });

  it("a model reads a date column in the order it was trained with; another form is an error naming it", () => {
    const schema = csvPreprocessing(column(["31.12.2024", "01.02.2023"]), "none");
    expect(Array.from(parseCsv("when\n02/01/2023\n", { schema }).x)).toEqual([days(2023, 1, 2)]);
    expect(() => parseCsv("when\n2023-01-02\n", { schema, source: "new.csv" }))
      .toThrow(new InputError('new.csv:2: column 1 ("when"): "2023-01-02" is not a date written day/month/year'));
  });
});

/** The 400-row export of the issue: a name per row, income with decimal commas, a joining date, a city, an age, and a class. */
function peopleCsv(seed: number): { text: string; income: number[]; joined: number[] } {
  const r = rng(seed);
  const first = ["Anna", "Ben", "Cem", "Dana", "Emil", "Fatma", "Gus", "Hanna", "Ivo", "Jule", "Kai", "Lea", "Mats", "Nele", "Ole", "Pia", "Quirin", "Rosa", "Sven", "Tara"];
  const last = ["Meier", "Schulz", "Yilmaz", "Nowak", "Weber", "Fischer", "Wagner", "Becker", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Braun", "Zimmer", "Kraus", "Vogel", "Jung", "Roth"];
  const cities = ['"Berlin, Mitte"', "Hamburg", "München", "Köln", '"Frankfurt am Main"'];
  const names = first.flatMap((f) => last.map((l) => `${f} ${l}`));
  for (let i = names.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [names[i], names[j]] = [names[j], names[i]];
  }
  const income: number[] = [];
  const joined: number[] = [];
  const lines = ["name;income;joined;city;age;band"];
  for (let i = 0; i < 400; i++) {
    const euros = Math.round((20_000 + r() * 80_000) * 100) / 100;
    const day = 1 + Math.floor(r() * 28);
    const month = 1 + Math.floor(r() * 12);
    const year = 2015 + Math.floor(r() * 10);
    income.push(euros);
    joined.push(days(year, month, day));
    const date = `${String(day).padStart(2, "0")}.${String(month).padStart(2, "0")}.${year}`;
    lines.push([names[i], String(euros).replace(".", ","), date, cities[i % 5], 20 + Math.floor(r() * 45), euros > 60_000 ? "high" : "low"].join(";"));
  }
  return { text: lines.join("\n") + "\n", income, joined };
}

describe("a 400-row export with a name per row, decimal commas and dates", () => {
  const people = peopleCsv(7);

  it("gives 8 inputs rather than hundreds: the name left out with a notice, income and date as numbers, the city one-hot", () => {
    for (const options of [{}, { delimiter: ";" }] as CsvOptions[]) {
      const d = parseCsv(people.text, options);
      expect(d.cols).toBe(8);
      expect(d.plan.map((c) => c.kind)).toEqual(["identifier", "number", "date", "category", "number", "label"]);
      expect(d.columns.map((c) => c.name)).toEqual(["income", "joined", "city", "age"]);
      expect(Array.from({ length: 400 }, (_, i) => d.x[i * 8])).toEqual(Array.from(Float32Array.from(people.income)));
      expect(Array.from({ length: 400 }, (_, i) => d.x[i * 8 + 1])).toEqual(people.joined);
      expect(d.notices).toContain('column 1 ("name") is left out: its 400 different values in 400 rows identify rows rather than describe them (name it in categorical: \'name\' to one-hot encode it anyway)');
      expect(d.notices).toContain('column 3 ("joined") holds dates (day/month/year): read as days since 1970-01-01');
    }
    // Named categorical, the name column is one-hot encoded as asked: one input per name.
    expect(parseCsv(people.text, { categorical: ["name"] }).cols).toBe(400 + 8);
  });

  it("text with too many values to one-hot is refused with the fix; named categorical or ignored, it reads", () => {
    const r = rng(3);
    const rows = Array.from({ length: 400 }, (_, i) => `${(r() * 10).toFixed(2)},street ${i % 120},${i % 2}`);
    const text = `x,street,y\n${rows.join("\n")}\n`;
    expect(() => parseCsv(text, { source: "addresses.csv" })).toThrow(new InputError(
      'addresses.csv: column 2 ("street") holds 120 different texts in 400 rows; one-hot encoding would make 120 inputs of it. ' +
      "Name it in categorical: 'street' to encode it anyway, or in ignore: 'street' to leave it out"));
    expect(parseCsv(text, { categorical: ["street"] }).cols).toBe(121);
    expect(parseCsv(text, { ignore: ["street"] }).cols).toBe(1);
    // Up to 20 values always make categories, and up to 50 when they are at most a fifth of the rows.
    const few = (k: number, n: number) => parseCsv(`c,y\n${Array.from({ length: n }, (_, i) => `v${i % k},${i % 2}`).join("\n")}\n`).cols;
    expect(few(20, 20)).toBe(20);
    expect(few(50, 250)).toBe(50);
    expect(() => few(51, 400)).toThrow(/holds 51 different texts in 400 rows/);
    expect(() => few(30, 100)).toThrow(/holds 30 different texts in 100 rows/);
  });

  it("a file of nothing but an identifier and the label has no inputs left, and says why", () => {
    const text = `id,y\n${Array.from({ length: 30 }, (_, i) => `user-${i},${i % 2}`).join("\n")}\n`;
    expect(() => parseCsv(text, { source: "u.csv" })).toThrow(new InputError('u.csv: no input columns are left: "id" is an identifier'));
  });
});

describe("decideColumns, as a streaming reader calls it", () => {
  it("decides from a sample of rows what parseCsv decides from all of them, and its readers read rows the same way", () => {
    const { text } = peopleCsv(5);
    const whole = parseCsv(text);
    const rows = text.trim().split("\n").map((l) => l.split(/;(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((f) => f.replace(/^"|"$/g, "")));
    const d = decideColumns(rows[0], rows.slice(1), {}, { source: "people.csv", delimiter: ";" });
    expect(d.columns).toEqual(whole.plan);
    expect(d.inputs.map(inputColumn)).toEqual(whole.columns);
    expect(d.width).toBe(whole.cols);
    expect(d.notices).toEqual(whole.notices.slice(1)); // all but the delimiter's, which parseCsv detects
    const write = rowWriter(d.inputs);
    const x = new Float32Array(d.width);
    expect(write(rows[7], x, 0)).toBe(-1);
    expect(Array.from(x)).toEqual(Array.from(whole.x.subarray(6 * d.width, 7 * d.width)));
    const read = labelReader(d);
    expect(read(rows[7][5])).toBe(whole.labels![6]);
    expect(read("medium")).toBeNaN();
    // A row with a cell its column cannot read: the writer names the input, cellProblem says why.
    const bad = [...rows[7]];
    bad[2] = "2024-02-30";
    expect(write(bad, new Float32Array(d.width), 0)).toBe(1);
    expect(cellProblem(d.inputs[1], bad[2])).toBe('"2024-02-30" is not a date written day/month/year');
    expect(cellProblem(d.inputs[2], "Bonn")).toBe('category "Bonn" is not one of ["Berlin, Mitte", "Frankfurt am Main", "Hamburg", "Köln", "München"]');
  });

  it("options naming columns still leave the others to be decided: a categorical city beside a name that is an identifier", () => {
    const d = parseCsv(peopleCsv(5).text, { categorical: ["city", "age"] });
    expect(d.plan.map((c) => c.kind)).toEqual(["identifier", "number", "date", "category", "category", "label"]);
  });

  it("the cell helpers: missing cells, decimal marks, day-month fields, spelling an option", () => {
    expect(["", " NA ", "n/a", "NaN", "null", "?"].every(isMissing)).toBe(true);
    expect(isMissing("0")).toBe(false);
    expect([looksLikeDecimalComma("-1,5"), looksLikeDecimalComma("1,297.5"), looksLikeDecimalPoint(".5"), looksLikeDecimalPoint("1.297,5")]).toEqual([true, false, true, false]);
    expect(dayMonthFields(" 1/12/2024 ")).toEqual({ first: 1, second: 12, separator: "/" });
    expect(dayMonthFields("2024-12-01")).toBeUndefined();
    expect(describeDateOrder("mdy")).toBe("month/day/year");
    expect([spellOption("missing", "drop"), spellOption("dayFirst", "true")]).toEqual(["missing: 'drop'", "dayFirst: true"]);
    expect(listNames(Array.from({ length: 14 }, (_, i) => `c${i}`))).toMatch(/^\["c0", .*"c11", … 2 more\]$/);
    expect(fewValues(["1", "2", "2.0"])).toBe(true);
  });
});

describe("the saved schema", () => {
  it("keeps a date column's order and a number column's marks; checkPreprocessing checks them and older columns load", () => {
    const p = csvPreprocessing(parseCsv(peopleCsv(1).text), "standardize");
    expect(p.columns!.slice(0, 2)).toEqual([{ name: "income", decimal: "," }, { name: "joined", kind: "date", dateOrder: "dmy" }]);
    expect(checkPreprocessing(JSON.parse(JSON.stringify(p)), 8).columns).toEqual(p.columns);
    expect(checkPreprocessing({ method: "none", scale: 1, offset: 0, columns: [{ name: "a" }, { name: "b", categories: ["x"] }] }).columns).toEqual([{ name: "a" }, { name: "b", categories: ["x"] }]);
    const bad = (column: object) => () => checkPreprocessing({ method: "none", scale: 1, offset: 0, columns: [column] });
    expect(bad({ name: "d", kind: "time", dateOrder: "ymd" })).toThrow(/preprocessing: columns\[0\]\.kind must be 'date' \(with a dateOrder\), got 'time'/);
    expect(bad({ name: "d", kind: "date" })).toThrow(/columns\[0\]\.dateOrder must be one of 'ymd', 'dmy', 'mdy', got undefined/);
    expect(bad({ name: "d", dateOrder: "dmy" })).toThrow(/columns\[0\]\.kind must be 'date'/);
    expect(bad({ name: "d", kind: "date", dateOrder: "dmy", categories: ["a"] })).toThrow(/columns\[0\] is a date column; it has no categories, decimal or thousands/);
    expect(bad({ name: "n", decimal: "." })).toThrow(/columns\[0\]\.decimal must be one of ',', got '\.'/);
    expect(bad({ name: "n", thousands: "x" })).toThrow(/columns\[0\]\.thousands must be one of/);
    expect(bad({ name: "n", decimal: ",", thousands: "," })).toThrow(/columns\[0\]: thousands and decimal are both ","/);
    expect(bad({ name: "n", categories: ["a"], decimal: "," })).toThrow(/columns\[0\] has categories; decimal and thousands belong to number columns/);
    expect(bad({ name: "n", format: "x" })).toThrow(/unknown/);
  });

  it("a model trained with a decimal comma reads a later file with it, unless told otherwise", () => {
    const schema = csvPreprocessing(parseCsv("a;y\n1,5;p\n2;q\n", { delimiter: ";", decimal: "," }), "none");
    expect(Array.from(parseCsv("a\n2,5\n", { schema, delimiter: ";" }).x)).toEqual([2.5]);
    expect(Array.from(parseCsv("a,y\n2.5,p\n", { schema, decimal: "." }).x)).toEqual([2.5]);
  });
});

describe("the schema report", () => {
  it("lists each column, how it was read and the input width, as text and as JSON", () => {
    const d = parseCsv(peopleCsv(7).text);
    const report = schemaReport(d);
    expect(report.columns).toEqual([
      { name: "name", kind: "identifier", inputs: 0, distinct: 400 },
      { name: "income", kind: "number", inputs: 1 },
      { name: "joined", kind: "date", inputs: 1, dateOrder: "dmy" },
      { name: "city", kind: "category", inputs: 5, values: 5 },
      { name: "age", kind: "number", inputs: 1 },
      { name: "band", kind: "label", inputs: 0, values: 2 },
    ]);
    expect(report.inputs).toBe(8);
    expect(formatSchemaReport(report)).toBe([
      'columns (delimiter ";", decimal ","):',
      "  name    identifier, left out (400 different values)",
      "  income  number",
      "  joined  date (day/month/year), days since 1970-01-01",
      "  city    category, 5 values",
      "  age     number",
      "  band    label, 2 classes",
      "input width 8",
      ...d.notices.map((n) => `note: ${n}`),
    ].join("\n"));
    const regression = schemaReport(parseCsv("x,price\n1,2.5\n2,3.5\n", { ignore: [] }));
    expect(formatSchemaReport(regression).split("\n").slice(0, 4)).toEqual(['columns (delimiter ",", decimal "."):', "  x      number", "  price  label, a number (regression)", "input width 1"]);
  });
});

describe("the CLI on real-world files", () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  beforeAll(async () => {
    scratch = await scratchDir("csv-real-world");
  });
  afterAll(() => scratch.remove());

  it("train prints the schema report and notices; predict reads the same file the same way (text and --json)", async () => {
    const people = peopleCsv(11);
    await writeFile(scratch.at("people.csv"), people.text);
    const train = await runCli(scratch.dir, "train", "people.csv", "--layers", "8", "--epochs", "40", "--lr", "0.01", "--seed", "5", "--no-plot", "--out", "people.safetensors");
    expect(train.stderr).toBe("");
    expect(train.code).toBe(0);
    expect(train.stdout).toContain('columns (delimiter ";", decimal ","):\n  name    identifier, left out (400 different values)\n  income  number\n');
    expect(train.stdout).toContain("input width 8\n");
    expect(train.stdout).toContain('note: fields are separated by ";" (detected)');
    expect(train.stdout).toContain("note: column 1 (\"name\") is left out: its 400 different values in 400 rows identify rows rather than describe them (name it in --categorical name to one-hot encode it anyway)");
    expect(train.stdout).toMatch(/network 8-8-2 /);

    const json = await runCli(scratch.dir, "train", "people.csv", "--layers", "8", "--epochs", "2", "--seed", "5", "--no-plot", "--out", "people2.safetensors", "--json");
    expect(json.code).toBe(0);
    const summary = JSON.parse(json.stdout);
    expect(summary.schema.inputs).toBe(8);
    expect(summary.schema.delimiter).toBe(";");
    expect(summary.schema.decimal).toBe(",");
    expect(summary.schema.columns.map((c: { kind: string }) => c.kind)).toEqual(["identifier", "number", "date", "category", "number", "label"]);
    expect(summary.schema.notices).toHaveLength(4);

    const model = await loadModel(scratch.at("people.safetensors"));
    expect(model.preprocessing!.columns!.slice(0, 2)).toEqual([{ name: "income", decimal: "," }, { name: "joined", kind: "date", dateOrder: "dmy" }]);
    model.dispose();
    const predict = await runCli(scratch.dir, "predict", "people.safetensors", "people.csv", "--out", "predictions.csv");
    expect(predict.code).toBe(0);
    expect(predict.stderr).toBe('note: fields are separated by ";" (detected)\n');
    const rows = (await readFile(scratch.at("predictions.csv"), "utf8")).trim().split("\n").slice(1).map((l) => l.split(","));
    expect(rows).toHaveLength(400);
    // The band follows the income: with income and dates read as in training, the model gets nearly all right.
    const truth = people.income.map((e) => (e > 60_000 ? "high" : "low"));
    const correct = rows.filter((r, i) => r[1] === truth[i]).length;
    expect(correct / 400).toBeGreaterThan(0.9);
  }, 60_000);

  it("flags: --delimiter, --decimal and --thousands are used and saved, so predict needs none of them again", async () => {
    const lines = ["a|b|y", ...Array.from({ length: 40 }, (_, i) => `${i % 3 ? `"${1 + (i % 7)},${100 + i}"` : i}|${(i / 10).toFixed(1)}|${i % 2 ? "odd" : "even"}`)];
    await writeFile(scratch.at("piped.csv"), lines.join("\n") + "\n");
    const train = await runCli(scratch.dir, "train", "piped.csv", "--delimiter", "|", "--thousands", ",", "--epochs", "1", "--no-plot", "--out", "piped.safetensors");
    expect(train.stderr).toBe("");
    expect(train.stdout).toContain('columns (delimiter "|", decimal ".", thousands ","):');
    const predict = await runCli(scratch.dir, "predict", "piped.safetensors", "piped.csv", "--json");
    expect(predict.code).toBe(0);
    expect(JSON.parse(predict.stdout).rows).toBe(40);
    const bad = await runCli(scratch.dir, "train", "piped.csv", "--delimiter", "||", "--no-plot");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--delimiter must be one character (such as ; or |) or tab, got "||"');
    const badDecimal = await runCli(scratch.dir, "train", "piped.csv", "--decimal", ";", "--no-plot");
    expect(badDecimal.code).toBe(2);
    expect(badDecimal.stderr).toContain('--decimal must be one of ., ,, got ";"');
  }, 60_000);

  it("a text column of too many values is refused by name with the flags that fix it", async () => {
    const text = `x,street,y\n${Array.from({ length: 200 }, (_, i) => `${i},street ${i % 60},${i % 2}`).join("\n")}\n`;
    await writeFile(scratch.at("streets.csv"), text);
    const run = await runCli(scratch.dir, "train", "streets.csv", "--no-plot");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('streets.csv: column 2 ("street") holds 60 different texts in 200 rows; one-hot encoding would make 60 inputs of it. Name it in --categorical street to encode it anyway, or in --ignore street to leave it out');
  }, 30_000);
});
