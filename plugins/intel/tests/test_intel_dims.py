"""Symbolic dims on OpenVINO: the lowering writes hwsdk.ir.dims' tree through a visitor."""

from __future__ import annotations

import operator
from types import SimpleNamespace
from typing import Any

import pytest
import torch
from hwsdk_intel.lowering import _OvDim

import hwsdk
from hwsdk.plugin import UnsupportedDim


def _arith_lowerer(env: dict[str, int]) -> Any:
    """A stand-in whose 'nodes' are Python ints: the visitor's choice of op is checked by value."""
    ops = SimpleNamespace(add=operator.add, subtract=operator.sub, multiply=operator.mul,
                          divide=operator.floordiv, floor_mod=operator.mod, power=operator.pow,
                          negative=operator.neg, maximum=max, minimum=min)
    return SimpleNamespace(ops=ops, i64=lambda v: v, _symbol=lambda name: env[name])


@pytest.mark.parametrize("dim", ["2*s0 + 1", "(s0 - 7)//3 + 1", "-s0 % 4", "Max(1, s0 - s1)",
                                 "Min(s0, s1)**2"])
def test_every_form_maps_to_the_op_python_uses(dim: str) -> None:
    env = {"s0": 11, "s1": 4}
    assert _OvDim(_arith_lowerer(env)).visit_str(dim) == eval(dim, {"Max": max, "Min": min}, env)


@pytest.mark.parametrize(("dim", "form"), [("CeilToInt(s0 / 2)", "the function CeilToInt"),
                                           ("Max(s0, s1, 3)", "the function Max"),
                                           ("FloorDiv(s0, 2)", "the function FloorDiv")])
def test_a_form_openvino_is_not_given_is_named(dim: str, form: str) -> None:
    with pytest.raises(UnsupportedDim, match=form):
        _OvDim(_arith_lowerer({"s0": 4, "s1": 2})).visit_str(dim)


def test_an_expression_dim_computes_in_the_graph() -> None:
    class Fold(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return (x.reshape(x.shape[0] * 2, 4) + 1.0).relu()

    batch = torch.export.Dim("batch", min=2, max=64)
    compiled = hwsdk.compile(Fold(), (torch.randn(3, 8),), target="intel",
                             dynamic_shapes=({0: batch},))
    assert [s.target for s in compiled.steps] == ["intel:cpu"]
    (reshape,) = [n for n in compiled.captured.graph.nodes if n.op == "reshape"]
    assert any(isinstance(d, str) and not d.isidentifier() for d in reshape.attrs["shape"])
    for n in (2, 5):
        x = torch.randn(n, 8)
        torch.testing.assert_close(compiled(x), (x.reshape(n * 2, 4) + 1.0).relu())


def test_a_dim_openvino_cannot_compute_is_refused_when_planning() -> None:
    from hwsdk_intel import IntelTarget

    from hwsdk.plugin import DType, Graph, Node, TensorType

    node = Node("n0", "reshape", ["x"], {"shape": ["CeilToInt(IntTrueDiv(s0, 2))", 2]}, ["y"])
    graph = Graph(inputs=["x"], outputs=["y"], nodes=[node],
                  types={"x": TensorType(DType.f32, ("s0", 2)),
                         "y": TensorType(DType.f32, ("?", 2))})
    verdict = IntelTarget().check(node, graph)
    assert verdict is not None and not verdict.ok
    assert "the function CeilToInt" in verdict.reason
    ok = Node("n0", "reshape", ["x"], {"shape": ["Max(1, s0 // 2)", 4], "mode": "x"}, ["y"])
    assert IntelTarget().check(ok, graph) is None
