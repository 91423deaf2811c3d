"""bench/harness.py's round order: every runner once per round, predecessors that vary."""

from __future__ import annotations

from itertools import pairwise
from types import ModuleType


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
