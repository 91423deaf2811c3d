"""compile_lm(quantize=...) passes the scheme to hwsdk.compile: every engine generates what the
torch target's eager-dequantized int8 weights generate, and the plan says what was quantized."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import hwsdk  # noqa: E402
from hwsdk.llm.families import build_family  # noqa: E402
from hwsdk.registry import get_registry  # noqa: E402


@pytest.fixture(scope="module")
def reference() -> tuple[object, torch.Tensor]:
    llama = build_family("llama")
    lm = hwsdk.compile_lm(llama, target="torch", max_cache_len=48, quantize="int8_weight_only")
    ids = torch.randint(3, 128, (1, 7), generator=torch.Generator().manual_seed(2))
    return llama, lm.generate(ids, max_new_tokens=16)


@pytest.mark.parametrize("target", ["cpu", "intel"])
def test_int8_generation_matches_the_torch_reference(target: str,
                                                     reference: tuple[object, torch.Tensor]
                                                     ) -> None:
    if not get_registry().probe(target).available:
        pytest.skip(f"target {target} is not available here")
    llama, expected = reference
    lm = hwsdk.compile_lm(llama, target=target, max_cache_len=48, quantize="int8_weight_only")
    assert torch.equal(lm.generate(expected[:, :7], max_new_tokens=16), expected)
    plan = lm.compiled_step(1).plan
    assert any("int8_weight_only" in note for note in plan.notes)
    assert any("weights" in r.details for r in plan.regions)


def test_quantize_fallback_passes_through_compile_lm() -> None:
    """compile_lm hands it to hwsdk.compile: a bad value is refused before the step graph is
    captured, a good one is taken (the torch target runs every format: nothing to do)."""
    from hwsdk.errors import InvalidArgumentError

    llama = build_family("llama")
    with pytest.raises(InvalidArgumentError, match="quantize_fallback='float'"):
        hwsdk.compile_lm(llama, target="torch", max_cache_len=16, quantize_fallback="float")
    lm = hwsdk.compile_lm(llama, target="torch", max_cache_len=16, quantize="int8_weight_only",
                          quantize_fallback="dequantize")
    plan = lm.compiled_step(1).plan
    assert len([n for n in plan.graph.nodes if n.op == "dequantize"]) > 0
    assert not any(note.startswith("quantize_fallback=") for note in plan.notes)
