"""Input classes: the kit's op cases again, fed tensors an engine may mishandle.

Beside plain contiguous tensors, every op is run on

* **layouts** that keep the values but not the memory order: ``transposed`` (the last two dims
  swapped in memory), ``strided`` (every other element of a buffer twice as wide, ``[:, ::2]``,
  with NaN or sentinel values in the gaps), ``expanded`` (one dim broadcast with stride 0) and
  ``zero_stride`` (one value broadcast to the whole shape, every stride 0), applied to every
  tensor input at once, params included;
* ``nan_inf``: NaN, +inf and -inf among the float data inputs (compared NaN to NaN);
* **shapes** where the op accepts them: ``zero_size`` (the leading dim 0) and ``rank0`` (0-d
  data inputs). When the IR or the PyTorch reference rejects the shape, the class does not
  apply to that op.

A target that cannot handle a class for an op declares it in its capability table with an
:class:`~hwsdk.capability.UnhandledInputs` constraint and a reason; the kit reports such a
pair as declared instead of running it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hwsdk.capability import INPUT_CLASSES
from hwsdk.ir.dtypes import DType
from hwsdk.testing.case import Case, Input

__all__ = ["INPUT_CLASSES", "LAYOUTS", "class_cases", "apply_class", "relayout",
           "declared_unhandled"]

LAYOUTS = ("transposed", "strided", "expanded", "zero_stride")
"""Classes that change strides (and, for the broadcasts, which values repeat)."""

_LAYOUT_BASES = 2
"""How many of an op's normal-valued cases (first ones, distinct labels) get each layout."""


def _changes(case: Case, cls: str) -> bool:
    """Whether ``cls`` makes at least one input of ``case`` differ from a contiguous tensor."""
    shapes = [spec.shape for spec in case.inputs if spec is not None]
    if cls == "transposed":
        return any(len(s) >= 2 and s[-1] > 1 and s[-2] > 1 for s in shapes)
    if cls in ("strided", "zero_stride"):
        return any(len(s) >= 1 and _numel(s) > 1 for s in shapes)
    return any(any(d > 1 for d in s) for s in shapes)  # expanded


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _data(case: Case) -> list[Input]:
    return [spec for spec in case.inputs if spec is not None and not spec.is_param]


def _zero_size(base: Case) -> Case | None:
    data = [s for s in _data(base) if s.shape]
    if not data:
        return None
    lead, rank = data[0].shape[0], max(len(s.shape) for s in data)
    inputs = tuple(
        Input((0, *spec.shape[1:]), spec.role, spec.high)
        if spec is not None and not spec.is_param and len(spec.shape) == rank
        and spec.shape[0] == lead else spec
        for spec in base.inputs)
    return replace(base, inputs=inputs, label=f"{base.label}->lead0", input_class="zero_size")


def _rank0(base: Case) -> Case | None:
    if not _data(base) or all(not s.shape for s in _data(base)):
        return None
    inputs = tuple(Input((), spec.role, spec.high)
                   if spec is not None and not spec.is_param else spec for spec in base.inputs)
    attrs = dict(base.attrs)
    if "dims" in attrs:
        attrs["dims"] = []
    if "dim" in attrs:
        attrs["dim"] = 0
    return replace(base, inputs=inputs, attrs=attrs, label=f"{base.label}->0d",
                   input_class="rank0")


_UNDRAWABLE = {
    **dict.fromkeys((DType.qint8, DType.quint8, DType.qint32), ("strided",)),
    **dict.fromkeys((DType.quint4x2, DType.quint2x4), ("strided", "transposed"))}
"""Layouts PyTorch cannot make of a quantized dtype (a quantized tensor cannot be filled, and
the packed ones cannot be copied), so their cases are not generated."""
_NO_SPECIALS = frozenset({DType.f4e2m1fnx2})
"""Float dtypes without NaN or infinity encodings: ``nan_inf`` does not apply."""


def class_cases(cases: list[Case], dtype: DType) -> list[Case]:
    """The extra cases of one op in ``dtype``, derived from its generated ``cases``."""
    normal = [c for c in cases if c.pattern == "normal" and any(c.inputs)]
    if not normal:
        return []
    bases: list[Case] = []
    for case in normal:
        if case.label not in {b.label for b in bases}:
            bases.append(case)
    out: list[Case] = []
    for cls in LAYOUTS:
        out += [replace(b, input_class=cls) for b in bases[:_LAYOUT_BASES] if _changes(b, cls)]
    for cls in _UNDRAWABLE.get(dtype, ()):
        out = [c for c in out if c.input_class != cls]
    first = bases[0]
    if dtype.is_float and dtype not in _NO_SPECIALS and _data(first):
        out.append(replace(first, input_class="nan_inf"))
    for derive in (_zero_size, _rank0):
        derived = derive(first)
        if derived is not None:
            out.append(derived)
    return out


