// Two projects: the whole suite as users get it by default, and the GEMM and
// SIMD-build tests again with relaxed SIMD switched on, which Node 20 runs only
// behind a flag. There init() picks the relaxed-SIMD build (fused multiply-add),
// so the same kernel tests check both builds against their scalar references.
// Node 22+ runs relaxed SIMD by default and refuses the flag: there the default
// project already loads the relaxed build, and the second project is left out.
import { defineConfig } from "vitest/config";
import { relaxedSimdFlags } from "./scripts/node.mjs";

const RELAXED = ["test/gemm.test.ts", "test/simd-builds.test.ts", "test/packed-weights.test.ts"];
const RELAXED_FLAGS = relaxedSimdFlags();

export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: "default", include: ["test/**/*.test.ts"] } },
      ...(RELAXED_FLAGS.length ? [{ extends: true, test: { name: "relaxed-simd", include: RELAXED, execArgv: RELAXED_FLAGS } }] : []),
    ],
  },
});
