"""Symbolic scalars met during capture, and the names they get in the IR.

torch.export names dynamic dims ``s0``, ``s72`` …; the IR uses the user's
``torch.export.Dim`` names instead wherever a dynamic dim of an input maps to one, so plans and
error messages say ``batch`` and ``seq``. SymInt-valued FX nodes are known at capture time:
their values become :class:`SymExpr` strings, so a symbolic argument is never guessed from the
look of a string.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["SymExpr", "SymFloatExpr", "SymbolNamer", "dim_names", "contains_sym"]


class SymExpr(str):
    """An integer-valued symbolic expression over dim symbols (``"2*seq + 1"``)."""

    __slots__ = ()


class SymFloatExpr(SymExpr):
    """A float-valued symbolic expression (from a SymFloat)."""

    __slots__ = ()


def contains_sym(value: Any) -> bool:
    """True when ``value`` (possibly nested in lists, tuples, dicts) holds a :class:`SymExpr`."""
    if isinstance(value, SymExpr):
        return True
    if isinstance(value, (list, tuple)):
        return any(contains_sym(v) for v in value)
    if isinstance(value, dict):
        return any(contains_sym(v) for v in value.values())
    return False


class SymbolNamer:
    """Turns torch's symbolic ints and floats into IR dims with the user's symbol names.

    :param renames: torch symbol name (``"s72"``) → IR name (``"batch"``).
    """

    def __init__(self, renames: Mapping[str, str] | None = None) -> None:
        self.renames = dict(renames or {})

    def text(self, expr: Any) -> str:
        """The IR string of a sympy expression, with symbols renamed."""
        import sympy

        subs = {s: sympy.Symbol(self.renames[s.name], **s.assumptions0)
                for s in expr.free_symbols if s.name in self.renames}
        return str(expr.xreplace(subs) if subs else expr)

    def name(self, symbol: str) -> str:
        return self.renames.get(symbol, symbol)

    def dim(self, value: Any) -> int | str:
        """A tensor dim: an int when static, else its renamed expression."""
        expr = _expr(value)
        if expr is None:
            return int(value)
        if expr.is_number:
            return int(expr)
        return self.text(expr)

    def scalar(self, value: Any) -> Any:
        """A scalar-valued FX node's value: a Python number, or a :class:`SymExpr`."""
        expr = _expr(value)
        if expr is None:
            return value
        import torch

        is_float = isinstance(value, torch.SymFloat)
        if expr.is_number:
            return float(expr) if is_float else (bool(expr) if isinstance(
                value, torch.SymBool) else int(expr))
        text = self.text(expr)
        return SymFloatExpr(text) if is_float else SymExpr(text)


def _expr(value: Any) -> Any:
    node = getattr(value, "node", None)
    return getattr(node, "expr", None) if node is not None else None


def dim_names(model: Any, args: Sequence[Any], dynamic_shapes: Any) -> list[dict[int, str]]:
    """Per tensor leaf of ``args`` (pytree order): dim index → the ``Dim`` name the user gave
    (for a derived dim such as ``2 * half``, the name of its root, ``half``).

    Dims marked with ``Dim.AUTO``/``Dim.DYNAMIC`` (no user name) are left out. Returns an empty
    list when ``dynamic_shapes`` is None or its structure does not follow ``args``.
    """
    if dynamic_shapes is None:
        return []
    if isinstance(dynamic_shapes, Mapping):
        try:
            params = list(inspect.signature(model.forward).parameters)
        except (TypeError, ValueError):
            return []
        specs: list[Any] = [dynamic_shapes.get(p) for p in params[: len(args)]]
    elif isinstance(dynamic_shapes, (list, tuple)):
        specs = list(dynamic_shapes)
    else:
        return []
    out: list[dict[int, str]] = []
    for arg, spec in zip(args, specs, strict=False):
        _walk(arg, spec, out)
    return out


def _walk(value: Any, spec: Any, out: list[dict[int, str]]) -> None:
    import torch

    if isinstance(value, torch.Tensor):
        out.append(_tensor_dims(spec))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            sub = spec[i] if isinstance(spec, (list, tuple)) and i < len(spec) else None
            _walk(item, sub, out)
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(item, spec.get(key) if isinstance(spec, Mapping) else None, out)


def _tensor_dims(spec: Any) -> dict[int, str]:
    if isinstance(spec, Mapping):
        items = list(spec.items())
    elif isinstance(spec, (list, tuple)):
        items = list(enumerate(spec))
    else:
        return {}
    names: dict[int, str] = {}
    for index, dim in items:
        # A derived dim (2*half) names its root symbol (half).
        name = getattr(getattr(dim, "root", dim), "__name__", None)
        if isinstance(index, int) and isinstance(name, str) and name.isidentifier():
            names[index] = name
    return names
