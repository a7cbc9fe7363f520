// Scratch memory kept between batches: reallocated only when a batch needs
// more rows than it holds, so steady-state training allocates nothing.
import type { Core } from "../runtime/core.js";

/** A block of linear memory for some number of rows of `bytesPerRow` bytes, grown on demand and never shrunk. */
export class GrowingBuffer {
  private ptr = 0;
  private rows = 0;

  constructor(private readonly core: Core, private readonly bytesPerRow: number) {}

  /** Rows the current block holds. */
  get capacity(): number {
    return this.rows;
  }

  /** A block for at least `rows` rows; a new one (contents undefined) when the current one is smaller. */
  take(rows: number): number {
    if (this.rows < rows) {
      this.free();
      this.ptr = this.core.allocator.alloc(rows * this.bytesPerRow);
      this.rows = rows;
    }
    return this.ptr;
  }

  /** Frees the block; the next take() allocates anew. */
  free(): void {
    if (this.ptr) this.core.free(this.ptr);
    this.ptr = 0;
    this.rows = 0;
  }
}
