"""The bundled example models: addressable by name, random weights, deterministic."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hwsdk.models import DEFAULT_MODEL, LM_MODELS, MODELS, build, names


def test_importing_the_models_does_not_import_torch() -> None:
    code = "import sys, hwsdk.models; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.parametrize("name", names())
def test_bundled_model_runs_eagerly(name: str) -> None:
    import torch

    model, inputs = build(name)
    assert not model.training
    with torch.no_grad():
        first = model(*inputs)
        again = build(name)
        second = again[0](*again[1])
    leaves = first if isinstance(first, tuple) else (first,)
    others = second if isinstance(second, tuple) else (second,)
    for a, b in zip(leaves, others, strict=True):
        assert torch.equal(a, b)  # same weights and inputs every time


def test_names() -> None:
    assert names() == ["bert", "gpt", "mlp", "resnet18"]
    assert DEFAULT_MODEL in MODELS
    assert all(m.description for m in MODELS.values())


@pytest.mark.parametrize("name", sorted(LM_MODELS))
def test_bundled_lm_is_seeded_and_leaves_the_rng_alone(name: str) -> None:
    import torch

    pytest.importorskip("transformers")
    factory = LM_MODELS[name].load()
    torch.manual_seed(123)
    first = factory()
    after = torch.rand(1)
    torch.manual_seed(123)
    second = factory()
    assert torch.equal(after, torch.rand(1))  # the caller's RNG is untouched
    assert not first.training and LM_MODELS[name].description
    for a, b in zip(first.state_dict().values(), second.state_dict().values(), strict=True):
        assert torch.equal(a, b)
