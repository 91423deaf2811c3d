"""The self-contained HTML report and its layout."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from hwsdk.report.html import plan_payload, render_html
from hwsdk.report.layout import BLOCK_H, BLOCK_W, INPUTS, OUTPUTS, layout_plan, region_edges


def test_page_is_self_contained(bert_plan: Any) -> None:
    page = render_html(bert_plan)
    assert page.startswith("<!DOCTYPE html>")
    assert "<link" not in page and "<script src" not in page and "@import" not in page
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}  # the SVG namespace, never fetched


def test_page_draws_every_region_and_legend(bert_plan: Any) -> None:
    page = render_html(bert_plan)
    assert page.count('<g class="block') == len(bert_plan.regions)
    assert page.count('class="legend-item"') == len({i.target for i in bert_plan.nodes.values()})
    assert 'fill="#9e9e9e"' in page  # PyTorch regions grey
    crossings = len(re.findall(r'<g class="edge crossing"', page))
    assert crossings > 0


def test_embedded_data_round_trips(bert_plan: Any) -> None:
    page = render_html(bert_plan)
    raw = page.split('<script type="application/json" id="plan-data">')[1].split("</script>")[0]
    data = json.loads(raw)
    assert data == json.loads(json.dumps(plan_payload(bert_plan), default=str))
    rows = [row for region in data["regions"] for row in region["nodes"]]
    assert len(rows) == len(bert_plan.nodes)
    assert all(len(row) == 8 and row[5] for row in rows)  # every node has its reason


def test_script_cannot_be_closed_by_data(bert_plan: Any) -> None:
    page = render_html(dataclasses.replace(bert_plan, model_name="</script><b>x"))
    assert page.count("</script>") == 2


def test_layout_is_layered_and_non_overlapping(bert_plan: Any) -> None:
    layout = layout_plan(bert_plan)
    assert set(layout.blocks) == {INPUTS, OUTPUTS, *(r.id for r in bert_plan.regions)}
    for edge in layout.edges:
        assert layout.blocks[edge.src].layer < layout.blocks[edge.dst].layer
        assert edge.path.startswith("M")
    boxes = list(layout.blocks.values())
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert (abs(a.x - b.x) >= BLOCK_W or abs(a.y - b.y) >= BLOCK_H), (a, b)
        assert a.x >= 0 and a.x + BLOCK_W <= layout.width
        assert a.y >= 0 and a.y + BLOCK_H <= layout.height


def test_edges_carry_every_crossing_value(bert_plan: Any) -> None:
    carried = {v for e in region_edges(bert_plan) if e.dst != OUTPUTS for v in e.values}
    assert carried == {v for r in bert_plan.regions for v in r.inputs}


def test_compile_failure_is_grey_and_outlined(bert_plan: Any) -> None:
    from hwsdk.partition.plan import RegionResult, RegionStatus
    from hwsdk.report.dot import render_dot
    from hwsdk.report.text import render_report

    region = next(r for r in bert_plan.regions if not r.is_fallback)
    plan = bert_plan.with_results({region.id: RegionResult(RegionStatus.COMPILE_FAILED,
                                                           "RuntimeError: no kernel image")})
    page = render_html(plan)
    block = re.search(rf'<g class="([^"]+)" data-region="{region.id}" data-target="([^"]+)"',
                      page)
    assert block is not None and block.group(1) == "block torch failed"
    assert block.group(2) == "torch"
    assert "<b>1</b> compile failures" in page
    assert f"{region.id} subset [compile_failed: RuntimeError: no kernel image]" in \
        render_report(plan)
    assert f"{region.id}: subset (compile_failed)" in render_dot(plan)
