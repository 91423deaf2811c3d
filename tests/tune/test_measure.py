"""Interleaved timing with a fake clock: medians, rounds, the budget."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hwsdk.tune.choose import decide
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


def _costs(clock: FakeClock, plan: dict[str, list[float]]) -> dict[str, Callable[[], None]]:
    """Calls whose n-th call costs ``plan[name][n]`` (the last cost repeats)."""
    count = {name: 0 for name in plan}

    def make(name: str) -> Callable[[], None]:
        def call() -> None:
            costs = plan[name]
            clock.now += costs[min(count[name], len(costs) - 1)]
            count[name] += 1
        return call

    return {name: make(name) for name in plan}


def test_a_slow_call_in_the_first_round_neither_retires_nor_outranks_the_fastest() -> None:
    # the bench MLP under load: one 4 ms scheduler slice in cpu's first round made its
    # two-call median 2.7 ms, over 2x intel's, and racing retired the fastest engine
    clock = FakeClock()
    # calls: warm-up, then per round one settle and two timed calls
    calls = _costs(clock, {"cpu": [0.0006, 0.0006, 0.0006, 0.0047, 0.0006],
                           "intel": [0.0008]})
    timings = measure_all(calls, rounds=3, min_rounds=3, budget_s=0.0, settle=1, timed=2,
                          clock=clock)
    assert timings["cpu"].runs == 6  # still timed after its bad first round
    assert timings["cpu"].median_s == pytest.approx(0.0006)
    assert decide(timings, ["intel", "cpu"]).winner == "cpu"


def test_candidates_within_noise_take_more_rounds_past_the_budget() -> None:
    clock = FakeClock()
    # a and b cycle through the same three costs, out of step: each one's estimate stays
    # inside the other's quartiles
    calls = _costs(clock, {"a": [0.001, 0.0011, 0.0012] * 100,
                           "b": [0.0011, 0.0012, 0.001] * 100, "slow": [0.0015]})
    timings = measure_all(calls, rounds=8, min_rounds=3, budget_s=0.0, settle=0, timed=1,
                          clock=clock, tie_s=1.0)
    assert timings["a"].rounds == timings["b"].rounds == 8  # up to ``rounds``
    clear = measure_all(_costs(clock, {"a": [0.001], "b": [0.0015]}), rounds=8, min_rounds=3,
                        budget_s=0.0, settle=0, timed=1, clock=clock, tie_s=1.0)
    assert clear["a"].rounds == 3  # told apart: the budget stops it


def test_a_tie_takes_no_more_than_tie_s_past_the_budget() -> None:
    clock = FakeClock()
    calls = _costs(clock, {"a": [0.1, 0.11, 0.12] * 100, "b": [0.11, 0.12, 0.1] * 100})
    timings = measure_all(calls, rounds=50, min_rounds=3, budget_s=0.0, settle=0, timed=1,
                          clock=clock, tie_s=1.0)
    # rounds cost 0.21-0.23 s: the minimum three, then two more until 1 s past the budget
    assert timings["a"].rounds == 5
