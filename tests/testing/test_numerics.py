"""The accumulation check: the issue-13 reproduction (10^7 x 0.1 in float32) is measured on the
cpu target, passes only because its regions declare sequential accumulation, and the fact is in
the plan."""

from __future__ import annotations

import pytest

pytest.importorskip("onnxruntime")

from hwsdk.registry import get_registry
from hwsdk.testing.numerics import bound, check_accumulation


def test_bounds() -> None:
    assert bound("pairwise", 10**7) == pytest.approx(48 * 2.0**-24)
    assert bound("sequential", 10**7) == pytest.approx(10**7 * 2.0**-24)


def test_cpu_declares_sequential_sums_and_stays_within_that_bound() -> None:
    outcome = check_accumulation(get_registry(), "cpu")
    assert outcome.status == "passed", outcome.detail
    assert "n=10000000 0.1: 1010791.75" in outcome.detail  # measured, not hidden
    assert "sequential bound" in outcome.detail and outcome.cases == 6


def test_an_undeclared_sequential_sum_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    import hwsdk.engines.ort as ort_engine

    monkeypatch.setattr(ort_engine, "ACCUMULATION", {"order": "pairwise"})
    outcome = check_accumulation(get_registry(), "cpu")
    assert outcome.status == "failed" and "EXCEEDED" in outcome.detail


def test_the_fact_is_in_the_plan() -> None:
    import torch

    import hwsdk

    class Sum(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.sum()

    cm = hwsdk.compile(Sum(), (torch.ones(8),), target="cpu")
    (region,) = cm.plan.regions
    assert region.details["accumulation"]["order"] == "sequential"
    assert region.details["accumulation"]["nodes"]
