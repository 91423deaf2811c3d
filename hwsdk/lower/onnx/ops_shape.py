"""Converters for shape ops (reshape, permute, expand, slice …), indexing and creation."""

from __future__ import annotations

from collections.abc import Sequence

from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Node
from hwsdk.lower.onnx.builder import Builder, numpy_dtype
from hwsdk.lower.onnx.ops_elementwise import cast_input, out_dtype
from hwsdk.lower.onnx.registry import converter


@converter("reshape")
def _reshape(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    shape = list(node.attrs["shape"])
    if 0 in shape:  # a literal empty dim: ONNX's 0 would mean "copy the input dim"
        return [b.op1("Reshape", [ins[0], b.shape_tensor(shape)], allowzero=1)]
    source = b.type_of(node.inputs[0]).shape
    return [b.op1("Reshape", [ins[0], b.shape_tensor(shape, copy_from=source)])]


@converter("permute")
def _permute(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    return [b.op1("Transpose", [ins[0]], perm=[int(d) for d in node.attrs["dims"]])]


@converter("expand")
def _expand(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    # ONNX Expand broadcasts both ways, so a kept dim (-1, or the input's own symbol) is 1.
    source = b.type_of(node.inputs[0]).shape
    offset = len(node.attrs["shape"]) - len(source)
    dims = []
    for i, d in enumerate(node.attrs["shape"]):
        kept = d == -1 or (i >= offset and isinstance(d, str) and source[i - offset] == d)
        dims.append(1 if kept else d)
    return [b.op1("Expand", [ins[0], b.shape_tensor(dims)])]


@converter("slice")
def _slice(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    a = node.attrs
    return [b.op1("Slice", [ins[0], b.shape_tensor([a["start"]]), b.shape_tensor([a["end"]]),
                            b.ints([a["dim"]]), b.ints([a["step"]])])]


@converter("select")
def _select(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    index = b.const(int(node.attrs["index"]), DType.i64)
    return [b.op1("Gather", [ins[0], index], axis=int(node.attrs["dim"]))]


@converter("squeeze")
def _squeeze(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    dims = list(node.attrs.get("dims") or [])
    if not dims:
        return [b.op1("Identity", [ins[0]])]
    return [b.op1("Squeeze", [ins[0], b.ints(dims)])]


@converter("unsqueeze")
def _unsqueeze(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    return [b.op1("Unsqueeze", [ins[0], b.ints([node.attrs["dim"]])])]


@converter("copy")
def _copy(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    return [b.op1("Identity", [ins[0]])]


@converter("cat")
def _cat(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    dt = out_dtype(b, node)
    parts = [cast_input(b, node, v, i, dt) for i, v in enumerate(ins)]
    return [b.op1("Concat", parts, axis=int(node.attrs["dim"]))]


@converter("split")
def _split(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    sizes = [int(s) for s in node.attrs["sizes"]]
    outs = b.op("Split", [ins[0], b.ints(sizes)], n_out=len(sizes), axis=int(node.attrs["dim"]))
    return outs[: len(node.outputs)]


@converter("index_select")
def _index_select(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    index = ins[1]
    if b.type_of(node.inputs[1]).rank == 0:
        index = b.op1("Unsqueeze", [index, b.ints([0])])
    return [b.op1("Gather", [ins[0], index], axis=int(node.attrs["dim"]))]


def _int64_zero() -> object:
    import numpy as np
    from onnx import numpy_helper

    return numpy_helper.from_array(np.zeros(1, dtype=np.int64))


@converter("index_copy")
def _index_copy(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    x_type = b.type_of(node.inputs[0])
    if x_type.rank == 0:
        raise NotImplementedError("index_copy of a 0-d tensor is not lowered to ONNX")
    dim = int(node.attrs["dim"])
    source = b.type_of(node.inputs[2]).shape
    # ScatterElements wants one index per source element: the 1-d index, laid along dim and
    # broadcast to the source's shape. Built once per (index, dim, source shape): an LLM
    # step's cache writes (a key and a value per layer) share one.
    key = ("index_copy", ins[1], dim, tuple(source))
    index = b.shared.get(key)
    if index is None:
        along = [1] * x_type.rank
        along[dim] = -1
        index = b.op1("Reshape", [ins[1], b.ints(along)])
        # broadcast by adding zeros of the source's shape: ONNX Runtime's Expand keeps a 1
        # where the source has a 0-size dim
        zeros = b.op1("ConstantOfShape", [b.shape_tensor(list(source))], value=_int64_zero())
        index = b.shared[key] = b.op1("Add", [index, zeros])
    return [b.op1("ScatterElements", [ins[0], index, ins[2]], axis=dim)]


@converter("gather")
def _gather(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    return [b.op1("GatherElements", [ins[0], ins[1]], axis=int(node.attrs["dim"]))]


@converter("arange")
def _arange(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    import numpy as np

    a = node.attrs
    dt = DType(a["dtype"])
    if all(isinstance(a[k], (int, float)) for k in ("start", "end", "step")):
        return [b.op1("Identity", [b.const(np.arange(a["start"], a["end"], a["step"]), dt)])]
    seq = b.op1("Range", [b.scalar_of(a["start"]), b.scalar_of(a["end"]),
                          b.scalar_of(int(a["step"]))])
    return [b.cast(seq, DType.i64, dt)]


@converter("full")
def _full(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    import numpy as np
    from onnx import numpy_helper

    dt = DType(node.attrs["dtype"])
    value = numpy_helper.from_array(np.array([node.attrs["value"]], dtype=numpy_dtype(dt)))
    return [b.op1("ConstantOfShape", [b.shape_tensor(list(node.attrs["shape"]))], value=value)]


@converter("triu", "tril")
def _trilu(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    k = b.const(int(node.attrs.get("diagonal", 0)), DType.i64)
    return [b.op1("Trilu", [ins[0], k], upper=int(node.op == "triu"))]
