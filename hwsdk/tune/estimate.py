"""A candidate's timed calls as one number to rank by, its spread, and when two are too close.

On a shared machine load only ever adds time to a call: another process takes a core for a
scheduler slice (about 4 ms on the development machine, 5-7x a small model's call), an
engine's worker thread is descheduled inside a parallel section. A single slow call is not
evidence that a candidate is slow, but a fast call is evidence that it can be that fast. So
a candidate's estimate is the **median over rounds of each round's fastest timed call**: a
round's minimum drops a slow call, the median over rounds drops a slow round. Its spread is
the first and third quartiles of the same per-round minima (one value: that value). With
one timed call per round this is the plain median of the calls.

Two candidates are **within noise** of each other when either one's estimate lies inside the
other's quartile range: more rounds may separate them, and if they do not, the measurement
cannot tell them apart (:mod:`hwsdk.tune.choose` then prefers the simpler assignment).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Timing", "summarize", "within_noise", "contenders"]


@dataclass(frozen=True)
class Timing:
    """A candidate's estimate in seconds per call (``median_s``: the median over rounds of
    each round's fastest timed call, see the module docstring) over ``runs`` timed calls, and
    its spread: ``low_s`` and ``high_s``, the quartiles of the per-round fastest calls, over
    ``rounds`` rounds (None and 0 for a timing made without them: its spread is its median)."""

    median_s: float
    runs: int
    low_s: float | None = None
    high_s: float | None = None
    rounds: int = 0

    @property
    def spread(self) -> tuple[float, float]:
        """(low, high) seconds: the quartiles, or the median twice where none were taken."""
        low = self.median_s if self.low_s is None else self.low_s
        high = self.median_s if self.high_s is None else self.high_s
        return low, high


def summarize(rounds: Sequence[Sequence[float]]) -> Timing:
    """The :class:`Timing` of a candidate's timed calls, one sequence of seconds per round
    (rounds without a call are skipped).

    :raises ValueError: when no round has a call.
    """
    minima = [min(calls) for calls in rounds if calls]
    if not minima:
        raise ValueError("no timed call to summarize")
    runs = sum(len(calls) for calls in rounds)
    if len(minima) == 1:
        low = high = minima[0]
    else:
        quartiles = statistics.quantiles(minima, n=4, method="inclusive")
        low, high = quartiles[0], quartiles[2]
    return Timing(statistics.median(minima), runs, low, high, len(minima))


def within_noise(first: Timing, second: Timing) -> bool:
    """Whether either one's estimate lies inside the other's quartile range: the measurement
    does not tell them apart. Ranges that only touch at their edges do not make a tie (on
    bench/tune_mixed.py a 13 % faster mix, 6.96 ms (6.18-7.90) against 7.98 ms (7.89-8.01),
    was called a tie by the earlier rule, any overlap of the two ranges)."""
    def inside(value: float, timing: Timing) -> bool:
        low, high = timing.spread
        return low <= value <= high

    return inside(first.median_s, second) or inside(second.median_s, first)


def contenders(timings: Mapping[str, Timing],
               group: Callable[[str], str] = lambda name: "") -> dict[str, list[str]]:
    """Per group (calls of one group compete; see :func:`hwsdk.tune.measure.measure_all`),
    the names within noise of the group's fastest, the fastest first, then by estimate."""
    by_group: dict[str, list[str]] = {}
    for name in sorted(timings, key=lambda n: timings[n].median_s):
        by_group.setdefault(group(name), []).append(name)
    return {key: [n for n in names if within_noise(timings[names[0]], timings[n])]
            for key, names in by_group.items()}
