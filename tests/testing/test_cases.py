"""Generated cases: every one builds a valid one-node graph the PyTorch reference runs."""

from __future__ import annotations

import pytest

from hwsdk.ir.dtypes import DType
from hwsdk.ir.opdef import all_ops
from hwsdk.testing.cases import PATTERNS, cases_for, has_generator, make_inputs
from hwsdk.testing.graphs import one_node_graph, reference_outputs, sandwich_graph

_OPS = [op.name for op in all_ops() if has_generator(op.name)]


def test_every_core_op_has_a_generator() -> None:
    missing = [op.name for op in all_ops() if not has_generator(op.name)]
    assert not missing, f"add generators to hwsdk/testing/cases*.py for {missing}"
    assert not has_generator("not_an_op")  # unknown ops are skipped, never silently passed


@pytest.mark.parametrize("op", _OPS)
def test_every_case_runs_on_the_reference(op: str) -> None:
    dtype = DType.bool if op in ("logical_not", "logical_and", "logical_or") else DType.f32
    cases = cases_for(op, dtype)
    assert cases
    if op not in ("arange", "full"):
        assert any(c.pattern == "zeros" for c in cases)
    for seed, case in enumerate(cases):
        assert case.pattern in PATTERNS
        built = one_node_graph(case, make_inputs(case, dtype, seed))
        outs = reference_outputs(built.graph, built.inputs)
        assert len(outs) == len(built.graph.outputs)


def test_extremes_and_zeros_are_generated() -> None:
    import torch

    cases = {c.pattern: c for c in cases_for("add", DType.f16)}
    large = make_inputs(cases["large"], DType.f16)[0]
    small = make_inputs(cases["small"], DType.f16)[0]
    assert large.abs().min() >= 8 and torch.isfinite(large * large).all()
    assert small.abs().max() < 5e-3 and small.dtype == torch.float16
    assert not make_inputs(cases["zeros"], DType.f16)[0].any()


def test_sandwich_puts_opaque_ops_around_the_node() -> None:
    case = cases_for("relu", DType.f32)[1]
    built = sandwich_graph(one_node_graph(case, make_inputs(case, DType.f32)))
    assert [n.op for n in built.graph.nodes] == ["torch_op", "relu", "torch_op"]
    (out,) = reference_outputs(built.graph, built.inputs)
    assert out.shape == built.inputs[0].shape
