"""Graph rewrites that make the precision variants of a pack's models, with the `onnx` package alone.

- `to_float16`: weights and activations in float16, float32 inputs and outputs (Cast nodes at the edges), so the
  Java side feeds and reads the same tensors. Two kinds of node keep float32:
    * the numerically sensitive ops in `KEEP_FLOAT32_OPS` (normalisation statistics, softmax, phases and
      exponentials), their inputs cast up and their outputs cast down;
    * nodes that carry no activation: computed from weights and the batch-sized inputs alone (t, seconds,
      controlnet_scale), e.g. the timestep and seconds embeddings, whose Fourier phases need float32 and whose cost
      is one row per batch item, and weight-only chains such as SnakeBeta's exp(log alpha), which ONNX Runtime
      folds once at load.
  An activation is anything computed from a graph input of rank 2 or more (the latents, the tokens).
- `to_dynamic_int8`: every MatMul whose second operand is a 2-D weight becomes ONNX Runtime's dynamic-quantisation
  pattern (DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul by the product of the scales), weights int8
  symmetric per output column, activations uint8 quantised per tensor at run time. ONNX Runtime's CPU provider fuses
  exactly this pattern into one DynamicQuantizeMatMul kernel (u8 x s8 integer GEMM); a MatMul fed by
  DequantizeLinear weights would be folded back to a float32 MatMul and only save disk.
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from packlib import fits_one_protobuf

FLOAT = TensorProto.FLOAT
FLOAT16 = TensorProto.FLOAT16

KEEP_FLOAT32_OPS = frozenset({
    "LayerNormalization", "GroupNormalization", "InstanceNormalization", "BatchNormalization",
    "Softmax", "LogSoftmax", "ReduceMean", "ReduceSum", "ReduceSumSquare", "ReduceL2",
    "Range", "Sin", "Cos", "Exp", "Log", "Pow", "Sqrt", "Reciprocal", "Erf",
})
# Ops whose output type follows an attribute (Cast) or whose float inputs are not data; never rewritten.
TYPE_FROM_ATTRIBUTE_OPS = frozenset({"Cast", "Shape", "Size", "ConstantOfShape", "RandomNormalLike",
                                     "RandomUniformLike", "EyeLike"})
# Float inputs that are parameters of the op, not data, and stay float32 by the ONNX spec: (op, input index).
FLOAT32_PARAMETER_INPUTS = frozenset({("Resize", 1), ("Resize", 2)})


def _element_types(model):
    """Element type of every named value: graph inputs and outputs, initializers and inferred intermediates."""
    # types only: large weights are left out of the copy inferred, so models over protobuf's 2 GiB work too
    light = _copy(model)
    for tensor in light.graph.initializer:
        if len(tensor.raw_data) > 4096 or len(tensor.float_data) > 1024:
            tensor.ClearField("raw_data")
            tensor.ClearField("float_data")
    inferred = onnx.shape_inference.infer_shapes(light)
    types = {}
    for value in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        types[value.name] = value.type.tensor_type.elem_type
    for tensor in model.graph.initializer:
        types[tensor.name] = tensor.data_type
    for node in model.graph.node:
        if node.op_type == "Constant":
            types[node.output[0]] = helper.get_attribute_value(node.attribute[0]).data_type
    return types


def _activations(graph, types):
    """Float values computed from a float graph input of rank >= 2 (graph.node is topologically sorted)."""
    active = {value.name for value in graph.input
              if types.get(value.name) == FLOAT and len(value.type.tensor_type.shape.dim) >= 2}
    for node in graph.node:
        if any(name in active for name in node.input if types.get(name) == FLOAT):
            active.update(name for name in node.output if types.get(name) == FLOAT)
    return active


def to_float16(model, keep_float32_ops=KEEP_FLOAT32_OPS):
    """A float16 copy of `model` (see the module docstring); `model` itself is not changed."""
    model = _copy(model)
    graph = model.graph
    types = _element_types(model)
    active = _activations(graph, types)

    def float16_node(node):
        return (node.op_type not in keep_float32_ops and node.op_type not in TYPE_FROM_ATTRIBUTE_OPS
                and any(name in active for name in node.input)
                and any(types.get(name) == FLOAT for name in node.output))

    # nodes by index: protobuf hands out a new wrapper object at every access, so object ids are not stable
    half_nodes = {index for index, node in enumerate(graph.node) if float16_node(node)}
    consumers = {}
    for index, node in enumerate(graph.node):
        for name in node.input:
            consumers.setdefault(name, []).append(index)

    # Weights (initializers and Constant nodes) all of whose consumers compute in float16 are stored in float16.
    def only_half_consumers(name):
        return all(index in half_nodes for index in consumers.get(name, []))

    half_values = set()
    for tensor in graph.initializer:
        if tensor.data_type == FLOAT and only_half_consumers(tensor.name):
            tensor.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(tensor).astype(np.float16), tensor.name))
            half_values.add(tensor.name)
    for node in graph.node:
        if node.op_type == "Constant" and types.get(node.output[0]) == FLOAT and only_half_consumers(node.output[0]):
            value = helper.get_attribute_value(node.attribute[0])
            half = numpy_helper.from_array(numpy_helper.to_array(value).astype(np.float16), value.name)
            node.ClearField("attribute")
            node.attribute.append(helper.make_attribute("value", half))
            half_values.add(node.output[0])
    for index, node in enumerate(graph.node):
        if index in half_nodes:
            half_values.update(name for name in node.output if types.get(name) == FLOAT)

    # Casts where a value crosses between float16 and float32 nodes, one per (value, direction).
    casts = {}
    nodes = []

    def cast(name, to):
        key = (name, to)
        if key not in casts:
            casts[key] = f"{name}/as_{'float16' if to == FLOAT16 else 'float32'}"
            nodes.append(helper.make_node("Cast", [name], [casts[key]], to=to, name=casts[key]))
        return casts[key]

    for index, node in enumerate(graph.node):
        wants_half = index in half_nodes
        for position, name in enumerate(node.input):
            if (not name or types.get(name) != FLOAT or node.op_type in ("Shape", "Size")
                    or (node.op_type, position) in FLOAT32_PARAMETER_INPUTS):
                continue
            is_half = name in half_values
            if wants_half and not is_half:
                node.input[position] = cast(name, FLOAT16)
            elif not wants_half and is_half:
                node.input[position] = cast(name, FLOAT)
        nodes.append(node)

    for output in graph.output:
        if output.name in half_values:
            internal = output.name + "/float16"
            for node in nodes:
                node.output[:] = [internal if name == output.name else name for name in node.output]
                node.input[:] = [internal if name == output.name else name for name in node.input]
            nodes.append(helper.make_node("Cast", [internal], [output.name], to=FLOAT, name=output.name + "/as_float32"))

    graph.ClearField("node")
    graph.node.extend(nodes)
    graph.ClearField("value_info")  # stale float32 types; ONNX Runtime infers them again
    _check(model)
    return model


def quantise_columns(weight):
    """Symmetric int8 per output column of a (K, N) weight: (int8 weight, float32 scale of N)."""
    peak = np.abs(weight).max(axis=0)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    quantised = np.clip(np.rint(weight / scale), -127, 127).astype(np.int8)
    return quantised, scale


def to_dynamic_int8(model):
    """An int8 dynamically quantised copy of `model` (see the module docstring); returns (model, MatMuls rewritten)."""
    model = _copy(model)
    graph = model.graph
    types = _element_types(model)
    weights = {tensor.name: tensor for tensor in graph.initializer}
    uses = {}
    for node in graph.node:
        for name in node.input:
            uses[name] = uses.get(name, 0) + 1

    nodes, added, rewritten = [], [], 0
    for node in graph.node:
        weight = weights.get(node.input[1]) if node.op_type == "MatMul" else None
        if weight is None or len(weight.dims) != 2 or weight.data_type != FLOAT or types.get(node.input[0]) != FLOAT:
            nodes.append(node)
            continue
        rewritten += 1
        base = node.name or node.output[0]
        quantised, scale = quantise_columns(numpy_helper.to_array(weight))
        w_q, w_scale, w_zero = base + "/weight_int8", base + "/weight_scale", base + "/weight_zero_point"
        added += [numpy_helper.from_array(quantised, w_q), numpy_helper.from_array(scale, w_scale),
                  numpy_helper.from_array(np.zeros(scale.shape, np.int8), w_zero)]
        a_q, a_scale, a_zero = base + "/input_uint8", base + "/input_scale", base + "/input_zero_point"
        nodes += [
            helper.make_node("DynamicQuantizeLinear", [node.input[0]], [a_q, a_scale, a_zero], name=base + "/quantize"),
            helper.make_node("MatMulInteger", [a_q, w_q, a_zero, w_zero], [base + "/int32"], name=base + "/int8"),
            helper.make_node("Cast", [base + "/int32"], [base + "/float"], to=FLOAT, name=base + "/to_float"),
            helper.make_node("Mul", [a_scale, w_scale], [base + "/scale"], name=base + "/scales"),
            helper.make_node("Mul", [base + "/float", base + "/scale"], [node.output[0]], name=base + "/rescale"),
        ]
        uses[weight.name] -= 1
    graph.ClearField("node")
    graph.node.extend(nodes)
    kept = [tensor for tensor in graph.initializer if uses.get(tensor.name, 0) > 0]
    graph.ClearField("initializer")
    graph.initializer.extend(kept + added)
    graph.ClearField("value_info")
    _check(model)
    return model, rewritten


def _check(model):
    """Types and shapes checked in memory; a model over protobuf's 2 GiB is checked by path once saved."""
    if fits_one_protobuf(model):
        onnx.checker.check_model(model, full_check=True)


def _copy(model):
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    return copy
