// A batch source over data uploaded whole into the core: training rows, and
// validation rows either as separate data or split off the end. Each epoch
// writes the identity order into an index buffer and shuffles it there, so the
// order depends on the RNG state alone and a resumed run repeats it.
import type { Core } from "../runtime/core.js";
import type { BatchSource, Part } from "./batch-source.js";
import type { DeviceData } from "./device-data.js";

/** Resident data as a batch source; it owns `data` and `validation` and frees them with itself. */
export class MemorySource implements BatchSource {
  readonly rows: number;
  readonly validationRows: number;
  private index = 0;
  private identity: Int32Array | undefined;

  /** `splitRows` rows at the end of `data` are held out when there is no separate `validation`. */
  constructor(private readonly core: Core, private readonly rng: number, private readonly data: DeviceData,
    private readonly validation?: DeviceData, splitRows = 0) {
    this.rows = data.rows - (validation ? 0 : splitRows);
    this.validationRows = validation ? validation.rows : splitRows;
  }

  get targetKind(): DeviceData["targets"]["kind"] {
    return this.data.targets.kind;
  }

  beginEpoch(shuffle: boolean): void {
    const core = this.core;
    if (!this.identity) {
      this.index = core.allocator.alloc(this.rows * 4);
      this.identity = Int32Array.from({ length: this.rows }, (_, i) => i);
    }
    core.i32(this.index, this.rows).set(this.identity);
    if (shuffle) core.kernels.rng_shuffle(this.rng, this.index, this.rows);
  }

  gather(start: number, rows: number, x: number, targets: number): void {
    this.data.gather(this.index + start * 4, rows, x, targets);
  }

  rowsOf(part: Part, row: number, rows: number, scratch: number): ReturnType<BatchSource["rowsOf"]> {
    const [data, first] = part === "validation" && this.validation ? [this.validation, row]
      : [this.data, part === "validation" ? this.rows + row : row];
    return { x: data.rowsX(first, rows, scratch), targets: data.targetsFrom(first) };
  }

  free(): void {
    if (this.index) this.core.free(this.index);
    this.index = 0;
    this.data.free();
    this.validation?.free();
  }
}
