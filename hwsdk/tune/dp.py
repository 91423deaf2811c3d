"""Per-region choice: the cheapest engine per segment, crossings included, by dynamic programming.

Given each segment's measured median on each of its candidate engines and the measured cost of
crossing from one engine to another between consecutive segments, :func:`best_assignment` finds
the assignment of engines to the segment sequence with the least total (medians plus crossing
costs). It is the Viterbi recurrence over the sequence: O(segments * engines^2) time.

Optimal for the model it is given: a chain, where a segment's cost does not depend on the
engines of the segments around it and a crossing cost depends only on the two consecutive
engines. A value read two or more segments later (a skip connection) crosses too, but is not
priced; nor is the gain of running consecutive segments of one engine as one region. The tuner
therefore measures the winner end to end against the whole-model candidates (docs/tuning.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Assignment", "best_assignment"]


@dataclass(frozen=True)
class Assignment:
    """One engine per segment and the total cost it was chosen by (seconds)."""

    engines: tuple[str, ...]
    cost_s: float


def best_assignment(times: Sequence[Mapping[str, float]],
                    crossings: Sequence[Mapping[tuple[str, str], float]]) -> Assignment:
    """The assignment with the least sum of segment medians and crossing costs.

    :param times: per segment, engine → median seconds (the engines it may run on, in order
        of preference: a tie goes to the engine listed first).
    :param crossings: per boundary ``i`` (between segments ``i`` and ``i + 1``), (engine of
        ``i``, engine of ``i + 1``) → seconds; a pair not listed, and staying on one engine,
        costs nothing.
    :raises ValueError: when there is no segment, a segment has no engine, or ``crossings``
        does not have one entry per boundary.
    """
    if not times or not all(times):
        raise ValueError("every segment needs at least one measured engine")
    if len(crossings) != len(times) - 1:
        raise ValueError(f"{len(times)} segments need {len(times) - 1} crossing tables, "
                         f"got {len(crossings)}")
    best: dict[str, tuple[float, tuple[str, ...]]] = {
        engine: (seconds, (engine,)) for engine, seconds in times[0].items()}
    for index in range(1, len(times)):
        table = crossings[index - 1]
        step: dict[str, tuple[float, tuple[str, ...]]] = {}
        for engine, seconds in times[index].items():
            options = [(cost + (0.0 if prev == engine else table.get((prev, engine), 0.0)),
                        path) for prev, (cost, path) in best.items()]
            cost, path = min(options, key=lambda option: option[0])  # first of equals
            step[engine] = (cost + seconds, (*path, engine))
        best = step
    cost, path = min(best.values(), key=lambda option: option[0])
    return Assignment(path, cost)
