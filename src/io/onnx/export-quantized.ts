// ONNX export of an int8 model, in the QDQ form runtimes recognise: each layer's
// input is clipped to its 7-bit code range, quantised and dequantised with the
// layer's scale and zero point (QuantizeLinear / DequantizeLinear, uint8 codes in
// [0, 127]), its int8 weights dequantised per output column, then MatMul, Add,
// and the activation (or maxout's max) in float. A runtime may fuse each
// Q → DQ → MatMul into an integer matrix multiply; either way the graph computes
// what the int8 model computes, up to the rounding of a requantised code.
import { registerEncoder } from "../../model/encoders.js";
import type { QuantizedModelState } from "../../model/quantized-state.js";
import { activationNode, floatTensor, int64Tensor, modelProto, node, preprocessingNodes, tensor, type ProtoWriter } from "./export.js";

const UINT8 = 2;
const INT8 = 3;

/** An ONNX ModelProto whose graph maps `input` [batch, inputs] to `output` [batch, outputs] like the int8 model's predict(). */
export function encodeQuantizedOnnx(state: QuantizedModelState): Uint8Array {
  const nodes: ProtoWriter[] = [];
  const initializers: ProtoWriter[] = [];
  const p = state.preprocessing;
  let x = preprocessingNodes(p, nodes, initializers);
  state.layers.forEach((l, i) => {
    const name = (s: string) => `layers.${i}.${s}`;
    const columns = l.units * l.pieces;
    // Codes are 7-bit: values beyond code 0 or 127 are clipped first, as the kernels clamp them.
    const scale = Math.fround(l.inputScale);
    initializers.push(
      floatTensor(name("input_min"), [], Float32Array.of((0 - l.inputZeroPoint) * scale)),
      floatTensor(name("input_max"), [], Float32Array.of((127 - l.inputZeroPoint) * scale)),
      floatTensor(name("input_scale"), [], Float32Array.of(scale)),
      tensor(name("input_zero_point"), [], UINT8, Uint8Array.of(l.inputZeroPoint)),
      tensor(name("weight"), [l.inputs, columns], INT8, new Uint8Array(l.weights.buffer, l.weights.byteOffset, l.weights.length)),
      floatTensor(name("weight_scale"), [columns], l.weightScales),
      floatTensor(name("bias"), [columns], l.bias),
    );
    nodes.push(
      node("Clip", [x, name("input_min"), name("input_max")], name("clipped")),
      node("QuantizeLinear", [name("clipped"), name("input_scale"), name("input_zero_point")], name("codes")),
      node("DequantizeLinear", [name("codes"), name("input_scale"), name("input_zero_point")], name("input")),
      node("DequantizeLinear", [name("weight"), name("weight_scale")], name("weight_values"), [{ name: "axis", i: 1 }]),
      node("MatMul", [name("input"), name("weight_values")], name("product")),
      node("Add", [name("product"), name("bias")], name("z")),
    );
    if (l.type === "maxout") {
      // Unit j owns columns j·k … j·k+k−1, so [batch, units·k] → [batch, units, k] and a max over the last axis.
      initializers.push(int64Tensor(name("groups"), [0, l.units, l.pieces]), int64Tensor(name("axes"), [2]));
      nodes.push(node("Reshape", [name("z"), name("groups")], name("pieces")));
      nodes.push(node("ReduceMax", [name("pieces"), name("axes")], name("out"), [{ name: "keepdims", i: 0 }]));
      x = name("out");
      return;
    }
    const act = activationNode(l.activation, l.alpha, name("z"), name("out"));
    if (act) nodes.push(act);
    x = act ? name("out") : name("z");
  });
  const target = p?.target;
  if (target?.scale && target.offset) {
    // predict() gives a regression target in its own units: y·(1/scale) + (−offset/scale), as the core's output transform.
    initializers.push(floatTensor("target.scale", [target.scale.length], Float32Array.from(target.scale, (s) => 1 / s)));
    initializers.push(floatTensor("target.offset", [target.offset.length], Float32Array.from(target.offset, (o, j) => -o / target.scale![j])));
    nodes.push(node("Mul", [x, "target.scale"], "target.scaled"), node("Add", ["target.scaled", "target.offset"], "target.out"));
    x = "target.out";
  }
  return modelProto(nodes, initializers, x, state.inputs, state.outputs);
}

// QuantizedModel.toONNX() reaches this module through the model's encoder registry (see model/encoders.ts).
registerEncoder("onnx-int8", encodeQuantizedOnnx);
