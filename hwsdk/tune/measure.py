"""Step 2 of tuning: time every candidate on the example inputs, interleaved.

Each candidate is called once to warm up (first-call work: allocation, lazy init), then the
candidates are called in rounds, in a rotating order, so a load change on the machine
touches all of them alike. In a round each candidate is called ``settle`` times untimed and
then ``timed`` times timed: the untimed calls let the previous engine's worker threads go idle
(OpenVINO's and ONNX Runtime's spin a while after a call and would otherwise slow the next
engine down, which running alone never does). A candidate's :class:`Timing` is the median
over rounds of each round's fastest timed call, with the quartiles as its spread
(:mod:`hwsdk.tune.estimate`: load only ever adds time).

It stops after ``rounds`` rounds, or once ``budget_s`` has passed and ``min_rounds`` are
done; but while the fastest candidates are within noise of each other it goes on, up to
``rounds`` and ``tie_s`` seconds past ``budget_s``, since more rounds may tell them apart.
After each round a candidate whose fastest call so far is more than ``prune`` times the best
estimate is not called again (racing): even at its best it cannot win, and a slow candidate
would otherwise take most of the budget; its timing is from the rounds it ran. (Its fastest
call, not its median: one scheduler slice in a two-call round would double a small model's
median and retire the fastest engine.) Calls that do not compete with each other
(different segments) are told apart by ``group``: only calls of one group are compared.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from hwsdk.tune.estimate import Timing, contenders, summarize

__all__ = ["Timing", "measure_all", "ROUNDS", "MIN_ROUNDS", "BUDGET_S", "SETTLE", "TIMED",
           "PRUNE", "TIE_S"]

ROUNDS = 10
MIN_ROUNDS = 3
SETTLE = 1
TIMED = 2
BUDGET_S = 2.0
"""Seconds of rounds (timed and settle calls), all candidates together (the warm-up calls are
not counted)."""
TIE_S = 0.25
"""Seconds of rounds past ``budget_s`` that candidates within noise of each other may take."""
PRUNE = 2.0
"""A candidate whose fastest call is more than this many times the best estimate is not
called again."""


def measure_all(calls: Mapping[str, Callable[[], Any]], *, rounds: int = ROUNDS,
                min_rounds: int = MIN_ROUNDS, budget_s: float = BUDGET_S,
                settle: int = SETTLE, timed: int = TIMED, prune: float | None = PRUNE,
                group: Callable[[str], str] = lambda name: "",
                clock: Callable[[], float] = time.perf_counter,
                tie_s: float = TIE_S) -> dict[str, Timing]:
    """The :class:`Timing` of each call in ``calls`` (name → a call of the model on the
    example inputs), measured as the module docstring says."""
    names = list(calls)
    for name in names:
        calls[name]()
    samples: dict[str, list[list[float]]] = {name: [] for name in names}
    start = clock()
    running = list(names)
    for index in range(rounds):
        if index >= min_rounds and clock() - start >= budget_s and (
                clock() - start >= budget_s + tie_s or not _undecided(samples, running, group)):
            break
        shift = index % len(running) if running else 0
        for name in running[shift:] + running[:shift]:
            for _ in range(settle):
                calls[name]()
            times = []
            for _ in range(timed):
                began = clock()
                calls[name]()
                times.append(clock() - began)
            samples[name].append(times)
        if prune is not None and running:
            running = _race(samples, running, prune, group)
    return {name: summarize(s) for name, s in samples.items() if any(s)}


def _estimates(samples: Mapping[str, list[list[float]]], names: list[str]
               ) -> dict[str, Timing]:
    return {n: summarize(samples[n]) for n in names if any(samples[n])}


def _undecided(samples: Mapping[str, list[list[float]]], running: list[str],
               group: Callable[[str], str]) -> bool:
    """Whether some group's fastest running candidate is within noise of another."""
    found = contenders(_estimates(samples, running), group)
    return any(len(names) > 1 for names in found.values())


def _race(samples: Mapping[str, list[list[float]]], running: list[str], prune: float,
          group: Callable[[str], str]) -> list[str]:
    """The running candidates whose fastest call is within ``prune`` times their group's
    best estimate."""
    timings = _estimates(samples, running)
    best: dict[str, float] = {}
    for name, timing in timings.items():
        key = group(name)
        best[key] = min(timing.median_s, best.get(key, timing.median_s))
    return [n for n in running if n not in timings
            or min(min(r) for r in samples[n] if r) <= prune * best[group(n)]]
