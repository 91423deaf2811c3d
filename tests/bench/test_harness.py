"""bench/harness.py's round order: every runner once per round, predecessors that vary."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from types import ModuleType

import pytest


def test_each_round_runs_every_runner_once_and_is_reproducible(harness: ModuleType) -> None:
    names = [f"r{i}" for i in range(8)]
    for r in range(10):
        order = harness.round_order(names, r)
        assert sorted(order) == names
        assert order == harness.round_order(names, r)


def test_a_runners_predecessor_is_not_the_same_every_round(harness: ModuleType) -> None:
    names = [f"r{i}" for i in range(8)]
    before: dict[str, set[str]] = {name: set() for name in names}
    for r in range(10):
        order = harness.round_order(names, r)
        for first, second in pairwise(order):
            before[second].add(first)
    assert all(len(seen) >= 3 for seen in before.values())


def test_a_turn_counts_its_fastest_call(harness: ModuleType,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    durations = iter([0.030, 0.010, 0.020])  # seconds each call takes
    clock = [0.0]

    def call() -> None:
        clock[0] += next(durations)

    monkeypatch.setattr(harness.time, "perf_counter", lambda: clock[0])
    assert abs(harness.turn_time(call, 3) - 10.0) < 1e-9  # ms


def test_measure_gives_each_runner_calls_per_round_calls_a_round(harness: ModuleType) -> None:
    counts = {"a": 0, "b": 0}

    def runner(name: str) -> object:
        def setup() -> Callable[[], int]:
            def call() -> int:
                counts[name] += 1
                return 0
            return call
        return harness.Runner(name, setup)

    results = harness.measure("m", [runner("a"), runner("b")], 0, rounds=4, warmup=1,
                              calls_per_round=3)
    # one call at setup, one warm-up call, then 4 rounds of 3
    assert counts == {"a": 1 + 1 + 12, "b": 1 + 1 + 12}
    assert all(r.samples == 4 for r in results)
