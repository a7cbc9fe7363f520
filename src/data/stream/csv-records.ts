// CSV records read from UTF-8 bytes exactly as parseCsv splits text (RFC 4180 quoting, CRLF or LF, blank
// lines skipped, spaces allowed after a closing quote), one record at a time, so a reader can stop at
// any record and wait for more bytes: a record that runs past the bytes at hand is read again once more came.
import { InputError } from "../../errors.js";

/** A record read from bytes: its fields, the line it starts on, and where the next one starts. */
export interface ByteRecord {
  fields: string[];
  /** The file line the record starts on. */
  line: number;
  /** No field holds anything but spaces (and no quote or delimiter was written): parseCsv skips such records. */
  blank: boolean;
  /** Index of the byte after the record, and the line there. */
  next: number;
  nextLine: number;
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** Fields are decoded with a byte-order mark kept: only the file's first bytes may hold one that is not text. */
export const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * The record starting at bytes[at] on `line`, with `delimiter` as UTF-8 bytes. Returns undefined when the record
 * is not complete before `end` and more bytes may follow (`eof` false); at the end of the input a quoted field
 * never closed is an InputError, as is a character other than a delimiter or line end after a closing quote.
 */
export function readRecord(bytes: Uint8Array, at: number, end: number, eof: boolean, delimiter: Uint8Array, line: number, source: string): ByteRecord | undefined {
  const start = line;
  const fields: string[] = [];
  let blank = true;
  let i = at;
  for (;;) {
    if (i >= end && !eof) return undefined;
    if (i < end && bytes[i] === QUOTE) {
      blank = false;
      const quoteLine = line;
      const from = ++i;
      let escaped = false;
      for (;;) {
        if (i >= end) {
          if (!eof) return undefined;
          throw new InputError(`${source}:${quoteLine}: a quoted field is never closed`);
        }
        const c = bytes[i];
        if (c === QUOTE) {
          if (i + 1 >= end && !eof) return undefined;
          if (bytes[i + 1] === QUOTE) {
            escaped = true;
            i += 2;
            continue;
          }
          break;
        }
        if (c === LF) line++;
        i++;
      }
      const text = utf8.decode(bytes.subarray(from, i));
      fields.push(escaped ? text.replaceAll('""', '"') : text);
      i++;
      while (i < end && (bytes[i] === 32 || bytes[i] === 9) && !isDelimiter(bytes, i, end, delimiter)) i++;
      if (i >= end && !eof) return undefined;
      if (i < end && !isDelimiter(bytes, i, end, delimiter) && bytes[i] !== LF && bytes[i] !== CR) {
        if (delimiter.length > 1 && i + delimiter.length > end && !eof) return undefined;
        throw new InputError(`${source}:${line}: unexpected ${JSON.stringify(charAt(bytes, i, end))} after a closing quote`);
      }
    } else {
      const from = i;
      for (;;) {
        if (i >= end) {
          if (!eof) return undefined;
          break;
        }
        const c = bytes[i];
        if (c === LF) break;
        if (c === CR) {
          if (i + 1 >= end && !eof) return undefined;
          if (bytes[i + 1] === LF) break;
        } else if (c === delimiter[0]) {
          if (delimiter.length === 1) break;
          if (i + delimiter.length > end && !eof) return undefined;
          if (isDelimiter(bytes, i, end, delimiter)) break;
        }
        i++;
      }
      const field = utf8.decode(bytes.subarray(from, i));
      if (blank && field.trim() !== "") blank = false;
      fields.push(field);
    }
    if (i < end && isDelimiter(bytes, i, end, delimiter)) {
      blank = false;
      i += delimiter.length;
      continue;
    }
    if (i < end && bytes[i] === CR) {
      if (i + 1 >= end && !eof) return undefined;
      i++;
    }
    if (i < end && bytes[i] === LF) i++;
    line++;
    return { fields, line: start, blank, next: i, nextLine: line };
  }
}

function isDelimiter(bytes: Uint8Array, i: number, end: number, delimiter: Uint8Array): boolean {
  if (bytes[i] !== delimiter[0]) return false;
  if (i + delimiter.length > end) return false;
  for (let k = 1; k < delimiter.length; k++) if (bytes[i + k] !== delimiter[k]) return false;
  return true;
}

/** The UTF-16 code unit at a byte position, as parseCsv's text[i] would show it. */
function charAt(bytes: Uint8Array, i: number, end: number): string {
  const lead = bytes[i];
  const length = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
  return utf8.decode(bytes.subarray(i, Math.min(end, i + length)))[0];
}
