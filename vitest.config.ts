// Two projects: the whole suite as users get it by default, and the GEMM and
// SIMD-build tests again with relaxed SIMD switched on, which Node 20 runs only
// behind a flag. There init() picks the relaxed-SIMD build (fused multiply-add),
// so the same kernel tests check both builds against their scalar references.
// Node 22+ runs relaxed SIMD by default and refuses the flag: there the default
// project already loads the relaxed build, and the second project is left out.
// The int8 kernel tests run once more under V8's baseline compiler alone (see
// test/kernels-int8.test.ts), as every kernel's first calls do.
// A further project runs the kernel and model tests on the checked (debug) build,
// where a wrong pointer or size from TypeScript fails at the call that passed it.
import { defineConfig } from "vitest/config";
import { relaxedSimdFlags } from "./scripts/node.mjs";

const RELAXED = ["test/gemm.test.ts", "test/simd-builds.test.ts", "test/packed-weights.test.ts", "test/kernels-int8.test.ts", "test/quantize.test.ts"];
const RELAXED_FLAGS = relaxedSimdFlags();
const DEBUG = ["test/kernels-*.test.ts", "test/gemm.test.ts", "test/packed-weights.test.ts", "test/gradients.test.ts",
  "test/model-api.test.ts", "test/model-fixtures.test.ts", "test/debug-core.test.ts", "test/predictions.test.ts", "test/metrics.test.ts",
  "test/target-ranges.test.ts"];

export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: "default", include: ["test/**/*.test.ts"] } },
      ...(RELAXED_FLAGS.length ? [{ extends: true, test: { name: "relaxed-simd", include: RELAXED, execArgv: RELAXED_FLAGS } }] : []),
      // The int8 kernels again with V8's baseline compiler alone, which compiles every kernel first (relaxed SIMD on).
      { extends: true, test: { name: "wasm-baseline", include: ["test/kernels-int8.test.ts"], execArgv: [...RELAXED_FLAGS, "--liftoff-only"] } },
      { extends: true, test: { name: "debug", include: DEBUG, setupFiles: ["test/setup-debug.ts"] } },
    ],
  },
});
