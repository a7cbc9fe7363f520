// The core carried inside the JavaScript (src/runtime/embedded.ts, and
// dist/inline.js that scripts/build.mjs writes): the embedded bytes are the
// shipped .wasm exactly, and a core loaded from them runs on one thread.
import { readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { createCore, relaxedSimdSupported } from "../src/runtime/core.js";
import { embeddedWasm, embedWasm, wasmEmbedded } from "../src/runtime/embedded.js";

const shipped = (file: string) => readFile(new URL(`../build/${file}`, import.meta.url));
const pack = (bytes: Uint8Array) => gzipSync(bytes).toString("base64");

describe("embedded core", () => {
  it("dist/inline.js carries the current plain and relaxed builds, byte for byte", async () => {
    await import("../dist/inline.js");
    // The built entry fills the built copy of the module, apart from the src/ one the other tests use.
    const built = await import("../dist/runtime/embedded.js");
    expect(Buffer.from((await built.embeddedWasm(false))!).equals(await shipped("wasmlp.wasm"))).toBe(true);
    expect(Buffer.from((await built.embeddedWasm(true))!).equals(await shipped("wasmlp-relaxed.wasm"))).toBe(true);
  });

  it("until embedWasm() is called, nothing is embedded and init() loads the shipped files", async () => {
    expect(wasmEmbedded()).toBe(false);
    expect(await embeddedWasm(false)).toBeUndefined();
    const core = await createCore({ threads: 2 });
    expect([core.shared, core.threads]).toEqual([true, 2]);
    await core.stopPool();
  });

  it("once embedded, each build's bytes come back whole, and a core runs them on unshared memory and one thread", async () => {
    const [plain, relaxed] = await Promise.all([shipped("wasmlp.wasm"), shipped("wasmlp-relaxed.wasm")]);
    embedWasm({ plain: pack(plain), relaxed: pack(relaxed) });
    expect(wasmEmbedded()).toBe(true);
    expect(Buffer.from((await embeddedWasm(false))!).equals(plain)).toBe(true);
    expect(Buffer.from((await embeddedWasm(true))!).equals(relaxed)).toBe(true);
    const core = await createCore({ threads: 2 });
    expect([core.shared, core.threads, core.file]).toEqual([false, 1, relaxedSimdSupported() ? "wasmlp-relaxed.wasm" : "wasmlp.wasm"]);
    const forced = await createCore({ simd: "plain" });
    expect([forced.build, forced.file]).toEqual(["plain", "wasmlp.wasm"]);
  });
});
