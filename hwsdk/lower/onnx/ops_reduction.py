"""Converters for reductions: sum, mean, amax, amin, argmax, cumsum."""

from __future__ import annotations

from collections.abc import Sequence

from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Node
from hwsdk.lower.onnx.builder import Builder
from hwsdk.lower.onnx.ops_elementwise import cast_input, out_dtype
from hwsdk.lower.onnx.registry import converter

_REDUCE = {"sum": "ReduceSum", "mean": "ReduceMean", "amax": "ReduceMax", "amin": "ReduceMin"}


@converter(*_REDUCE)
def _reduce(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    x = cast_input(b, node, ins[0], 0, out_dtype(b, node))
    rank = b.type_of(node.inputs[0]).rank
    dims = list(node.attrs.get("dims") or range(rank))
    keep = int(bool(node.attrs.get("keepdim", False)))
    if rank == 0:
        return [b.op1("Identity", [x])]
    return [b.op1(_REDUCE[node.op], [x, b.ints(dims)], keepdims=keep)]


@converter("argmax")
def _argmax(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    # select_last_index=0: the first maximal index, as torch documents for argmax.
    return [b.op1("ArgMax", [ins[0]], axis=int(node.attrs["dim"]),
                  keepdims=int(bool(node.attrs.get("keepdim", False))))]


@converter("cumsum")
def _cumsum(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    x = cast_input(b, node, ins[0], 0, out_dtype(b, node))
    return [b.op1("CumSum", [x, b.const(int(node.attrs["dim"]), DType.i64)])]
