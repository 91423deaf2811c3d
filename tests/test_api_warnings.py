"""A plain compile warns only about what the user can act on: the chatter hwsdk triggers in
torch.export and Triton's interpreter, and cannot change, is silenced where it is raised."""

from __future__ import annotations

import warnings
from typing import Any

import pytest


def _model() -> tuple[Any, Any]:
    import torch

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(16, 16)
            self.norm = torch.nn.LayerNorm(16)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = torch.softmax(torch.nn.functional.gelu(self.norm(self.fc(x))), -1)
            return y / (x + 1)

    torch.manual_seed(0)
    return Net().eval(), torch.randn(3, 16)


@pytest.mark.parametrize(("target", "options"), [
    ("cpu", {}), ("nvidia:sm_90", {"emulate": True})])
def test_plain_compile_and_call_emit_no_warnings(target: str, options: dict[str, Any]) -> None:
    import hwsdk

    if target.startswith("nvidia"):
        pytest.importorskip("hwsdk_nvidia")
    model, x = _model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compiled = hwsdk.compile(model, (x,), target=target, **options)
        compiled(x * 100)
    assert [r.status for r in compiled.plan.regions if r.target == target] == ["compiled"]
    assert [f"{w.category.__name__}: {w.message}" for w in caught] == []


def test_the_filters_do_not_outlive_the_calls() -> None:
    """The filters are scoped to the calls: nothing process-wide was switched off."""
    import hwsdk

    model, x = _model()
    before = list(warnings.filters)
    hwsdk.compile(model, (x,), target="nvidia:sm_90", emulate=True)(x)
    assert warnings.filters == before
    leaked = [f for f in warnings.filters if f[1] is not None and (
        "LeafSpec" in f[1].pattern or "encountered" in f[1].pattern)]
    assert leaked == []
