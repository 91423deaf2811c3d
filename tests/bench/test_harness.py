"""bench/harness.py's round order: every runner once per round, predecessors that vary."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def harness() -> Iterator[ModuleType]:
    sys.path.insert(0, str(BENCH))
    try:
        import harness

        yield harness
    finally:
        sys.path.remove(str(BENCH))


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
