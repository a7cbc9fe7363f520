// The playground: `npm run playground` serves it with hot reload, `npm run build:playground`
// writes a static site to dist-playground/ that any static host can serve.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/** Cross-origin isolation lets the worker use shared memory and a thread pool. */
const headers = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  server: { headers, host: "127.0.0.1", port: 5173 },
  preview: { headers, host: "127.0.0.1", port: 4173 },
  build: { outDir: fileURLToPath(new URL("../dist-playground", import.meta.url)), emptyOutDir: true },
});
