"""``hwsdk.explain`` for Gaudi on BERT and Llama: what Pytorch_Operators.rst marks Yes runs on
Gaudi 2, every fallback traces back to a vendor row or a missing one, and the FX lowering of
every region matches eager on CPU."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hwsdk_gaudi import tables

import hwsdk
from hwsdk.capability import ReasonCode, node_dtypes
from hwsdk.plugin import Region, to_fx

REPO = Path(__file__).resolve().parents[3]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests import models  # noqa: E402

TARGET = "gaudi:gaudi2"
FALLBACK_CODES = {ReasonCode.UNKNOWN, ReasonCode.DTYPE, ReasonCode.NO_KERNEL,
                  ReasonCode.CONSTRAINT, ReasonCode.DYNAMIC_SHAPE, ReasonCode.OPAQUE_OP}


@pytest.fixture(scope="module")
def explained() -> dict[str, tuple[Any, tuple[Any, ...], Any]]:
    import torch

    result = {}
    for name in ("bert", "llama"):
        torch.manual_seed(0)
        model, inputs = models.ALL[name]()
        result[name] = (model, inputs, hwsdk.explain(model, inputs, target=TARGET))
    return result


def run_regions_on_cpu(plan: Any, inputs: tuple[Any, ...]) -> list[Any]:
    """Run every region of ``plan`` through its own ``to_fx(region)`` lowering, in order."""
    from torch.utils._pytree import tree_flatten

    graph = plan.graph
    values: dict[str, Any] = dict(graph.param_data)
    values.update(zip(graph.inputs, tree_flatten((inputs, {}))[0], strict=True))
    nodes = graph.node_by_id()
    for info in plan.regions:
        region = Region(info.id, info.target, graph, [nodes[i] for i in info.node_ids],
                        info.inputs, info.outputs, info.params)
        outputs = to_fx(region)([values[v] for v in info.inputs], {})
        values.update(zip(info.outputs, outputs, strict=True))
    return [values[v] for v in graph.outputs]


def assert_matches_eager(model: Any, inputs: tuple[Any, ...], plan: Any) -> None:
    import torch
    from torch.utils._pytree import tree_flatten

    with torch.no_grad():
        expected = [t for t in tree_flatten(model(*inputs))[0] if isinstance(t, torch.Tensor)]
        got = run_regions_on_cpu(plan, inputs)
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        torch.testing.assert_close(g, e, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["bert", "llama"])
def test_every_fallback_has_a_reason_traceable_to_the_table(explained: Any, name: str) -> None:
    _, _, plan = explained[name]
    table = tables.table("gaudi2")
    nodes = plan.graph.node_by_id()
    for nid, info in plan.nodes.items():
        if info.target != "torch":
            continue
        node = nodes[nid]
        assert info.code in FALLBACK_CODES and node.op in info.reason and TARGET in info.reason
        entry = table.ops[node.op]
        wanted = {ReasonCode.UNKNOWN: "unknown", ReasonCode.DTYPE: "no"}.get(info.code)
        if wanted:
            assert wanted in [entry.dtypes[d] for d in node_dtypes(node, plan.graph)]
        # the vendor row it rests on, or the row that is missing
        assert "Pytorch_Operators.rst" in info.reason and "5a56187e" in info.reason
        assert ("has no row for" in info.reason) or info.code is ReasonCode.DTYPE


@pytest.mark.parametrize("name", ["bert", "llama"])
def test_every_node_the_docs_mark_yes_runs_on_gaudi2_and_coverage_is_at_least_95(
        explained: Any, name: str) -> None:
    _, _, plan = explained[name]
    table = tables.table("gaudi2")
    nodes = plan.graph.node_by_id()
    for nid, info in plan.nodes.items():
        node = nodes[nid]
        entry = table.ops.get(node.op)
        if entry is not None and all(entry.dtypes[d] == "yes"
                                     for d in node_dtypes(node, plan.graph)):
            assert info.target == TARGET, (node.op, info.reason)
    runs = sum(1 for info in plan.nodes.values() if info.target == TARGET)
    assert runs / len(plan.nodes) >= 0.95, plan.summary()


def test_bert_linear_and_layer_norm_run_on_gaudi2_from_the_docs_rows(explained: Any) -> None:
    _, _, plan = explained["bert"]
    by_op = {plan.graph.node_by_id()[nid].op: info for nid, info in plan.nodes.items()}
    for op in ("linear", "layer_norm", "embedding", "gelu", "softmax"):
        if op in by_op:
            assert by_op[op].target == TARGET, by_op[op].reason


@pytest.mark.parametrize("name", ["bert", "llama"])
def test_fx_lowering_of_every_region_matches_eager(explained: Any, name: str) -> None:
    model, inputs, plan = explained[name]
    assert_matches_eager(model, inputs, plan)


@pytest.mark.parametrize("name", ["mlp", "resnet", "gpt2"])
def test_fx_lowering_of_every_region_matches_eager_other_models(name: str) -> None:
    import torch

    from hwsdk.ir.capture import capture
    from hwsdk.partition.planner import plan_graph

    torch.manual_seed(0)
    model, inputs = models.ALL[name]()
    plan = plan_graph(capture(model, inputs), TARGET)
    assert_matches_eager(model, inputs, plan)


def test_half_precision_mean_is_a_dtype_fallback_on_first_generation_gaudi_only() -> None:
    import torch

    class Mean(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.mean(dim=-1)

    x = torch.randn(2, 8, dtype=torch.float16)
    (first,) = hwsdk.explain(Mean().eval(), (x,), target="gaudi:gaudi").nodes.values()
    assert first.code is ReasonCode.DTYPE  # `mean.dim` lists Half for Gaudi2/3 only
    assert "not f16" in first.reason and "bf16, f32" in first.reason
    (second,) = hwsdk.explain(Mean().eval(), (x,), target="gaudi:gaudi2").nodes.values()
    assert second.target == "gaudi:gaudi2"


def _three_linears() -> tuple[Any, tuple[Any, ...]]:
    import torch

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.up = torch.nn.Linear(64, 64)
            self.lm_head = torch.nn.Linear(64, 16)

        def forward(self, x: Any) -> Any:
            return self.lm_head(torch.relu(self.up(x)))

    return Net().eval(), (torch.randn(2, 64),)


@pytest.mark.parametrize(("scheme", "code"), [("int8_weight_only", ReasonCode.DTYPE),
                                              ("int4_weight_only", ReasonCode.UNKNOWN)])
def test_explain_says_offline_which_quantized_linears_stay_in_pytorch(
        scheme: str, code: ReasonCode) -> None:
    """int8: Pytorch_Operators.rst's linear row says INT8 No, so the quantized linear stays in
    PyTorch with its dequantize (DTYPE); int4: no source has a 4-bit type (UNKNOWN). The
    float lm_head (int4's default exclusion) runs on Gaudi."""
    model, inputs = _three_linears()
    plan = hwsdk.explain(model, inputs, target=TARGET, quantize=scheme, group_size=32)
    placed = {n.id: (n.op, plan.nodes[n.id]) for n in plan.graph.nodes
              if n.op in ("linear", "dequantize")}
    quantized = [i for i, (op, _) in placed.items() if op == "dequantize"]
    assert len(quantized) == (2 if scheme.startswith("int8") else 1)
    for node_id, (op, info) in placed.items():
        reads_quantized = op == "dequantize" or f"{node_id}.dq" in quantized
        if reads_quantized:
            assert info.target == "torch" and info.code is code, (node_id, info)
        else:
            assert info.target == TARGET, (node_id, info)
    linear = placed[quantized[0].removesuffix(".dq")][1]
    assert "its weight is int" in linear.reason and "quantize_fallback" in linear.reason
    if code is ReasonCode.DTYPE:
        assert "Pytorch_Operators.rst [linear:58]" in placed[quantized[0]][1].reason


def test_quantize_fallback_dequantize_gives_gaudi_float_weights() -> None:
    model, inputs = _three_linears()
    plan = hwsdk.explain(model, inputs, target=TARGET, quantize="int8_weight_only",
                         quantize_fallback="dequantize")
    assert not [n for n in plan.graph.nodes if n.op == "dequantize"]
    assert all(plan.nodes[n.id].target == TARGET for n in plan.graph.nodes if n.op == "linear")
    note = next(n for n in plan.notes if n.startswith("quantize_fallback='dequantize'"))
    assert "2 weight(s)" in note and "was int8 per channel: DTYPE" in note
    (region,) = [r for r in plan.regions if r.target == TARGET]
    weights = region.details["weights"]
    assert weights["formats"] == {"float (dequantized up front)": 2}
    assert weights["bytes_stored"] == weights["bytes_float"] == 4 * (64 * 64 + 16 * 64)
