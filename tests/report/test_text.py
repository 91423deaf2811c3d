"""The text reports: summary, full report, coverage matrix."""

from __future__ import annotations

from typing import Any

from hwsdk.report.advice import block_size_advice, op_advice
from hwsdk.report.text import format_bytes, render_matrix, render_report, render_summary


def test_format_bytes() -> None:
    assert format_bytes(None) == "dynamic"
    assert format_bytes(512) == "512 B"
    assert format_bytes(1536) == "1.5 KiB"
    assert format_bytes(3 * 1024**2) == "3.0 MiB"


def test_report_has_every_section(bert_plan: Any) -> None:
    text = render_report(bert_plan)
    for heading in ("coverage:", "op counts:", "unsupported-op histogram", "regions (boundary",
                    "recommendations:"):
        assert heading in text
    assert f"regions: {len(bert_plan.regions)}" in text
    assert f"boundary crossings: {bert_plan.boundary_crossings()}" in text
    # a boundary tensor line: name, type, bytes
    region = next(r for r in bert_plan.regions if r.inputs and not r.is_fallback)
    name = region.inputs[0]
    assert any(name in line and str(bert_plan.graph.types[name]) in line
               for line in text.splitlines())
    assert "[NO_KERNEL] subset has no kernel for permute" in text


def test_op_counts_add_up(bert_plan: Any) -> None:
    text = render_report(bert_plan)
    block = text.split("op counts:")[1].split("\n\n")[0].strip().splitlines()[1:]
    assert sum(int(line.split()[1]) for line in block) == len(bert_plan.nodes)


def test_recommendations_are_consistent(bert_plan: Any) -> None:
    sizes = block_size_advice(bert_plan)
    assert sizes and all(a.regions < len(bert_plan.regions) for a in sizes)
    assert [a.min_block_size for a in sizes] == sorted(a.min_block_size for a in sizes)
    ops = op_advice(bert_plan)
    assert ops[0].op == "permute"  # the most frequent missing op comes first
    assert [a.nodes for a in ops] == sorted((a.nodes for a in ops), reverse=True)
    fallback = sum(1 for i in bert_plan.nodes.values() if i.target == "torch")
    assert sum(a.nodes for a in ops) <= fallback


def test_summary_and_matrix(bert_plan: Any) -> None:
    assert "fallbacks to PyTorch" in render_summary(bert_plan)
    matrix = render_matrix({"subset": bert_plan, "broken": "PluginLoadError: boom"})
    lines = matrix.splitlines()
    assert lines[0].split()[:6] == ["target", "supported", "coverage", "unknown", "no", "up"]
    accelerated = sum(1 for i in bert_plan.nodes.values() if i.target != "torch")
    assert f"{accelerated}/{len(bert_plan.nodes)}" in lines[1]
    assert lines[2].startswith("broken") and "PluginLoadError: boom" in lines[2]
