"""Text reports of a PartitionPlan: the short summary, the full report, and the coverage
matrix of one model across several targets."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING

from hwsdk.partition.assign import FALLBACK
from hwsdk.partition.summary import fallback_lines, render_summary
from hwsdk.report.advice import block_size_advice, display_op, op_advice

if TYPE_CHECKING:
    from hwsdk.partition.plan import PartitionPlan

__all__ = ["render_summary", "render_report", "render_matrix", "format_bytes", "tuning_lines"]


def format_bytes(n: int | None) -> str:
    """``1536`` → ``"1.5 KiB"``; None (symbolic shape) → ``"dynamic"``."""
    if n is None:
        return "dynamic"
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def _op_count_lines(plan: PartitionPlan) -> list[str]:
    nodes = plan.graph.node_by_id()
    per_op: dict[str, Counter[str]] = {}
    for nid, info in plan.nodes.items():
        node = nodes[nid]
        per_op.setdefault(display_op(node.op, node.attrs.get("target")), Counter())[
            info.target] += 1
    targets = [t for t in plan.targets if any(t in c for c in per_op.values())]
    width = max([len(op) for op in per_op] + [2])
    lines = ["op counts:", "  " + "op".ljust(width) + "  total  "
             + "  ".join(t.rjust(max(len(t), 5)) for t in targets)]
    for op, counter in sorted(per_op.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
        cells = "  ".join(str(counter.get(t, 0) or "-").rjust(max(len(t), 5)) for t in targets)
        lines.append(f"  {op.ljust(width)}  {sum(counter.values()):>5}  {cells}")
    return lines


def tuning_lines(plan: PartitionPlan) -> list[str]:
    """What measured tuning recorded (docs/tuning.md): its plan notes, then per region chosen
    by measurement ``r2: cpu 1.91 ms, intel:cpu 2.34 ms, torch 3.10 ms -> cpu``."""
    lines = [note for note in plan.notes if note.startswith("tune")]
    for region in plan.regions:
        tune = region.details.get("tune")
        if isinstance(tune, Mapping) and isinstance(tune.get("line"), str):
            lines.append(f"{region.id}: {tune['line']}")
    return lines


def _region_lines(plan: PartitionPlan) -> list[str]:
    lines = ["regions (boundary tensors: name shape dtype bytes):"]
    types = plan.graph.types
    for region in plan.regions:
        status = region.status + (f": {region.reason}" if region.reason else "")
        lines.append(f"  {region.id} {region.target} [{status}] {len(region.node_ids)} nodes, "
                     f"{len(region.params)} params")
        tune = region.details.get("tune")
        if isinstance(tune, Mapping) and isinstance(tune.get("line"), str):
            lines.append(f"      measured: {tune['line']}")
        for label, names in (("in ", region.inputs), ("out", region.outputs)):
            for name in names:
                t = types[name]
                lines.append(f"      {label} {name:<24} {t!s:<28} "
                             f"{format_bytes(t.nbytes())}")
    return lines


def render_report(plan: PartitionPlan) -> str:
    """The full text report: summary, op counts, unsupported-op histogram with reasons,
    regions with their boundary tensors, boundary crossings, and recommendations."""
    s = plan.summary_dict()
    lines = [
        f"hwsdk partition report{f' for {plan.model_name}' if plan.model_name else ''}",
        f"targets (preference order): {' > '.join(plan.targets)}",
        f"nodes: {s['nodes']}   regions: {s['regions']}   boundary crossings: "
        f"{s['boundary_crossings']} ("
        + (f"{format_bytes(s['boundary_bytes'])} cross them per call)"
           if s["boundary_bytes"] is not None else "their size depends on dynamic dims)"),
        "coverage:",
    ]
    counts = s["coverage_counts"]
    for target, pct in s["coverage_percent"].items():
        bar = "#" * round(pct * 30 / 100)
        lines.append(f"  {target:<16} {counts[target]:>6} nodes {pct:>6.1f}% {bar}")
    lines.append("  " + plan.coverage_line())
    lines.extend(f"note: {note}" for note in plan.notes if not note.startswith("tune"))
    tuning = tuning_lines(plan)
    if tuning:
        lines.extend(["", "tuning (measured on this machine):", *(f"  {t}" for t in tuning)])
    lines.append("")
    lines.extend(_op_count_lines(plan))
    fallback = fallback_lines(plan)
    if fallback:
        lines.append("")
        moved = sum(1 for i in plan.nodes.values() if i.target == FALLBACK)
        lines.append(f"unsupported-op histogram ({moved} nodes run in PyTorch, "
                     f"{len(fallback) - 1} kinds):")
        lines.extend(fallback[1:])
    lines.append("")
    lines.extend(_region_lines(plan))
    lines.append("")
    lines.extend(_advice_lines(plan))
    return "\n".join(lines)


def _advice_lines(plan: PartitionPlan) -> list[str]:
    lines = ["recommendations:"]
    for advice in block_size_advice(plan):
        lines.append(f"  min_block_size={advice.min_block_size}: {advice.regions} regions "
                     f"(now {len(plan.regions)}), {advice.crossings} boundary crossings, "
                     f"{advice.folded_nodes} nodes move to PyTorch")
    for missing in op_advice(plan):
        gain = f"+{missing.nodes} nodes (+{missing.gain:.1%} coverage)"
        if missing.code == "OPAQUE_OP":
            lines.append(f"  map {missing.op} to a core op (so {missing.target} can claim it): "
                         f"{gain}")
        elif missing.code == "UNKNOWN":
            lines.append(f"  find out whether {missing.target} runs {missing.op} (no source "
                         f"says either way) [{missing.code}]: {gain} if it does")
        else:
            lines.append(f"  support {missing.op} on {missing.target} [{missing.code}]: {gain}")
    if len(lines) == 1:
        lines.append("  none: every node runs on the preferred target in one region")
    return lines


def render_matrix(plans: Mapping[str, PartitionPlan | str]) -> str:
    """One model across targets: nodes that run, the certain / unknown / does-not-run split,
    regions and crossings per target; ``up to`` (the optimistic bound) when a plan was made
    with ``assume_unknown="runs"``.

    :param plans: target reference → its plan, or an error message when planning failed.
    """
    rows: list[tuple[str, ...]] = [("target", "supported", "coverage", "unknown", "no", "up to",
                                    "regions", "accel", "crossings", "top fallback")]
    for target, plan in plans.items():
        if isinstance(plan, str):
            rows.append((target, *["-"] * 8, plan))
            continue
        s = plan.summary_dict()
        pct, n = s["support_percent"], s["support"]
        top = plan.fallback_reasons().most_common(1)
        bound = f"{s['optimistic_percent']:.1f}%" if "optimistic_percent" in s else "-"
        rows.append((target, f"{n['runs']}/{s['nodes']}", f"{pct['runs']:.1f}%",
                     f"{pct['unknown']:.1f}%", f"{pct['no']:.1f}%", bound, str(s["regions"]),
                     str(sum(1 for r in plan.regions if not r.is_fallback)),
                     str(s["boundary_crossings"]),
                     f"{top[0][0][0]} x{top[0][1]}" if top else "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(w) if i == 0 else cell.rjust(w)
                 for i, (cell, w) in enumerate(zip(row, widths, strict=False))]
        lines.append("  ".join(cells) + "  " + row[-1])
    lines.append("coverage: runs on the target (documented); unknown: not documented either "
                 "way (kept in PyTorch); no: documented no, no kernel or kept by a setting"
                 + ("; up to: if the undocumented ops work (assume_unknown='runs')"
                    if any(not isinstance(p, str) and p.assume_unknown == "runs"
                           for p in plans.values()) else ""))
    return "\n".join(lines)
