"""Per-region choice, step 4: the compiled model of one engine per segment, from the runners
already compiled and measured (nothing is compiled again).

Each segment becomes one region of the plan, recorded under its engine's target (an Inductor
segment under ``cpu``, its details naming the engine). Consecutive segments on one engine stay
separate regions: that is what was measured, and running them as one region is what the
whole-model candidates measure. A node's reason is its target's verdict; a node placed in
PyTorch says it was measured faster there (or could run nowhere else).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hwsdk.capability import ReasonCode
from hwsdk.partition.assign import FALLBACK, Assignment
from hwsdk.partition.plan import PartitionPlan, RegionResult, RegionStatus
from hwsdk.partition.regions import region_boundaries
from hwsdk.runtime.compiled import CompiledModel, Step
from hwsdk.runtime.transfers import region_device
from hwsdk.tune.engines import target_of
from hwsdk.tune.segments import Segment

__all__ = ["assemble"]


def _assignments(segments: Sequence[Segment], engines: Sequence[str],
                 verdicts: Mapping[str, Mapping[str, Assignment]],
                 reference: PartitionPlan) -> dict[str, Assignment]:
    """Node id → Assignment: the single-target plan's for a target, a measured reason for
    PyTorch."""
    found: dict[str, Assignment] = {}
    for segment, engine in zip(segments, engines, strict=True):
        target = target_of(engine)
        for node_id in segment.node_ids:
            if target != FALLBACK:
                found[node_id] = verdicts[target][node_id]
                continue
            ref = reference.verdicts[node_id]
            why = (f"measured faster in PyTorch than on {', '.join(segment.engines[:-1])} "
                   f"(tune, segment {segment.label})" if len(segment.engines) > 1 else
                   f"no requested target runs all of segment {segment.label}: {ref.reason}")
            code = ReasonCode.FALLBACK if len(segment.engines) > 1 else ref.code
            found[node_id] = Assignment(FALLBACK, code, why, ref.verdicts)
    return found


def assemble(captured: Any, reference: PartitionPlan, segments: Sequence[Segment],
             engines: Sequence[str], runners: Mapping[tuple[int, str], Any],
             verdicts: Mapping[str, Mapping[str, Assignment]], home: str,
             tune_details: Sequence[Mapping[str, Any]]) -> CompiledModel:
    """The CompiledModel running segment ``i`` with ``runners[(i, engines[i])]``.

    :param verdicts: target → node id → its Assignment when planned for that target alone.
    :param tune_details: per segment, what the plan records of its measurement.
    """
    graph = captured.graph
    runs = [(target_of(engine), list(s.node_ids)) for s, engine in zip(segments, engines,
                                                                       strict=True)]
    cuts = region_boundaries(graph, runs)
    plan = PartitionPlan.build(
        graph, reference.requested, reference.targets, cuts,
        _assignments(segments, engines, verdicts, reference), set(),
        int(reference.options.get("min_block_size", 1)), options=dict(reference.options),
        availability=dict(reference.availability), model_name=reference.model_name,
        assume_unknown=reference.assume_unknown, notes=reference.notes)
    steps: list[Step] = []
    results: dict[str, RegionResult] = {}
    for info, segment, engine in zip(plan.regions, segments, engines, strict=True):
        runner = runners[(segment.index, engine)]
        details = {**dict(getattr(runner, "details", {}) or {}), "tune": dict(
            tune_details[segment.index])}
        if info.is_fallback:
            results[info.id] = RegionResult(RegionStatus.FALLBACK, details=details)
            steps.append(Step(info.id, FALLBACK, runner, info.inputs, info.outputs, None))
            continue
        device = region_device(runner, info.id)
        results[info.id] = RegionResult(RegionStatus.COMPILED, details=details, device=device)
        steps.append(Step(info.id, info.target, runner, info.inputs, info.outputs, device))
    return CompiledModel(captured, plan, steps, results, home)
