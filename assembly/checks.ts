// Predicates for the kernels' preconditions. Each kernel states them with
// assert(), in its own file so that a failed check names that file and line.
// Only the debug target compiles assert() (every other target of asconfig.json
// sets noAssert and drops the abort import), and under noAssert the predicates
// are constant true, so release builds carry neither a check nor an import
// beyond their memory.

/** `count` elements of `size` bytes at `ptr`, aligned to `size`, lie inside memory; no count, no claim. */
// @ts-ignore: decorator
@inline export function span(ptr: usize, count: i64, size: i32): bool {
  if (ASC_NO_ASSERT || count <= 0) return true;
  return ptr % <usize>size == 0 && <u64>ptr + <u64>count * <u64>size <= (<u64>memory.size() << 16);
}

/** A rows×cols f32 matrix, rows ld elements apart (ld ≥ cols), lies inside memory. */
// @ts-ignore: decorator
@inline export function matrix(ptr: usize, rows: i32, cols: i32, ld: i32): bool {
  if (ASC_NO_ASSERT || rows <= 0 || cols <= 0) return true;
  return ld >= cols && ptr % 4 == 0 &&
    <u64>ptr + (<u64>(rows - 1) * <u64>ld + <u64>cols) * 4 <= (<u64>memory.size() << 16);
}

/** Row k of rows `bytes` long from `base` lies inside memory (computed in 64 bits, so a huge k cannot wrap). */
// @ts-ignore: decorator
@inline export function row_inside(base: usize, k: usize, bytes: usize): bool {
  if (ASC_NO_ASSERT) return true;
  return <u64>base + (<u64>k + 1) * <u64>bytes <= (<u64>memory.size() << 16);
}

/** `bytes` bytes of scratch at `ptr`, 16-byte aligned, lie inside memory. */
// @ts-ignore: decorator
@inline export function scratch(ptr: usize, bytes: i32): bool {
  if (ASC_NO_ASSERT) return true;
  return ptr % 16 == 0 && <u64>ptr + <u64>bytes <= (<u64>memory.size() << 16);
}
