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
