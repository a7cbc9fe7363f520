// Preloaded (node --require) into a child of bench/stream.js: prints the process's peak resident memory,
// threads included, as the last line of stderr when it exits, so the bench needs no `time` program.
// On Linux the peak is VmHWM of /proc/self/status: getrusage's maxRSS carries the parent's resident size
// at fork across exec, so a child of a large bench process would report at least the bench's own size.
const { readFileSync } = require("node:fs");

function peakKiB() {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (hwm) return Number(hwm[1]);
  } catch {
    // not Linux: getrusage is all there is
  }
  return process.resourceUsage().maxRSS;
}

process.on("exit", () => process.stderr.write(`\nmaxRSS ${peakKiB()}\n`));
