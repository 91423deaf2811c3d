"""Accuracy and speed of a compiled model against eager PyTorch, for ``hwsdk run``."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Accuracy", "Timing", "compare", "time_side_by_side", "machine_load_note",
           "SPREAD_LIMIT"]


def _leaves(value: Any) -> list[Any]:
    import torch
    from torch.utils._pytree import tree_leaves

    return [v for v in tree_leaves(value) if isinstance(v, torch.Tensor)]


@dataclass(frozen=True)
class Accuracy:
    """Floating outputs: max abs error and max abs eager value; integer and bool outputs
    (indices, masks): how many elements differ, of how many."""

    error: float
    scale: float
    int_mismatches: int
    int_elements: int

    @property
    def relative(self) -> float:
        return self.error / max(1.0, self.scale)


def compare(model: Any, compiled: Any, inputs: Sequence[Any]) -> Accuracy:
    """Run eager and compiled on ``inputs`` and compare every output tensor."""
    import torch

    with torch.inference_mode():
        expected = _leaves(model(*inputs))
        actual = _leaves(compiled(*inputs))
    if len(expected) != len(actual):
        raise RuntimeError(f"eager returned {len(expected)} tensors, hwsdk {len(actual)}")
    error = scale = 0.0
    mismatches = elements = 0
    for e, a in zip(expected, actual, strict=True):
        if e.numel() == 0:
            continue
        if not e.is_floating_point():
            elements += e.numel()
            mismatches += int((e != a.to(e.dtype)).sum())
            continue
        e, a = e.detach().double(), a.detach().double()
        error = max(error, float((e - a).abs().max()))
        scale = max(scale, float(e.abs().max()))
    return Accuracy(error, scale, mismatches, elements)


SPREAD_LIMIT = 0.2
"""A ratio whose interquartile range reaches further than this (relative) from its median
is called too noisy to report as faster or slower."""

ROUND_SECONDS = 2e-3
"""Each round times enough calls of each side to take about this long (timer noise)."""


@dataclass(frozen=True)
class Timing:
    """Eager against compiled, from rounds that each time both sides back to back (who goes
    first alternates), so both see the same machine load; the ratio is per round.

    :param eager_s: median seconds per eager call over the rounds.
    :param hwsdk_s: median seconds per compiled call.
    :param ratios: hwsdk/eager of each round.
    :param calls: calls of each side per round.
    """

    eager_s: float
    hwsdk_s: float
    ratios: tuple[float, ...]
    calls: int

    @property
    def ratio(self) -> float:
        """Median per-round hwsdk/eager (below 1: hwsdk is faster)."""
        return statistics.median(self.ratios)

    @property
    def spread(self) -> tuple[float, float]:
        """The interquartile range of the per-round ratios (min-max under four rounds)."""
        if len(self.ratios) < 4:
            return min(self.ratios), max(self.ratios)
        q1, _, q3 = statistics.quantiles(self.ratios, n=4, method="inclusive")
        return q1, q3

    def noise(self) -> str:
        """Why the spread makes the ratio meaningless, or ``""`` when it does not."""
        low, high = self.spread
        if len(self.ratios) < 3:
            return f"only {len(self.ratios)} round(s)"
        if low < 1.0 < high:
            return "the spread crosses 1.0"
        if max(self.ratio - low, high - self.ratio) > SPREAD_LIMIT * self.ratio:
            return f"the spread exceeds ±{SPREAD_LIMIT:.0%} of the ratio"
        return ""

    def headline(self, rounds_option: str = "--repeat") -> str:
        """``"ratio hwsdk/eager 0.412 (IQR 0.398-0.431 over 20 interleaved rounds): 2.43x
        faster"``, or the plain statement that the spread allows no verdict.

        :param rounds_option: the command's option that sets the number of rounds (the
            advice when the timing is too noisy).
        """
        low, high = self.spread
        kind = "IQR" if len(self.ratios) >= 4 else "min-max"
        calls = f" of {self.calls} call(s)" if self.calls > 1 else ""
        text = (f"ratio hwsdk/eager {self.ratio:.3f} ({kind} {low:.3f}-{high:.3f} over "
                f"{len(self.ratios)} interleaved rounds{calls})")
        why = self.noise()
        if why and len(self.ratios) >= 2 and (high < 1.0 or low > 1.0) and \
                "spread exceeds" in why:
            side = "faster" if high < 1.0 else "slower"
            return (f"{text}: hwsdk {side} across the whole {kind}, by a margin too noisy to "
                    f"quote ({why}); rerun on an idle machine or with a larger {rounds_option}")
        if why:
            return (f"{text}: too noisy to call either faster ({why}); rerun on an idle "
                    f"machine or with a larger {rounds_option}")
        if self.ratio < 1:
            return f"{text}: {1 / self.ratio:.2f}x faster"
        return f"{text}: {self.ratio:.2f}x slower"


def _block(fn: Any, inputs: Sequence[Any], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn(*inputs)
    return (time.perf_counter() - start) / calls


def time_side_by_side(model: Any, compiled: Any, inputs: Sequence[Any], repeat: int) -> Timing:
    """``repeat`` interleaved rounds of eager and compiled (who goes first alternates), each
    timing as many calls of each side as take about :data:`ROUND_SECONDS`, after one warm-up
    call each."""
    import torch

    eager_times: list[float] = []
    hwsdk_times: list[float] = []
    with torch.inference_mode():
        first = max(_block(model, inputs, 1), _block(compiled, inputs, 1))
        calls = max(1, min(1000, int(ROUND_SECONDS / max(first, 1e-9))))
        for i in range(repeat):
            order = [(model, eager_times), (compiled, hwsdk_times)]
            for fn, times in order if i % 2 == 0 else reversed(order):
                times.append(_block(fn, inputs, calls))
    ratios = tuple(h / e for h, e in zip(hwsdk_times, eager_times, strict=True))
    return Timing(statistics.median(eager_times), statistics.median(hwsdk_times), ratios, calls)


def machine_load_note() -> str:
    """A warning when other processes keep the CPUs busy (timings are then noisy: PyTorch's
    OpenMP threads in particular slow down sharply when descheduled), else ``""``."""
    import os

    try:
        load = os.getloadavg()[0]
    except OSError:
        return ""
    cpus = os.cpu_count() or 1
    if load <= cpus:
        return ""
    return (f"note: load average {load:.1f} on {cpus} CPUs: other processes compete for the "
            "CPUs, so both timings are noisy")
