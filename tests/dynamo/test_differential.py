"""torch.compile(model, backend="hwsdk") against eager: graph breaks, transformers models,
dynamic shapes, on the torch, cpu and intel targets."""

from __future__ import annotations

from typing import Any

import pytest

from tests import models
from tests.dynamo.conftest import close, compiles

TARGETS = ["torch", "cpu", "intel"]


def branchy() -> tuple[Any, tuple[Any, ...]]:
    """A print and a data-dependent Python ``if``: two graph breaks, three graphs."""
    import torch
    from torch import nn

    class Branchy(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b, self.c = nn.Linear(16, 32), nn.Linear(32, 16), nn.Linear(32, 16)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = torch.relu(self.a(x))
            print("hidden", tuple(h.shape))
            y = self.b(h) if h.sum() > 0 else self.c(h)
            return torch.tanh(y) * 2

    return Branchy().eval(), (torch.randn(4, 16),)


def _compiled(model: Any, target: str, **kwargs: Any) -> Any:
    import torch

    return torch.compile(model, backend="hwsdk", options={"target": target}, **kwargs)


@pytest.mark.parametrize("target", TARGETS)
def test_graph_breaks_match_eager_and_are_recorded(target: str, capsys: Any) -> None:
    import torch

    import hwsdk
    from hwsdk.dynamo import subgraph_plans

    model, (x,) = branchy()
    compiled = _compiled(model, target)
    with torch.no_grad():
        close(compiled(x), model(x), atol=1e-5)
        close(compiled(-x), model(-x), atol=1e-5)  # the other branch: a graph of its own
    records = subgraph_plans(compiled)
    breaks = [r.graph_break for r in records if r.graph_break]
    assert len(breaks) >= 2
    assert any("print" in b for b in breaks), breaks
    assert any("test_differential.py" in b for b in breaks)  # where, in the user's file
    plans = hwsdk.plans(compiled)
    assert len(plans) == len(records) >= 3
    assert all(p.notes for p in plans)
    if target != "torch":
        assert all(p.coverage()[p.targets[0]] == 1.0 for p in plans)
    assert capsys.readouterr().out.count("hidden (4, 32)") == 4  # the print ran, as eager's

@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", ["bert", "llama"])
def test_transformers_match_eager(name: str, target: str) -> None:
    import torch

    import hwsdk

    model, inputs = models.ALL[name]()
    compiled = _compiled(model, target)
    with torch.no_grad():
        close(compiled(*inputs), model(*inputs), atol=1e-4)
    (plan,) = hwsdk.plans(compiled)
    if target != "torch":
        assert plan.coverage()[plan.targets[0]] > 0.9, plan.coverage_line()


def test_dynamic_batch_compiles_once() -> None:
    import torch

    model, _ = branchy()
    compiled = _compiled(model, "cpu", dynamic=True)
    with torch.no_grad():
        for batch in (3, 5, 9):
            x = torch.randn(batch, 16).abs()
            close(compiled(x), model(x), atol=1e-5)
    assert compiles(compiled) == 3  # three graphs (two breaks), each compiled once


def test_dynamic_sequence_without_a_recompile_per_size() -> None:
    """Dynamo's automatic dynamic shapes: the first size compiles static, the second one
    recompiles with a symbolic sequence, and later sizes reuse that graph."""
    import torch

    from hwsdk.dynamo import subgraph_plans

    model, _ = models.bert()
    compiled = _compiled(model, "cpu")
    with torch.no_grad():
        for seq in (8, 12, 16, 24):
            ids = torch.randint(0, models.VOCAB, (2, seq))
            close(compiled(ids), model(ids), atol=1e-4)
    assert compiles(compiled) == 2
    last = subgraph_plans(compiled)[-1].plan
    assert last is not None
    dynamic = [str(last.graph.types[n]) for n in last.graph.inputs
               if not last.graph.types[n].is_static]
    assert len(dynamic) == 1 and dynamic[0].startswith("i64[2, s"), dynamic  # the ids