def _sentinel(tensor: Any, spec: Input) -> Any:
    """What fills the gaps of a ``strided`` buffer: a value a correct engine never reads."""
    import torch

    if tensor.dtype.is_floating_point:
        return float("nan")
    if tensor.dtype == torch.bool:
        return True
    return spec.high - 1 if spec.role in ("index", "slots") else 77


def _layout(tensor: Any, spec: Input, cls: str) -> Any:
    import torch

    shape = tuple(tensor.shape)
    if cls == "transposed" and len(shape) >= 2:
        return tensor.transpose(-1, -2).contiguous().transpose(-1, -2)
    if cls == "strided" and shape:
        wide = torch.full((*shape[:-1], 2 * shape[-1]), _sentinel(tensor, spec),
                          dtype=tensor.dtype)
        wide[..., ::2] = tensor
        return wide[..., ::2]
    if spec.role == "slots" and cls in ("expanded", "zero_stride"):
        return tensor  # repeated write positions have no defined result
    if cls == "expanded":
        dim = next((i for i, d in enumerate(shape) if d > 1), None)
        return tensor if dim is None else tensor.narrow(dim, 0, 1).expand(shape)
    if cls == "zero_stride" and tensor.numel():
        return tensor.reshape(-1)[0].expand(shape)
    return tensor


def _stored_layout(tensor: Any, spec: Input, cls: str) -> Any:
    """:func:`_layout`, made on the unsigned storage of a dtype PyTorch cannot fill or copy
    (sub-byte, bit containers, float4) and viewed back."""
    from hwsdk.ir.dtypes import from_torch
    from hwsdk.testing.values import BYTE_VIEWED, storage_dtype

    if from_torch(tensor.dtype) not in BYTE_VIEWED:
        return _layout(tensor, spec, cls)
    return _layout(tensor.view(storage_dtype(tensor.dtype)), spec, cls).view(tensor.dtype)


def relayout(tensor: Any, cls: str) -> Any:
    """``tensor`` in layout ``cls`` (one of :data:`LAYOUTS`), for engine tests: the same
    values for ``transposed`` and ``strided``, a broadcast of part of it otherwise."""
    if cls not in LAYOUTS:
        raise ValueError(f"unknown layout {cls!r}; one of {LAYOUTS}")
    return _layout(tensor, Input(tuple(tensor.shape)), cls)


def _with_nan_inf(tensor: Any, offset: int) -> Any:
    specials = (float("nan"), float("inf"), float("-inf"))
    out = tensor.clone()
    flat = out.view(-1)
    for k, value in enumerate(specials):
        if k < flat.numel():
            flat[(offset + 2 * k) % flat.numel()] = value
    if flat.numel() > 2 * len(specials):
        # a NaN last too: an engine whose max/min keeps NaN only when it comes first (as
        # ONNX Runtime's ReduceMax did) passes the first-element NaN above
        flat[-1] = float("nan")
    return out


def apply_class(case: Case, tensors: list[Any]) -> list[Any]:
    """``tensors`` (drawn contiguous for ``case``) in the layout or with the values of its
    input class."""
    cls = case.input_class
    if cls in LAYOUTS:
        return [t if t is None or spec is None else _stored_layout(t, spec, cls)
                for spec, t in zip(case.inputs, tensors, strict=True)]
    if cls == "nan_inf":
        return [_with_nan_inf(t, i) if t is not None and spec is not None
                and spec.role == "data" and t.dtype.is_floating_point else t
                for i, (spec, t) in enumerate(zip(case.inputs, tensors, strict=True))]
    return tensors


def declared_unhandled(table: Any, op: str) -> dict[str, str]:
    """Input class → reason, for the classes ``table`` declares unhandled for ``op``."""
    entry = table.ops.get(op)
    found: dict[str, str] = {}
    for constraint in [*table.constraints, *(entry.constraints if entry else [])]:
        if getattr(constraint, "kind", "") == "unhandled_inputs":
            for cls in constraint.classes:
                found.setdefault(cls, constraint.why)
    return found
