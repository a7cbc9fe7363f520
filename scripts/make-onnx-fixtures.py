"""Writes test/fixtures/onnx/: small ONNX models made by the tools people export from (PyTorch's
TorchScript-based and torch.export-based exporters, Keras 3, and the onnx package's helpers), each with
seeded inputs and the outputs ONNX Runtime gives for them. test/onnx-fixtures.test.ts loads every model
with wasmlp and holds its predictions to those outputs; ONNX Runtime is the reference, not wasmlp.
A few models wasmlp must refuse (a convolution, a residual branch, two inputs) come with the node the
refusal has to name.

Regenerate (every seed is fixed, so the files come out the same):
    .cache/venv/bin/pip install --retries 0 --timeout 10 -r scripts/python-fixture-requirements.txt
    .cache/venv/bin/python3 scripts/make-onnx-fixtures.py

Each fixture is <name>.onnx (plus <name>.onnx.data when its weights live in a side file) and <name>.json:
{about, source: {tool, version, exporter, opset, onnx, onnxruntime}, model, externalData, inputShape,
inputs (one row of input values per sample, flattened in C order), outputs} for a model to load, or
{about, source, model, externalData, error: {mentions}} for one to refuse, where every string of
`mentions` must appear in the error message. Numbers are float32 values written in the fewest digits that
read back as the same float32.
"""
import json
import os
import shutil
from pathlib import Path

os.environ["KERAS_BACKEND"] = "torch"  # Keras 3 on the PyTorch backend: the one backend installed here

import keras  # noqa: E402
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnx.external_data_helper import convert_model_to_external_data  # noqa: E402
from torch import nn  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "onnx"
ROWS = 16
TORCH = {"tool": "pytorch", "version": torch.__version__}

torch.set_num_threads(1)  # one thread, so training and export come out the same on every run


def f32(values):
    """Float32 values as Python floats printed in the fewest digits that round-trip the float32."""
    return [float(str(v)) for v in np.asarray(values, dtype=np.float32).ravel()]


def rows(array):
    """A [N, ...] array as N flattened rows of float32 numbers."""
    return [f32(row) for row in np.asarray(array, dtype=np.float32).reshape(len(array), -1)]


def sample(seed, shape, loc=0.0, scale=1.0):
    """Seeded normal inputs of a given shape, as float32."""
    return np.random.default_rng(seed).normal(loc, scale, size=shape).astype(np.float32)


def side_files(name):
    """The external-data files a model refers to, by location."""
    model = onnx.load(OUT / f"{name}.onnx", load_external_data=False)
    tensors = list(model.graph.initializer) + [a.t for n in model.graph.node for a in n.attribute if a.HasField("t")]
    return sorted({e.value for t in tensors for e in t.external_data if e.key == "location"})


def reference_outputs(name, inputs):
    """ONNX Runtime's outputs for the inputs, node by node as the graph says (no runtime graph rewrites)."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(OUT / f"{name}.onnx"), options, providers=["CPUExecutionProvider"])
    (first,) = session.get_inputs()
    (out,) = session.run(None, {first.name: inputs})
    return out


def opset_of(name):
    model = onnx.load(OUT / f"{name}.onnx", load_external_data=False)
    return next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))


def source(tool, exporter, name):
    return {**tool, "exporter": exporter, "opset": opset_of(name), "onnx": onnx.__version__, "onnxruntime": ort.__version__}


def write_json(name, record):
    """<name>.json with one line per row of inputs or outputs."""
    fields = []
    for key, value in record.items():
        if key in ("inputs", "outputs"):
            text = "[\n  " + ",\n  ".join(json.dumps(row) for row in value) + "\n ]"
        else:
            text = json.dumps(value, ensure_ascii=False)
        fields.append(f" {json.dumps(key)}: {text}")
    (OUT / f"{name}.json").write_text("{\n" + ",\n".join(fields) + "\n}\n")


def record_positive(name, about, tool, exporter, inputs):
    """Checks the model, runs ONNX Runtime on the inputs and writes <name>.json."""
    onnx.checker.check_model(str(OUT / f"{name}.onnx"), full_check=True)
    outputs = reference_outputs(name, inputs)
    write_json(name, {
        "about": about,
        "source": source(tool, exporter, name),
        "model": f"{name}.onnx",
        "externalData": side_files(name),
        "inputShape": list(inputs.shape),
        "inputs": rows(inputs),
        "outputs": rows(outputs),
    })


def record_negative(name, about, tool, exporter, mentions):
    """Checks the model and writes <name>.json with what wasmlp's refusal must name."""
    onnx.checker.check_model(str(OUT / f"{name}.onnx"), full_check=True)
    write_json(name, {
        "about": about,
        "source": source(tool, exporter, name),
        "model": f"{name}.onnx",
        "externalData": side_files(name),
        "error": {"mentions": mentions},
    })


