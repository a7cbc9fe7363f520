"""scikit-learn's MLPClassifier on the bench's data, for bench/sklearn.js.

Usage: sklearn-mlp.py DIR EPOCHS. DIR holds train-x.f32 and test-x.f32 (float32
rows of 784, native byte order) and train-y.u8 and test-y.u8 (one label a byte).
Trains the benchmark network (784-256-128-10, ReLU, Adam 1e-3, batch 128, no L2
term, float32 throughout) one warm-up epoch and then EPOCHS timed ones with
partial_fit, and prints one JSON line: the median samples/s of the timed epochs,
the test accuracy after all of them, and the versions (scikit-learn, NumPy) and BLAS threads in use.
"""
import json
import statistics
import sys
import time

import numpy as np
import sklearn
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_info


def rows(path, dtype, width):
    data = np.fromfile(path, dtype=dtype)
    return data.reshape(-1, width) if width > 1 else data.astype(np.int64)


def main():
    folder, epochs = sys.argv[1], int(sys.argv[2])
    x = rows(f"{folder}/train-x.f32", np.float32, 784)
    y = rows(f"{folder}/train-y.u8", np.uint8, 1)
    tx = rows(f"{folder}/test-x.f32", np.float32, 784)
    ty = rows(f"{folder}/test-y.u8", np.uint8, 1)
    # alpha=0: wasmlp's benchmark network has no weight decay.
    net = MLPClassifier(hidden_layer_sizes=(256, 128), activation="relu", solver="adam",
                        learning_rate_init=1e-3, batch_size=128, alpha=0.0, shuffle=True, random_state=1)
    net.partial_fit(x, y, classes=np.arange(10))  # warm-up, as the wasmlp side has
    rates = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        net.partial_fit(x, y)
        rates.append(len(x) / (time.perf_counter() - t0))
    blas = [{k: p.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
            for p in threadpool_info() if p.get("user_api") == "blas"]
    print(json.dumps({
        "samples_per_s": statistics.median(rates),
        "test_accuracy": float((net.predict(tx) == ty).mean()),
        "weights_dtype": str(net.coefs_[0].dtype),
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "blas": blas,
    }))


if __name__ == "__main__":
    main()
