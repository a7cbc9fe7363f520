// wasmlp in a real browser: Debian's Chromium driven by playwright-core, pages
// built by Vite from the published entry points ("wasmlp", "wasmlp/worker")
// and served from 127.0.0.1 plain, cross-origin isolated and under a strict
// CSP; the same run bundled by webpack 5 ("wasmlp") and by esbuild
// ("wasmlp/inline"). Results are compared bit for bit with the same runs in Node.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relaxedSimdFlags } from "../scripts/node.mjs";
import { ISOLATION, serveStatic, STRICT_CSP, type StaticServer } from "./browser/server.js";

const CHROMIUM = "/usr/bin/chromium";
const root = fileURLToPath(new URL("..", import.meta.url));
/** Kept after the run (gitignored): the playground's screenshot. */
const artifacts = join(root, "test-artifacts");
const present = existsSync(CHROMIUM);
if (!present && process.env.WASMLP_REQUIRE_BROWSER) throw new Error(`${CHROMIUM} is absent, and WASMLP_REQUIRE_BROWSER is set (as in .ci/run)`);
if (!present) console.warn(`browser tests skipped: ${CHROMIUM} is absent (CI installs it with apt-get install chromium)`);

/** The run compared everywhere: big enough that the pool splits its GEMMs. */
const SPEC = { sizes: [2, 128, 128, 3], epochs: 60, batchSize: 100, seed: 1 };
const PLAIN = { ...SPEC, init: { simd: "plain", threads: 2 } };

interface RunResult {
  accuracy: number;
  predictions: string;
  threads: number;
  shared: boolean;
  build: string;
  poolRuns: number;
  model: string;
}

