// A bounded reader of the protobuf wire format, enough for ONNX's messages.
// Every read checks the bytes left in the current message before touching
// them, so a hostile length or a truncated varint is a ModelFileError naming
// the message and the byte, never a RangeError, and nothing is allocated from
// a declared length before that length is known to fit.
import { ModelFileError } from "../../errors.js";

/** Wire types: how a field's value is laid out after its key. */
export const Wire = { VARINT: 0, FIXED64: 1, BYTES: 2, START_GROUP: 3, END_GROUP: 4, FIXED32: 5 } as const;

const TWO_32 = 4294967296;
const WIRE_NAMES = ["varint", "fixed64", "length-delimited", "start-group", "end-group", "fixed32", "6", "7"];

/** Reads the fields of one message, bytes[start, end), one key and value at a time. */
export class ProtoReader {
  /** Position of the next byte to read, an index into `bytes`. */
  pos: number;
  /** Field number of the field last read by next(). */
  field = 0;
  /** Wire type of the field last read by next(). */
  wire = 0;
  // The varint last read, as two unsigned 32-bit halves, so no bigint or object is made per value.
  private lo = 0;
  private hi = 0;
  private readonly view: DataView;

  /** `where` names the message in errors ("graph.node[3]"); it may be refined once the message's name is read. */
  constructor(readonly bytes: Uint8Array, readonly start: number, readonly end: number, public where: string, view?: DataView) {
    this.pos = start;
    this.view = view ?? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** A fresh reader over the same message, from its first field. */
  again(): ProtoReader {
    return new ProtoReader(this.bytes, this.start, this.end, this.where, this.view);
  }

  /** Throws a ModelFileError naming the message, the problem and the byte of the file it was found at. */
  fail(problem: string, at = this.pos): never {
    throw new ModelFileError(`${this.where ? `${this.where}: ` : ""}${problem} (byte ${at})`);
  }

  /** Reads the next field's key into `field` and `wire`; false at the end of the message. */
  next(): boolean {
    if (this.pos >= this.end) return false;
    const at = this.pos;
    this.readVarint();
    if (this.hi !== 0 || this.lo >>> 3 === 0) this.fail(`field key ${this.describeVarint()} names no field`, at);
    this.field = this.lo >>> 3;
    this.wire = this.lo & 7;
    if (this.wire === Wire.START_GROUP || this.wire === Wire.END_GROUP) {
      this.fail(`field ${this.field} is a group (wire type ${this.wire}), an encoding ONNX never uses`, at);
    }
    if (this.wire > Wire.FIXED32) this.fail(`field ${this.field} has wire type ${this.wire}, which protobuf does not define`, at);
    return true;
  }

  /** Skips the value of the field last read by next(). */
  skip(): void {
    switch (this.wire) {
      case Wire.VARINT: this.readVarint(); break;
      case Wire.FIXED64: this.advance(8); break;
      case Wire.BYTES: this.advance(this.length()); break;
      default: this.advance(4);
    }
  }

  /** Fails unless the field last read has wire type `wire`. */
  expect(wire: number, name: string): void {
    if (this.wire !== wire) this.fail(`${name} (field ${this.field}) is ${WIRE_NAMES[this.wire]}, expected ${WIRE_NAMES[wire]}`);
  }

  /** An int32 or enum field: protobuf keeps the low 32 bits of the (sign-extended) varint. */
  int32(): number {
    this.readVarint();
    return this.lo | 0;
  }

  /** A uint32 field, or the low 32 bits of a wider varint. */
  uint32(): number {
    this.readVarint();
    return this.lo;
  }

  /** An int64 field (negative values are ten-byte two's complement); fails unless it is a safe integer. */
  int64(): number {
    const at = this.pos;
    this.readVarint();
    // (hi|0)·2^32 is exact; adding lo is exact inside ±2^53 and rounds to an unsafe value outside it.
    const v = (this.hi | 0) * TWO_32 + this.lo;
    if (!Number.isSafeInteger(v)) this.fail(`int64 value ${this.describeVarint(true)} is beyond ±(2^53 − 1), the integers JavaScript holds exactly`, at);
    return v;
  }

  /** A float (fixed32) field. */
  float(): number {
    this.advance(4);
    return this.view.getFloat32(this.pos - 4, true);
  }

  /** A double (fixed64) field. */
  double(): number {
    this.advance(8);
    return this.view.getFloat64(this.pos - 8, true);
  }

  /** A length-delimited field's bytes, a view into the input (no copy). */
  bytesField(): Uint8Array {
    const n = this.length();
    this.advance(n);
    return this.bytes.subarray(this.pos - n, this.pos);
  }

  /** A string field, decoded as UTF-8 (malformed sequences become U+FFFD, as protobuf's own readers do for names). */
  string(): string {
    const n = this.length();
    this.advance(n);
    return n === 0 ? "" : decoder.decode(this.bytes.subarray(this.pos - n, this.pos));
  }

  /** A reader of the embedded message the current length-delimited field holds; this reader moves past it. */
  message(where: string): ProtoReader {
    const n = this.length();
    this.advance(n);
    return new ProtoReader(this.bytes, this.pos - n, this.pos, where, this.view);
  }

  /**
   * The number of values the current occurrence of a repeated scalar field `name` holds, without
   * reading them: one for an unpacked value (which is skipped), len/size for a packed fixed-width
   * run, the count of final bytes for a packed run of varints (size 0), which must end on one.
   */
  countValues(size: 0 | 4 | 8, name: string): number {
    if (this.wire !== Wire.BYTES) {
      this.expect(size === 0 ? Wire.VARINT : size === 4 ? Wire.FIXED32 : Wire.FIXED64, name);
      this.skip();
      return 1;
    }
    const start = this.pos;
    const run = this.bytesField();
    if (size) {
      if (run.length % size !== 0) this.fail(`${name} is a packed run of ${run.length} bytes, not a multiple of ${size}`, start);
      return run.length / size;
    }
    if (run.length && run[run.length - 1] >= 0x80) this.fail(`${name} is a packed run of varints that ends inside a varint`, start);
    let n = 0;
    for (let i = 0; i < run.length; i++) if (run[i] < 0x80) n++;
    return n;
  }

  /**
   * A reader over the values of the current occurrence of a repeated scalar field: the packed
   * run, or the one unpacked value; read from it while pos < end. This reader moves past them.
   */
  values(): ProtoReader {
    if (this.wire === Wire.BYTES) return this.message(this.where);
    const start = this.pos;
    this.skip();
    return new ProtoReader(this.bytes, start, this.pos, this.where, this.view);
  }

  /** Reads a varint's length prefix and checks it against the bytes left in the message. */
  private length(): number {
    const at = this.pos;
    this.readVarint();
    const left = this.end - this.pos;
    if (this.hi !== 0 || this.lo > left) this.fail(`field ${this.field} claims ${this.describeVarint()} bytes; the message has ${left} left`, at);
    return this.lo;
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) this.fail(`field ${this.field} needs ${n} bytes; the message has ${this.end - this.pos} left`);
    this.pos += n;
  }