def nodes_of(name, op):
    model = onnx.load(OUT / f"{name}.onnx", load_external_data=False)
    return [n.name for n in model.graph.node if n.op_type == op]


# ---------------------------------------------------------------- PyTorch

def train_batchnorm(model, shape, seed, classes):
    """A few SGD steps in train mode on off-centre data, so the batch norms' running statistics, weights
    and biases are far from their 0/1 starting values; then eval mode. The model ends in LogSoftmax."""
    torch.manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm1d):
            nn.init.uniform_(m.weight, 0.5, 1.5)
            nn.init.uniform_(m.bias, -0.5, 0.5)
    x = torch.from_numpy(sample(seed, (256, *shape), loc=1.5, scale=2.0))
    y = torch.from_numpy(np.random.default_rng(seed + 1).integers(0, classes, 256))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    model.train()
    for step in range(30):
        batch = slice(32 * (step % 8), 32 * (step % 8) + 32)
        out = model(x[batch])
        loss = nn.functional.nll_loss(out, y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    return model


def torchscript_export(name, model, shape, opset):
    """The TorchScript-based exporter (dynamo=False), batch axis dynamic."""
    example = torch.from_numpy(sample(99, (2, *shape)))
    torch.onnx.export(model, (example,), str(OUT / f"{name}.onnx"), dynamo=False, opset_version=opset,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})


def dynamo_export(name, model, shape, all_external):
    """The torch.export-based exporter (dynamo=True), batch axis dynamic. Saved as export(..., f=path) saves:
    larger weights in the side file <name>.onnx.data, small ones inline (a tiny model may get no side file);
    with all_external the model is saved again with every float initializer in the side file (size_threshold=0).
    Node stack traces are dropped: they hold this machine's file paths."""
    example = torch.from_numpy(sample(99, (4, *shape)))
    program = torch.onnx.export(model, (example,), dynamo=True, input_names=["input"], output_names=["output"],
                                dynamic_shapes=({0: torch.export.Dim("batch")},))
    for node in program.model.graph.all_nodes():
        node.metadata_props.pop("pkg.torch.onnx.stack_trace", None)
    path = OUT / f"{name}.onnx"
    program.save(str(path), external_data=True)  # what export(..., f=path) does: external_data defaults to True
    if all_external:
        model_proto = onnx.load(str(path))
        (OUT / f"{name}.onnx.data").unlink(missing_ok=True)
        convert_model_to_external_data(model_proto, all_tensors_to_one_file=True, location=f"{name}.onnx.data",
                                       size_threshold=0)
        # Integer tensors (Reshape's target shape) stay inline: the checker's shape inference cannot read
        # them from a side file, and the exporter never puts them there either.
        for tensor in model_proto.graph.initializer:
            if tensor.data_type not in (TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE):
                del tensor.external_data[:]
                tensor.data_location = TensorProto.DEFAULT
        onnx.save_model(model_proto, str(path))


