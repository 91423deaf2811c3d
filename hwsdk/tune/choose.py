"""Step 3 of tuning: pick the candidate with the lowest measured median, and say why.

The medians are of whole-model calls, so the cost of crossing between engines (the values a
candidate moves between regions) is inside each number rather than estimated beside it.
"""

from __future__ import annotations

from collections.abc import Mapping

from hwsdk.tune.measure import Timing

__all__ = ["choose", "timing_line"]


def choose(timings: Mapping[str, Timing], order: list[str]) -> str:
    """The name with the lowest median; ties go to the earlier name in ``order`` (the
    candidates' order: single targets by priority, then PyTorch)."""
    if not timings:
        raise ValueError("no candidate was measured")
    rank = {name: i for i, name in enumerate(order)}
    return min(timings, key=lambda n: (timings[n].median_s, rank.get(n, len(rank))))


def timing_line(timings: Mapping[str, float], winner: str) -> str:
    """``cpu 1.91 ms, intel:cpu 2.34 ms, torch 3.10 ms -> cpu``, fastest first (medians in
    seconds)."""
    parts = [f"{name} {seconds * 1e3:.2f} ms"
             for name, seconds in sorted(timings.items(), key=lambda kv: (kv[1], kv[0]))]
    return ", ".join(parts) + f" -> {winner}"
