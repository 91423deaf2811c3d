"""Recommendations computed from a PartitionPlan: what min_block_size would cut regions, and
which missing ops would bring the largest gain in coverage."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hwsdk.capability import ReasonCode
from hwsdk.partition.assign import FALLBACK
from hwsdk.partition.summary import display_op

if TYPE_CHECKING:
    from hwsdk.partition.plan import PartitionPlan

__all__ = ["BlockSizeAdvice", "OpAdvice", "block_size_advice", "op_advice", "display_op",
           "MISSING_CODES"]

MISSING_CODES = {ReasonCode.NO_KERNEL, ReasonCode.DTYPE, ReasonCode.UNKNOWN,
                 ReasonCode.CONSTRAINT, ReasonCode.DYNAMIC_SHAPE, ReasonCode.OPAQUE_OP}
"""Fallback codes a plugin could remove by supporting more (not user or block-size choices)."""


@dataclass(frozen=True)
class BlockSizeAdvice:
    """Re-cutting with ``min_block_size`` gives ``regions`` regions and ``crossings``
    target changes, moving ``folded_nodes`` nodes to PyTorch."""

    min_block_size: int
    regions: int
    crossings: int
    folded_nodes: int


@dataclass(frozen=True)
class OpAdvice:
    """Supporting ``op`` on ``target`` would move ``nodes`` nodes (``gain`` of all nodes)."""

    op: str
    target: str
    code: str
    nodes: int
    gain: float
    reason: str


def _crossings(plan: PartitionPlan, cuts: list[tuple[str, list[str]]]) -> int:
    nodes = plan.graph.node_by_id()
    target_of_value: dict[str, str] = {}
    for target, ids in cuts:
        for node_id in ids:
            for out in nodes[node_id].outputs:
                target_of_value[out] = target
    count = 0
    for target, ids in cuts:
        seen: set[str] = set()
        for node_id in ids:
            for name in nodes[node_id].inputs:
                src = target_of_value.get(name)
                if src is not None and src != target and name not in seen:
                    seen.add(name)
                    count += 1
    return count


def block_size_advice(plan: PartitionPlan, limit: int = 3) -> list[BlockSizeAdvice]:
    """For the smallest accelerator region sizes k, what ``min_block_size=k+1`` would give.

    Placement is re-cut from the plan's own node placement (``hwsdk.partition.regions``); only
    values that change the number of regions are listed.
    """
    from hwsdk.partition.regions import sweep

    sizes = sorted({len(r.node_ids) for r in plan.regions
                    if r.runs_on != FALLBACK})
    result: list[BlockSizeAdvice] = []
    for size in sizes[:limit]:
        placement = {nid: info.target for nid, info in plan.nodes.items()}
        folded = 0
        while True:
            runs = sweep(plan.graph, placement, FALLBACK)
            small = [ids for t, ids in runs if t != FALLBACK and len(ids) <= size]
            if not small:
                break
            for ids in small:
                folded += len(ids)
                for nid in ids:
                    placement[nid] = FALLBACK
        if len(runs) != len(plan.regions):
            result.append(BlockSizeAdvice(size + 1, len(runs), _crossings(plan, runs), folded))
    return result


def op_advice(plan: PartitionPlan, limit: int = 5) -> list[OpAdvice]:
    """Missing ops on the most preferred target, largest coverage gain first."""
    nodes = plan.graph.node_by_id()
    total = max(len(plan.nodes), 1)
    counts: Counter[tuple[str, str, str]] = Counter()
    reasons: dict[tuple[str, str, str], str] = {}
    for nid, info in plan.nodes.items():
        if info.target != FALLBACK or info.code not in MISSING_CODES:
            continue
        verdicts = plan.verdicts[nid].verdicts
        target = verdicts[0].target if verdicts else (plan.targets[0] if plan.targets else "")
        node = nodes[nid]
        key = (display_op(node.op, node.attrs.get("target")), target, info.code.value)
        counts[key] += 1
        reasons.setdefault(key, info.reason)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [OpAdvice(op, target, code, n, n / total, reasons[(op, target, code)])
            for (op, target, code), n in ranked[:limit]]
