"""A few greedy tokens through the Triton targets in emulation (no GPU needed)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("triton")

import hwsdk  # noqa: E402
from hwsdk.llm.families import build_family  # noqa: E402


@pytest.mark.parametrize("target", ["nvidia:sm_90", "rocm:gfx942"])
def test_four_tokens_match_transformers_in_emulation(target: str) -> None:
    model = build_family("llama")
    lm = hwsdk.compile_lm(model, target=target, max_cache_len=16, emulate=True)
    assert any(region.target == target for region in lm.plan.plan.regions)
    ids = torch.randint(3, 128, (1, 5), generator=torch.Generator().manual_seed(0))
    expected = model.generate(ids, max_new_tokens=4, do_sample=False)
    assert torch.equal(lm.generate(ids, max_new_tokens=4), expected)
