// A static file server on 127.0.0.1 for the browser tests. Each path prefix
// maps to a directory and a set of headers, so one server can offer the same
// build plain, cross-origin isolated (COOP/COEP) and under a strict CSP.
import { createServer, type Server } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

/** Headers a page needs for SharedArrayBuffer, hence for the thread pool. */
export const ISOLATION = { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" };

/** A policy without 'unsafe-eval' or 'unsafe-inline': WebAssembly needs only 'wasm-unsafe-eval'. */
export const STRICT_CSP = {
  "content-security-policy": "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; style-src 'self'; " +
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'",
};

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm",
  ".json": "application/json", ".svg": "image/svg+xml", ".png": "image/png", ".safetensors": "application/octet-stream",
};

/** A running server: `url(prefix)` is the address of a prefix's index page. */
export interface StaticServer {
  url(prefix: string): string;
  close(): Promise<void>;
}

/** Serves `routes` (prefix like "/page/" → directory and headers) until closed. */
export async function serveStatic(routes: Record<string, { dir: string; headers?: Record<string, string> }>): Promise<StaticServer> {
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
    const prefix = Object.keys(routes).find((p) => path.startsWith(p));
    if (!prefix) {
      res.writeHead(404).end();
      return;
    }
    const { dir, headers = {} } = routes[prefix];
    const rest = normalize(path.slice(prefix.length) || "index.html");
    if (rest.startsWith("..")) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(join(dir, rest.endsWith("/") ? rest + "index.html" : rest));
      res.writeHead(200, { "content-type": TYPES[extname(rest)] ?? "application/octet-stream", "cache-control": "no-store", ...headers });
      res.end(body);
    } catch {
      res.writeHead(404, headers).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: (prefix) => `http://127.0.0.1:${port}${prefix}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