def pytorch_fixtures():
    torch.manual_seed(1)
    name = "torch-script-relu-tanh-softmax"
    model = nn.Sequential(nn.Linear(12, 24), nn.ReLU(), nn.Dropout(0.2), nn.Linear(24, 16, bias=False), nn.Tanh(),
                          nn.Linear(16, 4), nn.Softmax(dim=1)).eval()
    torchscript_export(name, model, (12,), 13)
    record_positive(name, "12 → Linear 24 → ReLU → Dropout → Linear 16 without bias → Tanh → Linear 4 → Softmax",
                    TORCH, "torch.onnx.export(dynamo=False)", sample(10, (ROWS, 12)))

    torch.manual_seed(2)
    name = "torch-script-batchnorm-leaky-logsoftmax"
    model = nn.Sequential(nn.BatchNorm1d(10), nn.Linear(10, 32), nn.BatchNorm1d(32), nn.LeakyReLU(0.1), nn.Dropout(0.1),
                          nn.Linear(32, 16), nn.Sigmoid(), nn.Linear(16, 5), nn.LogSoftmax(dim=1))
    train_batchnorm(model, (10,), 20, 5)
    torchscript_export(name, model, (10,), 17)
    record_positive(name, "10 → BatchNorm1d → Linear 32 → BatchNorm1d → LeakyReLU 0.1 → Dropout → Linear 16 → Sigmoid → "
                    "Linear 5 → LogSoftmax; batch norms trained in train mode, exported in eval mode",
                    TORCH, "torch.onnx.export(dynamo=False)", sample(11, (ROWS, 10), loc=1.5, scale=2.0))

    torch.manual_seed(3)
    name = "torch-script-flatten-sigmoid-opset9"
    model = nn.Sequential(nn.Flatten(), nn.Linear(36, 20), nn.ReLU(), nn.Linear(20, 1), nn.Sigmoid()).eval()
    torchscript_export(name, model, (1, 6, 6), 9)
    record_positive(name, "[N,1,6,6] → Flatten → Linear 20 → ReLU → Linear 1 → Sigmoid, opset 9",
                    TORCH, "torch.onnx.export(dynamo=False)", sample(12, (ROWS, 1, 6, 6)))

    torch.manual_seed(4)
    name = "torch-dynamo-batchnorm-leaky-logsoftmax"
    # Batch norms on the inputs and after an activation: the exporter's optimizer folds one that follows a
    # Linear into its Gemm, so these two are the ones that reach the file.
    model = nn.Sequential(nn.BatchNorm1d(16), nn.Linear(16, 32), nn.LeakyReLU(0.1), nn.BatchNorm1d(32), nn.Dropout(0.25),
                          nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 6), nn.LogSoftmax(dim=1))
    train_batchnorm(model, (16,), 40, 6)
    dynamo_export(name, model, (16,), all_external=False)
    record_positive(name, "16 → BatchNorm1d → Linear 32 → LeakyReLU 0.1 → BatchNorm1d → Dropout → Linear 16 → Tanh → "
                    "Linear 6 → LogSoftmax; larger weights in the side file as the exporter writes it",
                    TORCH, "torch.onnx.export(dynamo=True)", sample(13, (ROWS, 16), loc=1.5, scale=2.0))

    torch.manual_seed(5)
    name = "torch-dynamo-flatten-softmax-external"
    model = nn.Sequential(nn.Flatten(), nn.Linear(36, 16, bias=False), nn.Sigmoid(), nn.Linear(16, 16), nn.ReLU(),
                          nn.Linear(16, 3), nn.Softmax(dim=1)).eval()
    dynamo_export(name, model, (1, 6, 6), all_external=True)
    record_positive(name, "[N,1,6,6] → Flatten → Linear 16 without bias → Sigmoid → Linear 16 → ReLU → Linear 3 → "
                    "Softmax; every initializer in the side file (re-saved with size_threshold=0)",
                    TORCH, "torch.onnx.export(dynamo=True)", sample(14, (ROWS, 1, 6, 6)))

    # Models wasmlp must refuse.
    torch.manual_seed(6)
    name = "reject-torch-conv"
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(64, 3)).eval()
    torchscript_export(name, model, (1, 6, 6), 13)
    (conv,) = nodes_of(name, "Conv")
    record_negative(name, "[N,1,6,6] → Conv2d 4×3×3 → ReLU → Flatten → Linear 3: a convolution, not a perceptron",
                    TORCH, "torch.onnx.export(dynamo=False)", [conv, "Conv"])

    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Sequential(nn.Linear(8, 8), nn.ReLU())
            self.head = nn.Linear(8, 2)

        def forward(self, x):
            return self.head(x + self.inner(x))

    torch.manual_seed(7)
    name = "reject-torch-residual"
    torchscript_export(name, Residual().eval(), (8,), 13)
    (add,) = nodes_of(name, "Add")
    record_negative(name, "8 → head(x + ReLU(Linear 8 (x))): the input feeds two branches that an Add joins",
                    TORCH, "torch.onnx.export(dynamo=False)", [add])

    class TwoInputs(nn.Module):
        def __init__(self):
            super().__init__()
            self.left = nn.Linear(6, 4)
            self.right = nn.Linear(5, 4)

        def forward(self, a, b):
            return torch.relu(self.left(a) + self.right(b))

    torch.manual_seed(8)
    name = "reject-torch-two-inputs"
    torch.onnx.export(TwoInputs().eval(), (torch.zeros(2, 6), torch.zeros(2, 5)), str(OUT / f"{name}.onnx"), dynamo=False,
                      opset_version=13, input_names=["left", "right"], output_names=["output"],
                      dynamic_axes={"left": {0: "batch"}, "right": {0: "batch"}, "output": {0: "batch"}})
    record_negative(name, "relu(Linear 4 (left) + Linear 4 (right)): two inputs", TORCH, "torch.onnx.export(dynamo=False)",
                    ["left", "right"])


