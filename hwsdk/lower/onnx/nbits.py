"""The IR's quantized weight (``hwsdk/ir/ops/quant.py``) repacked as ONNX Runtime's
``com.microsoft.MatMulNBits`` inputs, in numpy.

- 4-bit per group: the block is the group; ``B`` is the IR's data reshaped (the same bytes:
  no copy), the scales are the IR's, the zero points are packed two per byte.
- 8-bit: MatMulNBits' values are unsigned: the int8 data (and zero point) have their sign bit
  flipped (``q ^ 0x80 = q + 128``), so that MatMulNBits' default zero point 128 stands for
  the IR's absent one.
- per channel (``group_size=0``): the block is :func:`channel_block` of K (128 for a K that
  is a multiple of 128), the channel's scale (and zero point) repeated for each block; K is
  padded to whole blocks with zero-point values, which dequantize to 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Packed", "pack", "valid_block", "channel_block", "to_numpy"]

MAX_CHANNEL_BLOCK = 128
"""The block a per-channel weight is cut into along K (the scale repeated per block): ORT's
usual MatMulNBits block, and 4 bytes of scale per 128 weights (+3 % of the int8 bytes)."""


@dataclass(frozen=True)
class Packed:
    """MatMulNBits' ``B``, ``scales`` and ``zero_points`` (None: the default ``2^(bits-1)``),
    and the ``block_size`` they are cut in."""

    arrays: tuple[Any, Any, Any]
    block: int


def valid_block(size: int) -> bool:
    """Whether MatMulNBits takes ``size`` as its ``block_size``: a power of 2, at least 16."""
    return size >= 16 and size & (size - 1) == 0


def channel_block(k: int, bits: int = 8) -> int:
    """The block of a per-channel weight with ``k`` input channels: of the blocks 16 to
    :data:`MAX_CHANNEL_BLOCK`, the one storing a row in the fewest bytes (data padded to whole
    blocks, and a float32 scale per block); the larger on a tie."""
    sizes = [16 << i for i in range(MAX_CHANNEL_BLOCK.bit_length() - 4)]
    return min(sizes, key=lambda b: (-(-k // b) * (b * bits // 8 + 4), -b))


def to_numpy(tensor: Any) -> Any:
    """A numpy view of a CPU torch tensor (or the array itself); None stays None."""
    if tensor is None or not hasattr(tensor, "detach"):
        return tensor
    return tensor.detach().cpu().contiguous().numpy()


def _unpack4(packed: Any) -> Any:
    import numpy as np

    return np.stack((packed & 0x0F, packed >> 4), axis=-1).reshape(*packed.shape[:-1], -1)


def _pack4(values: Any) -> Any:
    """``[..., M]`` values 0..15 → ``[..., ceil(M/2)]`` bytes, element 2j in the low nibble
    (an odd M is padded with 0)."""
    import numpy as np

    if values.shape[-1] % 2:
        pad = np.zeros((*values.shape[:-1], 1), dtype=np.uint8)
        values = np.concatenate([values, pad], axis=-1)
    return (values[..., 0::2] | (values[..., 1::2] << 4)).astype(np.uint8)


def pack(data: Any, scale: Any, zero: Any, bits: int, group_size: int, n: int,
         k: int) -> Packed:
    """MatMulNBits' inputs for a ``[n, k]`` weight quantized as ``dequantize`` describes
    (numpy arrays: ``data``, ``scale`` and ``zero`` or None)."""
    import numpy as np

    block = group_size or channel_block(k, bits)
    blocks = -(-k // block)
    if bits == 8:
        q = data.view(np.uint8) ^ np.uint8(0x80)
        z = None if zero is None else zero.view(np.uint8) ^ np.uint8(0x80)
    else:
        q = data
        z = np.zeros(scale.shape, dtype=np.uint8) if zero is None else zero
    if not group_size:  # one scale per channel: the same for each block of the row
        scale = np.repeat(scale.reshape(n, 1), blocks, axis=1)
        z = None if z is None else np.repeat(z.reshape(n, 1), blocks, axis=1)
    pad = blocks * block - k
    if pad:
        values = _unpack4(q) if bits == 4 else q
        fill = np.uint8(0x80) if z is None else z[:, :1]
        values = np.concatenate([values, np.broadcast_to(fill, (n, pad)).astype(np.uint8)],
                                axis=1)
        q = _pack4(values) if bits == 4 else values
    b = np.ascontiguousarray(q).reshape(n, blocks, block * bits // 8)
    zp = None if z is None else (_pack4(z) if bits == 4 else z).reshape(-1)
    return Packed((b, np.ascontiguousarray(scale).reshape(-1), zp), block)
