// Protobuf bytes written and edited by the tests' own code, independent of the decoder
// under test: a writer of fields (for hand-built messages) and a tree of raw fields
// (for editing valid files and writing them back, malformed on purpose where asked).

export type Bytes = number[] | Uint8Array;
// A plain Uint8Array copy, not a Buffer (whose slice() would share memory).
export const cat = (...parts: Bytes[]): Uint8Array => new Uint8Array(Buffer.concat(parts.map((p) => Uint8Array.from(p))));
/** A varint; negative numbers as ten-byte two's complement, as protobuf writes int64. */
export const varint = (value: number | bigint): number[] => {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? low | 0x80 : low);
  } while (v);
  return out;
};
/** Fields of each wire type: a key, then a varint, a length-delimited body, or 4 or 8 little-endian bytes. */
export const key = (field: number, wire: number) => varint(field * 8 + wire);
export const int = (field: number, value: number | bigint) => cat(key(field, 0), varint(value));
export const len = (field: number, ...content: Bytes[]) => {
  const body = cat(...content);
  return cat(key(field, 2), varint(body.length), body);
};
export const str = (field: number, s: string) => len(field, new TextEncoder().encode(s));
export const fixed32 = (field: number, v: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  return cat(key(field, 5), b);
};
export const fixed64 = (field: number, v: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, true);
  return cat(key(field, 1), b);
};

/** One field of a message as written: its number, wire type and raw value. */
export interface Field {
  field: number;
  wire: number;
  /** A varint's value, or the bytes of a fixed-width or length-delimited value. */
  value: bigint | Uint8Array;
  /** Bytes written instead of the value's own encoding (after the key), to write malformed varints and lengths. */
  encoded?: number[];
}

/** The fields of a valid message (the bases are valid, so this reader need not be defensive). */
export function parse(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  let i = 0;
  const read = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = bytes[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  while (i < bytes.length) {
    const key = Number(read());
    const wire = key & 7;
    let value: bigint | Uint8Array;
    if (wire === 0) value = read();
    else {
      const n = wire === 2 ? Number(read()) : wire === 1 ? 8 : 4;
      value = bytes.subarray(i, i + n);
      i += n;
    }
    fields.push({ field: key >> 3, wire, value });
  }
  return fields;
}

/** The bytes of `fields`, each written from its value or, where given, its `encoded` bytes. */
export function encode(fields: Field[]): Uint8Array {
  return cat(...fields.map((f) => {
    const head = key(f.field, f.wire);
    if (f.encoded) return cat(head, f.encoded);
    if (f.wire === 0) return cat(head, varint(f.value as bigint));
    const body = f.value as Uint8Array;
    return f.wire === 2 ? cat(head, varint(body.length), body) : cat(head, body);
  }));
}
