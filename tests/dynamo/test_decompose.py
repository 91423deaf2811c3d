"""The decompositions the backend adds return what the ATen kernels return."""

from __future__ import annotations

import pytest


def test_layer_norm_returns_the_kernels_mean_and_rstd() -> None:
    import torch

    from hwsdk.dynamo.decompose import native_layer_norm

    x, w, b = torch.randn(3, 5, 8), torch.randn(8), torch.randn(8)
    got = native_layer_norm(x, [8], w, b, 1e-5)
    want = torch.ops.aten.native_layer_norm.default(x, [8], w, b, 1e-5)
    for g, v in zip(got, want, strict=True):
        torch.testing.assert_close(g, v, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("mask", [None, "additive"])
def test_cpu_attention_returns_the_kernels_logsumexp(causal: bool, mask: str | None) -> None:
    """The backward kernel reads the logsumexp output; torch._decomp's decomposition puts the
    attention weights there, which made every query/key/value gradient wrong in training."""
    import torch

    from hwsdk.dynamo.decompose import flash_attention_for_cpu

    q, k, v = (torch.randn(2, 4, 6, 8) for _ in range(3))
    attn_mask = torch.randn(6, 6) if mask else None  # the kernel takes additive masks only
    kernel = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu.default
    want = kernel(q, k, v, 0.0, causal, attn_mask=attn_mask)
    got = flash_attention_for_cpu(q, k, v, 0.0, causal, attn_mask=attn_mask)
    for g, w in zip(got, want, strict=True):
        torch.testing.assert_close(g, w, atol=1e-5, rtol=1e-5)


def test_cpu_attention_with_dropout_is_declined() -> None:
    import torch

    from hwsdk.dynamo.decompose import flash_attention_for_cpu

    q = torch.randn(1, 1, 2, 4)
    assert flash_attention_for_cpu(q, q, q, 0.1) is NotImplemented
