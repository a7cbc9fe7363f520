// What makes the package safe to ship to browsers, checked in Node: the
// version handshake between the JavaScript and the .wasm, the clear error
// without WebAssembly SIMD, the exports map, and error names that survive
// minification. The browser itself is exercised in browser.test.ts.
import { readFile, readdir } from "node:fs/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import { VERSION } from "../src/runtime/version.js";

const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));

/** A module importing memory whose only export reports `code` as its wasmlp version. */
function versionModule(code: number): Uint8Array {
  const sleb = (n: number) => { const b: number[] = []; for (;;) { const x = n & 0x7f; n >>= 7; if ((n === 0 && !(x & 0x40)) || (n === -1 && x & 0x40)) { b.push(x); return b; } b.push(x | 0x80); } };
  const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
  const section = (id: number, body: number[]) => [id, body.length, ...body];
  const body = [0, 0x41, ...sleb(code), 0x0b];
  return Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 0, 1, 0x7f]),
    ...section(2, [1, ...name("env"), ...name("memory"), 2, 0, 1]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name("wasmlp_version"), 0, 0]),
    ...section(10, [1, body.length, ...body])]);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the JavaScript and the .wasm are of one version", () => {
  it("src/version.ts and assembly/version.ts say the package.json version", async () => {
    expect(VERSION).toBe(pkg.version);
    const [major, minor, patch] = pkg.version.split(/[.+-]/).map(Number);
    const assembly = await readFile(new URL("../assembly/version.ts", import.meta.url), "utf8");
    expect(assembly).toContain(`return ${major * 1e6 + minor * 1e3 + patch};`);
  });

  it("every shipped .wasm reports this version", async () => {
    const dir = new URL("../build/", import.meta.url);
    const files = (await readdir(dir)).filter((f) => f.endsWith(".wasm") && !f.includes("relaxed"));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) {
      const module = await WebAssembly.compile(await readFile(new URL(file, dir)));
      const shared = WebAssembly.Module.imports(module).some((i) => i.kind === "memory") && file.includes("shared");
      const memory = new WebAssembly.Memory({ initial: 16, maximum: 32767, shared } as WebAssembly.MemoryDescriptor);
      const { exports } = await WebAssembly.instantiate(module, { env: { memory, abort() {} } });
      const code = (exports.wasmlp_version as () => number)();
      expect(`${Math.floor(code / 1e6)}.${Math.floor(code / 1e3) % 1e3}.${code % 1e3}`, file).toBe(VERSION);
    }
  });

  it("a .wasm of another version is a CoreError naming both versions", async () => {
    vi.resetModules();
    const fresh = await import("../src/runtime/core.js");
    const { CoreError } = await import("../src/errors.js");
    const wrong = await fresh.init({ wasm: versionModule(2003004) }).catch((e) => e);
    expect(wrong).toBeInstanceOf(CoreError);
    expect(wrong.message).toMatch(new RegExp(`is wasmlp 2\\.3\\.4, but this JavaScript is wasmlp ${VERSION.replace(/\./g, "\\.")}`));
  });

  it("a .wasm without a version (not a wasmlp core) is a CoreError saying so", async () => {
    vi.resetModules();
    const fresh = await import("../src/runtime/core.js");
    const bytes = versionModule(1);
    // Rename the export so that the module reports nothing.
    const at = Buffer.from(bytes).indexOf("wasmlp_version");
    bytes[at] = "x".charCodeAt(0);
    const error = await fresh.init({ wasm: bytes }).catch((e) => e);
    expect(error.name).toBe("CoreError");
    expect(error.message).toMatch(/reports no wasmlp version, but this JavaScript is wasmlp/);
  });
});

describe("feature detection", () => {
  it("an engine without WebAssembly SIMD gets a CoreError naming the requirement", async () => {
    vi.resetModules();
    const fresh = await import("../src/runtime/core.js");
    const { CoreError } = await import("../src/errors.js");
    const validate = WebAssembly.validate;
    // An engine without SIMD refuses any module that uses a v128.
    vi.spyOn(WebAssembly, "validate").mockImplementation((bytes) =>
      !Buffer.from(bytes as Uint8Array).includes(Buffer.from([0xfd, 0x0c])) && validate(bytes));
    const error = await fresh.init().catch((e) => e);
    expect(error).toBeInstanceOf(CoreError);
    expect(error.message).toMatch(/^wasmlp needs WebAssembly SIMD/);
    expect(() => fresh.requireSimd()).toThrow(/WebAssembly SIMD/);
  });
});

describe("the package as bundlers see it", () => {
  it("exports the main entry, the inline entry, the worker model and Node helpers, each with types, to import and require alike", async () => {
    for (const [path, entry] of Object.entries(pkg.exports as Record<string, Record<string, string>>)) {
      if (path === "./package.json") continue;
      // One "default" condition serves import, require (Node 20.19+, 22.12+) and bundlers; "types" comes first.
      expect(Object.keys(entry), path).toEqual(["types", "default"]);
      expect(entry.default, path).toMatch(/^\.\/dist\/.*\.js$/);
      expect(entry.types, path).toBe(entry.default.replace(/\.js$/, ".d.ts"));
      await readFile(new URL(`../${entry.default}`, import.meta.url));
      await readFile(new URL(`../${entry.types}`, import.meta.url));
    }
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining([".", "./inline", "./worker", "./node"]));
    expect(pkg.files).toEqual(expect.arrayContaining(["dist", "build/*.wasm"]));
  });

  it("browser code reaches node: modules only through nodeImport, which bundlers skip", async () => {
    const sources: string[] = [];
    const walk = async (dir: URL): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) {
          if (!["node", "cli"].includes(entry.name)) await walk(new URL(`${entry.name}/`, dir));
        } else if (entry.name.endsWith(".ts")) sources.push(new URL(entry.name, dir).pathname);
      }
    };
    await walk(new URL("../src/", import.meta.url));
    for (const file of sources) {
      const code = await readFile(file, "utf8");
      expect(code, file).not.toMatch(/(from|(?<!typeof )import\()\s*["']node:/);
      expect(code, file).not.toMatch(/\beval\(|new Function\(/);
    }
  });

  it("error names are spelled out, so they survive minification", async () => {
    const errors = { ...await import("../src/errors.js"), ...await import("../src/train/errors.js") };
    for (const name of ["InputError", "ConfigError", "StateError", "CoreError", "ModelFileError", "DivergenceError", "AbortError"] as const) {
      expect(new (errors[name] as new (m: string) => Error)("x").name).toBe(name);
    }
    expect(new errors.WasmlpError("x").name).toBe("WasmlpError");
  });
});
