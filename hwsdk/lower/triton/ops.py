"""Which core ops the Triton lowering claims, and the Triton expression of each elementwise op.

Floating-point values are computed in fp32 inside a kernel (f16/bf16 are widened on load and
rounded on store or at an explicit ``cast``); integer and bool values keep their own type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node

__all__ = [
    "ELEMENTWISE", "VIEW_OPS", "ROW_OPS", "REDUCTIONS", "MATMUL_OPS", "ATTENTION_OPS",
    "GATHER_OPS", "MOVE_OPS", "SCAN_OPS", "CONV_OPS", "KERNEL_KINDS", "SUPPORTED_OPS",
    "TL_TYPES", "unsupported_reason", "elementwise_expr", "MAX_ROW", "MAX_HEAD_DIM",
    "MAX_GRID_Y", "INDEX_COPY_BLOCK", "QUANT_OPS",
]

_NAN = "propagate_nan=tl.PropagateNan.ALL"
"""NaN in, NaN out, as in PyTorch (Triton's max/min drop NaN by default)."""

UNARY: dict[str, str] = {
    "neg": "-({0})", "abs": "tl.abs({0})", "exp": "tl.exp({0})", "log": "tl.log({0})",
    "sqrt": "tl.sqrt({0})", "rsqrt": "tl.rsqrt({0})", "reciprocal": "(1.0 / {0})",
    "sin": "tl.sin({0})", "cos": "tl.cos({0})", "erf": "tl.erf({0})",
    "sigmoid": "tl.sigmoid({0})", "tanh": "(2.0 * tl.sigmoid(2.0 * {0}) - 1.0)",
    "relu": "tl.maximum({0}, 0, propagate_nan=tl.PropagateNan.ALL)",
    "silu": "({0} * tl.sigmoid({0}))",
    "logical_not": "({0} == 0)", "copy": "{0}",
}
BINARY: dict[str, str] = {
    "add": "({0} + {1})", "sub": "({0} - {1})", "mul": "({0} * {1})", "div": "({0} / {1})",
    "maximum": "tl.maximum({0}, {1}, propagate_nan=tl.PropagateNan.ALL)",
    "minimum": "tl.minimum({0}, {1}, propagate_nan=tl.PropagateNan.ALL)",
    "eq": "({0} == {1})", "ne": "({0} != {1})", "lt": "({0} < {1})", "le": "({0} <= {1})",
    "gt": "({0} > {1})", "ge": "({0} >= {1})",
    "logical_and": "(({0} != 0) & ({1} != 0))", "logical_or": "(({0} != 0) | ({1} != 0))",
}
ELEMENTWISE = frozenset({*UNARY, *BINARY, "pow", "gelu", "clamp", "where", "cast"})
VIEW_OPS = frozenset({"reshape", "permute", "expand", "squeeze", "unsqueeze", "slice",
                      "select", "split"})
REDUCTIONS = frozenset({"sum", "mean", "amax", "amin"})
ROW_OPS = frozenset({*REDUCTIONS, "argmax", "softmax", "log_softmax", "layer_norm",
                     "rms_norm"})
ROW_LEVEL = frozenset({*REDUCTIONS, "argmax"})
"""Row ops with one result per row (the others give one per element)."""
MATMUL_OPS = frozenset({"matmul", "linear", "addmm"})
ATTENTION_OPS = frozenset({"scaled_dot_product_attention"})
GATHER_OPS = frozenset({"embedding", "index_select", "gather"})
MOVE_OPS = frozenset({*GATHER_OPS, "cat", "index_copy"})
"""Ops that only move values (any dtype a view takes): one load per output element."""
MAX_GRID_Y = 65535
"""The most programs a launch grid's second axis holds (CUDA's limit)."""
INDEX_COPY_BLOCK = 1024
"""Most elements (outside ``dim``) an ``index_copy`` program moves."""
SCAN_OPS = frozenset({"cumsum"})
CONV_OPS = frozenset({"conv"})
QUANT_OPS = frozenset({"dequantize"})
"""Weight dequantization: fused into the load of the ``linear`` that reads it as its weight,
else a kernel of its own that writes the float weight (:mod:`hwsdk.lower.triton.quant`)."""
KERNEL_KINDS: dict[str, str] = {**dict.fromkeys(GATHER_OPS, "gather"), "cat": "cat",
                                "index_copy": "index_copy", "dequantize": "dequantize",
                                "cumsum": "scan", "conv": "conv",
                                "scaled_dot_product_attention": "attention"}
"""Ops that are a kernel of their own (no fusion), by kernel family."""
SUPPORTED_OPS = frozenset({*ELEMENTWISE, *VIEW_OPS, *ROW_OPS, *MATMUL_OPS, *ATTENTION_OPS,
                           *MOVE_OPS, *SCAN_OPS, *CONV_OPS, *QUANT_OPS})

MAX_ROW = 16384
"""Longest row (product of the reduced dims) a one-pass row kernel holds in one block."""
MAX_HEAD_DIM = 128

TL_TYPES: dict[DType, str] = {
    DType.f32: "tl.float32", DType.f16: "tl.float16", DType.bf16: "tl.bfloat16",
    DType.f8e4m3fn: "tl.float8e4nv", DType.f8e5m2: "tl.float8e5",
    DType.f8e4m3fnuz: "tl.float8e4b8", DType.f8e5m2fnuz: "tl.float8e5b16",
    DType.i64: "tl.int64", DType.i32: "tl.int32", DType.i16: "tl.int16", DType.i8: "tl.int8",
    DType.u8: "tl.uint8", DType.bool: "tl.int1",
}


def _static_row(node: Node, graph: Graph, first: int) -> str | None:
    shape = graph.types[node.inputs[0]].shape
    tail = shape[first:]
    if not all(isinstance(d, int) for d in tail):
        return f"the reduced dims {list(tail)} must be static for a one-pass row kernel"
    n = 1
    for d in tail:
        n *= int(d)
    if n > MAX_ROW:
        return f"a row of {n} elements is longer than the one-pass limit {MAX_ROW}"
    return None


def _pow_ok(attrs: Mapping[str, Any]) -> bool:
    s = attrs.get("scalar")
    return not attrs.get("scalar_first") and s in (0.5, -1, -1.0, *range(0, 5),
                                                    *(float(i) for i in range(0, 5)))


def unsupported_reason(node: Node, graph: Graph) -> str | None:
    """Why the Triton lowering cannot take ``node`` (None: it can).

    :param node: the node to judge.
    :param graph: its graph, for value types.
    """
    op = node.op
    if op not in SUPPORTED_OPS:
        return f"no Triton kernel family covers {op}; it runs in PyTorch"
    types = [graph.types[v] for v in [*node.inputs, *node.outputs] if v]
    if any(t.dtype is DType.f64 for t in types):
        return "float64 is not generated (Triton kernels compute in fp32)"
    rank = graph.types[node.inputs[0]].rank if node.inputs and node.inputs[0] else 0
    if op == "pow" and (len([v for v in node.inputs if v]) != 1 or not _pow_ok(node.attrs)):
        return "pow is generated only with a scalar exponent in {0..4, 0.5, -1}"
    if op in REDUCTIONS:
        dims = sorted(node.attrs.get("dims") or range(rank))
        if dims != list(range(rank - len(dims), rank)):
            return f"reduction over dims {dims} is not over the trailing dims"
        return _static_row(node, graph, rank - len(dims))
    if op in ("softmax", "log_softmax"):
        if node.attrs.get("dim", -1) not in (-1, rank - 1):
            return f"{op} is generated over the last dim only"
        return _static_row(node, graph, rank - 1)
    if op in ("layer_norm", "rms_norm"):
        return _static_row(node, graph, rank - len(node.attrs.get("normalized_shape", [])))
    if op in MATMUL_OPS:
        ranks = [graph.types[v].rank for v in node.inputs[:2] if v]
        if op == "addmm":
            ranks = [graph.types[v].rank for v in node.inputs[1:3]]
        if min(ranks) < 2 or (op == "linear" and ranks[1] != 2):
            return f"{op} on 1-d operands is not generated"
    if op in ATTENTION_OPS:
        q, k, v = (graph.types[n] for n in node.inputs[:3])
        if q.rank != 4 or k.rank != 4 or v.rank != 4:
            return "attention is generated for 4-d (batch, heads, seq, head_dim) inputs"
        if not all(isinstance(t.shape[-1], int) and t.shape[-1] <= MAX_HEAD_DIM
                   for t in (q, k, v)):
            return f"head dim must be static and at most {MAX_HEAD_DIM}"
    if op == "split" and not isinstance(node.attrs.get("sizes"), list):
        return "split sizes must be a list"
    if op == "argmax":
        if rank == 0 or node.attrs.get("dim") not in (-1, rank - 1):
            return "argmax is generated over the last dim of a tensor of rank >= 1 only"
        return _static_row(node, graph, rank - 1)
    if op == "cumsum":
        return _static_dim(node, graph, int(node.attrs.get("dim", 0)))
    if op == "cat" and any(t.dtype is not types[-1].dtype for t in types):
        return "cat of mixed dtypes is not generated (cast the inputs to one dtype)"
    if op == "index_copy":
        return _index_copy_reason(node, graph)
    if op in CONV_OPS:
        return _conv_reason(node, graph)
    if op in QUANT_OPS and graph.types[node.outputs[0]].dtype not in _FLOAT_WEIGHTS:
        return (f"dequantize to {graph.types[node.outputs[0]].dtype} is not generated (scales "
                "in f32, f16 or bf16)")
    return None


_FLOAT_WEIGHTS = (DType.f32, DType.f16, DType.bf16)


def _static_dim(node: Node, graph: Graph, dim: int) -> str | None:
    shape = graph.types[node.inputs[0]].shape
    size = shape[dim] if shape else 1
    if not isinstance(size, int):
        return f"the scanned dim ({size}) must be static for a one-pass scan kernel"
    if size > MAX_ROW:
        return f"a scan of {size} elements is longer than the one-pass limit {MAX_ROW}"
    return None


def _index_copy_reason(node: Node, graph: Graph) -> str | None:
    x, src = graph.types[node.inputs[0]], graph.types[node.inputs[2]]
    if x.dtype is not src.dtype:
        return (f"index_copy of a {src.dtype.value} source into {x.dtype.value} is not "
                "generated (cast the source to the destination's dtype)")
    dim = int(node.attrs.get("dim", 0))
    rest = [d for k, d in enumerate(x.shape) if k != dim]
    n = 1
    for d in rest:
        n = n * d if isinstance(d, int) else n
    if n > MAX_GRID_Y * INDEX_COPY_BLOCK:
        return (f"index_copy over {n} elements outside dim {dim} needs more than {MAX_GRID_Y} "
                "programs on the grid's second axis; it runs in PyTorch")
    return None


def _conv_reason(node: Node, graph: Graph) -> str | None:
    x, w = graph.types[node.inputs[0]], graph.types[node.inputs[1]]
    if x.rank not in (3, 4, 5):
        return f"conv is generated for 1-d, 2-d and 3-d inputs (rank 3-5), not rank {x.rank}"
    if not all(isinstance(d, int) for d in (*x.shape[1:], *w.shape)):
        return "conv is generated for static channel, spatial and weight shapes only"
    return None


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value != value:
            return "float('nan')"
        if value in (float("inf"), float("-inf")):
            return f"float('{value}')"
    return repr(value)


def _pow_expr(x: str, e: float) -> str:
    if e == 0.5:
        return f"tl.sqrt({x})"
    if e in (-1, -1.0):
        return f"(1.0 / {x})"
    n = int(e)
    if n == 0:
        return f"({x} * 0 + 1)"
    return "(" + " * ".join([x] * n) + ")"


def elementwise_expr(node: Node, args: list[str], out_dtype: DType) -> str:
    """The Triton expression computing ``node`` from argument expressions ``args``.

    :param node: an elementwise node.
    :param args: the expressions of its present tensor inputs, in order.
    :param out_dtype: the IR dtype of its output (decides the rounding of ``cast``).
    """
    op, attrs = node.op, node.attrs
    if op in UNARY:
        return UNARY[op].format(*args)
    if op == "gelu":
        x = args[0]
        if attrs.get("approximate") == "tanh":
            inner = f"0.7978845608028654 * ({x} + 0.044715 * {x} * {x} * {x})"
            return f"(0.5 * {x} * (1.0 + (2.0 * tl.sigmoid(2.0 * ({inner})) - 1.0)))"
        return f"(0.5 * {x} * (1.0 + tl.erf({x} * 0.7071067811865476)))"
    if op == "clamp":
        out = args[0]
        if attrs.get("min") is not None:
            out = f"tl.maximum({out}, {_literal(attrs['min'])}, {_NAN})"
        if attrs.get("max") is not None:
            out = f"tl.minimum({out}, {_literal(attrs['max'])}, {_NAN})"
        return out
    if op == "where":
        other = args[2] if len(args) > 2 else _literal(attrs.get("other"))
        return f"tl.where({args[0]} != 0, {args[1]}, {other})"
    if op == "cast":
        return cast_expr(args[0], out_dtype)
    if len(args) == 2:
        a, b = args
    elif attrs.get("scalar_first"):
        a, b = _literal(attrs["scalar"]), args[0]
    else:
        a, b = args[0], _literal(attrs["scalar"])
    if op == "pow":
        return _pow_expr(a, float(attrs["scalar"]))
    if op == "div":
        return f"({a} * 1.0 / {b})"
    return BINARY[op].format(a, b)


def compute_type(dtype: DType) -> str:
    """The Triton type a value of IR ``dtype`` has inside a kernel."""
    return "tl.float32" if dtype.is_float else TL_TYPES[dtype]


def cast_expr(x: str, dtype: DType) -> str:
    """Convert a computed value to IR ``dtype`` (rounded through it, kept in compute type)."""
    if dtype is DType.bool:
        return f"({x} != 0)"
    if dtype is DType.f32:
        return f"{x}.to(tl.float32)"
    if dtype.is_float:
        return f"{x}.to({TL_TYPES[dtype]}).to(tl.float32)"
    return f"{x}.to({TL_TYPES[dtype]})"
