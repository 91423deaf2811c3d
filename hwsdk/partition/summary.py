"""The plan's own short text form (``plan.summary()``, ``str(plan)``): coverage per target,
regions with their boundaries, and every fallback with its reason.

It lives with the plan so that planning never imports a report; :mod:`hwsdk.report.text`
renders the full report and re-exports :func:`render_summary`.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from hwsdk.partition.assign import FALLBACK

if TYPE_CHECKING:
    from hwsdk.partition.plan import PartitionPlan

__all__ = ["render_summary", "fallback_lines", "display_op"]


def display_op(op: str, aten_target: object) -> str:
    """The name to show for a node: its core op, or the ATen call of a ``torch_op``."""
    return str(aten_target) if op == "torch_op" and aten_target else op


def render_summary(plan: PartitionPlan) -> str:
    """Coverage per target, regions with boundaries, and every fallback with its reason."""
    s = plan.summary_dict()
    lines = [
        f"hwsdk partition plan{f' for {plan.model_name}' if plan.model_name else ''}: "
        f"{s['nodes']} nodes, {s['regions']} regions, targets {' > '.join(plan.targets)}",
        "coverage: " + ", ".join(f"{t} {v:.1f}%" for t, v in s["coverage_percent"].items()),
        plan.coverage_line(),
        f"boundary crossings: {s['boundary_crossings']}"
        + (f" ({s['boundary_bytes']} bytes)" if s["boundary_bytes"] is not None else ""),
    ]
    if plan.transfers:
        lines.append(f"transfers per call: {len(plan.transfers)} ("
                     + ", ".join(f"{t.value} {t.source}->{t.dest}" for t in plan.transfers[:8])
                     + (", ..." if len(plan.transfers) > 8 else "") + ")")
    for note in plan.notes:
        lines.append(f"note: {note}")
    lines.append("regions:")
    for region in plan.regions:
        status = region.status + (f" ({region.reason})" if region.reason else "")
        extra = ""
        if region.details:
            extra = " " + ", ".join(f"{k}={v}" for k, v in region.details.items()
                                    if isinstance(v, (str, int, float, bool)))
        lines.append(f"  {region.id} {region.target:<12} {len(region.node_ids):>5} nodes "
                     f"in={len(region.inputs)} out={len(region.outputs)} {status}{extra}")
    lines.extend(fallback_lines(plan))
    return "\n".join(lines)


def fallback_lines(plan: PartitionPlan) -> list[str]:
    """``fallbacks to PyTorch (N):`` and one line per (op, code, reason), most frequent
    first; no lines when nothing falls back or PyTorch is the only target."""
    fallbacks = [(nid, info) for nid, info in plan.nodes.items() if info.target == FALLBACK]
    if not fallbacks or tuple(plan.targets) == (FALLBACK,):
        return []
    lines = [f"fallbacks to PyTorch ({len(fallbacks)}):"]
    nodes = plan.graph.node_by_id()
    grouped: Counter[tuple[str, str, str]] = Counter()
    for nid, info in fallbacks:
        node = nodes[nid]
        grouped[(display_op(node.op, node.attrs.get("target")), info.code.value,
                 info.reason)] += 1
    for (op, code, reason), count in sorted(grouped.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {count:>4} x {op} [{code}] {reason}")
    return lines
