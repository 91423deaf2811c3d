"""One parsed form for symbolic dims: an expression tree, and a visitor each backend implements.

A dim string (``"2*s0 + 1"``, ``"Max(1, s0)"``, ``"(s0//2)"``, as torch.export prints them) is
parsed once into a small tree of :class:`Const`, :class:`Sym`, :class:`Neg`, :class:`Bin` and
:class:`Call` nodes (:func:`parse` caches by string). :func:`evaluate` computes it against the
symbol values of a call; a lowering writes it in its own terms by subclassing
:class:`DimVisitor`, and a form it has no writing for raises :class:`UnsupportedDim` with a
reason, which :func:`unsupported` turns into a planning-time refusal instead of a failed
compile.

Parsing is bounded, since a dim may come from a saved IR file: at most
:data:`MAX_EXPR_CHARS` characters, :data:`MAX_DEPTH` levels of nesting, :data:`MAX_NODES`
nodes and constants of :data:`MAX_INT_BITS` bits; an
integer power whose result would pass that many bits is refused when evaluated.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar, Union

from hwsdk.errors import IRError

__all__ = ["Bin", "Call", "Const", "DimExpr", "DimVisitor", "FUNCTIONS", "IntegerDimCheck",
           "MAX_DEPTH",
           "MAX_EXPR_CHARS", "MAX_INT_BITS", "MAX_NODES", "Neg", "Sym", "UnsupportedDim",
           "attr_dim_reason", "evaluate", "parse", "symbols", "unsupported"]

MAX_EXPR_CHARS = 2000
"""The longest symbolic dim accepted (torch.export's dims are a few dozen characters)."""
MAX_INT_BITS = 1024
"""The largest integer, in bits, a constant or an integer power may have."""

MAX_DEPTH = 48
"""The deepest nesting a dim may have (torch.export's dims nest a handful of levels)."""
MAX_NODES = 512
"""The most tree nodes a dim may have."""


@dataclass(frozen=True)
class Const:
    """A number (sizes are ints; float constants appear inside ``ToFloat``-style calls)."""

    value: int | float


@dataclass(frozen=True)
class Sym:
    """A symbol bound from an input's size (``s0``, ``batch``)."""

    name: str


@dataclass(frozen=True)
class Neg:
    """``-operand``."""

    operand: DimExpr


@dataclass(frozen=True)
class Bin:
    """``left op right``; ``op`` is one of ``+ - * // / % **``."""

    op: str
    left: DimExpr
    right: DimExpr


@dataclass(frozen=True)
class Call:
    """A function of torch's sympy printing (``Max``, ``FloorDiv``, ``CeilToInt`` …)."""

    func: str
    args: tuple[DimExpr, ...]


DimExpr = Union[Const, Sym, Neg, Bin, Call]

_BINOPS: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//",
                            ast.Div: "/", ast.Mod: "%", ast.Pow: "**"}


class UnsupportedDim(IRError):
    """A dim form a backend cannot write (the message says which form, and why)."""


def _bounded_pow(base: int | float, exp: int | float) -> int | float:
    if (isinstance(base, int) and isinstance(exp, int) and exp > 0 and abs(base) > 1
            and (abs(base).bit_length() - 1) * exp > MAX_INT_BITS):
        raise IRError(f"symbolic dim power {base}**{exp} exceeds {MAX_INT_BITS} bits; "
                      "dims are sizes, so the expression is malformed")
    return base ** exp


FUNCTIONS: dict[str, Callable[..., int | float]] = {
    "Max": max, "Min": min, "Mod": lambda a, b: a % b, "PythonMod": lambda a, b: a % b,
    "FloorDiv": lambda a, b: a // b, "CleanDiv": lambda a, b: a // b,
    "IntTrueDiv": lambda a, b: a / b, "FloatTrueDiv": lambda a, b: a / b,
    "CeilToInt": math.ceil, "FloorToInt": math.floor, "TruncToInt": math.trunc,
    "RoundToInt": round, "ToFloat": float, "floor": math.floor, "ceiling": math.ceil,
    "sqrt": math.sqrt, "OpaqueUnaryFn_sqrt": math.sqrt, "FloatPow": _bounded_pow,
    "PowByNatural": _bounded_pow, "Abs": abs, "TruncToFloat": lambda a: float(math.trunc(a)),
    "Identity": lambda a: a,
}
"""The functions torch's sympy printing uses for integer dims (torch.utils._sympy.functions)."""