describe.skipIf(!present)("in Chromium", () => {
  let out: string;
  let server: StaticServer;
  let browser: Browser;
  let webpack: { warnings: string[]; emitted: string[] };
  /** The same run in Node (this process, plain SIMD), as produced by the page's own run.js. */
  let node: Awaited<ReturnType<typeof import("./browser/page/run.js").trainSpiral>>;
  const errors: string[] = [];

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), "wasmlp-browser-"));
    const { build } = await import("vite");
    await build({
      configFile: false, root: join(root, "test/browser/page"), base: "./", logLevel: "warn",
      build: { outDir: join(out, "page"), emptyOutDir: true },
    });
    // The playground's static build, exactly as npm run build:playground makes it (into a scratch folder).
    await build({ configFile: join(root, "playground/vite.config.ts"), logLevel: "warn", build: { outDir: join(out, "playground"), emptyOutDir: true } });
    webpack = await bundleWithWebpack(join(out, "webpack"));
    await bundleWithEsbuild(join(out, "esbuild"));
    server = await serveStatic({
      "/plain/": { dir: join(out, "page") },
      "/isolated/": { dir: join(out, "page"), headers: ISOLATION },
      "/csp/": { dir: join(out, "page"), headers: STRICT_CSP },
      "/playground/": { dir: join(out, "playground"), headers: { ...ISOLATION, ...STRICT_CSP } },
      "/webpack/": { dir: join(out, "webpack"), headers: ISOLATION },
      "/esbuild/": { dir: join(out, "esbuild"), headers: { ...ISOLATION, ...STRICT_CSP } },
      // The repository itself, for the page that loads dist/ without a bundler.
      "/repo/": { dir: root, headers: ISOLATION },
    });
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    });
    const run = await import("./browser/page/run.js");
    node = await run.trainSpiral(PLAIN);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (out) await rm(out, { recursive: true, force: true });
  });

  /** A fresh page at `prefix`, ready to call, with its errors collected. */
  async function open(prefix: string): Promise<Page> {
    const page = await browser.newPage();
    page.on("pageerror", (e) => errors.push(`${prefix}: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") errors.push(`${prefix}: ${m.text()}`); });
    await page.goto(server.url(prefix));
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "ready");
    return page;
  }

  const call = <T>(page: Page, method: string, ...args: unknown[]): Promise<T> =>
    page.evaluate(([m, a]) => (globalThis as any).wasmlpTest[m as string](...(a as unknown[])), [method, args] as const) as Promise<T>;

  it("the bundled library trains the spiral to ≥ 95% on one thread, bit-identical to Node", async () => {
    expect(node.accuracy).toBeGreaterThanOrEqual(0.95);
    const page = await open("/plain/");
    expect(await call(page, "isolated")).toBe(false);
    const r = await call<RunResult>(page, "train", PLAIN);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.95);
    // Not isolated: no SharedArrayBuffer, so threads: 2 quietly becomes one thread.
    expect([r.threads, r.shared, r.poolRuns]).toEqual([1, false, 0]);
    expect(r.predictions).toBe(node.predictions);
    await page.close();
  }, 30_000);

  it("cross-origin isolated, the thread pool runs, and results stay bit-identical (plain and relaxed SIMD)", async () => {
    const page = await open("/isolated/");
    expect(await call(page, "isolated")).toBe(true);
    const r = await call<RunResult>(page, "train", PLAIN);
    expect([r.threads, r.shared, r.build]).toEqual([2, true, "plain"]);
    expect(r.poolRuns).toBeGreaterThan(0);
    expect(r.predictions).toBe(node.predictions);
    await page.close();

    // The default build in Chromium is relaxed SIMD; Node 20 runs it behind a flag (Node 22+ without), in a child process.
    const relaxedPage = await open("/isolated/");
    const relaxed = await call<RunResult>(relaxedPage, "train", { ...SPEC, init: { threads: 2 } });
    await relaxedPage.close();
    expect(relaxed.build).toBe("relaxed");
    expect(relaxed.accuracy).toBeGreaterThanOrEqual(0.95);
    const script = `import { trainSpiral } from "./test/browser/page/run.js";
      const r = await trainSpiral(${JSON.stringify({ ...SPEC, init: { simd: "relaxed", threads: 1 } })});
      console.log(JSON.stringify({ predictions: r.predictions, build: r.build }));`;
    const { stdout } = await promisify(execFile)(process.execPath,
      [...relaxedSimdFlags(), "--input-type=module", "-e", script], { cwd: root });
    const child = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(child.build).toBe("relaxed");
    expect(relaxed.predictions).toBe(child.predictions);
  }, 30_000);

  it("a worker model trains off the main thread with progress events, bit-identical to Node, and cancels", async () => {
    const page = await open("/isolated/");
    const r = await call<RunResult & { epochEvents: number; batchEvents: number; historyEpochs: number }>(page, "workerTrain", PLAIN);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(r.threads).toBe(2); // the worker has its own pool, nested workers on shared memory
    expect([r.epochEvents, r.historyEpochs, r.batchEvents]).toEqual([60, 60, 60 * 3]);
    expect(r.predictions).toBe(node.predictions);

    const c = await call<{ name: string; epochs: number; reason: string; eventsSeen: number; ticks: number; ms: number; predictsAfter: number }>(
      page, "workerCancel", { ...PLAIN, init: { threads: 1 } });
    expect(c.name).toBe("AbortError");
    expect(c.reason).toBe("AbortError");
    // The worker reads the cancel message when fit() next yields (every 50 ms) and stops after that batch;
    // the history it rejects with matches the epoch events the page saw.
    expect(c.epochs).toBeGreaterThanOrEqual(3);
    expect(c.epochs).toBe(c.eventsSeen);
    expect(c.ms).toBeLessThan(5000);
    // The page kept running its own timers while the worker trained.
    expect(c.ticks).toBeGreaterThan(0);
    expect(c.predictsAfter).toBe(256 * 3);
    await page.close();
  }, 30_000);

  it("under a strict CSP (no 'unsafe-eval', no inline script) the library and the worker model work", async () => {
    const page = await open("/csp/");
    const r = await call<RunResult>(page, "train", PLAIN);
    expect(r.predictions).toBe(node.predictions);
    const w = await call<RunResult>(page, "workerTrain", PLAIN);
    expect(w.predictions).toBe(node.predictions);
    expect(await page.evaluate(() => (globalThis as any).wasmlpTest.violations)).toEqual([]);
    await page.close();
    // Nothing in the bundles compiles strings to code.
    const assets = join(out, "page/assets");
    for (const file of (await readdir(assets)).filter((f) => f.endsWith(".js"))) {
      const code = await readFile(join(assets, file), "utf8");
      expect(code, file).not.toMatch(/\beval\(|new Function\(|Function\(["'`]/);
    }
  }, 30_000);

  it("a model saved in Node loads in the browser and one saved in the browser loads in Node", async () => {
    const page = await open("/plain/");
    const fromNode = Buffer.from(node.model).toString("base64");
    expect(await call(page, "loadAndPredict", fromNode, PLAIN.init)).toBe(node.predictions);
    expect(await call(page, "workerLoadAndPredict", fromNode, PLAIN.init)).toBe(node.predictions);
    const inBrowser = await call<RunResult>(page, "train", { ...PLAIN, seed: 7 });
    await page.close();
    const { load } = await import("wasmlp");
    const { GRID, hex } = await import("./browser/page/run.js");
    const model = await load(Buffer.from(inBrowser.model, "base64"));
    expect(hex(model.predict(GRID))).toBe(inBrowser.predictions);
    model.dispose();
  }, 30_000);

  it("an ONNX file with its side file and a sharded TensorFlow.js model load by URL, on the page and in a worker, predicting as in Node", async () => {
    const page = await open("/plain/");
    const { loadModel } = await import("wasmlp/node");
    const { hex } = await import("./browser/page/run.js");
    const cases = [
      { path: "test/fixtures/onnx/torch-dynamo-flatten-softmax-external.onnx", rows: "test/fixtures/onnx/torch-dynamo-flatten-softmax-external.json" },
      { path: "test/fixtures/tfjs/sharded/model.json", rows: "test/fixtures/tfjs/sharded/expected.json" },
    ];
    for (const c of cases) {
      const rows = (JSON.parse(await readFile(join(root, c.rows), "utf8")).inputs as unknown[]).flat(4) as number[];
      const model = await loadModel(join(root, c.path));
      const inNode = hex(model.predict(Float32Array.from(rows)) as Float32Array);
      model.dispose();
      const url = server.url(`/repo/${c.path}`);
      expect(await call(page, "loadUrlAndPredict", url, rows, PLAIN.init), c.path).toBe(inNode);
      expect(await call(page, "workerLoadUrlAndPredict", url, rows, PLAIN.init), c.path).toBe(inNode);
    }
    await page.close();
  }, 60_000);

  it("an int8 model file loads by URL, on the page (plain and default build) and in a worker, predicting the same bits as in Node", async () => {
    const { load, encodeQuantized } = await import("wasmlp");
    const { GRID, hex } = await import("./browser/page/run.js");
    const float = await load(node.model);
    const q = float.quantize({ calibration: GRID });
    await writeFile(join(out, "page", "spiral.int8.safetensors"), encodeQuantized(q.state()));
    const inNode = hex(q.predict(GRID));
    for (const m of [float, q]) m.dispose();
    const page = await open("/plain/");
    const url = server.url("/plain/spiral.int8.safetensors");
    const rows = Array.from(GRID);
    expect(await call(page, "loadQuantizedUrlAndPredict", url, rows, PLAIN.init)).toBe(inNode);
    expect(await call(page, "workerLoadUrlAndPredict", url, rows, PLAIN.init)).toBe(inNode);
    await page.close();
    // The default build (relaxed SIMD where the browser has it) gives the same integers, so the same bits.
    const other = await open("/plain/");
    expect(await call(other, "loadQuantizedUrlAndPredict", url, rows, { threads: 1 })).toBe(inNode);
    await other.close();
  }, 60_000);

  it("a browser without WebAssembly SIMD gets a CoreError naming the requirement", async () => {
    const page = await browser.newPage();
    // Chromium cannot switch SIMD off, so the page's validate refuses every module with a v128.const, as such a browser would.
    await page.addInitScript(() => {
      const validate = WebAssembly.validate;
      WebAssembly.validate = (bytes) => {
        const b = new Uint8Array(bytes instanceof ArrayBuffer ? bytes : (bytes as Uint8Array).buffer);
        for (let i = 0; i + 1 < b.length; i++) if (b[i] === 0xfd && b[i + 1] === 0x0c) return false;
        return validate(bytes);
      };
    });
    await page.goto(server.url("/plain/"));
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "ready");
    expect(await call(page, "initOutcome")).toMatch(/^CoreError: wasmlp needs WebAssembly SIMD/);
    await page.close();
  }, 30_000);

  it("a .wasm of another version is refused with both versions named", async () => {
    const page = await open("/plain/");
    const wrong = Buffer.from(wrongVersionModule(2003000)).toString("base64");
    const message = await call<string>(page, "workerWrongVersion", wrong);
    expect(message).toMatch(/^CoreError: .*is wasmlp 2\.3\.0, but this JavaScript is wasmlp \d+\.\d+\.\d+/);
    await page.close();
  }, 30_000);

  it("the playground (static build, isolated, strict CSP): train, watch accuracy rise and the picture change, save and reload", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    page.on("pageerror", (e) => errors.push(`playground: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") errors.push(`playground: ${m.text()}`); });
    await page.goto(server.url("/playground/"));
    await page.waitForSelector("body[data-ready=true]");
    expect(await page.textContent("#core-info")).toMatch(/threads? in the worker \(cross-origin isolated\)/);
    const picture = () => page.evaluate(() => (document.getElementById("heatmap") as HTMLCanvasElement).toDataURL());
    const percent = async (id: string) => Number((await page.textContent(id))!.replace("%", ""));
    const untrained = await picture();

    // One epoch, then play until the network has learnt the spiral, then pause.
    await page.click("#step");
    await page.waitForFunction(() => document.getElementById("epoch")!.textContent === "000,001");
    const early = await percent("#train-accuracy");
    await page.selectOption("#speed", "fast");
    await page.click("#train");
    await page.waitForFunction(() => parseFloat(document.getElementById("val-accuracy")!.textContent!) >= 90, null, { timeout: 20_000 });
    await page.click("#train");
    await page.waitForFunction(() => /^paused/.test(document.getElementById("status")!.textContent!));
    expect(await percent("#train-accuracy")).toBeGreaterThan(Math.max(early, 80));
    const epochs = Number((await page.textContent("#epoch"))!.replace(",", ""));
    expect(epochs).toBeGreaterThan(1);
    const trained = await picture();
    expect(trained).not.toBe(untrained);
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "playground.png") });

    // Save: the download is a model file that Node loads, and it classifies the same spiral.
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#save")]);
    const saved = await readFile((await download.path())!);
    const { load, spiral } = await import("wasmlp");
    const model = await load(saved);
    const d = spiral({ pointsPerClass: 100, classes: 3, noise: 0.2, seed: 1 });
    expect(model.evaluate(d.x, d.labels!).accuracy).toBeGreaterThan(0.85);
    model.dispose();

    // Reset to fresh weights, then load the file back: same epoch count, same picture, pixel for pixel.
    await page.click("#reset");
    // The epoch counter resets before the fresh weights are drawn; the status says "ready" once they are.
    await page.waitForFunction(() => document.getElementById("epoch")!.textContent === "000,000" &&
      /^ready/.test(document.getElementById("status")!.textContent!));
    expect(await picture()).not.toBe(trained);
    const file = join(out, "saved.safetensors");
    await writeFile(file, saved);
    await page.setInputFiles("#load-file", file);
    await page.waitForFunction(() => /^loaded/.test(document.getElementById("status")!.textContent!));
    expect(Number((await page.textContent("#epoch"))!.replace(",", ""))).toBe(epochs);
    expect(await picture()).toBe(trained);
    await page.close();
  }, 45_000);

  it("npm run playground's dev server serves a working playground", async () => {
    const { createServer } = await import("vite");
    const dev = await createServer({ configFile: join(root, "playground/vite.config.ts"), logLevel: "warn", server: { port: 0, strictPort: false } });
    await dev.listen();
    try {
      const page = await browser.newPage();
      page.on("pageerror", (e) => errors.push(`playground dev: ${e.message}`));
      await page.goto(dev.resolvedUrls!.local[0]);
      await page.waitForSelector("body[data-ready=true]");
      await page.click("#step");
      await page.waitForFunction(() => document.getElementById("epoch")!.textContent === "000,001");
      await page.close();
    } finally {
      await dev.close();
    }
  }, 30_000);

  it("without a bundler (plain <script type=\"module\"> and an import map), the package loads, threads and matches Node", async () => {
    const page = await browser.newPage();
    page.on("pageerror", (e) => errors.push(`plain: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") errors.push(`plain: ${m.text()}`); });
    await page.goto(server.url("/repo/test/browser/plain/index.html"));
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "ready");
    const r = await page.evaluate((spec) => (globalThis as any).wasmlpPlain.train(spec), PLAIN) as RunResult;
    expect([r.threads, r.shared]).toEqual([2, true]);
    expect(r.poolRuns).toBeGreaterThan(0);
    expect(r.predictions).toBe(node.predictions);
    const w = await page.evaluate(() => (globalThis as any).wasmlpPlain.workerPredict({ init: { threads: 2 } }));
    expect(w).toEqual({ epochs: 5, predictions: 256 * 3 * 8, threads: 2 });
    await page.close();
  }, 30_000);

  it("webpack 5 bundles \"wasmlp\" with its .wasm and worker as assets, warning of nothing; isolated, the pool runs, bit-identical to Node", async () => {
    expect(webpack.warnings).toEqual([]);
    expect(webpack.emitted).toEqual(expect.arrayContaining(
      ["build/wasmlp.wasm", "build/wasmlp-relaxed.wasm", "build/wasmlp-shared.wasm", "build/wasmlp-relaxed-shared.wasm"]));
    const page = await open("/webpack/");
    const r = await page.evaluate((spec) => (globalThis as any).wasmlpBundled.train(spec), PLAIN) as RunResult;
    expect([r.threads, r.shared, r.build]).toEqual([2, true, "plain"]);
    expect(r.poolRuns).toBeGreaterThan(0);
    expect(r.predictions).toBe(node.predictions);
    await page.close();
  }, 30_000);

  it("esbuild bundles \"wasmlp/inline\" into one file with no asset; under a strict CSP it trains on one thread, bit-identical to Node", async () => {
    expect((await readdir(join(out, "esbuild"))).sort()).toEqual(["index.html", "main.js"]);
    console.log(`esbuild bundle of the inline entry: ${(await stat(join(out, "esbuild/main.js"))).size} bytes, minified`);
    const page = await open("/esbuild/");
    const r = await page.evaluate((spec) => (globalThis as any).wasmlpBundled.train(spec), PLAIN) as RunResult;
    // Cross-origin isolated, yet one thread: the embedded builds use unshared memory and need no worker script.
    expect([r.threads, r.shared, r.build, r.poolRuns]).toEqual([1, false, "plain", 0]);
    expect(r.predictions).toBe(node.predictions);
    expect(await page.evaluate(() => (globalThis as any).wasmlpBundled.violations)).toEqual([]);
    await page.close();
    // Left to choose, it takes the embedded relaxed-SIMD build, which Chromium runs.
    const relaxedPage = await open("/esbuild/");
    const relaxed = await relaxedPage.evaluate((spec) => (globalThis as any).wasmlpBundled.train(spec), { ...SPEC, init: {} }) as RunResult;
    await relaxedPage.close();
    expect([relaxed.build, relaxed.threads]).toEqual(["relaxed", 1]);
    expect(relaxed.accuracy).toBeGreaterThanOrEqual(0.95);
  }, 30_000);

  it("no page reported an error", () => {
    expect(errors).toEqual([]);
  });
});

