// The core's exports: every kernel is a pure function of pointers and sizes,
// allocates nothing and never throws. TypeScript owns the memory map.
export * from "./gemm";
export * from "./gemm_int8";
export * from "./activations";
export * from "./maxout";
export * from "./losses";
export * from "./metrics";
export * from "./reduce";
export * from "./random";
export * from "./optimizers";
export * from "./convert";
export * from "./version";

/** First free byte after the module's static data; TypeScript's allocator starts here. */
export function heap_base(): usize {
  return __heap_base;
}

/** 1 in the relaxed-SIMD build (fused multiply-add), 0 in the plain SIMD build. */
export function simd_build(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}
