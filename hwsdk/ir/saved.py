"""A ``torch.export`` program (``ExportedProgram``, e.g. from ``torch.export.load``) as the
model to capture: its module, its saved example inputs, and the dynamic dims it was exported
with, so a program saved with a dynamic batch stays dynamic in hwsdk.

The saved program does not keep the user's ``Dim`` names, only its symbols and their ranges,
so each dynamic dim is named after the first input and axis it appears in (``x_dim0``); two
inputs sharing a symbol share the dim, and a derived dim (``2*s0 + 1``) is derived from it
again. A program with any other symbolic size, or with inputs that are not plain tensors,
is captured with every dim static, as its example inputs have them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

__all__ = ["SavedProgram", "unpack_program", "saved_example_inputs", "is_exported_program"]


@dataclass
class SavedProgram:
    """What :func:`unpack_program` found.

    :param module: ``program.module()``, an ``nn.Module`` torch.export can export again.
    :param example_inputs: the saved positional example inputs (empty when none were saved).
    :param dynamic_shapes: one ``{axis: Dim}`` per positional input, or None when every dim
        is static.
    """

    module: Any
    example_inputs: tuple[Any, ...]
    dynamic_shapes: tuple[dict[int, Any], ...] | None


def is_exported_program(value: Any) -> bool:
    """Whether ``value`` is a ``torch.export.ExportedProgram`` (never imports torch: a
    program exists only once torch is imported)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.export.ExportedProgram)


def _upper(bound: Any) -> int | None:
    try:
        return int(bound)
    except (TypeError, ValueError, OverflowError):
        return None  # unbounded (int_oo)


def _linear(expr: Any) -> tuple[Any, int, int] | None:
    """``a*s + b`` with integer a ≠ 0 and b → (s, a, b); None for any other expression."""
    import sympy

    symbols = list(expr.free_symbols)
    if len(symbols) != 1:
        return None
    try:
        poly = sympy.Poly(expr, symbols[0])
    except sympy.PolynomialError:
        return None
    coeffs = poly.all_coeffs()
    if poly.degree() != 1 or not all(c.is_integer for c in coeffs):
        return None
    return symbols[0], int(coeffs[0]), int(coeffs[1])


def _dynamic_shapes(program: Any) -> tuple[dict[int, Any], ...] | None:
    import torch

    user = [spec.arg.name for spec in program.graph_signature.input_specs
            if spec.kind.name == "USER_INPUT"]
    placeholders = {n.name: n for n in program.graph_module.graph.nodes
                    if n.op == "placeholder"}
    sizes: list[tuple[str, int, Any]] = []  # (input, axis, symbolic expression)
    for name in user:
        value = placeholders[name].meta.get("val")
        if not isinstance(value, torch.Tensor):
            return None  # a non-tensor input: the positional layout is not one leaf each
        for axis, size in enumerate(value.shape):
            expr = getattr(getattr(size, "node", None), "expr", None)
            if expr is not None and expr.free_symbols:
                sizes.append((name, axis, expr))
    if not sizes:
        return None
    roots: dict[Any, Any] = {}
    shapes: dict[str, dict[int, Any]] = {name: {} for name in user}
    for name, axis, expr in sorted(sizes, key=lambda item: not item[2].is_Symbol):
        form = _linear(expr)
        if form is None or form[0] not in program.range_constraints:
            return None  # a dim torch.export cannot be told about: keep every dim static
        symbol, scale, offset = form
        if symbol not in roots:
            bounds = program.range_constraints[symbol]
            suffix = "" if expr.is_Symbol else "_base"
            roots[symbol] = torch.export.Dim(f"{name}_dim{axis}{suffix}",
                                             min=int(bounds.lower), max=_upper(bounds.upper))
        root = roots[symbol]
        shapes[name][axis] = root if expr.is_Symbol else scale * root + offset
    return tuple(shapes[name] for name in user)


def saved_example_inputs(program: Any) -> tuple[Any, ...]:
    """The positional example inputs saved with ``program`` (empty when none were saved)."""
    example: tuple[Any, Any] = getattr(program, "example_inputs", None) or ((), {})
    return tuple(example[0])


def unpack_program(program: Any) -> SavedProgram:
    """The module, example inputs and dynamic dims of an ``ExportedProgram``."""
    return SavedProgram(program.module(), saved_example_inputs(program),
                        _dynamic_shapes(program))
