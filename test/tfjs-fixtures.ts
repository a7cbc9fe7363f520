// The TensorFlow.js models in test/fixtures/tfjs/ (scripts/make-tfjs-fixtures.mjs), each with the
// inputs and outputs TensorFlow.js gave for it, as the TensorFlow.js import and load tests read them.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The folder of fixtures; the largest relative difference allowed from TensorFlow.js's outputs. */
export const FIXTURES = fileURLToPath(new URL("./fixtures/tfjs/", import.meta.url));
export const TOLERANCE = 1e-5;

/** Parsed model.json, changed freely by tests that break it on purpose. */
export type Json = any;

/** One fixture folder: its model.json, expected.json and a reader of its weight files. */
export interface Fixture {
  name: string;
  dir: string;
  modelJson: Json;
  expected: { inputs?: number[][]; outputs?: number[][]; about: string };
  /** Reads a weight file of the fixture, noting the paths asked for. */
  read: (path: string) => Promise<Uint8Array>;
  asked: string[];
}

/** Reads a fixture folder afresh (tests change their copy of model.json). */
export function fixture(name: string): Fixture {
  const dir = join(FIXTURES, name);
  const asked: string[] = [];
  return {
    name, dir, asked,
    modelJson: JSON.parse(readFileSync(join(dir, "model.json"), "utf8")),
    expected: JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")),
    read: async (path) => { asked.push(path); return readFileSync(join(dir, path)); },
  };
}

/** Every fixture, and those TensorFlow.js gave outputs for (the others must be refused). */
export const NAMES = readdirSync(FIXTURES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
export const WORKING = NAMES.filter((n) => fixture(n).expected.outputs !== undefined);
