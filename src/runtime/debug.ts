// The checked build of the core (build/wasmlp-debug.wasm, the "debug" target of
// asconfig.json): every kernel asserts its sizes, alignment, and that each
// pointer and extent lies inside memory. @assemblyscript/loader instantiates it
// and supplies the abort import, which decodes the failed check's message, file
// and line; each call turns that into a CoreError, so a wrong pointer or size
// from TypeScript is caught at the call that passed it, before memory is touched.
import { CoreError } from "../errors.js";

/** The checked build shipped beside this package. */
export function debugWasm(): URL {
  return new URL("../../build/wasmlp-debug.wasm", import.meta.url);
}

/** The loader's abort message: "abort: <message> at <file>:<line>:<column>". */
const ABORT = /^abort: (.*) at (.+):(\d+):(\d+)$/s;

/** Instantiates a checked build on `memory`; its exported functions throw a CoreError when a check fails. */
export async function instantiateChecked(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<Record<string, unknown>> {
  const { instantiate } = await import("@assemblyscript/loader");
  const { exports } = await instantiate<Record<string, unknown>>(module, { env: { memory } });
  // Only the module's own exports: the loader adds helpers for managed runtimes, which the core has not.
  return Object.fromEntries(WebAssembly.Module.exports(module).map(({ name }) => {
    const value = exports[name];
    return [name, typeof value === "function" ? checked(value as (...a: number[]) => unknown) : value];
  }));
}

/** `kernel` with a failed check turned into a CoreError naming the check, its file and line. */
function checked(kernel: (...a: number[]) => unknown): (...a: number[]) => unknown {
  return (...a) => {
    try {
      return kernel(...a);
    } catch (e) {
      const m = e instanceof Error ? ABORT.exec(e.message) : null;
      if (!m) throw e;
      throw new CoreError(`the core's debug build refused a call: ${m[1]} (${m[2]}, line ${m[3]}); ` +
        "the TypeScript that called this kernel passed a wrong pointer or size");
    }
  };
}
