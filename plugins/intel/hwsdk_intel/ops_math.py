"""Converters for elementwise ops, reductions, softmax and casts (see :mod:`.lowering`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hwsdk.plugin import DType, Node
from hwsdk_intel.lowering import CONVERTERS, Converter, Lowering


def converter(*names: str) -> Callable[[Converter], Converter]:
    def register(fn: Converter) -> Converter:
        for name in names:
            CONVERTERS[name] = fn
        return fn

    return register


def _out_dtype(lw: Lowering, node: Node, i: int = 0) -> DType:
    return lw.type_of(node.outputs[i]).dtype


# --- NaN as PyTorch propagates it -----------------------------------------------------------------
# OpenVINO's Maximum/Minimum/ReLU/Clamp/ReduceMax/ReduceMin return the number where PyTorch returns
# NaN, its Exp maps NaN to inf, and its Softmax keeps the finite entries of a row with a NaN or
# +inf. These helpers put the NaN back with an IsNaN + Select (float dtypes only); the cost is
# measured in bench/nan_cost.py, the decision stated in docs/intel.md.


def _nan_first(lw: Lowering, out: Any, *operands: Any) -> Any:
    """``out``, except where an operand is NaN: that operand (the first NaN one wins)."""
    if not lw.exact_nan or not operands[0].get_element_type().is_real():
        return out
    for x in reversed(operands):
        out = lw.ops.select(lw.ops.is_nan(x), x, out)
    return out


def _nan_if_any(lw: Lowering, out: Any, bad: Any, axes: Any, keepdim: bool) -> Any:
    """``out``, NaN where ``bad`` (a boolean mask of the input) is true anywhere along ``axes``."""
    any_bad = lw.ops.reduce_logical_or(bad, axes, keepdim)
    nan = lw.ops.convert_like(lw.const(float("nan"), DType.f32), out)
    return lw.ops.select(any_bad, nan, out)


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
    if node.op == "neg" and dtype.is_float:
        # x * -1 is exactly -x (signed zeros and NaN included), and it is the form OpenVINO's
        # RoPEFusion matches in rotate_half: with Negative the rotary stays ~12 nodes a layer
        return [lw.ops.multiply(x, lw.const(-1.0, dtype))]
    out = _UNARY[node.op](lw.ops, x)
    if node.op in ("relu", "exp"):
        out = _nan_first(lw, out, x)
    return [out]


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
    return [_nan_first(lw, out, args[0])]


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
    out = _BINARY[node.op](lw.ops, a, b)
    if node.op in ("maximum", "minimum"):
        out = _nan_first(lw, out, a, b)
    return [out]


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
    x, dim = args[0], int(node.attrs["dim"])
    out = fn(x, dim)
    if not lw.exact_nan or lw.type_of(node.inputs[0]).rank == 0:
        return [out]
    # PyTorch's exp(x - max(x)) makes a whole row NaN when it holds a NaN or a +inf (inf - inf);
    # OpenVINO keeps that row's other entries. An all -inf row is NaN in both.
    o = lw.ops
    bad = o.logical_or(o.is_nan(x), o.is_inf(x, {"detect_negative": False}))
    return [_nan_if_any(lw, out, bad, lw.i64([dim]), True)]


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
    keepdim = bool(node.attrs["keepdim"])
    out = fn(x, lw.i64(dims), keepdim)
    if node.op in ("amax", "amin") and lw.exact_nan and _out_dtype(lw, node).is_float:
        out = _exact_extremum(lw, node.op, x, out, lw.i64(dims), keepdim)
    return [out]


def _exact_extremum(lw: Lowering, op: str, x: Any, out: Any, axes: Any, keepdim: bool) -> Any:
    """ReduceMax/ReduceMin made exact: NaN if any entry is NaN, and -inf (+inf for amin) when
    every entry is, where OpenVINO's CPU plugin returns the dtype's lowest (highest) finite."""
    o = lw.ops
    negative = op == "amax"
    inf = o.is_inf(x, {"detect_negative": negative, "detect_positive": not negative})
    all_inf = o.reduce_logical_and(inf, axes, keepdim)
    value = o.convert_like(lw.const(-float("inf") if negative else float("inf"), DType.f32), out)
    return _nan_if_any(lw, o.select(all_inf, value, out), o.is_nan(x), axes, keepdim)


@converter("argmax")
def _argmax(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    if lw.type_of(node.inputs[0]).rank == 0:
        return [lw.i64(0)]  # the one element is the max; OpenVINO's TopK takes no 0-d input
    dim = int(node.attrs["dim"])
    o = lw.ops
    # stable TopK keeps the first of equal maxima, as torch.argmax does
    indices = o.topk(args[0], lw.i64(1), dim, "max", "value", "i64", stable=True).output(1)
    if lw.exact_nan and lw.type_of(node.inputs[0]).dtype.is_float:
        # torch.argmax picks the first NaN; TopK skips NaN
        nan = o.is_nan(args[0])
        first_nan = o.topk(o.convert(nan, "f32"), lw.i64(1), dim, "max", "value", "i64",
                           stable=True).output(1)
        indices = o.select(o.reduce_logical_or(nan, lw.i64([dim]), True), first_nan, indices)
    if not node.attrs["keepdim"]:
        indices = lw.ops.squeeze(indices, lw.i64([dim])).output(0)
    return [indices]


@converter("cumsum")
def _cumsum(lw: Lowering, node: Node, args: list[Any]) -> list[Any]:
    x = lw.to_dtype(args[0], _out_dtype(lw, node))
    return [lw.ops.cumsum(x, lw.i64(int(node.attrs["dim"])))]
