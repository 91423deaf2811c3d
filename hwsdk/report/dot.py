"""Graphviz DOT of a PartitionPlan: one box per node coloured by target (PyTorch grey), one
cluster per region, edges labelled with the value's type."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hwsdk.partition.assign import FALLBACK
from hwsdk.report.advice import display_op
from hwsdk.report.style import UNKNOWN_COLOR, target_colors

if TYPE_CHECKING:
    from hwsdk.partition.plan import PartitionPlan

__all__ = ["render_dot"]


_LEGEND = ("amber dashed: unknown (kept in PyTorch, not documented either way); grey: does "
           "not run (documented no, no kernel)")


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render_dot(plan: PartitionPlan) -> str:
    """The plan as a DOT digraph (``dot -Tsvg plan.dot > plan.svg``)."""
    graph = plan.graph
    colors = target_colors([*plan.targets, *(i.target for i in plan.nodes.values())])
    nodes = graph.node_by_id()
    producer = {out: node.id for node in graph.nodes for out in node.outputs}
    lines = [f"digraph {_q(plan.model_name or 'plan')} {{", "  rankdir=TB;",
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=8, color="#555555"];',
             f"  label={_q(plan.coverage_line() + chr(10) + _LEGEND)};", "  labelloc=t;"]
    for name in graph.inputs:
        lines.append(f"  {_q('in:' + name)} [shape=ellipse, style=solid, "
                     f"label={_q(name + chr(10) + str(graph.types[name]))}];")
    for region in plan.regions:
        status = region.status
        effective = region.runs_on
        lines.append(f"  subgraph {_q('cluster_' + region.id)} {{")
        lines.append(f"    label={_q(f'{region.id}: {region.target} ({status})')};")
        lines.append(f'    style="rounded,dashed"; color={_q(colors.get(effective, "#444444"))};')
        for node_id in region.node_ids:
            node, info = nodes[node_id], plan.nodes[node_id]
            op = display_op(node.op, node.attrs.get("target"))
            label = f"{op}\n{node.source.module_path or node_id}"
            tooltip = f"{node_id} [{info.code.value}] {info.reason}"
            fill = colors.get(info.target, "#444444")
            font = "black" if info.target == FALLBACK else "white"
            extra = ""
            if plan.support_level(node_id) == "unknown":
                fill, extra = UNKNOWN_COLOR, ', style="rounded,filled,dashed", penwidth=2'
            lines.append(f"    {_q(node_id)} [label={_q(label)}, fillcolor={_q(fill)}, "
                         f"fontcolor={font}, tooltip={_q(tooltip)}{extra}];")
        lines.append("  }")
    for name in graph.outputs:
        lines.append(f"  {_q('out:' + name)} [shape=ellipse, style=solid, label={_q(name)}];")
    for node in graph.nodes:
        seen: set[str] = set()
        for value in node.inputs:
            if not value or value in seen or value in graph.params:
                continue
            seen.add(value)
            src = producer.get(value)
            tail = _q(src) if src is not None else _q("in:" + value)
            attrs = f"label={_q(str(graph.types[value]))}"
            if src is not None and plan.nodes[src].region != plan.nodes[node.id].region:
                attrs += ', penwidth=2, color="#000000"'
            lines.append(f"  {tail} -> {_q(node.id)} [{attrs}];")
    for name in graph.outputs:
        src = producer.get(name)
        tail = _q(src) if src is not None else _q("in:" + name)
        lines.append(f"  {tail} -> {_q('out:' + name)};")
    lines.append("}")
    return "\n".join(lines) + "\n"
