"""Shape and dtype inference helpers shared by the op definitions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hwsdk.errors import IRError
from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import TensorType
from hwsdk.ir.symbolic import Dim

_FLOAT_RANK = {DType.bool: 0, DType.u8: 1, DType.i8: 1, DType.i16: 2, DType.i32: 3, DType.i64: 4,
               DType.f8e4m3fn: 5, DType.f8e5m2: 5, DType.f8e4m3fnuz: 5, DType.f8e5m2fnuz: 5,
               DType.f16: 6, DType.bf16: 6, DType.f32: 7, DType.f64: 8}


def broadcast_shapes(*shapes: Sequence[Dim]) -> tuple[Dim, ...]:
    """NumPy-style broadcast of shapes whose dims may be symbolic."""
    rank = max((len(s) for s in shapes), default=0)
    result: list[Dim] = []
    for i in range(rank):
        dims = [s[len(s) - rank + i] for s in shapes if len(s) - rank + i >= 0]
        others = [d for d in dims if d != 1]
        if not others:
            result.append(1)
            continue
        ints = {d for d in others if isinstance(d, int)}
        if len(ints) > 1:
            raise IRError(f"shapes {[list(s) for s in shapes]} do not broadcast")
        result.append(next(iter(ints)) if ints else others[0])
    return tuple(result)


def promote(*dtypes: DType) -> DType:
    """Result dtype of mixing tensors of these dtypes (torch's promotion for same-kind)."""
    best = dtypes[0]
    for dt in dtypes[1:]:
        if _FLOAT_RANK[dt] > _FLOAT_RANK[best]:
            best = dt
    return best


def promote_scalar(dtype: DType, scalar: Any) -> DType:
    """Result dtype of a tensor op with a Python scalar operand."""
    if isinstance(scalar, bool):
        return dtype
    if isinstance(scalar, float) and not dtype.is_float:
        return DType.f32
    if isinstance(scalar, int) and dtype == DType.bool:
        return DType.i64
    return dtype


def norm_dim(dim: int, rank: int) -> int:
    """A possibly negative dim index made non-negative."""
    if not -max(rank, 1) <= dim < max(rank, 1):
        raise IRError(f"dim {dim} is out of range for rank {rank}")
    return dim % max(rank, 1)


def reduce_shape(shape: Sequence[Dim], dims: Sequence[int] | None,
                 keepdim: bool) -> tuple[Dim, ...]:
    """Shape after reducing ``dims`` (all dims when None or empty)."""
    rank = len(shape)
    axes = set(range(rank)) if not dims else {norm_dim(d, rank) for d in dims}
    if keepdim:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def same(types: Sequence[TensorType], attrs: Any) -> list[TensorType]:
    """Output type equal to the first input's type."""
    return [types[0]]


def with_dtype(t: TensorType, dtype: DType) -> TensorType:
    return TensorType(dtype, t.shape)
