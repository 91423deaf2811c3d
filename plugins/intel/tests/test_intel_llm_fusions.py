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
    layers = {op.get_rt_info()["layerType"].astype(str)
              for op in region.compiled.get_runtime_model().get_ops()}
    assert "MatMul" in layers or "Subgraph" in layers  # the CPU plugin's layer names
    assert "Broadcast" not in layers and "Tile" not in layers
    expected = model(q, k, v, mask)
    if additive:  # PyTorch gives the all -inf row NaN; hwsdk's intel region gives zeros there
        expected = torch.nan_to_num(expected)
    torch.testing.assert_close(compiled(q, k, v, mask), expected, rtol=1e-5, atol=1e-5)

