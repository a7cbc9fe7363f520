// Written by scripts/version.mjs from package.json; do not edit.
/** This package's version; the core's .wasm must report the same one. */
export const VERSION = "0.1.0";
