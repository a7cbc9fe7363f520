// scikit-learn's MLPClassifier on the training benchmark's rows, network and
// epochs (bench/sklearn-mlp.py in a child process), on one and two BLAS threads:
// the peer a data scientist would pick, running native BLAS. The data goes to
// Python as raw float32 and byte files; the child's BLAS threads are set through
// its environment, without the machine's OpenBLAS core-type and cache overrides,
// which would pin it to another CPU's kernels. Every Python with scikit-learn is
// tried (Debian's python3-sklearn in /usr/bin, the repository's .cache/venv) and
// the fastest is the peer: installations differ by several times (Debian's
// scikit-learn 1.2 with NumPy 1.24 trained about six times faster here than pip's
// 1.9 with NumPy 2.4, whose Adam step dominated). Skipped with a note when none.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { benchData, trainRun } from "./train.js";

const SCRIPT = fileURLToPath(new URL("./sklearn-mlp.py", import.meta.url));
const VENV_PYTHON = fileURLToPath(new URL("../.cache/venv/bin/python3", import.meta.url));
const THREADS = [1, 2];

const SYSTEM_PYTHON = "/usr/bin/python3";

/** The Pythons that have scikit-learn, numpy and threadpoolctl (the system's first). */
export function sklearnPythons() {
  const candidates = [SYSTEM_PYTHON, existsSync(VENV_PYTHON) ? VENV_PYTHON : "python3"];
  return [...new Set(candidates)].filter((python) =>
    spawnSync(python, ["-c", "import sklearn, numpy, threadpoolctl"], { stdio: "ignore" }).status === 0);
}

/** The environment of a child on `threads` BLAS threads, without this machine's OpenBLAS overrides. */
function blasEnvironment(threads) {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** Writes a typed array's bytes to `file`. */
function writeRaw(file, array) {
  writeFileSync(file, new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
}

/** Rows sklearn_train_samples_per_s_{1,2}t and sklearn_test_accuracy_{1,2}t, or none (with a note) without scikit-learn. */
export async function sklearnSection({ quick, log }) {
  const pythons = sklearnPythons();
  if (pythons.length === 0) {
    log("sklearn: skipped, no Python 3 with scikit-learn (create .cache/venv with it, or apt-get install python3-sklearn)");
    return [];
  }
  const { train, test } = await benchData({ quick, log });
  const { rows, epochs } = trainRun({ quick }, train.rows);
  const dir = mkdtempSync(path.join(tmpdir(), "wasmlp-sklearn-"));
  try {
    writeRaw(path.join(dir, "train-x.f32"), train.x.subarray(0, rows * 784));
    writeRaw(path.join(dir, "train-y.u8"), Uint8Array.from(train.labels.subarray(0, rows)));
    writeRaw(path.join(dir, "test-x.f32"), test.x);
    writeRaw(path.join(dir, "test-y.u8"), Uint8Array.from(test.labels));
    const out = [];
    for (const threads of THREADS) {
      const results = pythons.map((python) => runSklearn(python, dir, epochs, threads));
      for (const r of results) log(`sklearn: ${describe(r)}, ${rows} rows × ${epochs} timed epochs: ${Math.round(r.samples_per_s)} samples/s`);
      const result = results.reduce((a, b) => (b.samples_per_s > a.samples_per_s ? b : a));
      out.push(
        { name: `sklearn_train_samples_per_s_${threads}t`, value: result.samples_per_s, unit: "samples/s" },
        { name: `sklearn_test_accuracy_${threads}t`, value: 100 * result.test_accuracy, unit: "%" },
      );
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One run of bench/sklearn-mlp.py by `python` on `threads` BLAS threads: its JSON line, parsed. */
function runSklearn(python, dir, epochs, threads) {
  const child = spawnSync(python, [SCRIPT, dir, String(epochs)], { env: blasEnvironment(threads), encoding: "utf8", timeout: 30 * 60_000 });
  if (child.status !== 0) throw new Error(`scikit-learn (${python}) on ${threads} thread(s) failed: ${child.error?.message ?? child.stderr.trim().split("\n").at(-1)}`);
  return { python, ...JSON.parse(child.stdout.trim().split("\n").at(-1)) };
}

/** Which scikit-learn, BLAS and weight type a run used, in words. */
function describe(result) {
  const blas = result.blas.map((b) => `${b.internal_api} ${b.version} (${b.architecture}, ${b.num_threads} thread(s))`).join(", ") || "no BLAS reported";
  return `scikit-learn ${result.sklearn} with NumPy ${result.numpy} (${result.python}), ${blas}, ${result.weights_dtype} weights`;
}

/** scikit-learn's figures keyed by the wasmlp rows they stand beside, from the sklearn section's rows of this run. */
export function sklearnFigures(rows) {
  const figures = {};
  for (const r of rows) {
    const m = r.name.match(/^sklearn_(train_samples_per_s|test_accuracy)_(\d+t)$/);
    if (m) figures[`${m[1] === "test_accuracy" ? "train_test_accuracy" : m[1]}_${m[2]}`] = r.value;
  }
  return figures;
}
