"""The flash-attention-style kernel: online softmax, causal and boolean/additive masks, GQA."""

from __future__ import annotations

import math

import pytest
import torch

from tests.lower.triton.conftest import Build, check, families

DTYPES = [torch.float32, torch.float16, torch.bfloat16]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_odd_lengths(dtype: torch.dtype, causal: bool) -> None:
    b = Build()
    q = b.input(torch.randn(2, 3, 19, 24).to(dtype))  # head dim 24: padded to a 32 block
    k = b.input(torch.randn(2, 3, 19, 24).to(dtype))
    v = b.input(torch.randn(2, 3, 19, 24).to(dtype))
    out = b.op("scaled_dot_product_attention", q, k, v, "", is_causal=causal)
    compiled = check(b, [out])
    assert families(compiled) == ["attention"]


def test_key_blocks_stream_with_online_softmax() -> None:
    from hwsdk.lower.triton import build_program

    b = Build()
    q = b.input(torch.randn(1, 2, 70, 16))
    k = b.input(torch.randn(1, 2, 150, 16) * 3)  # several key blocks of 64
    v = b.input(torch.randn(1, 2, 150, 16))
    out = b.op("scaled_dot_product_attention", q, k, v, "", scale=0.3)
    compiled = check(b, [out], arch="sm_80")
    g = b.graph([out])
    assert build_program(g, g.nodes, g.inputs, g.outputs, "sm_80").kernels[0].constexprs[
        "BLOCK_N"] < 150
    assert compiled.details["kernels"][0]["family"] == "attention"


@pytest.mark.parametrize("kind", ["bool", "float"])
def test_masks_broadcast(kind: str) -> None:
    b = Build()
    q = b.input(torch.randn(2, 4, 9, 16))
    k = b.input(torch.randn(2, 4, 11, 16))
    v = b.input(torch.randn(2, 4, 11, 8))  # value head dim differs
    if kind == "bool":
        m = torch.rand(2, 1, 9, 11) > 0.3
        m[..., 0] = True  # no fully-masked row
    else:
        m = torch.randn(1, 4, 1, 11)
    mask = b.input(m)
    check(b, [b.op("scaled_dot_product_attention", q, k, v, mask)])


def test_grouped_query_heads_and_head_dim_128() -> None:
    b = Build()
    q = b.input(torch.randn(1, 4, 5, 128) / math.sqrt(8))
    k = b.input(torch.randn(1, 2, 6, 128))
    v = b.input(torch.randn(1, 2, 6, 128))
    out = b.op("scaled_dot_product_attention", q, k, v, "", is_causal=True, enable_gqa=True)
    check(b, [out])


def test_head_dim_above_128_is_refused() -> None:
    from hwsdk.lower.triton import unsupported_reason

    b = Build()
    q = b.input(torch.randn(1, 1, 4, 160))
    out = b.op("scaled_dot_product_attention", q, q, q, "")
    g = b.graph([out])
    assert "head dim" in str(unsupported_reason(g.nodes[0], g))