# ---------------------------------------------------------------- Keras 3

def keras_batchnorm_start(model, seed):
    """Batch norms start from random scales and shifts, so the exported ones are far from 1 and 0."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.gamma.assign(rng.uniform(0.5, 1.5, layer.gamma.shape).astype(np.float32))
            layer.beta.assign(rng.uniform(-0.5, 0.5, layer.beta.shape).astype(np.float32))


def keras_export(name, model):
    """Keras 3's own ONNX export. On the PyTorch backend it calls torch.onnx.export, and for a model with a
    dynamic batch axis (every keras.Input) it picks the TorchScript-based exporter (dynamo=False)."""
    model.export(str(OUT / f"{name}.onnx"), format="onnx", verbose=False)


def keras_fixtures():
    tool = {"tool": "keras", "version": keras.__version__, "backend": f"torch {torch.__version__}",
            "via": "torch.onnx.export(dynamo=False)"}
    exporter = 'keras.Model.export(format="onnx")'

    keras.utils.set_random_seed(21)
    name = "keras-dense-batchnorm-softmax"
    model = keras.Sequential([
        keras.Input((10,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.BatchNormalization(momentum=0.5),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(16, activation="tanh"),
        keras.layers.Dense(3, activation="softmax"),
    ])
    keras_batchnorm_start(model, 25)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = sample(22, (128, 10), loc=1.0, scale=2.0)
    model.fit(x, np.random.default_rng(23).integers(0, 3, 128), epochs=3, batch_size=32, shuffle=False, verbose=0)
    keras_export(name, model)
    record_positive(name, "10 → Dense 16 relu → BatchNormalization → Dropout → Dense 16 tanh → Dense 3 softmax; "
                    "trained three epochs so the moving statistics moved", tool, exporter,
                    sample(24, (ROWS, 10), loc=1.0, scale=2.0))

    keras.utils.set_random_seed(31)
    name = "keras-batchnorm-regression"
    model = keras.Sequential([
        keras.Input((8,)),
        keras.layers.BatchNormalization(momentum=0.5),
        keras.layers.Dense(20, use_bias=False),
        keras.layers.BatchNormalization(momentum=0.5),
        keras.layers.Activation("sigmoid"),
        keras.layers.Dense(1),
    ])
    keras_batchnorm_start(model, 34)
    model.compile(optimizer="adam", loss="mse")
    x = sample(32, (128, 8), loc=3.0, scale=4.0)
    model.fit(x, x[:, 0] - 0.5 * x[:, 1], epochs=3, batch_size=32, shuffle=False, verbose=0)
    keras_export(name, model)
    record_positive(name, "8 → BatchNormalization → Dense 20 without bias → BatchNormalization → sigmoid → Dense 1 "
                    "(regression)", tool, exporter, sample(33, (ROWS, 8), loc=3.0, scale=4.0))


# ---------------------------------------------------------------- by hand with onnx.helper

def weights(seed, shape, scale=0.5):
    return sample(seed, shape, scale=scale)


def float_data(name, array):
    """An initializer with its values in float_data (not raw_data), as older writers stored them."""
    return helper.make_tensor(name, TensorProto.FLOAT, array.shape, array.ravel().tolist())


def save_hand_model(name, nodes, initializers, inputs, outputs, opset):
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", inputs])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", outputs])], initializers)
    opsets = [helper.make_opsetid("", opset)]
    model = helper.make_model(graph, producer_name="onnx.helper", producer_version=onnx.__version__, opset_imports=opsets,
                              ir_version=helper.find_min_ir_version_for(opsets))
    onnx.save_model(model, str(OUT / f"{name}.onnx"))


def hand_fixtures():
    tool = {"tool": "onnx", "version": onnx.__version__}
    exporter = "onnx.helper"

    name = "hand-matmul-add-opset9"
    save_hand_model(name, [
        helper.make_node("MatMul", ["input", "w1"], ["h1"], name="matmul_1"),
        helper.make_node("Add", ["h1", "b1"], ["z1"], name="add_1"),
        helper.make_node("Relu", ["z1"], ["a1"], name="relu_1"),
        helper.make_node("MatMul", ["a1", "w2"], ["h2"], name="matmul_2"),
        helper.make_node("Add", ["h2", "b2"], ["z2"], name="add_2"),
        helper.make_node("Softmax", ["z2"], ["output"], name="softmax", axis=1),
    ], [float_data("w1", weights(41, (8, 16))), float_data("b1", weights(42, (16,))),
        float_data("w2", weights(43, (16, 4))), float_data("b2", weights(44, (4,)))], 8, 4, 9)
    record_positive(name, "MatMul + Add → Relu → MatMul + Add → Softmax(axis=1, the coerce-to-2D semantics before opset 13); "
                    "weights in float_data", tool, exporter, sample(45, (ROWS, 8)))

    name = "hand-scaler-gemm-opset10"
    mean = sample(51, (12,), loc=40.0, scale=20.0)
    std = np.abs(sample(52, (12,), loc=5.0, scale=2.0)) + 0.5
    save_hand_model(name, [
        helper.make_node("Sub", ["input", "mean"], ["centred"], name="scaler_sub"),
        helper.make_node("Div", ["centred", "std"], ["scaled"], name="scaler_div"),
        helper.make_node("Gemm", ["scaled", "w1", "b1"], ["z1"], name="gemm_1", transB=1, alpha=0.5, beta=2.0),
        helper.make_node("Tanh", ["z1"], ["a1"], name="tanh_1"),
        helper.make_node("Gemm", ["a1", "w2", "b2"], ["z2"], name="gemm_2", transB=1, alpha=1.5, beta=0.25),
        helper.make_node("Sigmoid", ["z2"], ["output"], name="sigmoid"),
    ], [numpy_helper.from_array(mean, "mean"), numpy_helper.from_array(std, "std"),
        numpy_helper.from_array(weights(53, (24, 12)), "w1"), numpy_helper.from_array(weights(54, (24,)), "b1"),
        numpy_helper.from_array(weights(55, (2, 24)), "w2"), numpy_helper.from_array(weights(56, (2,)), "b2")], 12, 2, 10)
    record_positive(name, "StandardScaler as Sub then Div → Gemm transB=1 alpha=0.5 beta=2 → Tanh → Gemm transB=1 alpha=1.5 "
                    "beta=0.25 → Sigmoid", tool, exporter, sample(57, (ROWS, 12), loc=40.0, scale=20.0))

    name = "hand-constants-identity-opset11"
    mean = sample(61, (10,), loc=-3.0, scale=2.0)
    std = np.abs(sample(62, (10,), loc=2.0, scale=0.5)) + 0.25
    save_hand_model(name, [
        helper.make_node("Cast", ["input"], ["x"], name="cast_input", to=TensorProto.FLOAT),
        helper.make_node("Constant", [], ["mean"], name="const_mean", value=numpy_helper.from_array(mean, "mean")),
        helper.make_node("Constant", [], ["std"], name="const_std", value=numpy_helper.from_array(std, "std")),
        helper.make_node("Sub", ["x", "mean"], ["centred"], name="scaler_sub"),
        helper.make_node("Div", ["centred", "std"], ["scaled"], name="scaler_div"),
        helper.make_node("Constant", [], ["w1"], name="const_w1", value=numpy_helper.from_array(weights(63, (10, 20)), "w1")),
        helper.make_node("MatMul", ["scaled", "w1"], ["h1"], name="matmul_1"),
        helper.make_node("Add", ["h1", "b1"], ["z1"], name="add_1"),
        helper.make_node("Identity", ["z1"], ["z1_same"], name="identity"),
        helper.make_node("Relu", ["z1_same"], ["a1"], name="relu_1"),
        helper.make_node("Gemm", ["a1", "w2", "b2"], ["z2"], name="gemm_2"),
        helper.make_node("Softmax", ["z2"], ["output"], name="softmax", axis=1),
    ], [numpy_helper.from_array(weights(64, (20,)), "b1"), numpy_helper.from_array(weights(65, (20, 5)), "w2"),
        numpy_helper.from_array(weights(66, (5,)), "b2")], 10, 5, 11)
    record_positive(name, "Cast to float → Sub and Div by Constant nodes → MatMul by a Constant node → Add → Identity → "
                    "Relu → Gemm → Softmax(axis=1)", tool, exporter, sample(67, (ROWS, 10), loc=-3.0, scale=2.0))

    # A graph computing in float32 may read DOUBLE or FLOAT16 weights only through a Cast to FLOAT.
    name = "hand-float16-double-cast-opset12"
    save_hand_model(name, [
        helper.make_node("Cast", ["w1_half"], ["w1"], name="cast_w1", to=TensorProto.FLOAT),
        helper.make_node("MatMul", ["input", "w1"], ["h1"], name="matmul_1"),
        helper.make_node("Cast", ["b1_double"], ["b1"], name="cast_b1", to=TensorProto.FLOAT),
        helper.make_node("Add", ["h1", "b1"], ["z1"], name="add_1"),
        helper.make_node("Tanh", ["z1"], ["a1"], name="tanh_1"),
        helper.make_node("Gemm", ["a1", "w2", "b2"], ["output"], name="gemm_2"),
    ], [numpy_helper.from_array(weights(71, (8, 16)).astype(np.float16), "w1_half"),
        numpy_helper.from_array(weights(72, (16,)).astype(np.float64), "b1_double"),
        numpy_helper.from_array(weights(73, (16, 2)), "w2"), numpy_helper.from_array(weights(74, (2,)), "b2")], 8, 2, 12)
    record_positive(name, "MatMul by a FLOAT16 initializer cast to float → Add a DOUBLE initializer cast to float → Tanh → "
                    "Gemm (regression)", tool, exporter, sample(75, (ROWS, 8)))


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    pytorch_fixtures()
    keras_fixtures()
    hand_fixtures()
    for path in sorted(OUT.iterdir()):
        print(f"{path.stat().st_size:>8}  {path.name}")


if __name__ == "__main__":
    main()
