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
    reduced = b.op1(_REDUCE[node.op], [x, b.ints(dims)], keepdims=keep)
    dt = out_dtype(b, node)
    if node.op in ("amax", "amin") and dt.is_float:
        # ONNX Runtime's ReduceMax/Min keep NaN only when it comes first; PyTorch's amax/amin
        # return NaN for any reduced group holding one
        nan = b.cast(b.op1("IsNaN", [x]), DType.bool, DType.i32)
        any_nan = b.op1("ReduceMax", [nan, b.ints(dims)], keepdims=keep)
        reduced = b.op1("Where", [b.cast(any_nan, DType.i32, DType.bool),
                                  b.const(float("nan"), dt), reduced])
    return [reduced]


@converter("argmax")
def _argmax(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    # select_last_index=0: the first maximal index, as torch documents for argmax.
    axis, keep = int(node.attrs["dim"]), int(bool(node.attrs.get("keepdim", False)))
    index = b.op1("ArgMax", [ins[0]], axis=axis, keepdims=keep)
    if not b.type_of(node.inputs[0]).dtype.is_float:
        return [index]
    # torch.argmax picks the first NaN; ONNX Runtime's ArgMax only when it comes first
    nan = b.cast(b.op1("IsNaN", [ins[0]]), DType.bool, DType.i32)
    first_nan = b.op1("ArgMax", [nan], axis=axis, keepdims=keep)
    any_nan = b.op1("ReduceMax", [nan, b.ints([axis])], keepdims=keep)
    return [b.op1("Where", [b.cast(any_nan, DType.i32, DType.bool), first_nan, index])]


@converter("cumsum")
def _cumsum(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    x = cast_input(b, node, ins[0], 0, out_dtype(b, node))
    return [b.op1("CumSum", [x, b.const(int(node.attrs["dim"]), DType.i64)])]
