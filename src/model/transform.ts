// The model's preprocessing as the core applies it: a scale and an offset per column.
import type { Core } from "../runtime/core.js";
import { isIdentity, uniform, type Preprocessing } from "../nn/preprocessing.js";
import type { RowTransform } from "../train/device-data.js";

/** Makes the row transform of a preprocessing in the core (with its target scaling, if any); none for the identity. */
export function makeTransform(core: Core, spec: Preprocessing, n: number): RowTransform | undefined {
  const target = spec.target?.scale && spec.target.offset ? { scale: spec.target.scale, offset: spec.target.offset } : undefined;
  if (isIdentity(spec) && !target) return undefined;
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
  const t: RowTransform = { columns: { scale, offset }, uniform: uniform(spec) };
  if (target) {
    // Outputs go back by (y − offset)/scale, i.e. y·(1/scale) + (−offset/scale).
    t.targets = { scale: core.allocF32(target.scale.length), offset: core.allocF32(target.scale.length) };
    t.outputs = { scale: core.allocF32(target.scale.length), offset: core.allocF32(target.scale.length) };
    core.f32(t.targets.scale, target.scale.length).set(target.scale);
    core.f32(t.targets.offset, target.scale.length).set(target.offset);
    core.f32(t.outputs.scale, target.scale.length).set(target.scale.map((s) => 1 / s));
    core.f32(t.outputs.offset, target.scale.length).set(target.offset.map((o, i) => -o / target.scale[i]));
  }
  return t;
}

/** Frees a row transform's columns. */
export function freeTransform(core: Core, t: RowTransform | undefined): void {
  if (!t) return;
  for (const ptr of [t.columns.scale, t.columns.offset, t.targets?.scale, t.targets?.offset, t.outputs?.scale, t.outputs?.offset]) if (ptr) core.free(ptr);
}
