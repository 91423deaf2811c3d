"""A stand-in for op_db for tests/bench/test_opinfo_sweep.py: one op of each outcome the sweep
must survive or name (a pass, a wrong answer, a crash, a hang, a random op, an eager error)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Sample:
    input: Any
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class FakeOp:
    name: str
    op: Callable[..., Any]
    sizes: tuple[int, ...] = (1, 2, 3)
    variant_test_name: str = ""

    def supports_dtype(self, dtype: Any, device: str) -> bool:
        return True

    def sample_inputs(self, device: str, dtype: Any, requires_grad: bool = False
                      ) -> Iterator[Sample]:
        import torch

        for size in self.sizes:
            yield Sample(torch.randn(size, 4, dtype=dtype), (0.5,))


def _crash_on_two(x: Any, alpha: float) -> Any:
    if x.shape[0] == 2:
        os.abort()
    return x * alpha


def _hang_on_one(x: Any, alpha: float) -> Any:
    if x.shape[0] == 1:
        time.sleep(600)
    return x - alpha


def _differs_when_exported(x: Any, alpha: float) -> Any:
    import torch

    return x * 2 if torch.compiler.is_exporting() else x * alpha


def _mul(x: Any, alpha: float) -> Any:
    return x * alpha


def _raises(x: Any, alpha: float) -> Any:
    raise ValueError("eager refuses this sample")


OPS = [
    FakeOp("fake_mul", _mul, sizes=(2, 3)),
    FakeOp("fake_crash", _crash_on_two),
    FakeOp("fake_hang", _hang_on_one, sizes=(1, 2)),
    FakeOp("fake_wrong", _differs_when_exported, sizes=(2,)),
    FakeOp("randn_fake", _mul),
    FakeOp("fake_raises", _raises, sizes=(2,)),
]
