"""The ``dequantize`` converter: a ``DequantizeLinear`` on the transposed weight.

The quantized data is stored ``[K, N]`` (its transpose) and dequantized per axis 1, then
transposed back to the IR's ``[N, K]``; the ``linear`` after it transposes again. ONNX
Runtime cancels the two transposes and fuses ``DequantizeLinear → MatMul`` into
``com.microsoft.MatMulNBits`` at session creation, so the weight stays 8-bit in memory and the
matmul reads it directly (:mod:`hwsdk.engines.ort_quant` checks that it did).
"""

from __future__ import annotations

from collections.abc import Sequence

from hwsdk.ir.graph import Graph, Node
from hwsdk.lower.onnx.builder import Builder
from hwsdk.lower.onnx.registry import converter


def _check(node: Node, graph: Graph) -> str | None:
    if node.attrs["bits"] != 8 or node.attrs["group_size"]:
        return ("only 8-bit per-channel weights are lowered (4-bit and grouped scales need "
                "DequantizeLinear's block_size, ONNX opset 21; this lowering emits opset 18)")
    return None


def _transposed(b: Builder, value: str, onnx_name: str) -> str:
    if value in b.graph.params:
        return b.param(value, "T")
    return b.op1("Transpose", [onnx_name], perm=[1, 0])


@converter("dequantize", check=_check)
def _dequantize(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    data_t = _transposed(b, node.inputs[0], ins[0])
    inputs = [data_t, ins[1]]
    if len(ins) > 2 and ins[2]:
        inputs.append(ins[2])
    weight_t = b.op1("DequantizeLinear", inputs, axis=1)
    return [b.op1("Transpose", [weight_t], perm=[1, 0])]
