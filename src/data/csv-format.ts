// How a CSV file writes things, as spreadsheet exports in different countries do: which character
// separates fields, which marks decimals and thousands, and how dates are written. Each reader takes
// one cell and gives a number, or NaN when the cell is not written that way.

/** The field separators detectDelimiter chooses from, in order of preference on a tie. */
export const DELIMITERS = [",", ";", "\t", "|"] as const;

/** How numbers are written: the decimal mark, and a thousands separator if any ('1,297.5' with thousands ','). */
export interface NumberFormat {
  decimal: "." | ",";
  thousands?: string;
}

/** The order of day, month and year in a date: 'ymd' (ISO 8601, 2024-12-31), 'dmy' (31.12.2024, 31/12/2024), 'mdy' (12/31/2024). */
export type DateOrder = "ymd" | "dmy" | "mdy";

/** Characters a thousands separator may be: comma, dot, space, apostrophe (Swiss) and underscore. */
export const THOUSANDS = [",", ".", " ", "'", "_"] as const;

/** Records read to detect the delimiter: enough to see that every line splits alike. */
export const SNIFF_RECORDS = 50;

/**
 * The field separator of a file from its first lines (`head`: the file's start, possibly cut short; a record
 * cut by the end of `head` is not counted unless `complete`): of `,` `;` tab `|`, the one that splits the
 * header and every following record into the same number of fields, more than one, outside quotes; the most
 * fields win, and `,` when none does. Quoted fields are skipped, so "Berlin, Mitte" in a ;-file counts no comma.
 */
export function detectDelimiter(head: string, complete = true): string {
  const counts: number[][] = DELIMITERS.map(() => []);
  const current = DELIMITERS.map(() => 0);
  let quoted = false;
  let content = false;
  const end = () => {
    if (content) DELIMITERS.forEach((_, d) => counts[d].push(current[d] + 1));
    current.fill(0);
    content = false;
  };
  for (let i = 0; i < head.length && counts[0].length < SNIFF_RECORDS; i++) {
    const ch = head[i];
    if (quoted) {
      if (ch === '"') quoted = false; // an escaped quote ("") closes and opens again: the same
      continue;
    }
    if (ch === '"') quoted = content = true;
    else if (ch === "\n") end();
    else if (ch !== "\r") {
      const d = DELIMITERS.indexOf(ch as (typeof DELIMITERS)[number]);
      if (d >= 0) current[d]++;
      if (ch.trim() !== "" || d >= 0) content = true;
    }
  }
  if (complete && counts[0].length < SNIFF_RECORDS && !quoted) end();
  let best = 0;
  let bestFields = 1;
  DELIMITERS.forEach((_, d) => {
    const c = counts[d];
    if (c.length > 0 && c[0] > bestFields && c.every((n) => n === c[0])) {
      best = d;
      bestFields = c[0];
    }
  });
  return DELIMITERS[best];
}

const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const COMMA_NUMBER = /^[+-]?(\d+,?\d*|,\d+)([eE][+-]?\d+)?$/;
const grouped = new Map<string, RegExp>();

/** The number a cell holds in `format` ('3,14' is 3.14 with a decimal comma; '1,297' is 1297 with thousands ','), or NaN. */
export function readNumber(cell: string, format?: NumberFormat): number {
  let s = cell.trim();
  if (!format || (format.decimal === "." && format.thousands === undefined)) return PLAIN_NUMBER.test(s) ? Number(s) : NaN;
  const t = format.thousands;
  if (t !== undefined && s.includes(t)) {
    // Separators only between groups of three digits before the decimal mark: '1,29' is not 129.
    const key = t + format.decimal;
    let re = grouped.get(key);
    if (!re) {
      const e = (c: string) => c.replace(/[.]/g, "\\.");
      re = new RegExp(`^[+-]?\\d{1,3}(${e(t)}\\d{3})+(${e(format.decimal)}\\d*)?([eE][+-]?\\d+)?$`);
      grouped.set(key, re);
    }
    if (!re.test(s)) return NaN;
    s = s.split(t).join("");
  }
  if (format.decimal === ".") return PLAIN_NUMBER.test(s) ? Number(s) : NaN;
  return COMMA_NUMBER.test(s) ? Number(s.replace(",", ".")) : NaN;
}

/** Whether a cell is a number with a decimal comma and no other mark ('1,5', '-0,25'): what decimal-comma files look like. */
export function looksLikeDecimalComma(cell: string): boolean {
  return /^[+-]?\d*,\d+$/.test(cell.trim());
}

/** Whether a cell is a number with a decimal point ('1.5'). */
export function looksLikeDecimalPoint(cell: string): boolean {
  return /^[+-]?\d*\.\d+([eE][+-]?\d+)?$/.test(cell.trim());
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const DAY_MONTH_DATE = /^(\d{1,2})([./-])(\d{1,2})\2(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?$/;

/**
 * The date (and time) in a cell as days since 1970-01-01 UTC, fractional for a time of day, or NaN when the cell
 * is not a valid date in `order`. 'ymd' reads ISO 8601 (2024-12-31, 2024-12-31T18:30:00Z, with an offset or a
 * space); 'dmy' and 'mdy' read 31.12.2024, 31/12/2024, 31-12-2024 (or 12/31/2024) with an optional time.
 * Dates and times without an offset are taken as UTC, so a file reads the same wherever it is read.
 */
export function readDate(cell: string, order: DateOrder): number {
  const s = cell.trim();
  let y: number, m: number, d: number;
  let time: (string | undefined)[];
  let zone: string | undefined;
  if (order === "ymd") {
    const g = ISO_DATE.exec(s);
    if (!g) return NaN;
    [y, m, d] = [Number(g[1]), Number(g[2]), Number(g[3])];
    time = [g[4], g[5], g[6], g[7]];
    zone = g[8];
  } else {
    const g = DAY_MONTH_DATE.exec(s);
    if (!g) return NaN;
    [d, m] = order === "dmy" ? [Number(g[1]), Number(g[3])] : [Number(g[3]), Number(g[1])];
    if (g[2] === "." && order === "mdy") return NaN; // dotted dates are written day first
    y = Number(g[4]);
    time = [g[5], g[6], g[7], g[8]];
  }
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return NaN;
  const [hh, mm, ss, frac] = time.map((t) => (t === undefined ? 0 : Number(t)));
  if (hh > 23 || mm > 59 || ss > 59) return NaN;
  let minutes = hh * 60 + mm;
  if (zone && zone !== "Z") {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    minutes -= (z[1] === "-" ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3]));
  }
  return daysFromCivil(y, m, d) + (minutes * 60 + ss + frac) / 86400;
}

/** The day and month fields of a day-month date ('31/12/2024' → [31, 12]) and its separator, or undefined. */
export function dayMonthFields(cell: string): { first: number; second: number; separator: string } | undefined {
  const g = DAY_MONTH_DATE.exec(cell.trim());
  return g ? { first: Number(g[1]), second: Number(g[3]), separator: g[2] } : undefined;
}

/** How a date order is written, for messages: 'day/month/year'. */
export function describeDateOrder(order: DateOrder): string {
  return order === "ymd" ? "ISO 8601 year-month-day" : order === "dmy" ? "day/month/year" : "month/day/year";
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
