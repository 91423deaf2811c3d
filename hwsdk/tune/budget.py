"""The tuning budget: how long a measuring compile may take, relative to an untuned one.

An untuned compile captures the model, plans it by priority and compiles that plan. A measuring
compile compiles that same plan first (the reference candidate) and times it: ``t_ref``. Every
other whole-model candidate (each target alone, PyTorch alone) is then compiled whatever the
budget, since ``auto`` promises to be no slower than the best of them, so with several targets
a measuring compile can take more than ``factor`` times an untuned one. The budget bounds the
rest: the per-segment compiles and the timed rounds get ``(factor - 1) x t_ref`` of wall time
counted from the reference's compile (the step running when it runs out finishes, and every
measured candidate gets its minimum rounds). Work not started for lack of budget is named in
the plan.

``HWSDK_TUNE_BUDGET`` sets ``factor`` (default :data:`FACTOR`; ``inf``: no limit).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable

from hwsdk.errors import InvalidArgumentError

__all__ = ["Budget", "FACTOR", "BUDGET_ENV", "budget_factor"]

FACTOR = 2.0
BUDGET_ENV = "HWSDK_TUNE_BUDGET"


def budget_factor() -> float:
    """``HWSDK_TUNE_BUDGET`` as a number (> 1; ``inf`` for no limit), else :data:`FACTOR`.

    :raises InvalidArgumentError: for a value that is not a number above 1.
    """
    text = os.environ.get(BUDGET_ENV, "")
    if not text:
        return FACTOR
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value > 1.0:
        raise InvalidArgumentError(
            f"{BUDGET_ENV}={text!r} is not a number above 1; set it to how many times an "
            "untuned compile a measuring compile may take (e.g. 2, or inf for no limit)")
    return value


class Budget:
    """Wall time left for tuning once the reference candidate has compiled."""

    def __init__(self, factor: float, clock: Callable[[], float] = time.perf_counter) -> None:
        self.factor = factor
        self._clock = clock
        self._start = clock()
        self._limit = math.inf

    def reference_done(self) -> None:
        """The reference candidate has compiled: the rest gets ``(factor - 1)`` times that."""
        spent = self._clock() - self._start
        self._start = self._clock()
        self._limit = (self.factor - 1.0) * spent

    def left_s(self) -> float:
        """Seconds left (``inf`` without a limit; never below 0)."""
        return max(0.0, self._limit - (self._clock() - self._start))

    def spent(self) -> bool:
        """True once nothing is left."""
        return self.left_s() <= 0.0
