"""The tuning budget: HWSDK_TUNE_BUDGET and the time left after the reference compile."""

from __future__ import annotations

import math

import pytest

from hwsdk.errors import InvalidArgumentError
from hwsdk.tune.budget import FACTOR, Budget, budget_factor


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_rest_gets_factor_minus_one_times_the_reference_compile() -> None:
    clock = Clock()
    budget = Budget(2.0, clock)
    assert not budget.spent() and budget.left_s() == math.inf
    clock.now = 0.8  # the reference candidate took 0.8 s
    budget.reference_done()
    assert budget.left_s() == pytest.approx(0.8)
    clock.now = 1.5
    assert budget.left_s() == pytest.approx(0.1)
    clock.now = 1.7
    assert budget.spent() and budget.left_s() == 0.0


def test_the_factor_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HWSDK_TUNE_BUDGET", raising=False)
    assert budget_factor() == FACTOR
    monkeypatch.setenv("HWSDK_TUNE_BUDGET", "3.5")
    assert budget_factor() == 3.5
    monkeypatch.setenv("HWSDK_TUNE_BUDGET", "inf")
    assert budget_factor() == math.inf
    for bad in ("fast", "1", "0.5", "nan"):
        monkeypatch.setenv("HWSDK_TUNE_BUDGET", bad)
        with pytest.raises(InvalidArgumentError, match="number above 1"):
            budget_factor()
