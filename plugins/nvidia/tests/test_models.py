"""The shared test models (and CLIP) through a Triton GPU target against eager PyTorch.

On a machine where torch sees the target's GPU the kernels run on it (``scripts/gpu_check.sh``
runs this file there, naming the detected target in ``HWSDK_GPU_TARGET``; nvidia:sm_90 when
unset); elsewhere they run in Triton's interpreter (``emulate=True``), so the same graphs are
checked on every machine.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

import hwsdk
from hwsdk.lower.triton import device_available

pytest.importorskip("transformers")

from tests import models

TARGET = os.environ.get("HWSDK_GPU_TARGET", "nvidia:sm_90")
ON_GPU = device_available("hip" if TARGET.startswith("rocm:") else "cuda")
TOLERANCE = (2e-4, 2e-4) if ON_GPU else (1e-4, 1e-4)
"""(rtol, atol), float32: fp32 accumulation everywhere; a GPU sums in another order."""
MODELS = ["mlp", "resnet", "bert", "gpt2", "llama", "clip"]


def _build(name: str) -> tuple[Any, tuple[Any, ...]]:
    import torch

    torch.manual_seed(0)
    return models.clip() if name == "clip" else models.ALL[name]()


def _leaves(out: Any) -> list[Any]:
    from torch.utils._pytree import tree_leaves

    return [t for t in tree_leaves(out) if hasattr(t, "shape")]


@pytest.mark.parametrize("name", MODELS)
def test_model_matches_eager(name: str) -> None:
    import torch

    model, inputs = _build(name)
    options = {} if ON_GPU else {"emulate": True}
    compiled = hwsdk.compile(model, inputs, target=TARGET, **options)
    with torch.no_grad():
        expected = model(*inputs)
    got = compiled(*inputs)
    pairs = list(zip(_leaves(got), _leaves(expected), strict=True))
    assert pairs
    rtol, atol = TOLERANCE
    for g, e in pairs:
        torch.testing.assert_close(g.cpu(), e.cpu(), rtol=rtol, atol=atol)
    regions = [r for r in compiled.plan.regions if r.target == TARGET]
    assert regions and all(r.status == "compiled" for r in regions)
    assert all(r.details["emulated"] is not ON_GPU for r in regions)
    if name != "resnet":  # batch norm and pooling have no kernel family: they run in PyTorch
        assert compiled.plan.coverage().get(TARGET, 0.0) >= 0.99, compiled.plan.summary()
