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

import re
from collections.abc import Mapping, Sequence
from typing import Union

from hwsdk.errors import IRError
from hwsdk.ir.dims import FUNCTIONS, MAX_EXPR_CHARS, MAX_INT_BITS, evaluate

Dim = Union[int, str]

__all__ = ["Dim", "is_static", "symbols_in", "evaluate_dim", "evaluate_shape", "evaluate_expr",
           "MAX_EXPR_CHARS", "MAX_INT_BITS"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def is_static(shape: Sequence[Dim]) -> bool:
    """Return True when every dim of ``shape`` is an int."""
    return all(isinstance(d, int) for d in shape)


def symbols_in(dim: Dim) -> frozenset[str]:
    """Return the symbol names used in a dim (empty for an int)."""
    if isinstance(dim, int):
        return frozenset()
    return frozenset(n for n in _NAME.findall(dim) if n not in FUNCTIONS)


def evaluate_expr(expr: str, env: Mapping[str, int]) -> int | float:
    """Evaluate a symbolic expression (int or float valued) against ``env``; the dim is parsed
    once into :mod:`hwsdk.ir.dims`' tree, which does the work.

    :raises IRError: when a symbol is unbound or the expression is malformed.
    """
    if expr in env:
        return env[expr]
    value = evaluate(expr, env)
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
