"""The step graph's lowering takes forms OpenVINO's CPU plugin fuses (and says what fused)."""

from __future__ import annotations

import pytest

pytest.importorskip("transformers")

import torch

import hwsdk
from hwsdk.llm.families import build_family


def test_llama_rotary_embedding_runs_as_openvino_rope_layers() -> None:
    # rotate_half lowered as Negative + Concat(axis=3) kept OpenVINO's RoPEFusion from
    # matching: ~12 extra nodes a layer. x * -1 and a negative concat axis let it fuse.
    model = build_family("llama")
    lm = hwsdk.compile_lm(model, target="intel", max_cache_len=32)
    region = max(lm.plan.plan.regions, key=lambda r: len(r.node_ids))
    layers = model.config.num_hidden_layers
    assert region.details["fused_layers"].get("RoPE") == 2 * layers  # queries and keys
    ids = torch.randint(3, 128, (1, 5), generator=torch.Generator().manual_seed(3))
    expected = model.generate(ids, max_new_tokens=8, do_sample=False)
    assert torch.equal(lm.generate(ids, max_new_tokens=8), expected)


class _RepeatedKVAttention(torch.nn.Module):
    """transformers' repeat_kv, then attention: 4 query heads over 2 key/value heads."""

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                mask: torch.Tensor) -> torch.Tensor:
        b, kv_heads, s, d = k.shape
        k = k[:, :, None].expand(b, kv_heads, 2, s, d).reshape(b, 2 * kv_heads, s, d)
        v = v[:, :, None].expand(b, kv_heads, 2, s, d).reshape(b, 2 * kv_heads, s, d)
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)


@pytest.mark.parametrize("additive", [False, True])
def test_repeated_keys_and_values_are_attended_grouped_without_a_copy(additive: bool) -> None:
    # repeat_kv lowered as Broadcast + Reshape cost a copy of the cache slice per key and
    # value per layer; the grouped form broadcasts them inside attention instead
    gen = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(2, h, 3, 8, generator=gen) for h in (4, 2, 2))
    allowed = torch.ones(2, 1, 3, 3, dtype=torch.bool)
    allowed[1, :, 0] = False  # a row nothing may be attended from (a left-padding position)
    allowed[0, :, :, 2] = False
    mask = torch.zeros(allowed.shape).masked_fill(~allowed, -torch.inf) if additive else allowed
    model = _RepeatedKVAttention()
    compiled = hwsdk.compile(model, (q, k, v, mask), target="intel")
    assert {r.target for r in compiled.plan.regions} == {"intel:cpu"}
    region = compiled.steps[0].runner
    ops = region.compiled.get_runtime_model().get_ops()
    layers = {op.get_rt_info()["layerType"].astype(str) for op in ops}
    # folded to rank 4, the attention is one fused MHA subgraph (the CPU plugin's name)
    assert "Subgraph" in layers and "Softmax" not in layers
    assert "Broadcast" not in layers
    tiled = [op for op in ops if op.get_rt_info()["layerType"].astype(str) == "Tile"]
    assert [list(op.get_output_partial_shape(0).to_shape()) for op in tiled] == [[2, 1, 6, 3]]
    expected = model(q, k, v, mask)
    if additive:  # PyTorch gives the all -inf row NaN; hwsdk's intel region gives zeros there
        expected = torch.nan_to_num(expected)
    torch.testing.assert_close(compiled(q, k, v, mask), expected, rtol=1e-5, atol=1e-5)



class _GroupedAttention(torch.nn.Module):
    """``enable_gqa`` attention: 6 query heads over 2 key/value heads."""

    def __init__(self, causal: bool) -> None:
        super().__init__()
        self.causal = causal

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        return torch.nn.functional.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, is_causal=self.causal, enable_gqa=True)


@pytest.mark.parametrize("mask_shape", [None, (2, 1, 1, 5), (4, 5), (1, 4, 5), (2, 1, 4, 5)])
def test_grouped_attention_with_the_groups_folded_into_rows_equals_pytorch(
        mask_shape: tuple[int, ...] | None) -> None:
    # the query groups are folded into the rows and the mask's rows tiled to match; a
    # one-row mask broadcasts over the folded rows as it did over the unfolded ones
    gen = torch.Generator().manual_seed(1)
    q, k, v = (torch.randn(2, h, t, 8, generator=gen) for h, t in ((6, 4), (2, 5), (2, 5)))
    args: tuple[torch.Tensor, ...] = (q, k, v)
    if mask_shape is not None:
        mask = torch.rand(mask_shape, generator=gen) > 0.3
        mask[..., 0] = True  # every row attends to something (PyTorch gives NaN otherwise)
        args = (q, k, v, mask)
    model = _GroupedAttention(causal=False)
    compiled = hwsdk.compile(model, args, target="intel")
    assert {r.target for r in compiled.plan.regions} == {"intel:cpu"}
    torch.testing.assert_close(compiled(*args), model(*args), rtol=1e-5, atol=1e-5)


def test_causal_grouped_attention_keeps_the_broadcast_form_and_equals_pytorch() -> None:
    # a causal mask is laid over t rows: folded rows would misplace it, so it is not folded
    gen = torch.Generator().manual_seed(2)
    q, k, v = (torch.randn(1, h, 5, 8, generator=gen) for h in (4, 2, 2))
    model = _GroupedAttention(causal=True)
    compiled = hwsdk.compile(model, (q, k, v), target="intel")
    assert {r.target for r in compiled.plan.regions} == {"intel:cpu"}
    tiled = [op for op in compiled.steps[0].runner.compiled.get_runtime_model().get_ops()
             if op.get_rt_info()["layerType"].astype(str) == "Tile"]
    assert not tiled  # no mask, and the groups are not folded
    torch.testing.assert_close(compiled(q, k, v), model(q, k, v), rtol=1e-5, atol=1e-5)
