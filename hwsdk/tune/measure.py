"""Step 2 of tuning: time every candidate on the example inputs, interleaved.

Each candidate is called once to warm up (first-call work: allocation, lazy init), then the
candidates are called in rounds, in a rotating order, so a load change on the machine
touches all of them alike. In a round each candidate is called ``settle`` times untimed and
then ``timed`` times timed: the untimed calls let the previous engine's worker threads go idle
(OpenVINO's and ONNX Runtime's spin a while after a call and would otherwise slow the next
engine down, which running alone never does). It stops after ``rounds`` rounds, or once
``budget_s`` has passed and ``min_rounds`` are done. The median of a candidate's calls is its
time. After each round a candidate whose median is more than ``prune`` times the best one's
is not called again (racing): it cannot win, and a slow candidate would otherwise take most
of the budget; its median is from the rounds it ran. Calls that do not compete with each
other (different segments) are told apart by ``group``: only calls of one group are
compared.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Timing", "measure_all", "ROUNDS", "MIN_ROUNDS", "BUDGET_S", "SETTLE", "TIMED",
           "PRUNE"]

ROUNDS = 10
MIN_ROUNDS = 3
SETTLE = 1
TIMED = 2
BUDGET_S = 2.0
"""Seconds of rounds (timed and settle calls), all candidates together (the warm-up calls are
not counted)."""
PRUNE = 2.0
"""A candidate more than this many times slower than the best is not called again."""


@dataclass(frozen=True)
class Timing:
    """A candidate's median seconds per call over ``runs`` timed calls."""

    median_s: float
    runs: int


def measure_all(calls: Mapping[str, Callable[[], Any]], *, rounds: int = ROUNDS,
                min_rounds: int = MIN_ROUNDS, budget_s: float = BUDGET_S,
                settle: int = SETTLE, timed: int = TIMED, prune: float | None = PRUNE,
                group: Callable[[str], str] = lambda name: "",
                clock: Callable[[], float] = time.perf_counter) -> dict[str, Timing]:
    """The :class:`Timing` of each call in ``calls`` (name → a call of the model on the
    example inputs), measured as the module docstring says."""
    names = list(calls)
    for name in names:
        calls[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    start = clock()
    running = list(names)
    for index in range(rounds):
        if index >= min_rounds and clock() - start >= budget_s:
            break
        shift = index % len(running) if running else 0
        for name in running[shift:] + running[:shift]:
            for _ in range(settle):
                calls[name]()
            for _ in range(timed):
                began = clock()
                calls[name]()
                samples[name].append(clock() - began)
        if prune is not None and running:
            medians = {n: statistics.median(samples[n]) for n in running}
            best: dict[str, float] = {}
            for n, m in medians.items():
                best[group(n)] = min(m, best.get(group(n), m))
            running = [n for n in running if medians[n] <= prune * best[group(n)]]
    return {name: Timing(statistics.median(s), len(s)) for name, s in samples.items() if s}
