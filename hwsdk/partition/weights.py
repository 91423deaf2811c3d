"""Per-region weight formats in the plan: which quantized weights a region holds, and their
bytes as stored against the float weights they replace."""

from __future__ import annotations

from dataclasses import replace

from hwsdk.ir.quant import weight_summary
from hwsdk.partition.plan import PartitionPlan

__all__ = ["record_weights"]


def record_weights(plan: PartitionPlan) -> PartitionPlan:
    """A plan whose regions holding quantized weights name them in ``details["weights"]``
    (see :func:`hwsdk.ir.quant.weight_summary`); ``plan`` itself when none does."""
    nodes = plan.graph.node_by_id()
    changed = False
    regions = []
    for region in plan.regions:
        summary = weight_summary(plan.graph, (nodes[i] for i in region.node_ids))
        if summary is not None:
            region = replace(region, details={**region.details, "weights": summary})
            changed = True
        regions.append(region)
    return replace(plan, regions=tuple(regions)) if changed else plan
