"""``hwsdk.explain`` for Inferentia on BERT and Llama: every fallback traces back to the Neuron
tables, dynamic shapes fall back with the bucketing reason, and the FX lowering of every
region matches eager on CPU."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hwsdk_inferentia import tables

import hwsdk
from hwsdk.capability import ReasonCode, node_dtypes
from hwsdk.plugin import Region, to_fx

REPO = Path(__file__).resolve().parents[3]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests import models  # noqa: E402

TARGET = "inferentia:inf2"


@pytest.fixture(scope="module")
def explained() -> dict[str, tuple[Any, tuple[Any, ...], Any]]:
    import torch

    result = {}
    for name in ("bert", "llama"):
        torch.manual_seed(0)
        model, inputs = models.ALL[name]()
        result[name] = (model, inputs, hwsdk.explain(model, inputs, target=TARGET))
    return result


def fallbacks(plan: Any) -> dict[str, tuple[str, Any]]:
    nodes = plan.graph.node_by_id()
    return {nid: (nodes[nid].op, info) for nid, info in plan.nodes.items()
            if info.target == "torch"}


@pytest.mark.parametrize("name", ["bert", "llama"])
def test_every_fallback_has_a_reason_traceable_to_the_table(explained: Any, name: str) -> None:
    _, _, plan = explained[name]
    table, doc = tables.table("inf2"), tables.document("inf2")
    nodes = plan.graph.node_by_id()
    for nid, (op, info) in fallbacks(plan).items():
        assert op in info.reason and TARGET in info.reason
        entry = table.ops[op]
        wanted = {ReasonCode.UNKNOWN: "unknown", ReasonCode.DTYPE: "no"}[info.code]
        assert wanted in [entry.dtypes[d] for d in node_dtypes(nodes[nid], plan.graph)]
        assert doc["entries"][op]["provenance"] and entry.note


def test_bert_gelu_falls_back_for_an_operator_the_xla_table_lacks_and_inferred_ops_say_so(
        explained: Any) -> None:
    bert = {op: info for op, info in fallbacks(explained["bert"][2]).values()}
    assert "gelu" in bert and "does not list Erf" in tables.table("inf2").ops["gelu"].note
    assert "layer_norm" in bert and "inferred from compiler.rst" in bert["layer_norm"].reason
    llama = {op for op, _ in fallbacks(explained["llama"][2]).values()}
    assert "silu" in llama and "does not list Logistic" in tables.table("inf2").ops["silu"].note


def test_documented_ops_run_on_neuron(explained: Any) -> None:
    _, _, plan = explained["llama"]
    nodes = plan.graph.node_by_id()
    placed = {nodes[nid].op for nid, info in plan.nodes.items() if info.target == TARGET}
    assert {"embedding", "mul", "add"} <= placed  # aten::embedding, aten::mul, aten::add


@pytest.mark.parametrize("name", ["bert", "llama"])
def test_fx_lowering_of_every_region_matches_eager(explained: Any, name: str) -> None:
    import torch
    from torch.utils._pytree import tree_flatten

    model, inputs, plan = explained[name]
    graph = plan.graph
    values: dict[str, Any] = dict(graph.param_data)
    values.update(zip(graph.inputs, tree_flatten((inputs, {}))[0], strict=True))
    nodes = graph.node_by_id()
    with torch.no_grad():
        for info in plan.regions:
            region = Region(info.id, info.target, graph, [nodes[i] for i in info.node_ids],
                            info.inputs, info.outputs, info.params)
            values.update(zip(info.outputs, to_fx(region)([values[v] for v in info.inputs],
                                                            {}), strict=True))
        expected = [t for t in tree_flatten(model(*inputs))[0] if isinstance(t, torch.Tensor)]
    got = [values[v] for v in graph.outputs]
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        torch.testing.assert_close(g, e, rtol=1e-4, atol=1e-5)


def test_dynamic_dims_fall_back_with_the_bucketing_reason() -> None:
    import torch
    from torch.export import Dim

    class Scale(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * 2.0

    x = torch.randn(4, 8)
    plan = hwsdk.explain(Scale().eval(), (x,), target=TARGET,
                         dynamic_shapes={"x": {0: Dim("batch", min=2, max=64)}})
    (info,) = plan.nodes.values()
    assert info.code is ReasonCode.DYNAMIC_SHAPE and "bucketing" in info.reason
    static = hwsdk.explain(Scale().eval(), (x,), target=TARGET)
    assert {i.target for i in static.nodes.values()} == {TARGET}


@pytest.mark.parametrize("scheme", ["int8_weight_only", "int4_weight_only"])
def test_explain_keeps_quantized_linears_in_pytorch_offline(scheme: str) -> None:
    """data-types.rst lists the NeuronCore's integer types (UINT8, INT32, UINT32): no INT8 and
    no 4-bit type, so every quantized weight's dequantize stays in PyTorch with DTYPE, and its
    linear with it."""
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 8)).eval()
    plan = hwsdk.explain(model, (torch.randn(2, 64),), target="inferentia:inf2",
                         quantize=scheme, group_size=32)
    dq = [n for n in plan.graph.nodes if n.op == "dequantize"]
    assert len(dq) == 2
    for node in dq:
        info = plan.nodes[node.id]
        assert info.target == "torch" and info.code is ReasonCode.DTYPE, info
        assert "data-types.rst" in info.reason
        assert plan.nodes[node.id.removesuffix(".dq")].target == "torch"
