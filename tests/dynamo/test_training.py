"""Training through torch.compile(backend="hwsdk"): AOTAutograd's forward and backward graphs
are each partitioned; five SGD steps match eager's losses and gradients.

Tolerance: float32 kernels on other engines sum in other orders, so each step's loss agrees to
rtol 1e-4 and every gradient to atol 1e-4 + rtol 1e-3 of eager's, after the same five steps
(the weights differ by what those roundings add up to)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from hwsdk.dynamo import subgraph_plans

STEPS = 5


def mlp() -> tuple[Any, tuple[Any, Any]]:
    import torch
    from torch import nn

    model = nn.Sequential(nn.Linear(8, 32), nn.GELU(), nn.LayerNorm(32), nn.Linear(32, 4))
    return model, (torch.randn(16, 8), torch.randn(16, 4))


def encoder() -> tuple[Any, tuple[Any, Any]]:
    """A two-layer transformer encoder (no dropout, so that eager and hwsdk draw nothing)."""
    import torch
    from torch import nn

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            layer = nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64,
                                               dropout=0.0, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, num_layers=2,
                                                 enable_nested_tensor=False)
            self.head = nn.Linear(32, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.encoder(x).mean(dim=1))

    return Encoder(), (torch.randn(4, 10, 32), torch.randn(4, 4))


def _train(model: Any, x: Any, y: Any) -> tuple[list[float], list[list[Any]]]:
    import torch

    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    losses, grads = [], []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        losses.append(loss.item())
        grads.append([p.grad.detach().clone() for p in model.parameters()])
        opt.step()
    return losses, grads


@pytest.mark.parametrize("target", ["cpu", "intel"])
@pytest.mark.parametrize("build", [mlp, encoder], ids=["mlp", "encoder"])
def test_five_sgd_steps_match_eager(build: Any, target: str) -> None:
    import torch

    model, (x, y) = build()
    eager = copy.deepcopy(model)
    compiled = torch.compile(model, backend="hwsdk", options={"target": target})
    losses, grads = _train(compiled, x, y)
    want_losses, want_grads = _train(eager, x, y)
    assert losses == pytest.approx(want_losses, rel=1e-4)
    for step, (got, want) in enumerate(zip(grads, want_grads, strict=True)):
        for g, w in zip(got, want, strict=True):
            torch.testing.assert_close(g, w, atol=1e-4, rtol=1e-3, msg=lambda m, s=step:
                                       f"step {s}: {m}")
    records = subgraph_plans(compiled)
    roles = {r.role for r in records}
    assert {"forward", "backward"} <= roles, roles
    backward = [r.plan for r in records if r.role == "backward" and r.plan is not None]
    assert backward
    for plan in backward:  # every backward node says where it ran and why
        assert set(plan.nodes) == {n.id for n in plan.graph.nodes}
        assert plan.coverage()[plan.targets[0]] > 0.8, plan.coverage_line()


def test_backward_plan_names_what_stays_in_pytorch() -> None:
    """fallback_ops=["mul"] keeps backward's multiplications in PyTorch; the backward plan
    says so, node by node, with the reason."""
    import torch

    model, (x, y) = mlp()
    compiled = torch.compile(model, backend="hwsdk",
                             options={"target": "cpu", "fallback_ops": ["mul"]})
    torch.nn.functional.mse_loss(compiled(x), y).backward()
    (backward,) = [r.plan for r in subgraph_plans(compiled) if r.role == "backward"]
    assert backward is not None
    muls = [n.id for n in backward.graph.nodes if n.op == "mul"]
    assert muls
    assert all(backward.nodes[i].target == "torch" for i in muls)
    assert all("fallback_ops" in backward.nodes[i].reason for i in muls)
