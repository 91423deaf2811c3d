"""A generated test case of the conformance kit: one call of a core op."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Case", "Input", "d", "p", "index", "slots", "QUANT_ROLES"]

QUANT_ROLES = ("qint8", "quint4", "zp4", "qscale")
"""Roles of a quantized weight's integer params (see :attr:`Input.role`)."""


@dataclass(frozen=True)
class Input:
    """One tensor input of a case.

    :param shape: its shape.
    :param role: ``data`` (the dtype under test), ``cond`` (bool), ``param`` (a weight, given
        as a graph param like a captured model's), ``variance`` (a param of positive values),
        ``index`` (int64 indices in ``[0, high)``), ``slots`` (distinct int64 indices in
        ``[0, high)``: where an op writes, so no two writes collide), ``qint8`` (an int8
        param in [-127, 127]), ``quint4`` (a uint8 param of two packed 4-bit values) or
        ``zp4`` (a uint8 param in [0, 15]): a quantized weight's data and zero point;
        ``qscale`` (its positive scales, in the dtype under test; float32 when that is i8 or
        u8, the data's dtype).
    :param high: exclusive upper bound of an ``index`` input.
    """

    shape: tuple[int, ...]
    role: str = "data"
    high: int = 0

    @property
    def is_param(self) -> bool:
        return self.role in ("param", "variance", *QUANT_ROLES)


@dataclass(frozen=True)
class Case:
    """One generated call of ``op``.

    :param inputs: the tensor inputs in the op's order; None for an absent optional input.
    :param input_class: how the tensors are laid out or what they hold beyond ``pattern``
        (see :data:`hwsdk.testing.inputs.INPUT_CLASSES`); ``contiguous`` for plain tensors.
    """

    op: str
    label: str
    inputs: tuple[Input | None, ...]
    attrs: dict[str, Any] = field(default_factory=dict)
    pattern: str = "normal"
    input_class: str = "contiguous"

    @property
    def name(self) -> str:
        base = f"{self.label}/{self.pattern}"
        return base if self.input_class == "contiguous" else f"{base}/{self.input_class}"


def d(*shape: int) -> Input:
    """A data input of ``shape`` (in the dtype under test)."""
    return Input(tuple(shape))


def p(*shape: int) -> Input:
    """A param (weight) of ``shape`` (in the dtype under test)."""
    return Input(tuple(shape), "param")


def index(high: int, *shape: int) -> Input:
    """An int64 index input of ``shape`` with values in ``[0, high)``."""
    return Input(tuple(shape), "index", high)


def slots(high: int, count: int) -> Input:
    """A 1-d int64 input of ``count`` distinct values in ``[0, high)`` (write positions)."""
    return Input((count,), "slots", high)
