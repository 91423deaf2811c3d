"""Interleaved timing with a fake clock: medians, rounds, the budget."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hwsdk.tune.measure import measure_all


class FakeClock:
    """Time moves only when a call runs: each call advances it by its candidate's cost."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_medians_per_candidate_and_every_candidate_runs_each_round() -> None:
    clock = FakeClock()
    order: list[str] = []

    def call(name: str, cost: float) -> None:
        order.append(name)
        clock.now += cost

    calls = {"a": lambda: call("a", 0.002), "b": lambda: call("b", 0.001)}
    timings = measure_all(calls, rounds=4, min_rounds=1, budget_s=10.0, settle=1, timed=2,
                          clock=clock)
    assert timings["a"].median_s == pytest.approx(0.002)
    assert timings["b"].median_s == pytest.approx(0.001)
    assert timings["a"].runs == timings["b"].runs == 8
    # warm-up a, b; then the rounds rotate who goes first
    assert order[:2] == ["a", "b"] and order[2] == "a" and order[8] == "b"


def test_the_budget_stops_after_the_minimum_rounds() -> None:
    clock = FakeClock()

    def slow() -> None:
        clock.now += 1.0

    timings = measure_all({"slow": slow}, rounds=50, min_rounds=3, budget_s=0.5, settle=0,
                          timed=1, clock=clock)
    assert timings["slow"].runs == 3


def test_a_candidate_far_slower_than_the_best_of_its_group_stops_early() -> None:
    clock = FakeClock()
    costs = {"fast": 0.001, "slow": 0.010, "other|x": 0.050, "other|y": 0.060}

    def make(name: str) -> Callable[[], None]:
        def call() -> None:
            clock.now += costs[name]
        return call

    timings = measure_all({n: make(n) for n in costs}, rounds=5, min_rounds=5, budget_s=99.0,
                          settle=0, timed=1, prune=2.0,
                          group=lambda n: n.split("|")[0] if "|" in n else "", clock=clock)
    assert timings["slow"].runs == 1  # retired after the first round
    assert timings["fast"].runs == 5
    # 0.060 is within 2x of 0.050 in its own group, though 60x the fastest overall
    assert timings["other|y"].runs == 5
    assert timings["slow"].median_s == pytest.approx(0.010)
