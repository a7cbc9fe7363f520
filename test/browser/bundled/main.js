// The page that webpack and esbuild build (test/browser.test.ts): run.js's
// spiral run, on window for the tests to call, and any CSP violations seen.
import { trainSpiral } from "../page/run.js";

const violations = [];
document.addEventListener("securitypolicyviolation", (e) => violations.push(`${e.violatedDirective}: ${e.blockedURI}`));
globalThis.wasmlpBundled = { violations, train: (spec) => trainSpiral(spec).then((r) => ({ ...r, model: undefined })) };
document.getElementById("status").textContent = "ready";
