// Written by scripts/version.mjs from package.json; do not edit.
/** The wasmlp version this core was built for, as major·1000000 + minor·1000 + patch (0.1.0). */
export function wasmlp_version(): u32 {
  return 1000;
}
