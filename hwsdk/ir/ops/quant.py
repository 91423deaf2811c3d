"""Weight-only quantization: the ``dequantize`` op.

A quantized weight is three params: integer ``data``, float ``scale`` and an optional integer
``zero_point``. ``dequantize`` turns them into the float weight that a ``linear`` reads; that
``dequantize → linear`` pair is the pattern engines fuse into a weight-compressed matmul (ONNX
Runtime's MatMulNBits, OpenVINO's compressed-weight MatMul). Constant folding never folds it:
the point is that the weight stays compressed until the engine's kernel reads it.

Layout (the logical weight is ``[N, K]``, as ``linear`` takes it):

- ``bits=8``: ``data`` int8 ``[N, K]``; ``bits=4``: ``data`` uint8 ``[N, K/2]``, two values per
  byte, element ``2j`` in the low nibble (ONNX's and MatMulNBits' order), values 0..15.
- ``group_size=0``: one scale per output channel, ``scale`` ``[N]``; otherwise one per group of
  ``group_size`` consecutive input channels, ``scale`` ``[N, K/group_size]``.
- ``zero_point``: the shape of ``scale``, int8 for 8 bits, uint8 (one value per byte) for 4;
  absent means 0 (symmetric).
- ``weight = (data - zero_point) * scale``, in ``scale``'s dtype.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hwsdk._lazy import torch
from hwsdk.errors import IRError
from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Node, TensorType
from hwsdk.ir.opdef import OpDef, register

__all__ = ["unpack_int4", "pack_int4", "dequantize_reference", "FORMAT_DTYPES",
           "weight_format"]

QUANT_BITS = (8, 4)
FORMAT_DTYPES: dict[str, DType] = {"int8": DType.i8, "int4": DType.u8}
"""Weight format → the dtype of its ``data``, the key capability tables state it under
(``dequantize`` in ``i8``: int8 weights; in ``u8``: int4 weights, two per byte)."""


def weight_format(node: Node) -> str:
    """``"int8 per channel"``, ``"int4 per group of 128"`` …: a dequantize node's format."""
    group = node.attrs["group_size"]
    return f"int{node.attrs['bits']} " + (f"per group of {group}" if group else "per channel")


def pack_int4(values: Any) -> Any:
    """uint8 tensor of values 0..15, last dim even → two per byte (element 2j low nibble)."""
    low, high = values[..., 0::2], values[..., 1::2]
    return (low | (high << 4)).to(torch.uint8)


def unpack_int4(packed: Any) -> Any:
    """Inverse of :func:`pack_int4`: ``[..., K/2]`` uint8 → ``[..., K]`` uint8."""
    low, high = packed & 0x0F, packed >> 4
    return torch.stack((low, high), dim=-1).reshape(*packed.shape[:-1], packed.shape[-1] * 2)


def dequantize_reference(data: Any, scale: Any, zero_point: Any = None, bits: int = 8,
                         group_size: int = 0, shape: Sequence[int] = ()) -> Any:
    """The PyTorch reference: ``(data - zero_point) * scale``, groups expanded."""
    q = unpack_int4(data) if bits == 4 else data
    n, k = int(shape[0]), int(shape[1])
    groups = k // group_size if group_size else 1
    q = q.reshape(n, groups, k // groups).to(scale.dtype)
    if zero_point is not None:
        q = q - zero_point.reshape(n, groups, 1).to(scale.dtype)
    return (q * scale.reshape(n, groups, 1)).reshape(n, k)


def _infer(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    shape = tuple(attrs["shape"])
    bits, group = attrs["bits"], attrs["group_size"]
    if bits not in QUANT_BITS:
        raise IRError(f"dequantize: bits={bits} is not one of {QUANT_BITS}")
    if len(shape) != 2 or not all(isinstance(d, int) for d in shape):
        raise IRError(f"dequantize: shape must be a static [N, K], got {list(shape)}")
    n, k = shape
    data, scale = types[0], types[1]
    packed = (n, k // 2) if bits == 4 else (n, k)
    if data.shape != packed:
        raise IRError(f"dequantize: data of a {bits}-bit [{n}, {k}] weight must be "
                      f"{list(packed)}, got {list(data.shape)}")
    if group and k % group:
        raise IRError(f"dequantize: K={k} is not a multiple of group_size={group}")
    scales = (n, k // group) if group else (n,)
    if scale.shape != scales:
        raise IRError(f"dequantize: scale must be {list(scales)}, got {list(scale.shape)}")
    if len(types) > 2 and types[2].shape != scales:
        raise IRError(f"dequantize: zero_point must be {list(scales)}, got "
                      f"{list(types[2].shape)}")
    return [TensorType(scale.dtype, shape)]


register(OpDef(
    name="dequantize", category="quantization",
    summary="weight = (data - zero_point) * scale, per channel or per group (int8, int4)",
    inputs=("data", "scale", "zero_point?"),
    attrs={"bits": 8, "group_size": 0, "shape": []}, infer=_infer,
    reference=dequantize_reference, foldable=False,
    notes="Feeds linear's weight (the pattern engines fuse); never constant-folded.",
))
