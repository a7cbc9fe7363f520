// Two projects: the whole suite as users get it by default, and the GEMM and
// SIMD-build tests again with relaxed SIMD switched on, which Node 20 runs only
// behind a flag. There init() picks the relaxed-SIMD build (fused multiply-add),
// so the same kernel tests check both builds against their scalar references.
import { defineConfig } from "vitest/config";

const RELAXED = ["test/gemm.test.ts", "test/simd-builds.test.ts", "test/packed-weights.test.ts"];

export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: "default", include: ["test/**/*.test.ts"] } },
      { extends: true, test: { name: "relaxed-simd", include: RELAXED, execArgv: ["--experimental-wasm-relaxed-simd"] } },
    ],
  },
});
