"""Captures of the shared test models, made once per test process (capture is the slow part)."""

from __future__ import annotations

from functools import cache
from typing import Any

from tests import models

_STATIC: dict[str, tuple[Any, tuple[Any, ...], Any]] = {}


def captured_model(name: str) -> tuple[Any, tuple[Any, ...], Any]:
    """(model, example_inputs, Captured) for a model of :data:`tests.models.ALL`."""
    if name not in _STATIC:
        import torch

        from hwsdk.ir.capture import capture

        torch.manual_seed(0)
        model, example = models.ALL[name]()
        _STATIC[name] = (model, example, capture(model, example))
    return _STATIC[name]


def remember(name: str, model: Any, example: tuple[Any, ...], captured: Any) -> None:
    """Keep a capture made through the public API for later tests of the same process."""
    _STATIC.setdefault(name, (model, example, captured))


def compile_captured(captured: Any, target: Any, **settings: Any) -> Any:
    """What ``hwsdk.compile`` does after capture: plan, then compile every region."""
    from hwsdk.partition.planner import plan_graph
    from hwsdk.registry import get_registry
    from hwsdk.runtime.build import build_compiled

    registry = get_registry()
    plan = plan_graph(captured, target, registry=registry, **settings)
    return build_compiled(captured, plan, registry, {}, require_full=False)


DYNAMIC_RANGES = {"batch": (1, 8), "seq": (2, 48)}


@cache
def captured_dynamic(name: str) -> tuple[Any, tuple[Any, ...], Any]:
    """Like :func:`captured_model` for a transformer, with dynamic ``batch`` and ``seq`` dims."""
    import torch
    from torch.export import Dim

    from hwsdk.ir.capture import capture

    torch.manual_seed(0)
    model, example = models.ALL[name](batch=2, seq=16)
    dims = {k: Dim(k, min=lo, max=hi) for k, (lo, hi) in DYNAMIC_RANGES.items()}
    shapes = {"input_ids": {0: dims["batch"], 1: dims["seq"]}}
    return model, example, capture(model, example, dynamic_shapes=shapes)
