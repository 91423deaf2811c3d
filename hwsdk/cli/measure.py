"""Accuracy and speed of a compiled model against eager PyTorch, for ``hwsdk run``."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Accuracy", "compare", "time_side_by_side", "machine_load_note"]


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


def time_side_by_side(model: Any, compiled: Any, inputs: Sequence[Any],
                      repeat: int) -> tuple[float, float]:
    """Median seconds per call of eager and compiled, measured alternately so that both see
    the same machine load (who goes first alternates); one warm-up call each first."""
    import torch

    eager_times: list[float] = []
    hwsdk_times: list[float] = []
    with torch.inference_mode():
        model(*inputs)
        compiled(*inputs)
        for i in range(repeat):
            order = [(model, eager_times), (compiled, hwsdk_times)]
            for fn, times in order if i % 2 == 0 else reversed(order):
                start = time.perf_counter()
                fn(*inputs)
                times.append(time.perf_counter() - start)
    return statistics.median(eager_times), statistics.median(hwsdk_times)


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
