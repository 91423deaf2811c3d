"""Symbolic dimensions: names like ``s0`` or ``batch`` and simple expressions over them.

A dim in the IR is an ``int`` or a ``str``. A string is a symbol name or an arithmetic
expression over symbols as torch.export prints it (``2*s0``, ``s0 + 1``, ``(s0//2)``).
Expressions are evaluated at run time against the sizes bound from the model's inputs.

Evaluation is bounded, since a dim string may come from a saved IR file: an expression is at
most :data:`MAX_EXPR_CHARS` characters, its constants are numbers of at most
:data:`MAX_INT_BITS` bits, and an integer power whose result would exceed that many bits is
refused (``9**9**9**9`` raises :class:`~hwsdk.errors.IRError` instead of running on forever).
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from types import CodeType
from typing import Union

from hwsdk.errors import IRError

Dim = Union[int, str]

__all__ = ["Dim", "is_static", "symbols_in", "evaluate_dim", "evaluate_shape", "evaluate_expr",
           "MAX_EXPR_CHARS", "MAX_INT_BITS"]

MAX_EXPR_CHARS = 2000
"""The longest symbolic dim accepted (torch.export's dims are a few dozen characters)."""
MAX_INT_BITS = 1024
"""The largest integer, in bits, a constant or an integer power may have."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def _bounded_pow(base: int | float, exp: int | float) -> int | float:
    """``base ** exp``, refusing integer powers past :data:`MAX_INT_BITS` bits (their cost
    grows with the result's size; float powers are constant time and overflow on their own)."""
    if (isinstance(base, int) and isinstance(exp, int) and exp > 0 and abs(base) > 1
            and (abs(base).bit_length() - 1) * exp > MAX_INT_BITS):
        raise IRError(f"symbolic dim power {base}**{exp} exceeds {MAX_INT_BITS} bits; "
                      "dims are sizes, so the expression is malformed")
    return base ** exp


# The functions torch's sympy printing uses for integer dims (torch.utils._sympy.functions).
_FUNCS = {
    "Max": max, "Min": min, "Mod": lambda a, b: a % b, "PythonMod": lambda a, b: a % b,
    "FloorDiv": lambda a, b: a // b, "CleanDiv": lambda a, b: a // b,
    "IntTrueDiv": lambda a, b: a / b, "FloatTrueDiv": lambda a, b: a / b,
    "CeilToInt": math.ceil, "FloorToInt": math.floor, "TruncToInt": math.trunc,
    "RoundToInt": round, "ToFloat": float, "floor": math.floor, "ceiling": math.ceil,
    "sqrt": math.sqrt, "OpaqueUnaryFn_sqrt": math.sqrt, "FloatPow": _bounded_pow,
    "PowByNatural": _bounded_pow, "Abs": abs, "TruncToFloat": lambda a: float(
        math.trunc(a)), "Identity": lambda a: a,
}
_ALLOWED_NODES = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Add, ast.Sub, ast.Mult, ast.FloorDiv,
    ast.Div, ast.Mod, ast.USub, ast.Name, ast.Load, ast.Constant, ast.Call, ast.Pow,
)


def is_static(shape: Sequence[Dim]) -> bool:
    """Return True when every dim of ``shape`` is an int."""
    return all(isinstance(d, int) for d in shape)


def symbols_in(dim: Dim) -> frozenset[str]:
    """Return the symbol names used in a dim (empty for an int)."""
    if isinstance(dim, int):
        return frozenset()
    return frozenset(n for n in _NAME.findall(dim) if n not in _FUNCS)


class _PowToCall(ast.NodeTransformer):
    """Rewrites ``a ** b`` to ``__pow(a, b)`` (:func:`_bounded_pow`), after validation, which
    refuses every user name starting with ``_``."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.op, ast.Pow):
            return node
        call = ast.Call(ast.Name("__pow", ast.Load()), [node.left, node.right], [])
        return ast.copy_location(call, node)


@lru_cache(maxsize=4096)
def _compile(expr: str) -> CodeType:
    if len(expr) > MAX_EXPR_CHARS:
        raise IRError(f"symbolic dim of {len(expr)} characters is longer than the "
                      f"{MAX_EXPR_CHARS} allowed: {expr[:60]!r}…")
    try:
        return _checked_code(expr)
    except RecursionError:
        raise IRError(f"symbolic dim {expr[:60]!r}… is nested too deeply") from None


def _checked_code(expr: str) -> CodeType:
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise IRError(f"cannot parse symbolic dim {expr!r}: {exc}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise IRError(f"symbolic dim {expr!r} uses {type(node).__name__}, which is not allowed")
        if isinstance(node, ast.Call) and not (
                isinstance(node.func, ast.Name) and node.func.id in _FUNCS):
            raise IRError(f"symbolic dim {expr!r} calls a function that is not allowed")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise IRError(f"symbolic dim {expr!r} uses the name {node.id}, which is not allowed")
        if isinstance(node, ast.Constant) and not _small_number(node.value):
            raise IRError(f"symbolic dim {expr!r} has the constant {str(node.value)[:40]!r}; "
                          f"only numbers of at most {MAX_INT_BITS} bits are allowed")
    tree = ast.fix_missing_locations(_PowToCall().visit(tree))
    return compile(tree, f"<dim {expr}>", "eval")


def _small_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not isinstance(value, int) or value.bit_length() <= MAX_INT_BITS


def evaluate_expr(expr: str, env: Mapping[str, int]) -> int | float:
    """Evaluate a symbolic expression (int or float valued) against ``env``.

    :raises IRError: when a symbol is unbound or the expression is malformed.
    """
    if expr in env:
        return env[expr]
    code = _compile(expr)
    try:
        value = eval(code, {"__builtins__": {}, **_FUNCS, "__pow": _bounded_pow}, dict(env))
    except IRError:
        raise
    except NameError as exc:
        raise IRError(
            f"symbolic dim {expr!r} has an unbound symbol ({exc}); bound here: "
            f"{', '.join(sorted(env)) or 'none'}"
        ) from None
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise IRError(f"symbolic dim {expr!r} cannot be evaluated with {dict(env)}: {exc}") \
            from None
    if not isinstance(value, (int, float)):
        raise IRError(f"symbolic dim {expr!r} evaluated to {value!r}, not a number")
    return value


def evaluate_dim(dim: Dim, env: Mapping[str, int]) -> int:
    """Evaluate a dim against the symbol values in ``env``.

    :raises IRError: when a symbol is unbound or the expression is malformed.
    """
    if isinstance(dim, int):
        return dim
    return int(evaluate_expr(dim, env))


def evaluate_shape(shape: Sequence[Dim], env: Mapping[str, int]) -> list[int]:
    """Evaluate every dim of ``shape`` against ``env``."""
    return [evaluate_dim(d, env) for d in shape]
