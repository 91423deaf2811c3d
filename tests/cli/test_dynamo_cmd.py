"""hwsdk torch-compile: the plans of a model torch.export refuses, graph breaks shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hwsdk.cli import main


def test_torch_compile_shows_the_graph_break(factory_file: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    torch._dynamo.reset()
    dot, records = tmp_path / "graphs.dot", tmp_path / "graphs.json"
    code = main(["torch-compile", f"{factory_file}:unexportable", "--target", "cpu",
                 "--dot", str(dot), "--json", str(records)])
    out = capsys.readouterr().out
    assert code == 0
    assert "1 graph break(s)" in out and "--- graph break: " in out
    assert "graph break:" in dot.read_text()
    data = json.loads(records.read_text())
    assert data[0]["graph_break"] and data[0]["plan"]["schema"] == "hwsdk.partition-plan"
    torch._dynamo.reset()
