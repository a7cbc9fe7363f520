// Where the examples write their pictures: $WASMLP_OUT, or examples/output/.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The output folder, created if needed. */
export const OUT = process.env.WASMLP_OUT ?? fileURLToPath(new URL("./output/", import.meta.url));
mkdirSync(OUT, { recursive: true });

/** True when the examples run as a quick smoke test (fewer epochs). */
export const QUICK = process.env.WASMLP_QUICK === "1";

/** Writes `text` to `name` in the output folder and says so. */
export function save(name, text) {
  const path = join(OUT, name);
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
  return path;
}
