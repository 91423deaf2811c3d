"""Symbolic dimensions: names like ``s0`` or ``batch`` and simple expressions over them.

A dim in the IR is an ``int`` or a ``str``. A string is a symbol name or an arithmetic
expression over symbols as torch.export prints it (``2*s0``, ``s0 + 1``, ``(s0//2)``).
Expressions are evaluated at run time against the sizes bound from the model's inputs.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Union

from hwsdk.errors import IRError

Dim = Union[int, str]

__all__ = ["Dim", "is_static", "symbols_in", "evaluate_dim", "evaluate_shape"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_FUNCS = {"Max": max, "Min": min}
_ALLOWED_NODES = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Add, ast.Sub, ast.Mult, ast.FloorDiv,
    ast.Mod, ast.USub, ast.Name, ast.Load, ast.Constant, ast.Call, ast.Pow,
)


def is_static(shape: Sequence[Dim]) -> bool:
    """Return True when every dim of ``shape`` is an int."""
    return all(isinstance(d, int) for d in shape)


def symbols_in(dim: Dim) -> frozenset[str]:
    """Return the symbol names used in a dim (empty for an int)."""
    if isinstance(dim, int):
        return frozenset()
    return frozenset(n for n in _NAME.findall(dim) if n not in _FUNCS)


@lru_cache(maxsize=4096)
def _compile(expr: str) -> object:
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise IRError(f"cannot parse symbolic dim {expr!r}: {exc}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise IRError(f"symbolic dim {expr!r} uses {type(node).__name__}, which is not allowed")
    return compile(tree, f"<dim {expr}>", "eval")


def evaluate_dim(dim: Dim, env: Mapping[str, int]) -> int:
    """Evaluate a dim against the symbol values in ``env``.

    :raises IRError: when a symbol is unbound or the expression is malformed.
    """
    if isinstance(dim, int):
        return dim
    if dim in env:
        return env[dim]
    code = _compile(dim)
    try:
        value = eval(code, {"__builtins__": {}, **_FUNCS}, dict(env))  # noqa: S307 - vetted AST
    except NameError as exc:
        raise IRError(f"symbolic dim {dim!r} has an unbound symbol: {exc}") from None
    return int(value)


def evaluate_shape(shape: Sequence[Dim], env: Mapping[str, int]) -> list[int]:
    """Evaluate every dim of ``shape`` against ``env``."""
    return [evaluate_dim(d, env) for d in shape]
