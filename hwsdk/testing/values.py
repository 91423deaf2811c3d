"""Tensors of any IR dtype from real values: what the kit's input generator draws with.

Most dtypes take a plain conversion. The others have no conversion from a float tensor in
PyTorch, so their values are encoded here: sub-byte integers (``i1``..``u7``, one value per
byte) clamped to their range, bit containers (``bits8``, ``bits16`` …) as the integer's bit
pattern, ``f4e2m1fnx2`` as two equal float4 codes per byte, quantized dtypes through
``torch.quantize_per_tensor`` with the fixed :data:`QUANT_SCALE` and a zero point per dtype.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from hwsdk.ir.dtypes import DType

__all__ = ["magnitudes", "encode", "is_unsigned", "storage_dtype", "QUANT_SCALE", "QUANTIZED",
           "BYTE_VIEWED"]

QUANT_SCALE = 1 / 16
"""The scale of every quantized tensor the kit draws."""
QUANTIZED: dict[DType, tuple[int, int, int]] = {
    DType.qint8: (0, -128, 127), DType.quint8: (128, 0, 255),
    DType.qint32: (0, -(2**31), 2**31 - 1), DType.quint4x2: (8, 0, 15),
    DType.quint2x4: (2, 0, 3)}
"""Quantized dtype → (zero point, lowest, highest stored integer)."""
_SUB_BYTE = {DType(f"{kind}{n}"): (kind == "u", n) for kind in "iu" for n in range(1, 8)}
_BITS = frozenset({DType.bits1x8, DType.bits2x4, DType.bits4x2, DType.bits8, DType.bits16})
BYTE_VIEWED = frozenset({*_SUB_BYTE, *_BITS, DType.f4e2m1fnx2})
"""Dtypes drawn as a view of unsigned integer storage (PyTorch cannot fill or copy most of
them), so layouts are made on that storage too."""
_FP4 = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)
"""The magnitudes of float4 e2m1 (no NaN or infinity), by code."""


def is_unsigned(dtype: DType) -> bool:
    """Whether ``dtype`` holds only non-negative integers."""
    return dtype in (DType.u8, DType.u16, DType.u32, DType.u64) or \
        _SUB_BYTE.get(dtype, (False, 0))[0]


def storage_dtype(tdt: Any) -> Any:
    """The unsigned integer ``torch.dtype`` of ``tdt``'s element size (for a view)."""
    import torch

    return {1: torch.uint8, 2: torch.uint16}[torch.empty((), dtype=tdt).element_size()]


def _int_range(dtype: DType) -> tuple[int, int]:
    unsigned, bits = _SUB_BYTE[dtype]
    return (0, 2**bits - 1) if unsigned else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)


def magnitudes(dtype: DType) -> tuple[float, float]:
    """(large, small) magnitudes of a dtype: about sqrt(max)/16 and a few times the smallest
    normal of a float (complex: of its parts), sqrt(max)/4 and 1 of an integer, so products
    and short sums stay in range (overflow behaviour is not a claim)."""
    import torch

    from hwsdk.ir.dtypes import to_torch

    if dtype is DType.f4e2m1fnx2:
        return 4.0, 0.5
    if dtype in QUANTIZED:
        zero, _, high = QUANTIZED[dtype]
        return max(1, high - zero) * QUANT_SCALE * 0.9, QUANT_SCALE
    if dtype is DType.bool:
        return 1, 1
    if dtype in _SUB_BYTE:
        return max(1, max(abs(b) for b in _int_range(dtype)) // 2), 1
    if dtype.is_float or dtype.is_complex:
        info = torch.finfo(to_torch(dtype))
        return math.sqrt(info.max) / 16, info.tiny * 4
    storage = storage_dtype(to_torch(dtype)) if dtype in _BITS else to_torch(dtype)
    return float(math.isqrt(torch.iinfo(storage).max) // 4), 1


def encode(real: Any, dtype: DType) -> Any:
    """``real`` (a float64 or complex128 tensor) as a tensor of ``dtype``."""
    import torch

    from hwsdk.ir.dtypes import to_torch

    tdt = to_torch(dtype)
    if dtype in QUANTIZED:
        with warnings.catch_warnings():  # drawing what a table may claim, deprecated or not
            warnings.filterwarnings("ignore", "torch.quantize_per_tensor", UserWarning)
            return torch.quantize_per_tensor(real.float(), QUANT_SCALE, QUANTIZED[dtype][0],
                                             tdt)
    if dtype in _SUB_BYTE:
        low, high = _int_range(dtype)
        storage = torch.uint8 if low == 0 else torch.int8
        return real.round().clamp(low, high).to(storage).view(tdt)
    if dtype in _BITS:
        storage = storage_dtype(tdt)
        pattern = real.round().to(torch.int64) % (2 ** (8 * storage.itemsize))
        return pattern.to(storage).view(tdt)
    if dtype is DType.f4e2m1fnx2:
        table = torch.tensor(_FP4, dtype=torch.float64)
        code = (real.abs().unsqueeze(-1) - table).abs().argmin(-1)
        code = code + 8 * (real < 0).to(torch.int64)
        return (code + 16 * code).to(torch.uint8).view(tdt)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "ComplexHalf support is experimental", UserWarning)
        return real.to(tdt)
