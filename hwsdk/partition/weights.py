"""Quantized weights in the plan: which ones no requested target runs (for
``quantize_fallback``), and per region which quantized weights it holds, with their bytes as
stored against the float weights they replace."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from hwsdk.capability import CapabilityTable, judge
from hwsdk.ir.graph import Graph
from hwsdk.ir.quant import weight_summary
from hwsdk.partition.assign import CheckHook
from hwsdk.partition.plan import PartitionPlan

if TYPE_CHECKING:
    from hwsdk.registry import Registry

__all__ = ["record_weights", "refused_weights", "dequantize_refused", "plan_quantized"]


def refused_weights(graph: Graph, targets: Sequence[str], tables: Mapping[str, CapabilityTable],
                    check: CheckHook | None = None) -> dict[str, str]:
    """The ``dequantize`` nodes none of ``targets`` runs (``torch`` left out): node id → the
    first target's reason. None when ``targets`` is empty: PyTorch runs them all.

    :param targets: canonical target references in preference order.
    :param check: the plugins' ``hwsdk_check``, for nodes a table accepts.
    """
    refused: dict[str, str] = {}
    for node in graph.nodes:
        if node.op != "dequantize" or not targets:
            continue
        reasons = []
        for target in targets:
            verdict = judge(tables[target], node, graph)
            if verdict.ok and check is not None:
                verdict = check(target, node, graph) or verdict
            if verdict.ok:
                break
            reasons.append(f"{verdict.code}: {verdict.reason}")
        else:
            refused[node.id] = reasons[0]
    return refused


def record_weights(plan: PartitionPlan, dequantized: Sequence[str] = ()) -> PartitionPlan:
    """A plan whose regions holding quantized weights name them in ``details["weights"]``
    (see :func:`hwsdk.ir.quant.weight_summary`); ``plan`` itself when none does.

    :param dequantized: params that were quantized weights and are float now
        (``quantize_fallback="dequantize"``): counted at their float size.
    """
    nodes = plan.graph.node_by_id()
    changed = False
    regions = []
    for region in plan.regions:
        summary = weight_summary(plan.graph, (nodes[i] for i in region.node_ids), dequantized)
        if summary is not None:
            region = replace(region, details={**region.details, "weights": summary})
            changed = True
        regions.append(region)
    return replace(plan, regions=tuple(regions)) if changed else plan


def dequantize_refused(graph: Graph, target: str | Sequence[str],
                       registry: Registry) -> tuple[list[str], list[str]]:
    """``quantize_fallback="dequantize"``: dequantize to float, up front, the weights none of
    the targets ``target`` resolves to runs quantized (:func:`refused_weights`).

    :returns: the plan notes (which weights and why) and the float params that replaced them.
    """
    from hwsdk.ir.quant import dequantize_weights
    from hwsdk.partition.planner import resolve_targets

    _, prefs, _ = resolve_targets(target, registry)
    tables = {ref: registry.capabilities(ref) for ref in prefs}
    refused = refused_weights(graph, prefs, tables, registry.check)
    outputs = {n.id: n.outputs[0] for n in graph.nodes if n.id in refused}
    notes = dequantize_weights(graph, refused)
    return notes, list(outputs.values())


def plan_quantized(captured: Any, target: str | Sequence[str], registry: Registry, *,
                   dequantize: bool, notes: Sequence[str] = (),
                   **plan_settings: Any) -> PartitionPlan:
    """Plan a capture whose graph may hold quantized weights, as :func:`hwsdk.explain` and
    ``hwsdk explain --quantize`` do: with ``dequantize`` (``quantize_fallback="dequantize"``)
    the weights no target runs quantized are made float first (in ``captured``'s graph:
    pass a copy to keep the original); then the plan, with each region's weights recorded.

    :param plan_settings: the rest of :func:`~hwsdk.partition.planner.plan_graph`'s keyword
        arguments (``min_block_size``, ``fallback_ops``, ``model_name``, ...).
    """
    from hwsdk.partition.planner import plan_graph

    dequantized: list[str] = []
    notes = list(notes)
    if dequantize:
        more, dequantized = dequantize_refused(captured.graph, target, registry)
        notes += more
    plan = plan_graph(captured, target, registry=registry, notes=notes, **plan_settings)
    return record_weights(plan, dequantized)
