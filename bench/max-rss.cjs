// Preloaded (node --require) into a child of bench/stream.js: prints the process's peak resident memory,
// threads included, as the last line of stderr when it exits, so the bench needs no `time` program.
process.on("exit", () => process.stderr.write(`\nmaxRSS ${process.resourceUsage().maxRSS}\n`));
