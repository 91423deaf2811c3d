"""intel:cpu sums float32 in OpenVINO's sequential order and declares it: the issue-13
reproduction (10^7 x 0.1) passes the kit's accumulation check only through the declaration,
and the fact is in the plan."""

from __future__ import annotations

import pytest

from hwsdk.registry import get_registry
from hwsdk.testing.numerics import check_accumulation

TARGET = "intel:cpu"


def test_intel_declares_sequential_sums_and_stays_within_that_bound() -> None:
    outcome = check_accumulation(get_registry(), TARGET)
    assert outcome.status == "passed", outcome.detail
    assert "n=10000000 0.1: 1087937.0" in outcome.detail  # measured, not hidden
    assert "sequential bound" in outcome.detail and outcome.cases == 6


def test_an_undeclared_sequential_sum_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from hwsdk_intel import runtime

    monkeypatch.setattr(runtime, "ACCUMULATION", {"order": "pairwise"})
    outcome = check_accumulation(get_registry(), TARGET)
    assert outcome.status == "failed" and "EXCEEDED" in outcome.detail


def test_the_fact_is_in_the_plan_of_summing_regions_only() -> None:
    import torch

    import hwsdk

    class Mean(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.mean(dim=-1)

    class Relu(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.relu(x) * 2

    (region,) = hwsdk.compile(Mean(), (torch.ones(2, 8),), target=TARGET).plan.regions
    assert region.details["accumulation"]["order"] == "sequential"
    assert region.details["accumulation"]["nodes"]
    (region,) = hwsdk.compile(Relu(), (torch.ones(2, 8),), target=TARGET).plan.regions
    assert "accumulation" not in region.details
