// scikit-learn's MLPClassifier on the training benchmark's rows, network and
// epochs (bench/sklearn-mlp.py in a child process), on one and two BLAS threads:
// the peer a data scientist would pick, running native BLAS. The data goes to
// Python as raw float32 and byte files; the child's BLAS threads are set through
// its environment, without the machine's OpenBLAS core-type and cache overrides,
// which would pin it to another CPU's kernels. Skipped with a note when no
// Python with scikit-learn is found (the repository's .cache/venv, else python3).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { benchData, trainRun } from "./train.js";

const SCRIPT = fileURLToPath(new URL("./sklearn-mlp.py", import.meta.url));
const VENV_PYTHON = fileURLToPath(new URL("../.cache/venv/bin/python3", import.meta.url));
const THREADS = [1, 2];

/** The Python that has scikit-learn, numpy and threadpoolctl, or null. */
export function sklearnPython() {
  const python = existsSync(VENV_PYTHON) ? VENV_PYTHON : "python3";
  const probe = spawnSync(python, ["-c", "import sklearn, numpy, threadpoolctl"], { stdio: "ignore" });
  return probe.status === 0 ? python : null;
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
  const python = sklearnPython();
  if (!python) {
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
      const child = spawnSync(python, [SCRIPT, dir, String(epochs)], { env: blasEnvironment(threads), encoding: "utf8", timeout: 30 * 60_000 });
      if (child.status !== 0) throw new Error(`scikit-learn on ${threads} thread(s) failed: ${child.error?.message ?? child.stderr.trim().split("\n").at(-1)}`);
      const result = JSON.parse(child.stdout.trim().split("\n").at(-1));
      const blas = result.blas.map((b) => `${b.internal_api} ${b.version} (${b.architecture}, ${b.num_threads} thread(s))`).join(", ") || "no BLAS reported";
      log(`sklearn: scikit-learn ${result.sklearn}, ${blas}, ${result.weights_dtype} weights, ${rows} rows × ${epochs} timed epochs`);
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

/** scikit-learn's figures keyed by the wasmlp rows they stand beside, from the sklearn section's rows of this run. */
export function sklearnFigures(rows) {
  const figures = {};
  for (const r of rows) {
    const m = r.name.match(/^sklearn_(train_samples_per_s|test_accuracy)_(\d+t)$/);
    if (m) figures[`${m[1] === "test_accuracy" ? "train_test_accuracy" : m[1]}_${m[2]}`] = r.value;
  }
  return figures;
}
