#!/usr/bin/env node
// The `wasmlp` command: train, evaluate, predict, info, export, convert. Exit codes:
// 0 done, 1 an error in the data, a file or the model, 2 a mistake in the
// command line, 130 training interrupted by Ctrl-C (the model was still saved).
import { shutdown } from "../runtime/core.js";
import { WasmlpError } from "../errors.js";
import { nearest } from "../util/options.js";
import { UsageError } from "./args.js";
import { CONVERT_USAGE, convertCommand } from "./convert.js";
import { evaluateCommand, EVALUATE_USAGE } from "./evaluate.js";
import { EXPORT_USAGE, exportCommand, INFO_USAGE, infoCommand } from "./info.js";
import { type Io, processIo } from "./io.js";
import { PREDICT_USAGE, predictCommand } from "./predict.js";
import { QUANTIZE_USAGE, quantizeCommand } from "./quantize.js";
import { TRAIN_USAGE, trainCommand } from "./train.js";

const COMMANDS: Record<string, { run: (argv: string[], io: Io) => Promise<number>; usage: string; summary: string }> = {
  train: { run: trainCommand, usage: TRAIN_USAGE, summary: "train a network on a CSV file or IDX images; writes the model and pictures" },
  evaluate: { run: evaluateCommand, usage: EVALUATE_USAGE, summary: "loss, accuracy, per-class precision/recall and confusion matrix" },
  predict: { run: predictCommand, usage: PREDICT_USAGE, summary: "write predictions (class and probabilities, or values) as CSV" },
  info: { run: infoCommand, usage: INFO_USAGE, summary: "layers, parameter counts, format version and training record of a model" },
  export: { run: exportCommand, usage: EXPORT_USAGE, summary: "write a model as ONNX" },
  quantize: { run: quantizeCommand, usage: QUANTIZE_USAGE, summary: "write a model as int8 (a quarter of the size), calibrated on sample rows" },
  convert: { run: convertCommand, usage: CONVERT_USAGE, summary: "read an ONNX or TensorFlow.js model and write it as a wasmlp model" },
};

const USAGE = `Usage: wasmlp <command> [options]

Multilayer perceptrons on a SIMD WebAssembly core.

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`).join("\n")}

Run 'wasmlp <command> --help' for a command's options. Add --json for machine-readable output.
Exit codes: 0 done, 1 error, 2 wrong usage, 130 interrupted (model saved).`;

/** Runs the CLI on `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const json = rest.includes("--json");
  const io = processIo(json);
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" && rest[0] ? COMMANDS[rest[0]] : undefined;
    process.stdout.write((topic?.usage ?? USAGE) + "\n");
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v") {
    const { readFile } = await import("node:fs/promises");
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8"));
    process.stdout.write(`wasmlp ${pkg.version}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    const near = nearest(name, Object.keys(COMMANDS));
    return fail(io, new UsageError(`unknown command '${name}'${near ? ` (did you mean '${near}'?)` : ""}`), USAGE);
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(command.usage + "\n");
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    return fail(io, e, command.usage);
  } finally {
    await shutdown();
  }
}

/** Reports an error: a line on stderr (with the usage for command-line mistakes) and, under --json, a JSON object. */
function fail(io: Io, e: unknown, usage: string): number {
  const usageError = e instanceof UsageError;
  const known = usageError || e instanceof WasmlpError || isFileError(e);
  const message = e instanceof Error ? e.message : String(e);
  if (io.json) io.result({ error: { type: e instanceof Error ? e.name : "Error", message } });
  process.stderr.write(`wasmlp: ${known ? "" : "unexpected error: "}${message}\n`);
  if (usageError) process.stderr.write(`\n${usage}\n`);
  else if (!known && e instanceof Error && e.stack) process.stderr.write(e.stack + "\n");
  return usageError ? 2 : 1;
}

function isFileError(e: unknown): boolean {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === "string" && /^E[A-Z]+$/.test((e as NodeJS.ErrnoException).code!);
}

// Run when executed (`wasmlp …`, `node dist/cli/main.js …`), not when imported.
const invoked = process.argv[1] && import.meta.url === (await import("node:url")).pathToFileURL((await import("node:fs")).realpathSync(process.argv[1])).href;
if (invoked) process.exitCode = await main(process.argv.slice(2));
