"""Converter for scaled_dot_product_attention: the math form ``softmax(q kᵀ · scale + mask) v``.

Grouped-query attention repeats each key/value head ``Hq / Hkv`` times (torch's
``repeat_interleave`` on dim -3); the causal mask is top-left aligned like torch's ``is_causal``
and is built from ``Range`` ops, so it works for symbolic sequence lengths and is constant
folded by ONNX Runtime when they are static.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node
from hwsdk.lower.onnx.builder import Builder
from hwsdk.lower.onnx.ops_elementwise import out_dtype
from hwsdk.lower.onnx.registry import converter


def _sdpa_check(node: Node, graph: Graph) -> str | None:
    q, k = graph.types[node.inputs[0]], graph.types[node.inputs[1]]
    if q.rank < 2 or k.rank != q.rank:
        return "scaled_dot_product_attention needs query and key of the same rank >= 2"
    if node.attrs.get("scale") is None and not isinstance(q.shape[-1], int):
        return "scaled_dot_product_attention with a symbolic head size needs an explicit scale"
    if node.attrs.get("enable_gqa") and q.shape[-3] != k.shape[-3]:
        hq, hkv = q.shape[-3], k.shape[-3]
        if q.rank != 4 or not isinstance(hq, int) or not isinstance(hkv, int) or hq % hkv:
            return f"grouped-query attention needs static head counts ({hq} vs {hkv}) in 4-d"
        for name in node.inputs[1:3]:
            if not isinstance(graph.types[name].shape[-1], int):
                return "grouped-query attention needs a static key/value head size"
    return None


def _repeat_heads(b: Builder, value: str, ir_name: str, groups: int) -> str:
    shape = b.type_of(ir_name).shape
    heads, size = int(shape[1]), int(shape[3])
    grown = b.op1("Expand", [b.op1("Unsqueeze", [value, b.ints([2])]),
                             b.ints([1, 1, groups, 1, 1])])
    return b.op1("Reshape", [grown, b.ints([0, heads * groups, -1, size])])


@converter("scaled_dot_product_attention", check=_sdpa_check)
def _sdpa(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    dt = out_dtype(b, node)
    q, k, v = ins[0], ins[1], ins[2]
    q_type, k_type = b.type_of(node.inputs[0]), b.type_of(node.inputs[1])
    rank = q_type.rank
    if node.attrs.get("enable_gqa") and q_type.shape[-3] != k_type.shape[-3]:
        groups = int(q_type.shape[-3]) // int(k_type.shape[-3])
        k = _repeat_heads(b, k, node.inputs[1], groups)
        v = _repeat_heads(b, v, node.inputs[2], groups)
    scale = node.attrs.get("scale")
    if scale is None:
        scale = 1.0 / math.sqrt(int(q_type.shape[-1]))
    perm = [*range(rank - 2), rank - 1, rank - 2]
    k_t = b.op1("Transpose", [k], perm=perm)
    scores = b.op1("MatMul", [b.op1("Mul", [q, b.const(float(scale), dt)]), k_t])
    if node.attrs.get("is_causal"):
        rows = b.op1("Range", [b.const(0, DType.i64), b.scalar_of(q_type.shape[-2]),
                               b.const(1, DType.i64)])
        cols = b.op1("Range", [b.const(0, DType.i64), b.scalar_of(k_type.shape[-2]),
                               b.const(1, DType.i64)])
        allowed = b.op1("LessOrEqual", [b.op1("Unsqueeze", [cols, b.ints([0])]),
                                        b.op1("Unsqueeze", [rows, b.ints([1])])])
        scores = b.op1("Where", [allowed, scores, b.const(-math.inf, dt)])
    masked_input = len(node.inputs) > 3 and bool(node.inputs[3])
    if masked_input:
        mask_type = b.type_of(node.inputs[3]).dtype
        if mask_type == DType.bool:
            scores = b.op1("Where", [ins[3], scores, b.const(-math.inf, dt)])
        else:
            scores = b.op1("Add", [scores, b.cast(ins[3], mask_type, dt)])
    probs = b.op1("Softmax", [scores], axis=-1)
    if not masked_input:  # no row is all -inf (a causal row keeps column 0) for finite inputs
        return [b.op1("MatMul", [probs, v])]
    # PyTorch's attention gives a row whose scores are all -inf (a query that may attend to
    # nothing, e.g. a left-padding position) zeros, where Softmax gives NaN (its _safe_softmax)
    masked = b.op1("IsInf", [scores], detect_positive=0)
    none_allowed = b.op1("ReduceMin", [b.cast(masked, DType.bool, DType.i32), b.ints([-1])],
                         keepdims=1)
    probs = b.op1("Where", [b.cast(none_allowed, DType.i32, DType.bool), b.const(0.0, dt), probs])
    return [b.op1("MatMul", [probs, v])]
