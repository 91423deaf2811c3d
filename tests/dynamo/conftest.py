"""Fixtures for the torch.compile backend: a fresh Dynamo per test, and compile counting."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _fresh_dynamo() -> Iterator[None]:
    import torch

    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def compiles(compiled: Any) -> int:
    """How many Dynamo graphs the hwsdk backend compiled for ``compiled``."""
    from hwsdk.dynamo import subgraph_plans

    return len({r.subgraph for r in subgraph_plans(compiled)})


def close(got: Any, want: Any, atol: float = 1e-4, rtol: float = 1e-4) -> None:
    """Every tensor of ``got`` equals ``want``'s (model outputs, ModelOutputs, tuples)."""
    import torch
    from torch.utils._pytree import tree_flatten

    if hasattr(got, "to_tuple"):
        got, want = got.to_tuple(), want.to_tuple()
    flat_got, flat_want = tree_flatten(got)[0], tree_flatten(want)[0]
    assert len(flat_got) == len(flat_want)
    for g, w in zip(flat_got, flat_want, strict=True):
        if isinstance(w, torch.Tensor):
            torch.testing.assert_close(g, w, atol=atol, rtol=rtol)
        else:
            assert g == w
