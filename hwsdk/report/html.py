"""One self-contained HTML file of a PartitionPlan: no network, no CDN, works from file://.

The region DAG is laid out in Python (:mod:`hwsdk.report.layout`) and drawn as inline SVG, so
the picture exists even before any script runs; the inline script adds the per-block node
lists, search and target filters. The plan data travels in a ``<script type=application/json>``
tag. When the page is ready it sets ``data-status="ready"`` on ``<body>`` (a browser test reads
it).
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hwsdk.partition.assign import FALLBACK
from hwsdk.partition.plan import RegionStatus
from hwsdk.report._html_assets import CSS, JS
from hwsdk.report.advice import display_op
from hwsdk.report.layout import BLOCK_H, BLOCK_W, INPUTS, OUTPUTS, Layout, layout_plan
from hwsdk.report.style import FALLBACK_COLOR, HATCH_CSS, UNKNOWN_COLOR, target_colors
from hwsdk.report.text import format_bytes, tuning_lines

if TYPE_CHECKING:
    from hwsdk.partition.plan import PartitionPlan, RegionInfo

__all__ = ["render_html", "render_matrix_html", "plan_payload"]

_e = html.escape


def plan_payload(plan: PartitionPlan) -> dict[str, Any]:
    """The compact data the page's script reads: regions with their nodes as rows
    ``[id, op, module, source, code, reason, target, aten]``."""
    nodes = plan.graph.node_by_id()
    types = plan.graph.types
    regions = []
    for region in plan.regions:
        rows = []
        for nid in region.node_ids:
            node, info = nodes[nid], plan.nodes[nid]
            rows.append([nid, display_op(node.op, node.attrs.get("target")),
                         node.source.module_path, node.source.location(), info.code.value,
                         info.reason, info.target, node.source.aten])
        regions.append({
            "id": region.id, "target": region.target, "runs_on": region.runs_on,
            "status": region.status, "reason": region.reason,
            "inputs": [[v, str(types[v]), format_bytes(types[v].nbytes())]
                       for v in region.inputs],
            "outputs": [[v, str(types[v]), format_bytes(types[v].nbytes())]
                        for v in region.outputs],
            "details": {k: v for k, v in region.details.items()
                        if isinstance(v, (str, int, float, bool))},
            "nodes": rows,
        })
    return {"model": plan.model_name, "targets": plan.targets, "summary": plan.summary_dict(),
            "regions": regions}


def _edge_label(values: list[str], plan: PartitionPlan) -> str:
    types = plan.graph.types
    if len(values) == 1:
        return f"{values[0]} {types[values[0]]}"
    total = [types[v].nbytes() for v in values]
    size = format_bytes(None if None in total else sum(t or 0 for t in total))
    return f"{len(values)} tensors, {size}"


def _top_ops(region: RegionInfo, plan: PartitionPlan, limit: int = 3) -> str:
    nodes = plan.graph.node_by_id()
    counts = Counter(display_op(nodes[n].op, nodes[n].attrs.get("target"))
                     for n in region.node_ids)
    text = ", ".join(f"{op} x{k}" if k > 1 else op for op, k in counts.most_common(limit))
    return text if len(text) <= 38 else text[:37] + "…"


def _svg(plan: PartitionPlan, layout: Layout, colors: dict[str, str]) -> str:
    parts = [f'<svg id="dag" xmlns="http://www.w3.org/2000/svg" width="{layout.width:.0f}" '
             f'height="{layout.height:.0f}" viewBox="0 0 {layout.width:.0f} '
             f'{layout.height:.0f}">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
             'fill="#666"/></marker><pattern id="hatch" width="8" height="8" '
             'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
             f'<rect width="8" height="8" fill="{FALLBACK_COLOR}"/>'
             f'<rect width="4" height="8" fill="{UNKNOWN_COLOR}"/></pattern></defs>',
             '<g id="edges">']
    regions = {r.id: r for r in plan.regions}
    for edge in layout.edges:
        crossing = edge.src in regions and edge.dst in regions and (
            regions[edge.src].runs_on != regions[edge.dst].runs_on)
        label = _edge_label(edge.values, plan)
        tip = "\n".join(f"{v} {plan.graph.types[v]}" for v in edge.values)
        parts.append(f'<g class="edge{" crossing" if crossing else ""}" data-src="{edge.src}" '
                     f'data-dst="{edge.dst}"><title>{_e(tip)}</title>'
                     f'<path d="{edge.path}" marker-end="url(#arrow)"/>'
                     f'<text x="{edge.label_x:.1f}" y="{edge.label_y:.1f}">{_e(label)}</text>'
                     "</g>")
    parts.append('</g><g id="blocks">')
    for block_id, block in layout.blocks.items():
        x, y = block.x, block.y
        if block_id in (INPUTS, OUTPUTS):
            names = plan.graph.inputs if block_id == INPUTS else plan.graph.outputs
            sub = ", ".join(f"{n} {plan.graph.types[n]}" for n in names)
            parts.append(f'<g class="io" transform="translate({x:.1f},{y:.1f})">'
                         f'<title>{_e(sub)}</title><rect width="{BLOCK_W}" height="{BLOCK_H}" '
                         f'rx="28"/><text x="{BLOCK_W / 2}" y="23" class="t1">{block_id}</text>'
                         f'<text x="{BLOCK_W / 2}" y="41" class="t2">'
                         f'{_e(sub if len(sub) < 40 else sub[:39] + "…")}</text></g>')
            continue
        region = regions[block_id]
        runs_on = region.runs_on
        fill = colors.get(runs_on, FALLBACK_COLOR)
        cls = "block torch" if runs_on == FALLBACK else "block accel"
        if runs_on == FALLBACK and any(plan.support_level(n) == "unknown"
                                      for n in region.node_ids):
            fill, cls = "url(#hatch)", cls + " unknown"
        if region.status is RegionStatus.COMPILE_FAILED:
            cls += " failed"
        title = (f"{region.id}: {region.target} ({region.status}) {len(region.node_ids)} nodes"
                 + (f"\n{region.reason}" if region.reason else "") + "\nclick for its nodes")
        parts.append(
            f'<g class="{cls}" data-region="{region.id}" data-target="{_e(runs_on)}" '
            f'transform="translate({x:.1f},{y:.1f})"><title>{_e(title)}</title>'
            f'<rect width="{BLOCK_W}" height="{BLOCK_H}" rx="6" fill="{fill}"/>'
            f'<text x="10" y="22" class="t1" text-anchor="start">{region.id} · '
            f'{_e(region.target)}</text><text x="{BLOCK_W - 10}" y="22" class="t1" '
            f'text-anchor="end">{len(region.node_ids)} nodes</text>'
            f'<text x="10" y="42" class="t2" text-anchor="start">{_e(_top_ops(region, plan))}'
            "</text></g>")
    parts.append("</g></svg>")
    return "".join(parts)


def _header(plan: PartitionPlan, colors: dict[str, str]) -> str:
    s = plan.summary_dict()
    counts = s["coverage_counts"]
    bar = "".join(f'<span style="width:{pct:.1f}%;background:{colors.get(t, "#444")}" '
                  f'title="{_e(t)} {pct:.1f}%"></span>'
                  for t, pct in s["coverage_percent"].items())
    support = _support_bar(plan)
    legend = "".join(
        f'<label class="legend-item" data-target="{_e(t)}"><input type="checkbox" checked '
        f'data-target="{_e(t)}"><i style="background:{colors.get(t, "#444")}"></i>'
        f'{_e(t)}{" (PyTorch fallback)" if t == FALLBACK else ""}: '
        f"<b>{counts.get(t, 0)}</b> nodes, {s['coverage_percent'].get(t, 0.0):.1f}%</label>"
        for t in dict.fromkeys([*plan.targets, *counts]))
    title = f"hwsdk partition plan{' — ' + plan.model_name if plan.model_name else ''}"
    failures = (f' · <b>{s["compile_failures"]}</b> compile failures'
                if s["compile_failures"] else "")
    return (f'<header><h1>{_e(title)}</h1><div class="facts">targets '
            f'<b>{_e(" > ".join(plan.targets))}</b> · <b>{s["nodes"]}</b> nodes · '
            f'<b>{s["regions"]}</b> regions · <b>{s["boundary_crossings"]}</b> boundary '
            f'crossings · <b>{format_bytes(s["boundary_bytes"])}</b> across boundaries'
            f"{failures}"
            f'</div><div class="covbar" id="coverage">{bar}</div>{support}'
            f'<div id="legend">{legend}</div>{_tuning(plan)}'
            '<div class="tools"><input id="search" type="search" placeholder="search op, module, '
            'file:line, reason…"> <span id="search-count"></span> '
            '<button id="zoom-out" title="zoom out">-</button><button id="zoom-in" '
            'title="zoom in">+</button><button id="zoom-fit">fit</button></div></header>')


def _tuning(plan: PartitionPlan) -> str:
    """What measured tuning recorded (:func:`~hwsdk.report.text.tuning_lines`), if any."""
    lines = tuning_lines(plan)
    if not lines:
        return ""
    items = "".join(f"<li>{_e(line)}</li>" for line in lines)
    return (f'<details class="facts" id="tuning"><summary>tuning: measured on this machine '
            f"({_e(lines[0].split(': ', 1)[0])})</summary><ul>{items}</ul></details>")


def _support_bar(plan: PartitionPlan) -> str:
    """The certain / unknown (hatched) / does-not-run split, and its labelled bound."""
    s = plan.summary_dict()
    pct = s["support_percent"]
    fills = {"runs": "#2e7d32", "unknown": HATCH_CSS, "no": FALLBACK_COLOR}
    labels = {"runs": "runs on the target (documented)",
              "unknown": "unknown (not documented either way)", "no": "does not run"}
    bar = "".join(f'<span class="support-{k}" style="width:{pct[k]:.1f}%;background:{fills[k]}" '
                  f'title="{labels[k]} {pct[k]:.1f}%"></span>' for k in pct)
    return (f'<div class="covbar" id="support">{bar}</div>'
            f'<div class="facts" id="support-line">{_e(plan.coverage_line())}</div>')


def render_html(plan: PartitionPlan) -> str:
    """The plan as one self-contained HTML page."""
    colors = target_colors([*plan.targets, *(i.target for i in plan.nodes.values())])
    layout = layout_plan(plan)
    payload = json.dumps(plan_payload(plan), separators=(",", ":"), default=str)
    payload = payload.replace("</", "<\\/").replace("<!--", "<\\!--")
    title = f"hwsdk plan {plan.model_name}".strip()
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{_e(title)}</title><style>{CSS}</style></head>"
        f'<body data-status="loading">{_header(plan, colors)}'
        f'<main><div id="canvas">{_svg(plan, layout, colors)}</div>'
        '<aside id="panel"><p class="hint">Click a block to list its nodes (op, module, '
        "source line, and why it runs there). Hover a block or edge for a summary.</p></aside>"
        "</main>"
        f'<script type="application/json" id="plan-data">{payload}</script>'
        f"<script>{JS}</script></body></html>\n"
    )


def render_matrix_html(model_name: str, plans: Mapping[str, PartitionPlan | str]) -> str:
    """One self-contained page for ``explain --target all``: the coverage matrix across every
    target (certain / unknown / does not run, and the bound when asked), then each target's
    full plan page embedded in place (``<iframe srcdoc>``, so no other file is needed)."""
    from hwsdk.report.text import render_matrix

    sections = []
    for ref, plan in plans.items():
        anchor = "plan-" + "".join(c if c.isalnum() else "-" for c in ref)
        if isinstance(plan, str):
            sections.append(f'<section id="{anchor}"><h2>{_e(ref)}</h2><p>{_e(plan)}</p>'
                            "</section>")
            continue
        sections.append(
            f'<section id="{anchor}" data-target="{_e(ref)}"><h2>{_e(ref)}</h2>'
            f'<p class="facts">{_e(plan.coverage_line())}</p>'
            f'<iframe title="{_e(ref)} plan" style="width:100%;height:720px;border:1px solid '
            f'#ccc" srcdoc="{_e(render_html(plan), quote=True)}"></iframe></section>')
    links = " · ".join(f'<a href="#plan-{"".join(c if c.isalnum() else "-" for c in r)}">'
                       f"{_e(r)}</a>" for r in plans)
    title = f"hwsdk coverage matrix — {model_name}"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(title)}</title><style>body{{font-family:sans-serif;margin:16px}}"
            "pre{background:#f6f6f6;padding:8px;overflow:auto}</style></head>"
            f'<body data-status="ready"><h1>{_e(title)}</h1>'
            f'<pre id="matrix">{_e(render_matrix(plans))}</pre><nav>{links}</nav>'
            + "".join(sections) + "</body></html>\n")
