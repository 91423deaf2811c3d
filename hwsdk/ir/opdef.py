"""Operator definitions and the versioned core op set registry.

An :class:`OpDef` is everything hwsdk knows about one core op: its inputs and attrs, how to
infer output types, which ATen overloads map to it (the one ATen → IR mapping in hwsdk), and
its PyTorch reference implementation (the fallback and the test oracle).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hwsdk.errors import IRError
from hwsdk.ir.graph import TensorType

__all__ = [
    "OpDef", "REQUIRED", "register", "get_op", "all_ops", "op_for_aten", "OPSET_VERSION",
    "Converted", "TORCH_OP", "TensorArg", "is_tensor", "aten_map",
]

OPSET_VERSION = 1
"""Version of the core op set. Bump when an op's meaning, inputs or attrs change."""

TORCH_OP = "torch_op"
"""The opaque op: any ATen call outside the core op set. Only PyTorch runs it."""

REQUIRED: Any = object()

InferFn = Callable[[Sequence[TensorType], Mapping[str, Any]], list[TensorType]]
# From an ATen call's (args, kwargs) to (tensor inputs, attrs); None: not expressible.
Converted = tuple[list[Any], dict[str, Any]]
ConvertFn = Callable[[tuple[Any, ...], Mapping[str, Any]], "Converted | None"]


@dataclass(frozen=True)
class OpDef:
    """Definition of one core op.

    :param name: the op's name in the IR (``"linear"``).
    :param category: ``elementwise``, ``reduction``, ``normalization``, ``linear_algebra``,
        ``convolution``, ``attention``, ``shape``, ``indexing``, ``creation`` or ``quantization``.
    :param summary: one line for docs/ops.md.
    :param inputs: names of the tensor inputs; a trailing ``?`` marks an optional one and a
        leading ``*`` a variadic one (``cat``).
    :param attrs: attr name → default; :data:`REQUIRED` when it has none.
    :param infer: output types from input types and attrs.
    :param reference: the PyTorch implementation, called as ``reference(*tensors, **attrs)``.
    :param num_outputs: number of outputs; None when an attr decides it (``split``).
    :param sym_attrs: attrs that may hold symbolic dims (strings); callers evaluate them
        against the run's symbol values before calling ``reference``.
    :param aten: ATen overload (``"aten.linear.default"``) → converter for the overloads that
        map to this op. A converter takes the call's ``(args, kwargs)``, tensors given as
        :class:`TensorArg`, and returns ``(inputs, attrs)``, or None when this call's
        arguments are outside what the op expresses (it then stays an opaque ``torch_op``).
    :param foldable: False for an op constant folding must keep even when its inputs are all
        constants (``dequantize``: folding it would store the weight decompressed).
    """

    name: str
    category: str
    summary: str
    inputs: tuple[str, ...]
    attrs: Mapping[str, Any]
    infer: InferFn
    reference: Callable[..., Any]
    aten: Mapping[str, ConvertFn] = field(default_factory=dict)
    num_outputs: int | None = 1
    sym_attrs: tuple[str, ...] = ()
    notes: str = field(default="")
    foldable: bool = True

    def check_attrs(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        """Return attrs completed with defaults.

        :raises IRError: on an unknown or a missing required attr.
        """
        unknown = set(attrs) - set(self.attrs)
        if unknown:
            raise IRError(f"op {self.name} has no attr(s) {sorted(unknown)}")
        full = {}
        for key, default in self.attrs.items():
            if key in attrs:
                full[key] = attrs[key]
            elif default is REQUIRED:
                raise IRError(f"op {self.name} needs attr {key!r}")
            else:
                full[key] = default
        return full


_REGISTRY: dict[str, OpDef] = {}
_ATEN: dict[str, OpDef] = {}


def register(op: OpDef) -> OpDef:
    """Add an op to the core op set (at import of the op modules)."""
    if op.name in _REGISTRY:
        raise IRError(f"op {op.name!r} is defined twice")
    _REGISTRY[op.name] = op
    for overload in op.aten:
        if overload in _ATEN:
            raise IRError(
                f"ATen overload {overload} maps to both {_ATEN[overload].name} and {op.name}")
        _ATEN[overload] = op
    return op


def _ensure_loaded() -> None:
    if not _REGISTRY:
        import hwsdk.ir.ops  # noqa: F401  (registers the core op set)


def get_op(name: str) -> OpDef:
    """Return the definition of a core op.

    :raises IRError: for a name outside the op set.
    """
    _ensure_loaded()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise IRError(f"{name!r} is not an op of core op set v{OPSET_VERSION}") from None


def all_ops() -> list[OpDef]:
    """Every op of the core op set, sorted by name."""
    _ensure_loaded()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def op_for_aten(overload: str) -> OpDef | None:
    """The core op an ATen overload (``"aten.add.Tensor"``) maps to, or None."""
    _ensure_loaded()
    return _ATEN.get(overload)


def aten_map() -> dict[str, str]:
    """ATen overload → core op name, for translating vendor tables keyed by ATen names."""
    _ensure_loaded()
    return {k: v.name for k, v in sorted(_ATEN.items())}


@dataclass(frozen=True)
class TensorArg:
    """A tensor argument of an ATen call, as converters see it during capture."""

    name: str
    type: TensorType


def is_tensor(value: Any) -> bool:
    """True for a tensor argument of an ATen call (see :class:`TensorArg`)."""
    return isinstance(value, TensorArg)
