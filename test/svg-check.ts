// A small well-formedness check for the SVG files wasmlp writes: one <svg> root
// in the SVG namespace, every tag closed in order, attributes quoted, and the
// elements counted by name (and class) for the tests to look at.
import { expect } from "vitest";

/** Parses SVG text enough to prove it well-formed; returns counts of elements by name and by name.class. */
export function checkSvg(text: string): Map<string, number> {
  expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  const counts = new Map<string, number>();
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<\?xml[^>]*\?>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < text.length && (m = tag.exec(text))) {
    pos = tag.lastIndex;
    if (m[5] !== undefined) {
      expect(m[5], "text may not hold a bare & or >").not.toMatch(/&(?!amp;|lt;|gt;|quot;|#39;)|>/);
      continue;
    }
    if (!m[2]) continue;
    const [, closing, name, attrs, selfClosing] = m;
    if (closing) {
      expect(stack.pop(), `</${name}> closes the open element`).toBe(name);
      continue;
    }
    if (stack.length === 0) expect(name, "the root element").toBe("svg");
    counts.set(name, (counts.get(name) ?? 0) + 1);
    const cls = /\sclass="([^"]*)"/.exec(attrs);
    if (cls) counts.set(`${name}.${cls[1]}`, (counts.get(`${name}.${cls[1]}`) ?? 0) + 1);
    if (!selfClosing) stack.push(name);
  }
  expect(pos, `unparsable SVG near ${JSON.stringify(text.slice(pos, pos + 60))}`).toBe(text.length);
  expect(stack).toEqual([]);
  expect(counts.get("svg")).toBe(1);
  return counts;
}
