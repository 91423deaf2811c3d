"""Converters for elementwise ops, reductions, softmax and casts (see :mod:`.lowering`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Node
from hwsdk_intel.lowering import CONVERTERS, Converter, Lowering


def converter(*names: str) -> Callable[[Converter], Converter]:
    def register(fn: Converter) -> Converter:
        for name in names:
            CONVERTERS[name] = fn
        return fn

    return register


def _out_dtype(lw: Lowering, node: Node, i: int = 0) -> DType:
    return lw.type_of(node.outputs[i]).dtype


# --- unary --------------------------------------------------------------------------------------

_UNARY: dict[str, Callable[[Any, Any], Any]] = {
    "neg": lambda o, x: o.negative(x),
    "abs": lambda o, x: o.absolute(x),
    "exp": lambda o, x: o.exp(x),
    "log": lambda o, x: o.log(x),
    "sqrt": lambda o, x: o.sqrt(x),
    "sin": lambda o, x: o.sin(x),
    "cos": lambda o, x: o.cos(x),
    "tanh": lambda o, x: o.tanh(x),
    "erf": lambda o, x: o.erf(x),
    "sigmoid": lambda o, x: o.sigmoid(x),
    "relu": lambda o, x: o.relu(x),
    "logical_not": lambda o, x: o.logical_not(x),
}


@converter(*_UNARY, "rsqrt", "reciprocal", "silu")
def _unary(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    dtype = _out_dtype(lw, node)
    x = lw.to_dtype(args[0], dtype)  # integer inputs of exp, sin … compute in float
    if node.op == "rsqrt":
        return [lw.ops.divide(lw.const(1, dtype), lw.ops.sqrt(x))]
    if node.op == "silu":  # Swish's default beta is f32, so pass one of x's type
        return [lw.ops.swish(x, lw.const(1.0, dtype))]
    if node.op == "reciprocal":
        return [lw.ops.divide(lw.const(1, dtype), x)]
    return [_UNARY[node.op](lw.ops, x)]


@converter("gelu")
def _gelu(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    mode = "tanh" if node.attrs.get("approximate") == "tanh" else "erf"
    return [lw.ops.gelu(args[0], mode)]


@converter("clamp")
def _clamp(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    dtype = _out_dtype(lw, node)
    out = args[0]
    if node.attrs.get("min") is not None:
        out = lw.ops.maximum(out, lw.const(node.attrs["min"], dtype))
    if node.attrs.get("max") is not None:
        out = lw.ops.minimum(out, lw.const(node.attrs["max"], dtype))
    return [out]


# --- binary -------------------------------------------------------------------------------------

_BINARY: dict[str, Callable[[Any, Any, Any], Any]] = {
    "add": lambda o, a, b: o.add(a, b),
    "sub": lambda o, a, b: o.subtract(a, b),
    "mul": lambda o, a, b: o.multiply(a, b),
    "div": lambda o, a, b: o.divide(a, b),
    "pow": lambda o, a, b: o.power(a, b),
    "maximum": lambda o, a, b: o.maximum(a, b),
    "minimum": lambda o, a, b: o.minimum(a, b),
    "eq": lambda o, a, b: o.equal(a, b),
    "ne": lambda o, a, b: o.not_equal(a, b),
    "lt": lambda o, a, b: o.less(a, b),
    "le": lambda o, a, b: o.less_equal(a, b),
    "gt": lambda o, a, b: o.greater(a, b),
    "ge": lambda o, a, b: o.greater_equal(a, b),
    "logical_and": lambda o, a, b: o.logical_and(a, b),
    "logical_or": lambda o, a, b: o.logical_or(a, b),
}
_COMPARE = {"eq", "ne", "lt", "le", "gt", "ge"}


def _compute_dtype(lw: Lowering, node: Node) -> DType:
    """The dtype both operands are brought to: the result's, or for comparisons the operands'
    common type (float wins, then the wider integer)."""
    if node.op in ("logical_and", "logical_or"):
        return DType.bool
    if node.op not in _COMPARE:
        return _out_dtype(lw, node)
    dtypes = [lw.type_of(n).dtype for n in node.inputs if n]
    scalar = node.attrs.get("scalar")
    floats = [d for d in dtypes if d.is_float]
    if floats:
        return floats[0]
    if isinstance(scalar, float) and not isinstance(scalar, bool):
        return DType.f32
    order = [DType.bool, DType.u8, DType.i8, DType.i16, DType.i32, DType.i64]
    return max(dtypes, key=order.index)


@converter(*_BINARY)
def _binary(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    dtype = _compute_dtype(lw, node)
    a = lw.to_dtype(args[0], dtype)
    if len(args) > 1 and args[1] is not None:
        b = lw.to_dtype(args[1], dtype)
    else:
        b = lw.const(node.attrs["scalar"], dtype)
        if node.attrs.get("scalar_first"):
            a, b = b, a
    return [_BINARY[node.op](lw.ops, a, b)]


@converter("where")
def _where(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    dtype = _out_dtype(lw, node)
    cond = lw.to_dtype(args[0], DType.bool)
    x = lw.to_dtype(args[1], dtype)
    y = lw.to_dtype(args[2], dtype) if len(args) > 2 and args[2] is not None else \
        lw.const(node.attrs["other"], dtype)
    return [lw.ops.select(cond, x, y)]


@converter("cast")
def _cast(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    return [lw.to_dtype(args[0], DType(node.attrs["dtype"]))]


# --- softmax and reductions ---------------------------------------------------------------------


@converter("softmax", "log_softmax")
def _softmax(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    fn = lw.ops.softmax if node.op == "softmax" else lw.ops.log_softmax
    return [fn(args[0], int(node.attrs["dim"]))]


_REDUCE = {"sum": "reduce_sum", "mean": "reduce_mean", "amax": "reduce_max",
           "amin": "reduce_min"}


@converter(*_REDUCE)
def _reduce(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    x = lw.to_dtype(args[0], _out_dtype(lw, node))  # sum of ints accumulates in i64
    rank = lw.type_of(node.inputs[0]).rank
    dims = list(node.attrs["dims"]) or list(range(rank))
    if not dims:
        return [x]
    fn = getattr(lw.ops, _REDUCE[node.op])
    return [fn(x, lw.i64(dims), bool(node.attrs["keepdim"]))]


@converter("argmax")
def _argmax(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    dim = int(node.attrs["dim"])
    # stable TopK keeps the first of equal maxima, as torch.argmax does
    topk = lw.ops.topk(args[0], lw.i64(1), dim, "max", "value", "i64", stable=True)
    indices = topk.output(1)
    if not node.attrs["keepdim"]:
        indices = lw.ops.squeeze(indices, lw.i64([dim])).output(0)
    return [indices]


@converter("cumsum")
def _cumsum(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    x = lw.to_dtype(args[0], _out_dtype(lw, node))
    return [lw.ops.cumsum(x, lw.i64(int(node.attrs["dim"])))]
