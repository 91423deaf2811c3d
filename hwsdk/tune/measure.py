"""Step 2 of tuning: time every candidate on the example inputs, interleaved.

Each candidate is called once to warm up (first-call work: allocation, lazy init), then the
candidates are called in rounds, in a rotating order, so a load change on the machine
touches all of them alike. In a round each candidate is called ``settle`` times untimed and
then ``timed`` times timed: the untimed calls let the previous engine's worker threads go idle
(OpenVINO's and ONNX Runtime's spin a while after a call and would otherwise slow the next
engine down, which running alone never does). It stops after ``rounds`` rounds, or once
``budget_s`` has passed and ``min_rounds`` are done. The median of a candidate's calls is its
time.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Timing", "measure_all", "ROUNDS", "MIN_ROUNDS", "BUDGET_S", "SETTLE", "TIMED"]

ROUNDS = 10
MIN_ROUNDS = 3
SETTLE = 1
TIMED = 2
BUDGET_S = 2.0
"""Seconds of timed calls, all candidates together (the warm-up calls are not counted)."""


@dataclass(frozen=True)
class Timing:
    """A candidate's median seconds per call over ``runs`` timed calls."""

    median_s: float
    runs: int


def measure_all(calls: Mapping[str, Callable[[], Any]], *, rounds: int = ROUNDS,
                min_rounds: int = MIN_ROUNDS, budget_s: float = BUDGET_S,
                settle: int = SETTLE, timed: int = TIMED,
                clock: Callable[[], float] = time.perf_counter) -> dict[str, Timing]:
    """The :class:`Timing` of each call in ``calls`` (name → a call of the model on the
    example inputs), measured as the module docstring says."""
    names = list(calls)
    for name in names:
        calls[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    start = clock()
    for index in range(rounds):
        if index >= min_rounds and clock() - start >= budget_s:
            break
        shift = index % len(names) if names else 0
        for name in names[shift:] + names[:shift]:
            for _ in range(settle):
                calls[name]()
            for _ in range(timed):
                began = clock()
                calls[name]()
                samples[name].append(clock() - began)
    return {name: Timing(statistics.median(s), len(s)) for name, s in samples.items() if s}
