"""The decompositions AOTAutograd traces with: the capture's table and what it reaches lower.

AOTAutograd traces after autograd, below the composites the capture keeps whole: layer_norm
is already ``native_layer_norm`` there (three outputs: the normalized tensor, mean and rstd,
which backward saves) and attention is the CPU flash kernel. Both get decompositions into
core ops here, so that a target runs them instead of PyTorch.
"""

from __future__ import annotations

from typing import Any

__all__ = ["decompositions"]

_TABLE: dict[Any, Any] = {}


def native_layer_norm(x: Any, normalized_shape: list[int], weight: Any, bias: Any,
                      eps: float) -> tuple[Any, Any, Any]:
    """``native_layer_norm`` in mean, sub, mul, rsqrt: (out, mean, rstd), mean and rstd with
    the normalized dims kept as 1 (as ATen returns them)."""
    import torch

    dims = list(range(x.dim() - len(normalized_shape), x.dim()))
    mean = torch.mean(x, dims, keepdim=True)
    centered = x - mean
    rstd = torch.rsqrt(torch.mean(centered * centered, dims, keepdim=True) + eps)
    out = centered * rstd
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out, mean, rstd


def decompositions() -> dict[Any, Any]:
    """The table (built once): :func:`hwsdk.ir.capture.decomposition_table`, plus the CPU
    attention kernel's decomposition from ``torch._decomp`` and :func:`native_layer_norm`."""
    if not _TABLE:
        import torch
        from torch._decomp import decomposition_table

        from hwsdk.ir.capture import decomposition_table as capture_table

        table = dict(capture_table().items())
        aten = torch.ops.aten
        attention = aten._scaled_dot_product_flash_attention_for_cpu.default
        if attention in decomposition_table:
            table[attention] = decomposition_table[attention]
        table[aten.native_layer_norm.default] = native_layer_norm
        _TABLE.update(table)
    return _TABLE
