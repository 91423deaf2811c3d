"""Quantized weights in ONNX: the ``dequantize`` converter and the quantized ``linear``.

A ``linear`` whose weight a ``dequantize`` of params produced (what ``hwsdk.ir.quant`` writes)
becomes ONNX Runtime's ``com.microsoft.MatMulNBits`` when the builder asks for it
(``Builder.matmul_nbits``, its ``accuracy_level``): the weight stays 8- or 4-bit in ORT's memory
and ORT's kernel reads it compressed. The ``dequantize`` itself is lowered to its float form
(``DequantizeLinear`` per channel, integer ops for packed 4-bit data); the lowering drops that
form when every reader became a MatMulNBits, and keeps it for any other reader.

MatMulNBits' layout (ORT's docs/ContribOperators.md; :mod:`hwsdk.lower.onnx.nbits` packs it):
``B`` uint8 ``[N, K/block, block*bits/8]``, blocks along K, 4-bit element ``2j`` in the low
nibble (the IR's order, so 4-bit data is passed as it is); ``scales`` ``[N * K/block]`` of the
input's dtype; ``zero_points`` uint8, packed like ``B``, default ``2^(bits-1)``; ``block`` a
power of 2, at least 16.
"""

from __future__ import annotations

from collections.abc import Sequence

from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node
from hwsdk.lower.onnx import nbits
from hwsdk.lower.onnx.builder import MS_DOMAIN, Builder, onnx_dtype
from hwsdk.lower.onnx.registry import converter

__all__ = ["quantized_linear", "nbits_reason"]


def _check(node: Node, graph: Graph) -> str | None:
    if not graph.types[node.inputs[1]].dtype.is_float:
        return f"dequantize with {graph.types[node.inputs[1]].dtype} scales is not lowered"
    return None


@converter("dequantize", check=_check)
def _dequantize(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    bits, group = node.attrs["bits"], node.attrs["group_size"]
    if bits == 8 and not group:
        out = b.op1("DequantizeLinear", [ins[0], ins[1], ins[2] if len(ins) > 2 else ""],
                    axis=0)
    else:
        out = _dequantize_blocks(b, node, ins)
    b.dequantized[out] = node
    return [out]


def _dequantize_blocks(b: Builder, node: Node, ins: list[str]) -> str:
    """``(data - zero_point) * scale`` per group in opset-18 ops; 4-bit data unpacked with
    BitwiseAnd / BitShift (element ``2j`` in the low nibble)."""
    n, k = (int(d) for d in node.attrs["shape"])
    groups = k // node.attrs["group_size"] if node.attrs["group_size"] else 1
    data = ins[0]
    if node.attrs["bits"] == 4:
        low = b.op1("BitwiseAnd", [data, b.const(15, DType.u8)])
        high = b.op1("BitShift", [data, b.const(4, DType.u8)], direction="RIGHT")
        pairs = [b.op1("Unsqueeze", [v, b.ints([-1])]) for v in (low, high)]
        data = b.op1("Concat", pairs, axis=-1)
    scale_dtype = b.type_of(node.inputs[1]).dtype
    q = b.op1("Cast", [b.op1("Reshape", [data, b.ints([n, groups, k // groups])])],
              to=onnx_dtype(scale_dtype))
    if len(ins) > 2 and ins[2]:
        zero = b.op1("Cast", [ins[2]], to=onnx_dtype(scale_dtype))
        q = b.op1("Sub", [q, b.op1("Reshape", [zero, b.ints([n, groups, 1])])])
    w = b.op1("Mul", [q, b.op1("Reshape", [ins[1], b.ints([n, groups, 1])])])
    return b.op1("Reshape", [w, b.ints([n, k])])


def nbits_reason(node: Node, dq: Node, graph: Graph) -> str | None:
    """Why ``linear`` ``node``, whose weight ``dequantize`` ``dq`` produces, cannot be one
    MatMulNBits, or None when it can."""
    if any(v and v not in graph.param_data for v in dq.inputs):
        return "the quantized weight is computed, not params"
    x, scale = graph.types[node.inputs[0]], graph.types[dq.inputs[1]]
    if x.dtype not in (DType.f32, DType.f16) or scale.dtype != x.dtype:
        return f"MatMulNBits takes f32 or f16 inputs with scales alike, not {x.dtype} " \
               f"with {scale.dtype} scales"
    if x.rank < 2:
        return "MatMulNBits takes an input of rank >= 2"
    group = dq.attrs["group_size"]
    if group and not nbits.valid_block(group):
        return f"group_size={group} is not a MatMulNBits block (a power of 2, >= 16)"
    return None


def quantized_linear(b: Builder, node: Node, ins: list[str]) -> list[str] | None:
    """``linear`` as one MatMulNBits (plus the bias ``Add``) when its weight is a dequantized
    weight lowered in this model and the builder asks for MatMulNBits; None otherwise (the
    caller multiplies by the float form)."""
    dq = b.dequantized.get(ins[1])
    if b.matmul_nbits is None or dq is None or nbits_reason(node, dq, b.graph):
        return None
    n, k = (int(d) for d in dq.attrs["shape"])
    data, scale, zero = (nbits.to_numpy(b.graph.param_data[v]) if v else None
                         for v in [*dq.inputs, ""][:3])  # "": no zero point
    packed = nbits.pack(data, scale, zero, bits=dq.attrs["bits"],
                        group_size=dq.attrs["group_size"], n=n, k=k)
    names = [b.derived(f"{dq.inputs[0]}::nbits_{part}", arr) if arr is not None else ""
             for part, arr in zip(("b", "scales", "zero_points"), packed.arrays, strict=True)]
    y = b.op1("MatMulNBits", [ins[0], *names], domain=MS_DOMAIN, K=k, N=n,
              bits=dq.attrs["bits"], block_size=packed.block, accuracy_level=b.matmul_nbits)
    has_bias = len(ins) > 2 and bool(ins[2])
    return [b.op1("Add", [y, ins[2]])] if has_bias else [y]