/** Bundles test/browser/bundled/ with webpack 5 in production mode into `dir`; its warnings, and the files it emitted as assets. */
async function bundleWithWebpack(dir: string): Promise<{ warnings: string[]; emitted: string[] }> {
  const { default: webpack } = await import("webpack");
  const stats = await new Promise<import("webpack").Stats>((resolve, reject) => webpack({
    mode: "production", devtool: false, performance: { hints: false },
    entry: join(root, "test/browser/bundled/main.js"),
    output: { path: dir, filename: "main.js", clean: true },
  }, (error, result) => (error || !result ? reject(error) : resolve(result))));
  if (stats.hasErrors()) throw new Error(stats.toString({ all: false, errors: true }));
  await copyFile(join(root, "test/browser/bundled/index.html"), join(dir, "index.html"));
  const json = stats.toJson({ all: false, warnings: true, assets: true });
  return { warnings: json.warnings!.map((w) => w.message), emitted: json.assets!.flatMap((a) => a.info.sourceFilename ?? []) };
}

/** Bundles test/browser/bundled/ with esbuild into `dir` as one minified module, "wasmlp" taken from "wasmlp/inline". */
async function bundleWithEsbuild(dir: string): Promise<void> {
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [join(root, "test/browser/bundled/main.js")], outfile: join(dir, "main.js"),
    bundle: true, format: "esm", minify: true, logLevel: "error",
    plugins: [{
      name: "wasmlp-inline",
      setup(b) {
        b.onResolve({ filter: /^wasmlp$/ }, (a) => b.resolve("wasmlp/inline", { kind: a.kind, resolveDir: a.resolveDir }));
      },
    }],
  });
  await copyFile(join(root, "test/browser/bundled/index.html"), join(dir, "index.html"));
}

/** A module importing memory and reporting `code` as its wasmlp version, and nothing else. */
function wrongVersionModule(code: number): Uint8Array {
  const leb = (n: number) => { const b: number[] = []; do { let x = n & 0x7f; n >>>= 7; if (n) x |= 0x80; b.push(x); } while (n); return b; };
  const sleb = (n: number) => { const b: number[] = []; for (;;) { const x = n & 0x7f; n >>= 7; if ((n === 0 && !(x & 0x40)) || (n === -1 && x & 0x40)) { b.push(x); return b; } b.push(x | 0x80); } };
  const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
  const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
  const body = [0, 0x41, ...sleb(code), 0x0b];
  return Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 0, 1, 0x7f]),
    ...section(2, [1, ...name("env"), ...name("memory"), 2, 0, 1]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name("wasmlp_version"), 0, 0]),
    ...section(10, [1, ...leb(body.length), ...body])]);
}