@lru_cache(maxsize=4096)
def parse(dim: str) -> DimExpr:
    """The tree of a dim string, parsed once per distinct string.

    :raises IRError: for a malformed dim, a name or function outside the dim language, or one
        past the size limits (the message names the limit).
    """
    if len(dim) > MAX_EXPR_CHARS:
        raise IRError(f"symbolic dim of {len(dim)} characters is longer than the "
                      f"{MAX_EXPR_CHARS} allowed: {dim[:60]!r}…")
    try:
        tree = ast.parse(dim.strip(), mode="eval").body
    except SyntaxError as exc:
        raise IRError(f"cannot parse symbolic dim {dim!r}: {exc}") from None
    except RecursionError:
        raise IRError(f"symbolic dim {dim[:60]!r}… is nested too deeply") from None
    count = [0]
    return _convert(tree, dim, 0, count)


def _convert(node: ast.AST, dim: str, depth: int, count: list[int]) -> DimExpr:
    count[0] += 1
    if depth > MAX_DEPTH:
        raise IRError(f"symbolic dim {dim[:60]!r} is nested too deeply (more than {MAX_DEPTH} "
                      "levels); dims are sizes, so the expression is malformed")
    if count[0] > MAX_NODES:
        raise IRError(f"symbolic dim {dim[:60]!r} has more than {MAX_NODES} terms; dims are "
                      "sizes, so the expression is malformed")
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                isinstance(value, int) and value.bit_length() > MAX_INT_BITS):
            raise IRError(f"symbolic dim {dim!r} has the constant {str(value)[:40]!r}; only "
                          f"numbers of at most {MAX_INT_BITS} bits are allowed")
        return Const(value)
    if isinstance(node, ast.Name):
        if node.id.startswith("_") or node.id in FUNCTIONS:
            raise IRError(f"symbolic dim {dim!r} uses the name {node.id}, which is not allowed")
        return Sym(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _convert(node.operand, dim, depth + 1, count)
        return Neg(operand) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return Bin(_BINOPS[type(node.op)], _convert(node.left, dim, depth + 1, count),
                   _convert(node.right, dim, depth + 1, count))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords \
            and node.func.id in FUNCTIONS:
        return Call(node.func.id, tuple(_convert(a, dim, depth + 1, count) for a in node.args))
    if isinstance(node, ast.Call):
        raise IRError(f"symbolic dim {dim!r} calls a function that is not allowed")
    raise IRError(f"symbolic dim {dim!r} uses {type(node).__name__}, which is not allowed")


T = TypeVar("T")


class DimVisitor(Generic[T]):
    """Writes a dim tree in a backend's terms: one method per node kind.

    The default of each method raises :class:`UnsupportedDim`; a backend overrides the forms it
    can write. :meth:`visit` dispatches, so a method recurses with ``self.visit(child)``.
    """

    def visit_str(self, dim: str) -> T:
        """Visit the parsed tree of a dim string (:func:`parse`: cached, bounded).

        :raises IRError: for a malformed dim; :class:`UnsupportedDim` for a form not written.
        """
        return self.visit(parse(dim))

    def visit(self, expr: DimExpr) -> T:
        if isinstance(expr, Const):
            return self.const(expr.value)
        if isinstance(expr, Sym):
            return self.symbol(expr.name)
        if isinstance(expr, Neg):
            return self.neg(expr.operand)
        if isinstance(expr, Bin):
            return self.binary(expr.op, expr.left, expr.right)
        return self.call(expr.func, expr.args)

    def const(self, value: int | float) -> T:
        raise UnsupportedDim(f"the constant {value!r}")

    def symbol(self, name: str) -> T:
        raise UnsupportedDim(f"the symbol {name}")

    def neg(self, operand: DimExpr) -> T:
        raise UnsupportedDim("negation")

    def binary(self, op: str, left: DimExpr, right: DimExpr) -> T:
        raise UnsupportedDim(f"the operator {op}")

    def call(self, func: str, args: tuple[DimExpr, ...]) -> T:
        raise UnsupportedDim(f"the function {func}")


_ARITH: dict[str, Callable[[int | float, int | float], int | float]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "//": lambda a, b: a // b, "/": lambda a, b: a / b, "%": lambda a, b: a % b,
    "**": _bounded_pow,
}


class _Evaluate(DimVisitor[Union[int, float]]):
    def __init__(self, env: Mapping[str, int]) -> None:
        self.env = env

    def const(self, value: int | float) -> int | float:
        return value

    def symbol(self, name: str) -> int | float:
        try:
            return self.env[name]
        except KeyError:
            raise IRError(f"symbolic dim has an unbound symbol ({name!r}); bound here: "
                          f"{', '.join(sorted(self.env)) or 'none'}") from None

    def neg(self, operand: DimExpr) -> int | float:
        return -self.visit(operand)

    def binary(self, op: str, left: DimExpr, right: DimExpr) -> int | float:
        return _ARITH[op](self.visit(left), self.visit(right))

    def call(self, func: str, args: tuple[DimExpr, ...]) -> int | float:
        return FUNCTIONS[func](*(self.visit(a) for a in args))


def evaluate(dim: int | str | DimExpr, env: Mapping[str, int]) -> int | float:
    """The value of a dim (an int, a dim string or a parsed tree) for the symbols in ``env``.

    :raises IRError: when a symbol is unbound or the arithmetic fails (division by zero, a
        power past the size limit).
    """
    if isinstance(dim, int):
        return dim
    tree = parse(dim) if isinstance(dim, str) else dim
    try:
        return _Evaluate(env).visit(tree)
    except IRError:
        raise
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise IRError(f"symbolic dim {_text(dim)!r} cannot be evaluated with {dict(env)}: "
                      f"{exc}") from None


def _text(dim: str | DimExpr) -> str:
    return dim if isinstance(dim, str) else repr(dim)


def symbols(dim: int | str | DimExpr) -> frozenset[str]:
    """The symbol names a dim uses."""
    if isinstance(dim, int):
        return frozenset()
    tree = parse(dim) if isinstance(dim, str) else dim
    if isinstance(tree, Sym):
        return frozenset([tree.name])
    if isinstance(tree, Neg):
        return symbols(tree.operand)
    if isinstance(tree, Bin):
        return symbols(tree.left) | symbols(tree.right)
    if isinstance(tree, Call):
        return frozenset().union(*(symbols(a) for a in tree.args))
    return frozenset()


class IntegerDimCheck(DimVisitor[None]):
    """A backend's planning-time dim check: accepts integer constants, symbols, negation, the
    ``binary`` operators and the ``functions`` (name → the argument count it takes, or None
    for any); raises :class:`UnsupportedDim` naming the first other form."""

    def __init__(self, binary: Collection[str], functions: Mapping[str, int | None]) -> None:
        self.binary_ops = frozenset(binary)
        self.functions = dict(functions)

    def const(self, value: int | float) -> None:
        if not isinstance(value, int):
            raise UnsupportedDim(f"the float constant {value!r}")

    def symbol(self, name: str) -> None:
        return None

    def neg(self, operand: DimExpr) -> None:
        self.visit(operand)

    def binary(self, op: str, left: DimExpr, right: DimExpr) -> None:
        if op not in self.binary_ops:
            raise UnsupportedDim(f"the operator {op}")
        self.visit(left)
        self.visit(right)

    def call(self, func: str, args: tuple[DimExpr, ...]) -> None:
        arity = self.functions.get(func, -1)
        if arity == -1 or (arity is not None and len(args) != arity):
            raise UnsupportedDim(f"the function {func} of {len(args)} argument(s)")
        for a in args:
            self.visit(a)


def unsupported(dim: int | str, visitor: DimVisitor[Any]) -> str | None:
    """Why ``visitor``'s backend cannot write ``dim``, or None when it can: a planning-time
    reason (the check runs the visitor; a backend whose visitor builds graph nodes passes one
    that only checks)."""
    if isinstance(dim, int):
        return None
    try:
        visitor.visit(parse(dim))
    except UnsupportedDim as exc:
        return f"the symbolic dim {dim!r} uses {exc}, which this backend cannot compute"
    except IRError as exc:
        return str(exc)
    return None


def attr_dim_reason(attrs: Mapping[str, Any], checker: DimVisitor[Any]) -> str | None:
    """Why a symbolic dim among a node's ``attrs`` (a reshape target, a slice end) is a form
    ``checker``'s backend cannot write, or None: the planning-time refusal a backend's check
    returns. Strings that are not dim expressions (a mode, a dtype) are skipped."""
    for value in attrs.values():
        for item in value if isinstance(value, list | tuple) else [value]:
            if not isinstance(item, str) or item.isidentifier():
                continue
            try:
                tree = parse(item)
            except IRError:
                continue
            try:
                checker.visit(tree)
            except UnsupportedDim as exc:
                return f"the symbolic dim {item!r} uses {exc}, which this backend cannot compute"
    return None
