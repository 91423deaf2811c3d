"""Element types of the IR, with their torch and numpy names (looked up lazily)."""

from __future__ import annotations

import builtins
import enum
from typing import Any, Literal

from hwsdk.errors import UnsupportedDtypeError

__all__ = ["DType", "from_torch", "to_torch", "FLOAT_DTYPES", "INT_DTYPES", "COMPLEX_DTYPES",
           "TABLE_DTYPES", "default_support"]


class DType(enum.StrEnum):
    """An IR element type: every torch dtype has one. The value is the short name used in JSON
    and tables."""

    f64 = "f64"
    f32 = "f32"
    f16 = "f16"
    bf16 = "bf16"
    f8e4m3fn = "f8e4m3fn"
    f8e5m2 = "f8e5m2"
    f8e4m3fnuz = "f8e4m3fnuz"
    f8e5m2fnuz = "f8e5m2fnuz"
    f8e8m0fnu = "f8e8m0fnu"
    f4e2m1fnx2 = "f4e2m1fnx2"
    c32 = "c32"
    c64 = "c64"
    c128 = "c128"
    i64 = "i64"
    i32 = "i32"
    i16 = "i16"
    i8 = "i8"
    u64 = "u64"
    u32 = "u32"
    u16 = "u16"
    u8 = "u8"
    bool = "bool"
    # Sub-byte, bit-container and quantized dtypes: torch names them; few kernels take them.
    i1 = "i1"
    i2 = "i2"
    i3 = "i3"
    i4 = "i4"
    i5 = "i5"
    i6 = "i6"
    i7 = "i7"
    u1 = "u1"
    u2 = "u2"
    u3 = "u3"
    u4 = "u4"
    u5 = "u5"
    u6 = "u6"
    u7 = "u7"
    bits1x8 = "bits1x8"
    bits2x4 = "bits2x4"
    bits4x2 = "bits4x2"
    bits8 = "bits8"
    bits16 = "bits16"
    qint8 = "qint8"
    quint8 = "quint8"
    qint32 = "qint32"
    quint4x2 = "quint4x2"
    quint2x4 = "quint2x4"

    def __str__(self) -> str:
        return self.value

    @property
    def is_float(self) -> builtins.bool:
        """A real floating-point type (complex types are not)."""
        return self in FLOAT_DTYPES

    @property
    def is_complex(self) -> builtins.bool:
        return self in COMPLEX_DTYPES

    @property
    def itemsize(self) -> int:
        return _ITEMSIZE.get(self, 1)


FLOAT_DTYPES = frozenset(
    {DType.f64, DType.f32, DType.f16, DType.bf16, DType.f8e4m3fn, DType.f8e5m2,
     DType.f8e4m3fnuz, DType.f8e5m2fnuz, DType.f8e8m0fnu, DType.f4e2m1fnx2}
)
COMPLEX_DTYPES = frozenset({DType.c32, DType.c64, DType.c128})
INT_DTYPES = frozenset({DType.i64, DType.i32, DType.i16, DType.i8, DType.u64, DType.u32,
                        DType.u16, DType.u8})

TABLE_DTYPES = frozenset({DType.f32, DType.f16, DType.bf16, DType.f8e4m3fn, DType.f8e5m2,
                          DType.f8e4m3fnuz, DType.f8e5m2fnuz, DType.i64, DType.i32, DType.i16,
                          DType.i8, DType.u8, DType.bool})
"""The dtypes accelerator tables are expected to state (float32 and narrower). A table that
names none of the others (float64, complex, uint16+ …) has no kernel for them (``no``: the
node runs in PyTorch with reason DTYPE), rather than an unstated one (``unknown``)."""

_ITEMSIZE = {  # bytes per element as torch stores it; 1 for the sub-byte and packed types
    DType.f64: 8, DType.f32: 4, DType.f16: 2, DType.bf16: 2, DType.c32: 4, DType.c64: 8,
    DType.c128: 16, DType.i64: 8, DType.i32: 4, DType.i16: 2, DType.u64: 8, DType.u32: 4,
    DType.u16: 2, DType.bits16: 2, DType.qint32: 4,
}

_TORCH_NAMES = {
    DType.f64: "float64", DType.f32: "float32", DType.f16: "float16", DType.bf16: "bfloat16",
    DType.f8e4m3fn: "float8_e4m3fn", DType.f8e5m2: "float8_e5m2",
    DType.f8e4m3fnuz: "float8_e4m3fnuz", DType.f8e5m2fnuz: "float8_e5m2fnuz",
    DType.f8e8m0fnu: "float8_e8m0fnu", DType.f4e2m1fnx2: "float4_e2m1fn_x2",
    DType.c32: "complex32", DType.c64: "complex64", DType.c128: "complex128",
    DType.i64: "int64", DType.i32: "int32", DType.i16: "int16", DType.i8: "int8",
    DType.u64: "uint64", DType.u32: "uint32", DType.u16: "uint16", DType.u8: "uint8",
    DType.bool: "bool",
    **{DType(f"i{n}"): f"int{n}" for n in range(1, 8)},
    **{DType(f"u{n}"): f"uint{n}" for n in range(1, 8)},
    **{dt: dt.value for dt in (DType.bits1x8, DType.bits2x4, DType.bits4x2, DType.bits8,
                               DType.bits16, DType.qint8, DType.quint8, DType.qint32,
                               DType.quint4x2, DType.quint2x4)},
}
_FROM_TORCH_NAME = {name: dt for dt, name in _TORCH_NAMES.items()}
_ALIASES = {"complex_half": "complex32", "chalf": "complex32", "cfloat": "complex64",
            "cdouble": "complex128"}


def default_support(dtype: DType) -> Literal["unknown", "no"]:
    """What a capability table that does not name ``dtype`` says about it (see TABLE_DTYPES)."""
    return "unknown" if dtype in TABLE_DTYPES else "no"


def to_torch(dtype: DType) -> Any:
    """Return the ``torch.dtype`` for an IR dtype (imports torch)."""
    import torch

    return getattr(torch, _TORCH_NAMES[DType(dtype)])


def from_torch(dtype: Any) -> DType:
    """Return the IR dtype for a ``torch.dtype``.

    :raises UnsupportedDtypeError: for a dtype newer than this hwsdk (none in torch 2.x today).
    """
    name = str(dtype).removeprefix("torch.")
    try:
        return _FROM_TORCH_NAME[_ALIASES.get(name, name)]
    except KeyError:
        raise UnsupportedDtypeError(
            f"torch dtype {name} is newer than this hwsdk knows; upgrade hwsdk, or convert the "
            "tensor to a standard dtype (float32, int64 …) before compiling"
        ) from None
