"""Converters for normalization, linear algebra, convolution, pooling and embedding."""

from __future__ import annotations

from collections.abc import Sequence

from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node
from hwsdk.lower.onnx.builder import Builder
from hwsdk.lower.onnx.ops_elementwise import out_dtype
from hwsdk.lower.onnx.ops_quant import quantized_linear
from hwsdk.lower.onnx.registry import converter

# torch.finfo(dtype).eps: rms_norm's epsilon when the model gives none.
_EPS = {DType.f32: 1.1920928955078125e-07, DType.f16: 0.0009765625,
        DType.f64: 2.220446049250313e-16, DType.bf16: 0.0078125}


@converter("softmax", "log_softmax")
def _softmax(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    op = "Softmax" if node.op == "softmax" else "LogSoftmax"
    return [b.op1(op, [ins[0]], axis=int(node.attrs.get("dim", -1)))]


def _static_normalized(node: Node, graph: Graph) -> str | None:
    shape = node.attrs.get("normalized_shape", [])
    if not all(isinstance(d, int) for d in shape):
        return f"{node.op} over symbolic normalized_shape {shape} is not lowered"
    return None


def _weight_or(b: Builder, node: Node, ins: list[str], index: int, fill: float) -> str:
    import numpy as np

    if len(ins) > index and ins[index]:
        return ins[index]
    return b.const(np.full(tuple(node.attrs["normalized_shape"]), fill), out_dtype(b, node))


@converter("layer_norm", check=_static_normalized)
def _layer_norm(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    axis = -len(node.attrs["normalized_shape"])
    scale = _weight_or(b, node, ins, 1, 1.0)
    bias = ins[2] if len(ins) > 2 and ins[2] else ""
    return [b.op1("LayerNormalization", [ins[0], scale, bias], axis=axis,
                  epsilon=float(node.attrs.get("eps", 1e-5)))]


@converter("rms_norm", check=_static_normalized)
def _rms_norm(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    # Pow → ReduceMean → Add → Sqrt → Div: the pattern ORT fuses into SimplifiedLayerNorm.
    dt = out_dtype(b, node)
    n = len(node.attrs["normalized_shape"])
    eps = node.attrs.get("eps")
    eps = _EPS.get(dt, 1e-6) if eps is None else float(eps)
    x = ins[0]
    square = b.op1("Pow", [x, b.const(2.0, dt)])
    mean = b.op1("ReduceMean", [square, b.ints(list(range(-n, 0)))], keepdims=1)
    denom = b.op1("Sqrt", [b.op1("Add", [mean, b.const(eps, dt)])])
    y = b.op1("Div", [x, denom])
    if len(ins) > 1 and ins[1]:
        y = b.op1("Mul", [y, ins[1]])
    return [y]


@converter("batch_norm")
def _batch_norm(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    channels = b.type_of(node.inputs[3]).shape[0]
    dt = out_dtype(b, node)
    scale = ins[1] or b.const([1.0] * int(channels), dt)
    bias = ins[2] or b.const([0.0] * int(channels), dt)
    return [b.op1("BatchNormalization", [ins[0], scale, bias, ins[3], ins[4]],
                  epsilon=float(node.attrs.get("eps", 1e-5)))]


def _linear_check(node: Node, graph: Graph) -> str | None:
    if graph.types[node.inputs[1]].rank != 2:
        return "linear with a weight of rank other than 2 is not lowered"
    return None


@converter("linear", check=_linear_check)
def _linear(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    quantized = quantized_linear(b, node, ins)  # a dequantized weight: MatMulNBits
    if quantized is not None:
        return quantized
    x_rank = b.type_of(node.inputs[0]).rank
    weight = node.inputs[1]
    has_bias = len(ins) > 2 and bool(ins[2])
    if x_rank == 2:
        inputs = [ins[0], ins[1]] + ([ins[2]] if has_bias else [])
        return [b.op1("Gemm", inputs, transB=1)]
    # A constant weight is transposed once here, so MatMul reads it in its natural layout.
    w_t = b.param(weight, "T") if weight in b.graph.params else b.op1(
        "Transpose", [ins[1]], perm=[1, 0])
    y = b.op1("MatMul", [ins[0], w_t])
    return [b.op1("Add", [y, ins[2]])] if has_bias else [y]


@converter("matmul")
def _matmul(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    return [b.op1("MatMul", [ins[0], ins[1]])]


@converter("addmm")
def _addmm(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    return [b.op1("Gemm", [ins[1], ins[2], ins[0]])]


@converter("conv")
def _conv(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    a = node.attrs
    pads = list(a["padding"]) * 2
    inputs = [ins[0], ins[1]] + ([ins[2]] if len(ins) > 2 and ins[2] else [])
    kernel = [int(d) for d in b.type_of(node.inputs[1]).shape[2:]]
    return [b.op1("Conv", inputs, strides=list(a["stride"]), pads=pads,
                  dilations=list(a["dilation"]), group=int(a["groups"]), kernel_shape=kernel)]


@converter("max_pool2d")
def _max_pool(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    a = node.attrs
    return [b.op1("MaxPool", [ins[0]], kernel_shape=list(a["kernel"]), strides=list(a["stride"]),
                  pads=list(a["padding"]) * 2, dilations=list(a.get("dilation", [1, 1])),
                  ceil_mode=int(bool(a.get("ceil_mode", False))))]


def _avg_pool_check(node: Node, graph: Graph) -> str | None:
    if node.attrs.get("ceil_mode"):
        return "avg_pool2d with ceil_mode=True divides edge windows differently in ONNX"
    return None


@converter("avg_pool2d", check=_avg_pool_check)
def _avg_pool(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    a = node.attrs
    return [b.op1("AveragePool", [ins[0]], kernel_shape=list(a["kernel"]),
                  strides=list(a["stride"]), pads=list(a["padding"]) * 2,
                  count_include_pad=int(bool(a.get("count_include_pad", True))))]


def _adaptive_check(node: Node, graph: Graph) -> str | None:
    out = node.attrs["output_size"]
    if list(out) == [1, 1]:
        return None
    spatial = graph.types[node.inputs[0]].shape[-2:]
    if all(isinstance(s, int) and isinstance(o, int) and o and s % o == 0
           for s, o in zip(spatial, out, strict=True)):
        return None
    return (f"adaptive_avg_pool2d from {list(spatial)} to {list(out)} needs uneven windows; "
            "ONNX has no adaptive pooling")


@converter("adaptive_avg_pool2d", check=_adaptive_check)
def _adaptive(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    out = list(node.attrs["output_size"])
    if out == [1, 1]:
        return [b.op1("GlobalAveragePool", [ins[0]])]
    spatial = [int(s) for s in b.type_of(node.inputs[0]).shape[-2:]]
    kernel = [s // o for s, o in zip(spatial, out, strict=True)]
    return [b.op1("AveragePool", [ins[0]], kernel_shape=kernel, strides=kernel)]


@converter("embedding")
def _embedding(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    return [b.op1("Gather", [ins[0], ins[1]], axis=0)]
