"""Step 3 of tuning: pick the winner from the measured estimates, and say why.

The estimates are of whole-model calls (:mod:`hwsdk.tune.estimate`), so the cost of crossing
between engines (the values a candidate moves between regions) is inside each number rather
than estimated beside it. The fastest estimate wins unless other candidates are within noise
of it (one's estimate inside the other's quartile range): then the measurement cannot rank
them, and the simplest of those tied wins: the fewest regions, then the fewest engine
crossings, then the earliest in the candidates' order (single targets by priority, then the
mix, then PyTorch). A simpler assignment has less to go wrong under load (fewer thread pools
taking turns, fewer copies) and makes the same choice run after run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hwsdk.tune.estimate import Timing, within_noise

__all__ = ["Choice", "decide", "choose", "timing_line"]

Shape = tuple[int, int]
"""(regions, engine crossings) of a candidate: what "simpler" compares."""


@dataclass(frozen=True)
class Choice:
    """The winner and why: ``reason`` as the plan shows it, ``tied`` the other candidates
    within noise of the fastest (empty when the fastest stood clear)."""

    winner: str
    reason: str
    tied: tuple[str, ...] = ()


def decide(timings: Mapping[str, Timing], order: Sequence[str],
           shapes: Mapping[str, Shape] | None = None) -> Choice:
    """The winner among ``timings`` as the module docstring says; ``order`` is the
    candidates' order, ``shapes`` each candidate's (regions, crossings) (a candidate
    without one counts as one region, no crossing).

    :raises ValueError: when ``timings`` is empty.
    """
    if not timings:
        raise ValueError("no candidate was measured")
    rank = {name: i for i, name in enumerate(order)}
    shape = dict(shapes or {})

    def speed(name: str) -> tuple[float, int]:
        return timings[name].median_s, rank.get(name, len(rank))

    def simplicity(name: str) -> tuple[Shape, int]:
        return shape.get(name, (1, 0)), rank.get(name, len(rank))

    fastest = min(timings, key=speed)
    tied = [n for n in sorted(timings, key=speed)
            if n != fastest and within_noise(timings[fastest], timings[n])]
    if not tied:
        return Choice(fastest, "clear of the others' spread")
    winner = min([fastest, *tied], key=simplicity)
    others = [n for n in [fastest, *tied] if n != winner]
    runner_up = min(others, key=simplicity)
    ours, theirs = simplicity(winner)[0], simplicity(runner_up)[0]
    if ours[0] != theirs[0]:
        why = "fewer regions"
    elif ours[1] != theirs[1]:
        why = "fewer crossings"
    elif winner == fastest:
        why = "as simple, and faster"
    else:
        why = "as simple, earlier candidate"
    return Choice(winner, f"within noise of {', '.join(others)}; {why}", tuple(tied))


def choose(timings: Mapping[str, Timing], order: list[str]) -> str:
    """The name with the lowest estimate, noise not considered; an exact tie goes to the
    earlier name in ``order``. (The rule before :func:`decide`, kept for callers that show
    no reason beside the winner: a winner that is not the lowest needs its reason shown.)

    :raises ValueError: when ``timings`` is empty.
    """
    if not timings:
        raise ValueError("no candidate was measured")
    rank = {name: i for i, name in enumerate(order)}
    return min(timings, key=lambda n: (timings[n].median_s, rank.get(n, len(rank))))


def timing_line(timings: Mapping[str, float], winner: str,
                spreads: Mapping[str, tuple[float, float]] | None = None,
                reason: str = "") -> str:
    """``cpu 1.91 ms, intel:cpu 2.34 ms, torch 3.10 ms -> cpu``, fastest first (estimates in
    seconds); with ``spreads`` each time's quartiles in brackets (``cpu 0.71 ms
    (0.69-0.80)``), with ``reason`` it after the winner (``-> cpu: within noise of ...``)."""
    spread = spreads or {}
    parts = []
    for name, seconds in sorted(timings.items(), key=lambda kv: (kv[1], kv[0])):
        part = f"{name} {seconds * 1e3:.2f} ms"
        if name in spread:
            low, high = spread[name]
            part += f" ({low * 1e3:.2f}-{high * 1e3:.2f})"
        parts.append(part)
    return ", ".join(parts) + f" -> {winner}" + (f": {reason}" if reason else "")
