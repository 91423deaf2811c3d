"""The plans of a ``torch.compile(..., backend="hwsdk")`` model together: one section (text) or
cluster (DOT) per compiled graph, with Dynamo's graph breaks between them drawn as such."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hwsdk.report.dot import _q
from hwsdk.report.style import target_colors
from hwsdk.report.text import render_summary

if TYPE_CHECKING:
    from hwsdk.dynamo.record import SubgraphPlan

__all__ = ["render_subgraphs", "render_subgraphs_dot"]


def _title(record: SubgraphPlan) -> str:
    return f"subgraph {record.subgraph} {record.role} (compile {record.compile_id or '?'})"


def render_subgraphs(records: Sequence[SubgraphPlan]) -> str:
    """Every graph's summary in compile order, a ``--- graph break: why ---`` line after each
    graph Dynamo ended at a break (:func:`hwsdk.dynamo.subgraph_plans` gives the records)."""
    lines = [f"hwsdk torch.compile plans: {len(records)} graph(s), "
             f"{sum(1 for r in records if r.graph_break and r.role != 'backward')} graph "
             "break(s)"]
    for record in records:
        lines.append("")
        lines.append(_title(record))
        if record.plan is None:
            lines.append(f"  runs whole in PyTorch: {record.failure}")
        else:
            lines.extend("  " + line for line in render_summary(record.plan).splitlines())
        if record.graph_break and record.role != "backward":
            lines.append(f"--- graph break: {record.graph_break} ---")
    return "\n".join(lines)


def render_subgraphs_dot(records: Sequence[SubgraphPlan]) -> str:
    """A DOT digraph: one cluster per graph with a box per region (coloured by the target
    that runs it), region data-flow edges inside, and a red dashed ``graph break`` edge from
    each forward or inference graph that ended at a break to the next one (to a "resumes in
    Python" node after the last)."""
    colors = target_colors([t for r in records if r.plan for t in r.plan.targets])
    lines = ["digraph subgraphs {", "  rankdir=TB; compound=true;",
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10,'
             ' fontcolor=white];', '  edge [fontname="Helvetica", fontsize=8];']
    chain: list[tuple[str, str, SubgraphPlan]] = []  # (first box, last box, record)
    for k, record in enumerate(records):
        boxes = _cluster(lines, f"g{k}_", record, colors)
        if record.role != "backward":
            chain.append((boxes[0], boxes[-1], record))
    # The last graph's break resumes in Python code that compiled no graph (or none yet).
    ends = [*(first for _, (first, _, _) in itertools.pairwise(chain)), "python"]
    for (_, last, record), first in zip(chain, ends, strict=True):
        if record.graph_break:
            if first == "python":
                lines.append('  "python" [shape=ellipse, style=dashed, fontcolor=black, '
                             'label="resumes in Python"];')
            label = _q("graph break: " + record.graph_break[:100])
            lines.append(f"  {_q(last)} -> {_q(first)} [label={label}, style=dashed, "
                         'color="#cc0000", fontcolor="#cc0000"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _cluster(lines: list[str], prefix: str, record: SubgraphPlan,
             colors: dict[str, str]) -> list[str]:
    """Append one graph's cluster; returns its boxes in region order."""
    from hwsdk.report.layout import INPUTS, OUTPUTS, region_edges

    lines.append(f"  subgraph {_q('cluster_' + prefix)} {{")
    lines.append(f"    label={_q(_title(record))}; style=rounded;")
    boxes: list[str] = []
    if record.plan is not None:
        for region in record.plan.regions:
            boxes.append(prefix + region.id)
            label = _q(f"{region.id} {region.runs_on}\n{len(region.node_ids)} nodes")
            fill = _q(colors.get(region.runs_on, "#444444"))
            lines.append(f"    {_q(boxes[-1])} [label={label}, fillcolor={fill}];")
        for edge in region_edges(record.plan):
            if edge.src != INPUTS and edge.dst != OUTPUTS:
                lines.append(f"    {_q(prefix + edge.src)} -> {_q(prefix + edge.dst)};")
    if not boxes:
        text = f"whole graph in PyTorch\n{record.failure[:80]}" if record.plan is None \
            else "no ops"
        boxes.append(prefix + "torch")
        lines.append(f'    {_q(boxes[0])} [label={_q(text)}, fillcolor="#888888"];')
    lines.append("  }")
    return boxes
