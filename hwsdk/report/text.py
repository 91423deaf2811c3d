"""The text summary of a PartitionPlan."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hwsdk.partition.plan import PartitionPlan

__all__ = ["render_summary"]


def render_summary(plan: PartitionPlan) -> str:
    """Coverage per target, regions with boundaries, and every fallback with its reason."""
    s = plan.summary_dict()
    lines = [
        f"hwsdk partition plan{f' for {plan.model_name}' if plan.model_name else ''}: "
        f"{s['nodes']} nodes, {s['regions']} regions, targets {' > '.join(plan.targets)}",
        "coverage: " + ", ".join(f"{t} {v:.1%}" for t, v in s["coverage"].items()),
        f"boundary crossings: {s['boundary_crossings']}"
        + (f" ({s['boundary_bytes']} bytes)" if s["boundary_bytes"] is not None else ""),
    ]
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
    fallbacks = [(nid, info) for nid, info in plan.nodes.items() if info.target == "torch"]
    if fallbacks and plan.targets != ["torch"]:
        lines.append(f"fallbacks to PyTorch ({len(fallbacks)}):")
        nodes = plan.graph.node_by_id()
        grouped: Counter[tuple[str, str, str]] = Counter()
        for nid, info in fallbacks:
            node = nodes[nid]
            op = node.attrs.get("target", node.op) if node.op == "torch_op" else node.op
            grouped[(op, info.code.value, info.reason)] += 1
        for (op, code, reason), count in sorted(grouped.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {count:>4} x {op} [{code}] {reason}")
    return "\n".join(lines)
