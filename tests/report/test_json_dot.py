"""The JSON plan (documented schema, stable) and the DOT graph."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hwsdk.report.dot import render_dot

SCHEMA_DOC = Path(__file__).parents[2] / "docs" / "plan-schema.md"


def test_json_is_stable_across_runs(subset_target: str, captured_bert: Any) -> None:
    from hwsdk.partition.planner import plan_graph

    first = plan_graph(captured_bert, subset_target, model_name="BERT").to_json()
    second = plan_graph(captured_bert, subset_target, model_name="BERT").to_json()
    assert first == second


def test_schema_doc_covers_every_key(bert_plan: Any) -> None:
    data = json.loads(bert_plan.to_json())
    doc = SCHEMA_DOC.read_text()
    assert f"schema_version` | int | {data['schema_version']}" in doc
    keys = set(data) | set(data["summary"]) | set(data["regions"][0]) | set(data["nodes"][0])
    keys |= set(data["nodes"][0]["verdicts"][0]) if data["nodes"][0]["verdicts"] else set()
    documented = set(re.findall(r"`([a-z_]+)`", doc))
    assert keys <= documented, sorted(keys - documented)


def test_dot_colours_and_clusters(bert_plan: Any) -> None:
    dot = render_dot(bert_plan)
    assert dot.count("subgraph \"cluster_") == len(bert_plan.regions)
    assert "#9e9e9e" in dot  # PyTorch grey
    for node_id in bert_plan.nodes:
        assert f'"{node_id}" [label=' in dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` is not installed")
def test_dot_is_valid_graphviz(bert_plan: Any, tmp_path: Path) -> None:
    path = tmp_path / "plan.dot"
    path.write_text(render_dot(bert_plan))
    result = subprocess.run(["dot", "-Tsvg", str(path), "-o", str(tmp_path / "plan.svg")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "plan.svg").read_text().count("<g id=\"clust") == len(bert_plan.regions)
