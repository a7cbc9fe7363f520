// Setup of the "debug" vitest project: loads the checked build before a test file
// runs, so each init() in it returns a core whose kernels check every call (sizes,
// alignment, pointers and extents inside memory) and throw a CoreError at the
// first wrong one.
import { init } from "../src/runtime/core.js";

const core = await init({ debug: true });
if (!core.checked) throw new Error(`the debug project loaded ${core.file}, not the checked build`);
