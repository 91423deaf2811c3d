"""Element types of the IR, with their torch and numpy names (looked up lazily)."""

from __future__ import annotations

import builtins
import enum
from typing import Any

from hwsdk.errors import UnsupportedDtypeError

__all__ = ["DType", "from_torch", "to_torch", "FLOAT_DTYPES", "INT_DTYPES"]


class DType(enum.StrEnum):
    """An IR element type. The value is the short name used in JSON and tables."""

    f64 = "f64"
    f32 = "f32"
    f16 = "f16"
    bf16 = "bf16"
    f8e4m3fn = "f8e4m3fn"
    f8e5m2 = "f8e5m2"
    f8e4m3fnuz = "f8e4m3fnuz"
    f8e5m2fnuz = "f8e5m2fnuz"
    i64 = "i64"
    i32 = "i32"
    i16 = "i16"
    i8 = "i8"
    u8 = "u8"
    bool = "bool"

    def __str__(self) -> str:
        return self.value

    @property
    def is_float(self) -> builtins.bool:
        return self in FLOAT_DTYPES

    @property
    def itemsize(self) -> int:
        return _ITEMSIZE[self]


FLOAT_DTYPES = frozenset(
    {DType.f64, DType.f32, DType.f16, DType.bf16, DType.f8e4m3fn, DType.f8e5m2,
     DType.f8e4m3fnuz, DType.f8e5m2fnuz}
)
INT_DTYPES = frozenset({DType.i64, DType.i32, DType.i16, DType.i8, DType.u8})

_ITEMSIZE = {
    DType.f64: 8, DType.f32: 4, DType.f16: 2, DType.bf16: 2, DType.f8e4m3fn: 1,
    DType.f8e5m2: 1, DType.f8e4m3fnuz: 1, DType.f8e5m2fnuz: 1, DType.i64: 8, DType.i32: 4,
    DType.i16: 2, DType.i8: 1, DType.u8: 1, DType.bool: 1,
}

_TORCH_NAMES = {
    DType.f64: "float64", DType.f32: "float32", DType.f16: "float16", DType.bf16: "bfloat16",
    DType.f8e4m3fn: "float8_e4m3fn", DType.f8e5m2: "float8_e5m2",
    DType.f8e4m3fnuz: "float8_e4m3fnuz", DType.f8e5m2fnuz: "float8_e5m2fnuz",
    DType.i64: "int64", DType.i32: "int32", DType.i16: "int16", DType.i8: "int8",
    DType.u8: "uint8", DType.bool: "bool",
}
_FROM_TORCH_NAME = {name: dt for dt, name in _TORCH_NAMES.items()}


def to_torch(dtype: DType) -> Any:
    """Return the ``torch.dtype`` for an IR dtype (imports torch)."""
    import torch

    return getattr(torch, _TORCH_NAMES[DType(dtype)])


def from_torch(dtype: Any) -> DType:
    """Return the IR dtype for a ``torch.dtype``.

    :raises UnsupportedDtypeError: for complex and other dtypes the IR has no name for.
    """
    name = str(dtype).removeprefix("torch.")
    try:
        return _FROM_TORCH_NAME[name]
    except KeyError:
        raise UnsupportedDtypeError(
            f"torch dtype {name} is not supported by hwsdk; convert the tensor to one of "
            f"{', '.join(sorted(_FROM_TORCH_NAME))} before compiling"
        ) from None
