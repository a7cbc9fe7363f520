// Every code block of README.md and docs/*.md, checked so that no documented
// example can rot (the conventions are in docs/README.md): ts/js blocks and the
// module script of html blocks run as their own modules, importing the package by
// its name; ts blocks are type-checked by tsc against the package's declarations;
// `npx wasmlp` lines are checked against the CLI's --help (and run, for blocks
// marked `shell run`); python blocks must parse. A figure a block states is
// checked through an `expect` directive.
import { execFile, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BIN = join(ROOT, "dist/cli/main.js");
const DOCS = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];

interface Block {
  file: string;
  line: number;
  lang: string;
  code: string;
  directives: Directives;
}

interface Directives {
  typecheckOnly?: string;
  shellRun: boolean;
  expect?: { name: string; value: number; within: number; text: string };
  quick: [string, string][];
  before?: string;
}

/** The fenced code blocks of a Markdown file, each with the doc-test directives of the comment just before it. */
function blocksOf(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.indexOf("```", i + 1);
    if (end < 0) throw new Error(`${file}:${i + 1}: unclosed code block`);
    const comment = /^<!-- doc-test: (.*) -->$/.exec(lines[i - 1] ?? "");
    blocks.push({ file, line: i + 1, lang: open[1], code: lines.slice(i + 1, end).join("\n"), directives: parseDirectives(comment?.[1] ?? "", `${file}:${i}`) });
    i = end;
  }
  return blocks;
}

/** Parses `directive; directive; …` of a doc-test comment; an unknown directive is an error, not ignored. */
function parseDirectives(text: string, where: string): Directives {
  const d: Directives = { shellRun: false, quick: [] };
  for (const part of text.split(/;\s*(?=[a-z-]+[:\s]|shell run)/).map((p) => p.trim()).filter(Boolean)) {
    let m: RegExpExecArray | null;
    if ((m = /^typecheck-only: (.+)$/.exec(part))) d.typecheckOnly = m[1];
    else if (part === "shell run") d.shellRun = true;
    else if ((m = /^expect (\w+) about (-?[\d.e-]+) within ([\d.e-]+)$/.exec(part))) {
      d.expect = { name: m[1], value: Number(m[2]), within: Number(m[3]), text: `about ${m[2]}` };
    } else if ((m = /^quick: (.+)$/.exec(part))) {
      d.quick = [...m[1].matchAll(/"([^"]*)" -> "([^"]*)"/g)].map((q) => [q[1], q[2]]);
    } else if ((m = /^before: (.+)$/.exec(part))) d.before = m[1];
    else throw new Error(`${where}: unknown doc-test directive "${part}"`);
  }
  return d;
}

const BLOCKS = DOCS.flatMap(blocksOf);
const label = (b: Block) => `${b.file}:${b.line} (${b.lang})`;

/** The JavaScript a block runs: a ts/js block itself, the module script of an html block. */
function scriptOf(b: Block): string | undefined {
  if (b.lang === "ts" || b.lang === "js") return b.code;
  if (b.lang === "html") return /<script type="module">([\s\S]*?)<\/script>/.exec(b.code)?.[1];
  return undefined;
}

const applyQuick = (text: string, d: Directives) => d.quick.reduce((t, [from, to]) => t.split(from).join(to), text);

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "wasmlp-docs-"));
  // The package by its own name, the peers that examples import, and the test fixtures the command lines use.
  await mkdir(join(scratch, "node_modules"));
  await symlink(ROOT, join(scratch, "node_modules", "wasmlp"));
  for (const name of ["onnxruntime-web", "@types"]) await symlink(join(ROOT, "node_modules", name), join(scratch, "node_modules", name));
  await symlink(join(ROOT, "test"), join(scratch, "test"));
});
afterAll(async () => { await rm(scratch, { recursive: true, force: true }); });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], cwd: string, timeout = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, timeout, env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A fresh folder for one block, inside the scratch folder so that bare imports resolve, where test/fixtures/ can be read. */
async function blockDir(b: Block): Promise<string> {
  const dir = join(scratch, `${b.file.replace(/\W/g, "_")}_${b.line}`);
  await mkdir(dir, { recursive: true });
  if (!existsSync(join(dir, "test"))) await symlink(join(ROOT, "test"), join(dir, "test"));
  return dir;
}

