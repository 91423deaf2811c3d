"""Converters for elementwise ops: unary math and activations, binary arithmetic and
comparisons, where, cast, clamp."""

from __future__ import annotations

import math
from collections.abc import Sequence

from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node
from hwsdk.ir.ops._infer import promote, promote_scalar
from hwsdk.lower.onnx.builder import Builder, onnx_dtype
from hwsdk.lower.onnx.registry import converter

_UNARY = {
    "neg": "Neg", "abs": "Abs", "exp": "Exp", "log": "Log", "sqrt": "Sqrt",
    "reciprocal": "Reciprocal", "sin": "Sin", "cos": "Cos", "tanh": "Tanh", "erf": "Erf",
    "sigmoid": "Sigmoid", "relu": "Relu",
}


def out_dtype(b: Builder, node: Node, index: int = 0) -> DType:
    return b.type_of(node.outputs[index]).dtype


def cast_input(b: Builder, node: Node, value: str, index: int, dtype: DType) -> str:
    """ONNX input ``value`` (node input ``index``) converted to ``dtype``."""
    return b.cast(value, b.type_of(node.inputs[index]).dtype, dtype)


@converter(*_UNARY)
def _unary(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    x = cast_input(b, node, ins[0], 0, out_dtype(b, node))
    return [b.op1(_UNARY[node.op], [x])]


@converter("rsqrt")
def _rsqrt(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    dtype = out_dtype(b, node)
    x = cast_input(b, node, ins[0], 0, dtype)
    # 1 / Sqrt, not Reciprocal(Sqrt): ONNX Runtime fuses x * (1 / Sqrt(mean(x^2) + eps)) into
    # one SimplifiedLayerNormalization (RMSNorm) and leaves the Reciprocal form as 7 nodes
    return [b.op1("Div", [b.const(1.0, dtype), b.op1("Sqrt", [x])])]


@converter("silu")
def _silu(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    x = cast_input(b, node, ins[0], 0, out_dtype(b, node))
    return [b.op1("Mul", [x, b.op1("Sigmoid", [x])])]


@converter("logical_not")
def _not(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    return [b.op1("Not", [cast_input(b, node, ins[0], 0, DType.bool)])]


def _gelu_check(node: Node, graph: Graph) -> str | None:
    if node.attrs.get("approximate", "none") not in ("none", "tanh"):
        return f"gelu approximate={node.attrs.get('approximate')!r} has no ONNX form here"
    return None


@converter("gelu", check=_gelu_check)
def _gelu(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    # Written in the forms ONNX Runtime's optimizer fuses back into one Gelu / FastGelu kernel.
    dt = out_dtype(b, node)
    x = ins[0]
    half = b.op1("Mul", [x, b.const(0.5, dt)])
    if node.attrs.get("approximate", "none") == "tanh":
        cube = b.op1("Pow", [x, b.const(3.0, dt)])
        inner = b.op1("Add", [x, b.op1("Mul", [cube, b.const(0.044715, dt)])])
        t = b.op1("Tanh", [b.op1("Mul", [inner, b.const(math.sqrt(2.0 / math.pi), dt)])])
        return [b.op1("Mul", [half, b.op1("Add", [t, b.const(1.0, dt)])])]
    e = b.op1("Erf", [b.op1("Div", [x, b.const(math.sqrt(2.0), dt)])])
    return [b.op1("Mul", [half, b.op1("Add", [e, b.const(1.0, dt)])])]


@converter("clamp")
def _clamp(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    dt = out_dtype(b, node)
    x = cast_input(b, node, ins[0], 0, dt)
    lo, hi = node.attrs.get("min"), node.attrs.get("max")
    return [b.op1("Clip", [x, "" if lo is None else b.const(lo, dt),
                           "" if hi is None else b.const(hi, dt)])]


# --- binary ---------------------------------------------------------------------------------

_ARITH = {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "pow": "Pow",
          "maximum": "Max", "minimum": "Min"}
_COMPARE = {"eq": "Equal", "ne": "Equal", "lt": "Less", "le": "LessOrEqual", "gt": "Greater",
            "ge": "GreaterOrEqual", "logical_and": "And", "logical_or": "Or"}


def _operands(b: Builder, node: Node, ins: list[str], dtype: DType) -> list[str]:
    a = cast_input(b, node, ins[0], 0, dtype)
    if len(node.inputs) > 1 and node.inputs[1]:
        return [a, cast_input(b, node, ins[1], 1, dtype)]
    scalar = b.const(node.attrs.get("scalar"), dtype)
    return [scalar, a] if node.attrs.get("scalar_first") else [a, scalar]


def compute_dtype(b: Builder, node: Node) -> DType:
    """The dtype a binary node computes in (its inputs' promoted dtype)."""
    first = b.type_of(node.inputs[0]).dtype
    if len(node.inputs) > 1 and node.inputs[1]:
        return promote(first, b.type_of(node.inputs[1]).dtype)
    return promote_scalar(first, node.attrs.get("scalar"))


@converter(*_ARITH)
def _arith(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    return [b.op1(_ARITH[node.op], _operands(b, node, ins, out_dtype(b, node)))]


@converter(*_COMPARE)
def _compare(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    dtype = DType.bool if node.op.startswith("logical") else compute_dtype(b, node)
    out = b.op1(_COMPARE[node.op], _operands(b, node, ins, dtype))
    return [b.op1("Not", [out])] if node.op == "ne" else [out]


@converter("where")
def _where(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    dt = out_dtype(b, node)
    cond = cast_input(b, node, ins[0], 0, DType.bool)
    x = cast_input(b, node, ins[1], 1, dt)
    if len(node.inputs) > 2 and node.inputs[2]:
        y = cast_input(b, node, ins[2], 2, dt)
    else:
        y = b.const(node.attrs.get("other"), dt)
    return [b.op1("Where", [cond, x, y])]


@converter("cast")
def _cast(b: Builder, node: Node, ins: list[str]) -> Sequence[str]:
    src = b.type_of(node.inputs[0]).dtype
    dst = DType(node.attrs["dtype"])
    if src == dst:
        return [b.op1("Identity", [ins[0]])]
    return [b.op1("Cast", [ins[0]], to=onnx_dtype(dst))]