  /** Reads up to ten bytes into lo and hi; ten bytes carry 64 bits, and bits past the 64th are dropped as protobuf does. */
  private readVarint(): void {
    const b = this.bytes;
    const end = this.end;
    let p = this.pos;
    let lo = 0;
    let hi = 0;
    let byte = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (p >= end) this.fail("a varint runs past the end of the message", this.pos);
      byte = b[p++];
      lo |= (byte & 0x7f) << shift;
      if (byte < 0x80) return this.done(p, lo, 0);
    }
    if (p >= end) this.fail("a varint runs past the end of the message", this.pos);
    byte = b[p++];
    lo |= (byte & 0x0f) << 28;
    hi = (byte & 0x7f) >> 4;
    if (byte < 0x80) return this.done(p, lo, hi);
    for (let shift = 3; shift < 32; shift += 7) {
      if (p >= end) this.fail("a varint runs past the end of the message", this.pos);
      byte = b[p++];
      hi |= (byte & 0x7f) << shift;
      if (byte < 0x80) return this.done(p, lo, hi);
    }
    this.fail("a varint is longer than 10 bytes", this.pos);
  }

  private done(p: number, lo: number, hi: number): void {
    this.pos = p;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** The varint last read, exactly, for an error message. */
  private describeVarint(signed = false): string {
    const v = (BigInt(this.hi) << 32n) | BigInt(this.lo);
    return String(signed ? BigInt.asIntN(64, v) : v);
  }
}

const decoder = new TextDecoder("utf-8");
