"""Coverage in every report: computed from counts and rounded once (parts add up), split into
runs / unknown / does not run, with the optimistic bound labelled when asked for; and
``explain --target all --html plan.html`` writes exactly that one page."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import hwsdk
from hwsdk.cli import main
from hwsdk.errors import InvalidArgumentError
from hwsdk.partition.plan import rounded_shares
from hwsdk.report.dot import render_dot
from hwsdk.report.html import render_html
from hwsdk.report.text import render_matrix, render_report, render_summary


def test_shares_are_rounded_once_and_add_up() -> None:
    # 127/129 = 98.45 %: rounding the 4-place fraction 0.9845 again showed 98.5 % + 1.6 %
    assert rounded_shares({"gaudi": 127, "torch": 2}, 1000) == {"gaudi": 984, "torch": 16}
    for counts in ({"a": 1, "b": 1, "c": 1}, {"a": 2, "b": 3, "c": 1, "d": 0}, {"a": 7}):
        for scale in (1000, 10000):
            assert sum(rounded_shares(counts, scale).values()) == scale
    assert rounded_shares({"a": 0}, 1000) == {"a": 0}


@pytest.fixture(scope="module")
def gaudi_plans() -> dict[str, Any]:
    import torch

    class Attention(torch.nn.Module):  # linear: documented; sdpa: silent; argmax i64: no
        def __init__(self) -> None:
            super().__init__()
            self.proj = torch.nn.Linear(8, 8)

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            q = self.proj(x)
            y = torch.nn.functional.scaled_dot_product_attention(q, q, q)
            return y, torch.arange(4).reshape(2, 2).cumsum(0).argmax(0)

    model, x = Attention().eval(), (torch.randn(1, 2, 4, 8),)
    return {"certain": hwsdk.explain(model, x, target="gaudi:gaudi2"),
            "bound": hwsdk.explain(model, x, target="gaudi:gaudi2", assume_unknown="runs")}


def test_the_split_separates_unknown_from_no_and_adds_up(gaudi_plans: dict[str, Any]) -> None:
    plan = gaudi_plans["certain"]
    s = plan.summary_dict()
    assert sum(s["support"].values()) == s["nodes"]
    assert s["support"]["unknown"] >= 1 and s["support"]["runs"] >= 1
    assert round(sum(s["support_percent"].values()), 1) == 100.0
    assert round(sum(s["coverage_percent"].values()), 1) == 100.0
    assert "optimistic_percent" not in s and "optimistic bound" not in plan.coverage_line()
    nodes = plan.graph.node_by_id()
    unknown = [nodes[n].op for n in plan.nodes if plan.support_level(n) == "unknown"]
    assert "scaled_dot_product_attention" in unknown


def test_the_optimistic_bound_is_labelled_in_every_report(gaudi_plans: dict[str, Any]) -> None:
    plan = gaudi_plans["bound"]
    s = plan.summary_dict()
    expected = s["support_percent"]["runs"] + s["support_percent"]["unknown"]
    assert abs(s["optimistic_percent"] - expected) <= 0.1
    assert s["assume_unknown"] == "runs"
    label = "optimistic bound (assume_unknown='runs'): up to"
    for text in (render_summary(plan), render_report(plan), render_dot(plan), render_html(plan)):
        assert label in text.replace("&#x27;", "'")
    assert json.loads(plan.to_json())["summary"]["optimistic_percent"] == s["optimistic_percent"]
    assert "up to" in render_matrix({"gaudi:gaudi2": plan}).splitlines()[0]
    # placement is the same: the bound changes no node
    certain = gaudi_plans["certain"]
    assert {n: i.target for n, i in plan.nodes.items()} == \
        {n: i.target for n, i in certain.nodes.items()}


def test_unknown_has_its_own_colour_or_hatch(gaudi_plans: dict[str, Any]) -> None:
    plan = gaudi_plans["certain"]
    page = render_html(plan)
    assert 'id="hatch"' in page and 'fill="url(#hatch)"' in page and 'id="support"' in page
    assert re.search(r'fillcolor="#f2c14e", fontcolor=black, tooltip="[^"]*\[UNKNOWN\]',
                     render_dot(plan))


def test_a_bad_assume_unknown_is_refused() -> None:
    import torch

    with pytest.raises(InvalidArgumentError, match="assume_unknown='maybe'"):
        hwsdk.explain(torch.nn.ReLU(), (torch.randn(2),), target="torch", assume_unknown="maybe")


def test_explain_all_writes_exactly_the_named_page(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    code = main(["explain", "mlp", "-t", "all", "--brief", "--assume-unknown", "runs",
                 "--html", str(out / "plan.html"), "--dot", str(out / "plan.dot")])
    text = capsys.readouterr().out
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["plan.dot", "plan.html"]
    page = (out / "plan.html").read_text(encoding="utf-8")
    plans = text.count("\n=== ")
    assert plans > 3 and page.count("<iframe") == plans
    assert 'id="matrix"' in page and "gaudi:gaudi2" in page and "<script src" not in page
    assert (out / "plan.dot").read_text(encoding="utf-8").count("digraph ") == plans