const runs = new Map<Block, Promise<Run>>();
/** Runs a block once (as its own module, in its own folder); the run and figure checks share the result. */
function runBlock(b: Block, script: string): Promise<Run> {
  if (!runs.has(b)) {
    runs.set(b, (async () => {
      const dir = await blockDir(b);
      let js = ts.transpileModule(applyQuick(script, b.directives), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
      const expected = b.directives.expect;
      if (expected) js += `\nconsole.log("doc-test-expect " + JSON.stringify(${expected.name}));\n`;
      await writeFile(join(dir, "block.mjs"), js);
      return run(process.execPath, ["block.mjs"], dir);
    })());
  }
  return runs.get(b)!;
}

describe("documented code runs", () => {
  for (const b of BLOCKS) {
    const script = scriptOf(b);
    if (script === undefined || b.directives.typecheckOnly) continue;
    it(`${label(b)} runs`, async () => {
      const r = await runBlock(b, script);
      expect(r.code, r.stderr).toBe(0);
    }, 180_000);
    const expected = b.directives.expect;
    if (!expected) continue;
    it(`${label(b)} gives ${expected.name} ${expected.text}`, async () => {
      expect(b.code, "the block states the figure it is checked against").toContain(expected.text);
      const r = await runBlock(b, script);
      const value = JSON.parse(/^doc-test-expect (.*)$/m.exec(r.stdout)?.[1] ?? "null");
      expect(Math.abs(value - expected.value), `${expected.name} = ${value}`).toBeLessThanOrEqual(expected.within);
    }, 180_000);
  }
});

describe("documented TypeScript type-checks", () => {
  const tsBlocks = BLOCKS.filter((b) => b.lang === "ts");
  let diagnostics: Map<string, string[]>;
  beforeAll(async () => {
    // One program for all blocks, each a module of its own, resolved like a project that depends on wasmlp.
    const dir = join(scratch, "types");
    await mkdir(dir, { recursive: true });
    const files = await Promise.all(tsBlocks.map(async (b, i) => {
      const path = join(dir, `block${i}.mts`);
      await writeFile(path, b.code);
      return path;
    }));
    const program = ts.createProgram(files, {
      strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ["lib.es2022.d.ts", "lib.dom.d.ts"], types: ["node"],
    });
    diagnostics = new Map(files.map((f) => [f, ts.getPreEmitDiagnostics(program, program.getSourceFile(f)).map((d) => {
      const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      return `line ${at}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    })]));
  }, 120_000);
  tsBlocks.forEach((b, i) => {
    const how = b.directives.typecheckOnly ? ` (not run: ${b.directives.typecheckOnly})` : "";
    it(`${label(b)} type-checks${how}`, () => {
      expect(diagnostics.get(join(scratch, "types", `block${i}.mts`))).toEqual([]);
    });
  });
});

/** The `npx wasmlp …` commands of a shell block, continuation lines joined, comments kept for the shell. */
function wasmlpCommands(code: string): string[] {
  return code.replace(/\\\n\s*/g, "").split("\n").map((l) => l.trim()).filter((l) => l.startsWith("npx wasmlp "));
}

const helpOf = new Map<string, Run>();
async function help(command: string): Promise<Run> {
  if (!helpOf.has(command)) helpOf.set(command, await run(process.execPath, [BIN, command, "--help"], ROOT));
  return helpOf.get(command)!;
}

describe("documented command lines", () => {
  for (const b of BLOCKS.filter((b) => b.lang === "sh" && wasmlpCommands(b.code).length > 0)) {
    it(`${label(b)}: every wasmlp command and option exists`, async () => {
      for (const line of wasmlpCommands(b.code)) {
        const words = line.replace(/\s#.*$/, "").split(/\s+/);
        const r = await help(words[2]);
        expect(r.code, `${line}: ${r.stderr}`).toBe(0);
        for (const option of words.filter((w) => w.startsWith("--"))) expect(r.stdout, `${line}: ${option}`).toContain(option.split("=")[0]);
      }
    }, 60_000);
    if (!b.directives.shellRun) continue;
    it(`${label(b)} runs and writes its --out files`, async () => {
      const dir = await blockDir(b);
      if (b.directives.before) expect(spawnSync("sh", ["-c", b.directives.before], { cwd: dir }).status).toBe(0);
      for (const line of wasmlpCommands(b.code)) {
        const command = applyQuick(line, b.directives).replace(/^npx wasmlp /, `"${process.execPath}" "${BIN}" `);
        const r = await run("sh", ["-c", command], dir, 300_000);
        expect(r.code, `${command}\n${r.stderr}`).toBe(0);
        const out = / --out (\S+)/.exec(line)?.[1];
        if (out) expect(existsSync(join(dir, out)), out).toBe(true);
      }
    }, 300_000);
  }
});

const python = spawnSync("python3", ["--version"]).status === 0;
describe("documented Python", () => {
  for (const b of BLOCKS.filter((b) => b.lang === "python")) {
    it.skipIf(!python)(`${label(b)} parses`, () => {
      const r = spawnSync("python3", ["-c", "import ast, sys; ast.parse(sys.stdin.read())"], { input: b.code, encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
    });
  }
});

/** The anchors GitHub gives a Markdown file's headings: lower case, punctuation dropped, spaces as hyphens. */
function anchorsOf(markdown: string): string[] {
  return [...markdown.replace(/```[\s\S]*?```/g, "").matchAll(/^#+ (.+)$/gm)].map((m) => m[1].toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-"));
}

describe("doc-test conventions", () => {
  it("every block has a language the checks know, and every ts/js/html block is run or type-checked", () => {
    for (const b of BLOCKS) {
      expect(["ts", "js", "html", "sh", "python", "text"], label(b)).toContain(b.lang);
      if (b.lang === "html") expect(scriptOf(b), `${label(b)}: an html block needs a module script`).toBeDefined();
      if (b.directives.typecheckOnly) expect(b.lang, `${label(b)}: only TypeScript can be type-checked instead of run`).toBe("ts");
    }
  });

  it("every relative link points at a file that exists, and at a heading of it when it names one", () => {
    for (const file of DOCS) {
      const text = readFileSync(join(ROOT, file), "utf8").replace(/```[\s\S]*?```/g, "");
      for (const [, target, anchor] of text.matchAll(/\]\((?!https?:)([^)#\s]*)(?:#([^)\s]+))?\)/g)) {
        const path = join(ROOT, file, "..", target || file.split("/").pop()!);
        expect(existsSync(path), `${file}: link to ${target}`).toBe(true);
        if (anchor) expect(anchorsOf(readFileSync(path, "utf8")), `${file}: link to ${target}#${anchor}`).toContain(anchor);
      }
    }
  });
});
