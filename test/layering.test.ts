// The folders of src/ are floors: a module may import from its own floor or
// below, never above, and no group of modules may import each other in a
// circle. This test reads every import of src/ (static, dynamic and
// `nodeImport`, type-only ones included) and fails on an upward import or a cycle.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));

/** Floors from the bottom up; a path belongs to the first prefix it starts with. */
const FLOORS: [prefix: string, floor: number][] = [
  ["errors.ts", 0], ["util/", 0],
  ["runtime/", 1],
  ["nn/", 2],
  ["train/", 3],
  ["model/", 4],
  ["io/", 5], ["data/", 5],
  ["cli/", 6], ["worker/", 6], ["node/", 6], ["plot/", 6],
  ["inline.ts", 7], ["index.ts", 7],
];

/** Floor of a file given relative to src/, or undefined for a file no floor claims. */
export function floorOf(file: string): number | undefined {
  return FLOORS.find(([prefix]) => file === prefix || file.startsWith(prefix))?.[1];
}

function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [relative(SRC, join(dir, e.name))] : []);
}

/** The src/-relative files that `file` imports. */
export function importsOf(file: string, code: string): string[] {
  const specifiers = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bnodeImport(?:<[^>]*>)?\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm)].map((m) => m[1]);
  // nodeImport resolves relative to runtime/platform.ts, wherever it is called from.
  return specifiers.map((s) => {
    const base = code.includes(`nodeImport`) && new RegExp(`nodeImport(?:<[^>]*>)?\\(\\s*["']${s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`).test(code)
      ? join(SRC, "runtime") : dirname(join(SRC, file));
    return relative(SRC, resolve(base, s)).replace(/\.js$/, ".ts");
  });
}

/** Strongly connected groups of more than one module (or a module importing itself), by Tarjan's algorithm. */
export function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1 || graph.get(v)?.includes(v)) found.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe("layering of src/", () => {
  const files = sources();
  const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(join(SRC, f), "utf8"))]));

  it("every source file sits on a floor", () => {
    expect(files.filter((f) => floorOf(f) === undefined)).toEqual([]);
  });

  it("every import resolves to a source file", () => {
    const known = new Set(files);
    const missing = [...graph].flatMap(([f, deps]) => deps.filter((d) => !known.has(d)).map((d) => `${f} → ${d}`));
    expect(missing).toEqual([]);
  });

  it("imports point down or sideways, never up", () => {
    const upward = [...graph].flatMap(([f, deps]) =>
      deps.filter((d) => floorOf(d)! > floorOf(f)!).map((d) => `${f} (floor ${floorOf(f)}) → ${d} (floor ${floorOf(d)})`));
    expect(upward).toEqual([]);
  });

  it("no import cycle", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("errors.ts imports nothing", () => {
    expect(graph.get("errors.ts")).toEqual([]);
  });

  it("the checks can fail: an upward import and a cycle are found", () => {
    const bad = new Map([["nn/a.ts", ["model/b.ts"]], ["model/b.ts", ["nn/a.ts"]], ["util/c.ts", []]]);
    expect(cycles(bad)).toEqual([["model/b.ts", "nn/a.ts"]]);
    expect(floorOf("nn/a.ts")! < floorOf("model/b.ts")!).toBe(true);
    expect(importsOf("train/x.ts", `import type { A } from "../model/model.js";\nconst f = nodeImport("../node/files.js");`))
      .toEqual(["model/model.ts", "node/files.ts"]);
  });
});
