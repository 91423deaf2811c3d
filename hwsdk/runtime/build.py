"""Assembly's entry point: compile every region of a plan and put the CompiledModel together.

The results of compiling (status, failure message, details, device) and the transfers the
runtime will make are recorded beside the plan, in the new plan the model carries
(:meth:`~hwsdk.partition.plan.PartitionPlan.with_results`); the plan given is not changed.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from hwsdk.errors import CompileError, TargetUnavailableError
from hwsdk.partition.assign import FALLBACK
from hwsdk.partition.plan import PartitionPlan, RegionInfo, RegionResult, RegionStatus
from hwsdk.plugin import Region
from hwsdk.registry import Registry
from hwsdk.runtime.compiled import CompiledModel, Step
from hwsdk.runtime.transfers import region_device

__all__ = ["build_compiled"]


def build_compiled(captured: Any, plan: PartitionPlan, registry: Registry,
                   options: Mapping[str, Any], require_full: bool, *,
                   home: str = "cpu") -> CompiledModel:
    """Compile every region of ``plan`` and assemble the CompiledModel.

    A region whose plugin fails runs in PyTorch (with a warning, recorded in the plan), unless
    ``require_full``.

    :param home: the device the example inputs are on; the plan records the transfers for it.
    :raises CompileError: with ``require_full``, when a region fails to compile.
    :raises TargetUnavailableError: when a target cannot compile here at all.
    """
    graph = captured.graph
    nodes = graph.node_by_id()
    steps: list[Step] = []
    results: dict[str, RegionResult] = {}
    for info in plan.regions:
        region = Region(info.id, info.target, graph, [nodes[i] for i in info.node_ids],
                        list(info.inputs), list(info.outputs), list(info.params),
                        alone=len(plan.regions) == 1)
        runner, result = _compile(info, region, registry, options, require_full)
        if result is not None:
            results[info.id] = result
        device = result.device if result is not None and result.status is \
            RegionStatus.COMPILED else None
        steps.append(Step(info.id, info.runs_on if result is None else
                          (info.target if result.status is RegionStatus.COMPILED
                           else FALLBACK), runner, info.inputs, info.outputs, device))
    return CompiledModel(captured, plan, steps, results, home)


def _compile(info: RegionInfo, region: Region, registry: Registry, options: Mapping[str, Any],
             require_full: bool) -> tuple[Any, RegionResult | None]:
    """(runner, result): the target's compiled region, or PyTorch's after a failure."""
    if not info.is_fallback:
        try:
            runner = registry.compile(info.target, region, options)
            device = region_device(runner, info.id)
            return runner, RegionResult(RegionStatus.COMPILED,
                                        details=dict(getattr(runner, "details", {}) or {}),
                                        device=device)
        except TargetUnavailableError:
            raise
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}".strip()
            if require_full:
                raise CompileError(
                    f"region {info.id} ({len(info.node_ids)} nodes) failed to compile for "
                    f"{info.target}: {message}"
                ) from exc
            warnings.warn(f"hwsdk: region {info.id} failed to compile for {info.target} "
                          f"and runs in PyTorch: {message}", stacklevel=4)
            return (registry.compile(FALLBACK, region, options),
                    RegionResult(RegionStatus.COMPILE_FAILED, message))
    return registry.compile(FALLBACK, region, options), None
