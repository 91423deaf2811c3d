"""The decompositions AOTAutograd traces with: the capture's table and what it reaches lower.

AOTAutograd traces after autograd, below the composites the capture keeps whole: layer_norm
is already ``native_layer_norm`` there (three outputs: the normalized tensor, mean and rstd,
which backward saves) and attention is the CPU flash kernel (two outputs: the attention and
the logsumexp its backward kernel reads). Both get decompositions into core ops here, so that
a target runs their forward instead of PyTorch; each returns what the kernel returns, so the
backward formulas stay right.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["decompositions", "native_layer_norm", "flash_attention_for_cpu"]

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


def flash_attention_for_cpu(query: Any, key: Any, value: Any, dropout_p: float = 0.0,
                            is_causal: bool = False, *, attn_mask: Any = None,
                            scale: float | None = None) -> Any:
    """``_scaled_dot_product_flash_attention_for_cpu`` in matmul and exp: (attention,
    logsumexp over the keys), as the kernel returns them. (``torch._decomp``'s decomposition
    returns the attention weights in the logsumexp's place, which is right for inference and
    makes the backward kernel's gradients wrong.) Dropout is declined: only PyTorch draws its
    random numbers."""
    import torch

    if dropout_p != 0.0:
        return NotImplemented
    factor = scale if scale is not None else 1.0 / math.sqrt(query.shape[-1])
    scores = torch.matmul(query, key.transpose(-2, -1)) * factor
    if is_causal:
        keep = torch.ones(query.shape[-2], key.shape[-2], dtype=torch.bool,
                          device=query.device).tril()
        scores = scores.masked_fill(~keep, float("-inf"))
    if attn_mask is not None:  # the kernel takes an additive mask of the query's dtype
        scores = scores + attn_mask
    logsumexp = torch.logsumexp(scores, dim=-1)
    weights = torch.exp(scores - logsumexp.unsqueeze(-1))
    return torch.matmul(weights, value), logsumexp


def decompositions() -> dict[Any, Any]:
    """The table (built once): :func:`hwsdk.ir.capture.decomposition_table`,
    :func:`native_layer_norm` and :func:`flash_attention_for_cpu`."""
    if not _TABLE:
        import torch

        from hwsdk.ir.capture import decomposition_table as capture_table

        aten = torch.ops.aten
        table = dict(capture_table().items())
        table[aten.native_layer_norm.default] = native_layer_norm
        table[aten._scaled_dot_product_flash_attention_for_cpu.default] = \
            flash_attention_for_cpu
        _TABLE.update(table)
    return _TABLE
