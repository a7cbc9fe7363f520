// The model's preprocessing as the core applies it: a scale and an offset per column.
import type { Core } from "../runtime/core.js";
import { isIdentity, uniform, type Preprocessing } from "../nn/preprocessing.js";
import type { RowTransform } from "../train/device-data.js";

/** Makes the row transform of a preprocessing in the core; none for the identity. */
export function makeTransform(core: Core, spec: Preprocessing, n: number): RowTransform | undefined {
  if (isIdentity(spec)) return undefined;
  const scale = core.allocF32(n);
  let offset = 0;
  try {
    offset = core.allocF32(n);
  } catch (e) {
    core.free(scale);
    throw e;
  }
  const fill = (ptr: number, v: number | number[]) => {
    const view = core.f32(ptr, n);
    if (typeof v === "number") view.fill(v);
    else view.set(v);
  };
  fill(scale, spec.scale);
  fill(offset, spec.offset);
  return { columns: { scale, offset }, uniform: uniform(spec) };
}

/** Frees a row transform's columns. */
export function freeTransform(core: Core, t: RowTransform | undefined): void {
  if (!t) return;
  core.free(t.columns.scale);
  core.free(t.columns.offset);
}
