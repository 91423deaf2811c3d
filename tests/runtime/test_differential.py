"""Compiled models against eager PyTorch: every shared test model, on the ``torch`` target and
on a plugin that claims only a subset of ops (so fallback boundaries occur inside the model).

Tolerances: rtol=1e-4, atol=1e-5 (float32, see tests/runtime/helpers.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import hwsdk
from tests import models
from tests.runtime.captures import captured_model, compile_captured, remember
from tests.runtime.helpers import SUBSET_OPS, assert_same_output, subset_calls
from tests.support.fake_dist import subset_plugin

MODELS = ["mlp", "resnet", "bert", "gpt2", "llama"]


@pytest.fixture(scope="module")
def subset(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with subset_plugin(tmp_path_factory.mktemp("subset"), ops=SUBSET_OPS) as name:
        yield name


def _fresh_inputs(name: str, example: tuple[Any, ...]) -> tuple[Any, ...]:
    """Inputs of the captured shapes but new values, so the check is not on the example only."""
    import torch

    x = example[0]
    if x.dtype == torch.int64:
        return (torch.randint(0, models.VOCAB, tuple(x.shape)),)
    return (torch.randn(tuple(x.shape)),)


@pytest.mark.parametrize("name", MODELS)
def test_torch_target_matches_eager(name: str) -> None:
    import torch

    model, example = models.ALL[name]()
    compiled = hwsdk.compile(model, example, target="torch")
    remember(name, model, example, compiled.captured)
    assert len(compiled.plan.regions) == 1
    with torch.no_grad():
        for inputs in (example, _fresh_inputs(name, example)):
            assert_same_output(compiled(*inputs), model(*inputs))


@pytest.mark.parametrize("name", MODELS)
def test_subset_plugin_with_fallback_boundaries_matches_eager(name: str, subset: str) -> None:
    import torch

    model, example, captured = captured_model(name)
    compiled = compile_captured(captured, subset)
    plan = compiled.plan
    targets = {r.target for r in plan.regions}
    assert targets == {subset, "torch"}, plan.summary()
    assert len(plan.regions) > 2
    assert plan.boundary_crossings() >= 2
    compiled_regions = [r for r in plan.regions if r.target == subset]
    assert all(r.status == "compiled" for r in compiled_regions)
    calls = subset_calls(subset)
    calls.clear()
    with torch.no_grad():
        for inputs in (example, _fresh_inputs(name, example)):
            assert_same_output(compiled(*inputs), model(*inputs))
    assert len(calls) == 2 * len(compiled_regions)
