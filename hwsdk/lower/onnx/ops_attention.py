"""Converter for scaled_dot_product_attention: the math form ``softmax(q kᵀ · scale + mask) v``.

Grouped-query attention (``enable_gqa``, or keys and values repeated by transformers'
``repeat_kv`` in the same region) is attended grouped, with no repeated copy of the keys and
values: each key/value head's query groups are folded into the query rows, so the products
are plain rank-4 MatMuls over ``[b, Hkv, groups * t, d]`` and the scores are viewed as ``[b,
Hkv, groups, t, s]`` for the mask. The causal mask is top-left aligned like torch's
``is_causal`` and is built from ``Range`` ops, so it works for symbolic sequence lengths and is
constant folded by ONNX Runtime when they are static.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node
from hwsdk.lower.onnx.builder import Builder
from hwsdk.lower.onnx.cache_attention import lower_cache_attention, repeat_kv_source
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


def _unrepeated(b: Builder, ir_value: str) -> tuple[str, int] | None:
    """``(x, kv_heads)``, ``x`` an ONNX value, when ``ir_value`` is transformers'
    ``repeat_kv(x)`` lowered in this region (:func:`repeat_kv_source`). None when it is not
    that form; its nodes are then left as they are."""
    repeated = repeat_kv_source(b, ir_value)
    if repeated is None:
        return None
    unsqueeze, kv_heads = repeated
    name = f"{unsqueeze.id}/Unsqueeze/0"  # the ONNX node lower() named for that unsqueeze
    lowered = next((n for n in b.nodes if n.name == name), None)
    return (lowered.input[0], kv_heads) if lowered is not None else None


def _grouped_kv(b: Builder, node: Node, k: str, v: str) -> tuple[str, str, int, int] | None:
    """``(k, v, kv_heads, groups)`` with keys and values at their own head count, when the
    attention is grouped (``enable_gqa`` with fewer key heads, or repeat_kv'd inputs) and the
    head sizes are static, else None."""
    q_type, k_type = b.type_of(node.inputs[0]), b.type_of(node.inputs[1])
    heads = q_type.shape[-3] if q_type.rank == 4 else None
    if not (isinstance(heads, int) and isinstance(q_type.shape[-1], int)
            and isinstance(b.type_of(node.inputs[2]).shape[-1], int)):
        return None
    if node.attrs.get("enable_gqa") and k_type.shape[-3] != heads:
        kv_heads = int(k_type.shape[-3])
        return k, v, kv_heads, heads // kv_heads
    keys, values = _unrepeated(b, node.inputs[1]), _unrepeated(b, node.inputs[2])
    if keys is None or values is None or keys[1] != values[1] or keys[1] == heads:
        return None
    return keys[0], values[0], keys[1], heads // keys[1]


def _folded_rows(b: Builder, mask: str, ir_mask: str | None, rows: object, groups: int
                 ) -> str | None:
    """``mask`` for queries whose groups are folded into the rows (row ``g * t + i`` is row
    ``i`` of group ``g``): as it is when its rows broadcast (one row, or none), tiled when
    they are the queries' ``rows``; None when neither, or when it has a head dim (the
    attention is then not grouped)."""
    shape = b.type_of(ir_mask).shape if ir_mask is not None else ()
    if len(shape) >= 3 and shape[-3] != 1:
        return None  # a mask per head: the heads' rows are not where the folded rows are
    if len(shape) <= 1 or shape[-2] == 1:
        return mask
    if shape[-2] != rows:
        return None
    repeats = [1] * len(shape)
    repeats[-2] = groups
    return b.op1("Tile", [mask, b.ints(repeats)])


@converter("scaled_dot_product_attention", check=_sdpa_check)
def _sdpa(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    fused = lower_cache_attention(b, node, ins)
    if fused is not None:
        return fused
    dt = out_dtype(b, node)
    q, k, v = ins[0], ins[1], ins[2]
    q_type, k_type = b.type_of(node.inputs[0]), b.type_of(node.inputs[1])
    rank = q_type.rank
    masked_input = len(node.inputs) > 3 and bool(node.inputs[3])
    mask = ins[3] if masked_input else None
    grouped = _grouped_kv(b, node, k, v)
    groups = 1
    if grouped is not None and masked_input:
        folded = _folded_rows(b, ins[3], node.inputs[3], q_type.shape[-2], grouped[3])
        grouped, mask = (grouped, folded) if folded is not None else (None, mask)
    if grouped is None and node.attrs.get("enable_gqa") and q_type.shape[-3] != k_type.shape[-3]:
        # a mask whose rows neither broadcast nor match the queries': repeated heads
        repeats = int(q_type.shape[-3]) // int(k_type.shape[-3])
        k = _repeat_heads(b, k, node.inputs[1], repeats)
        v = _repeat_heads(b, v, node.inputs[2], repeats)
    if grouped is not None:
        k, v, kv_heads, groups = grouped
        q = b.op1("Reshape", [q, b.ints([0, kv_heads, -1, int(q_type.shape[-1])])])
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
        if groups > 1:  # [t, s] for the folded rows
            allowed = b.op1("Tile", [allowed, b.ints([groups, 1])])
        scores = b.op1("Where", [allowed, scores, b.const(-math.inf, dt)])
    if mask is not None:
        mask_type = b.type_of(node.inputs[3]).dtype
        if mask_type == DType.bool:
            scores = b.op1("Where", [mask, scores, b.const(-math.inf, dt)])
        else:
            scores = b.op1("Add", [scores, b.cast(mask, mask_type, dt)])
    probs = b.op1("Softmax", [scores], axis=-1)
    if mask is not None:
        # PyTorch's attention gives a row whose scores are all -inf (a query that may attend
        # to nothing, e.g. a left-padding position) zeros, where Softmax gives NaN (its
        # _safe_softmax); without a mask no row is all -inf for finite inputs (a causal row
        # keeps column 0)
        masked = b.op1("IsInf", [scores], detect_positive=0)
        none_allowed = b.op1("ReduceMin", [b.cast(masked, DType.bool, DType.i32),
                                           b.ints([-1])], keepdims=1)
        probs = b.op1("Where", [b.cast(none_allowed, DType.i32, DType.bool),
                                b.const(0.0, dt), probs])
    out = b.op1("MatMul", [probs, v])
    if grouped is None:
        return [out]
    value_dim = int(b.type_of(node.inputs[2]).shape[-1])
    return [b.op1("Reshape", [out, b.ints([0, int(q_type.shape[-3]), -1, value_dim])])]
