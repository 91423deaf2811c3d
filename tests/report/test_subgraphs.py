"""The plans of a torch.compile(backend="hwsdk") model rendered together, breaks shown."""

from __future__ import annotations

from typing import Any

import pytest

from hwsdk.report.subgraphs import render_subgraphs, render_subgraphs_dot


@pytest.fixture(scope="module")
def records() -> list[Any]:
    import torch

    from hwsdk.dynamo import subgraph_plans
    from tests.dynamo.test_differential import branchy

    torch._dynamo.reset()
    model, (x,) = branchy()
    compiled = torch.compile(model, backend="hwsdk", options={"target": "cpu"})
    with torch.no_grad():
        compiled(x)
    result = subgraph_plans(compiled)
    torch._dynamo.reset()
    return result


def test_text_shows_each_graph_and_each_break(records: list[Any]) -> None:
    text = render_subgraphs(records)
    assert text.startswith("hwsdk torch.compile plans: 3 graph(s), 2 graph break(s)")
    assert text.count("--- graph break: ") == 2
    assert "print" in text
    assert text.count("subgraph ") >= 3


def test_dot_draws_breaks_as_red_dashed_edges(records: list[Any]) -> None:
    dot = render_subgraphs_dot(records)
    assert dot.count("subgraph \"cluster_g") == 3
    breaks = [line for line in dot.splitlines() if "graph break:" in line]
    assert len(breaks) == 2 and all("style=dashed" in b for b in breaks)


def test_a_graph_without_a_plan_is_drawn_as_pytorch(records: list[Any]) -> None:
    from dataclasses import replace

    failed = [replace(records[0], plan=None, failure="cannot capture (example)"), *records[1:]]
    assert "runs whole in PyTorch: cannot capture (example)" in render_subgraphs(failed)
    assert "whole graph in PyTorch" in render_subgraphs_dot(failed)
