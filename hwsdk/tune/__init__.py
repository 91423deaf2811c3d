"""``auto`` by measurement: plan and compile each candidate engine assignment, time them on
the example inputs, keep the fastest, and remember the decision (docs/tuning.md).

Stages: :mod:`~hwsdk.tune.candidates` (whole-model assignments) → the per-region candidate
(:mod:`~hwsdk.tune.regional`: :mod:`~hwsdk.tune.segments` → :mod:`~hwsdk.tune.engines` →
:mod:`~hwsdk.tune.perregion` → :mod:`~hwsdk.tune.dp` → :mod:`~hwsdk.tune.assemble`) →
:mod:`~hwsdk.tune.measure` (estimates: :mod:`~hwsdk.tune.estimate`) →
:mod:`~hwsdk.tune.choose`, within :mod:`~hwsdk.tune.budget`,
with :mod:`~hwsdk.tune.cache` for decisions and :mod:`~hwsdk.tune.tuner` composing them.
Importing this package imports no torch.
"""

from __future__ import annotations

from hwsdk.tune.mode import TUNE_MODES, resolve_mode
from hwsdk.tune.tuner import tune_compile

__all__ = ["TUNE_MODES", "resolve_mode", "tune_compile"]
