// A first-fit allocator over the core's linear memory. Its bookkeeping lives in
// JavaScript so the core owns no state; blocks are 64-byte aligned so SIMD
// loads never straddle a cache line at a block start.
import { CoreError } from "../errors.js";

const ALIGN = 64;
/** Bytes in a WebAssembly memory page. */
export const PAGE = 65536;

interface Block { start: number; size: number }

/** Hands out and takes back byte ranges of one WebAssembly.Memory. */
export class Allocator {
  private free: Block[] = [];
  private used = new Map<number, number>();
  private top: number;
  private inUse = 0;

  constructor(private readonly memory: WebAssembly.Memory, base: number, private readonly maxBytes: number) {
    this.top = align(base);
  }

  /** Bytes currently handed out and not yet freed. */
  get bytesInUse(): number {
    return this.inUse;
  }

  /** Reserves `bytes` bytes (rounded up to the alignment) and returns their address. */
  alloc(bytes: number): number {
    if (!(bytes >= 0)) throw new CoreError(`alloc: a byte count must be a number ≥ 0, got ${bytes}`);
    const size = Math.max(ALIGN, align(bytes));
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i];
      if (b.size < size) continue;
      const start = b.start;
      if (b.size === size) this.free.splice(i, 1);
      else { b.start += size; b.size -= size; }
      return this.take(start, size);
    }
    const start = this.top;
    this.ensure(start + size, bytes);
    this.top = start + size;
    return this.take(start, size);
  }

  /** Returns a block obtained from alloc; freeing twice or a foreign address throws. */
  release(ptr: number): void {
    const size = this.used.get(ptr);
    if (size === undefined) throw new CoreError(`release of address ${ptr} that is not allocated`);
    this.used.delete(ptr);
    this.inUse -= size;
    this.insertFree({ start: ptr, size });
  }

  private take(start: number, size: number): number {
    this.used.set(start, size);
    this.inUse += size;
    return start;
  }

  /** Keeps the free list sorted and coalesced; a block touching the top shrinks the top instead. */
  private insertFree(block: Block): void {
    let i = 0;
    while (i < this.free.length && this.free[i].start < block.start) i++;
    this.free.splice(i, 0, block);
    const next = this.free[i + 1];
    if (next && block.start + block.size === next.start) {
      block.size += next.size;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.start + prev.size === block.start) {
      prev.size += block.size;
      this.free.splice(i, 1);
    }
    const last = this.free[this.free.length - 1];
    if (last && last.start + last.size === this.top) {
      this.top = last.start;
      this.free.pop();
    }
  }

  /** Grows memory to `end` bytes for a request of `bytes`, or throws a CoreError saying what did not fit. */
  private ensure(end: number, bytes: number): void {
    const refuse = (why: string) => new CoreError(`out of memory: ${bytes} bytes requested with ${this.inUse} in use; ${why}`);
    if (!Number.isFinite(end) || end > this.maxBytes) throw refuse(`the core's memory limit is ${this.maxBytes} bytes`);
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    try {
      this.memory.grow(Math.ceil((end - have) / PAGE));
    } catch (e) {
      // Below the limit, the host may still refuse to grow (its own memory is short).
      throw refuse(`the host refused to grow the core's memory from ${have} to ${end} bytes (${(e as Error).message})`);
    }
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
