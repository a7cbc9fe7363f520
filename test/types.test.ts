// The public types, compiled by tsc: test/types/public-api.ts must type-check, each of its
// @ts-expect-error lines included (an error that no longer happens is reported as an unused directive).
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const FILE = fileURLToPath(new URL("./types/public-api.ts", import.meta.url));

/** tsc's diagnostics for `file` under the package's compiler options, one "line N: message" each. */
function diagnostics(file: string): string[] {
  const program = ts.createProgram([file], {
    strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"], types: ["node"],
  });
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    return `line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}

describe("public types", () => {
  it("accept what the library accepts and refuse misspelt losses and metrics, mismatched predict() outputs and missing toy fields", () => {
    expect(diagnostics(FILE)).toEqual([]);
  }, 120_000);
});
