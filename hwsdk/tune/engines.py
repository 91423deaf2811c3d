"""Per-region choice, step 2: compile one segment for one candidate engine.

An engine is a target's reference (``cpu``, ``intel:cpu``), PyTorch (``torch``), or an engine a
target offers besides its own: :data:`INDUCTOR`, PyTorch's Inductor code generator
(``torch.compile(backend="inductor")`` over the segment's torch.fx graph, C++/OpenMP on a CPU)
as an engine of the ``cpu`` target. Inductor compiles a segment in seconds to tens of seconds
(several times an ONNX Runtime session), more than the tuning budget allows by default, so it
is a candidate only when ``HWSDK_TUNE_INDUCTOR=1`` (:func:`inductor_enabled`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hwsdk.contract import CompiledRegion, Region
from hwsdk.ir.graph import Graph
from hwsdk.partition.assign import FALLBACK
from hwsdk.tune.segments import Segment

__all__ = ["INDUCTOR", "INDUCTOR_ENV", "ENGINE_TARGET", "inductor_enabled", "target_of",
           "segment_region", "InductorRegion", "compile_inductor"]

INDUCTOR = "cpu/inductor"
INDUCTOR_ENV = "HWSDK_TUNE_INDUCTOR"
ENGINE_TARGET = {INDUCTOR: "cpu"}
"""Engine → the target it is an engine of (a target's own engine is the target itself)."""

Compile = Callable[[str, Region], Any]


def inductor_enabled() -> bool:
    """Whether Inductor is a candidate engine: ``HWSDK_TUNE_INDUCTOR=1``."""
    return os.environ.get(INDUCTOR_ENV, "") == "1"


def target_of(engine: str) -> str:
    """The target a region run by ``engine`` is recorded under in the plan."""
    return ENGINE_TARGET.get(engine, engine)


def segment_region(segment: Segment, graph: Graph, engine: str) -> Region:
    """The :class:`~hwsdk.contract.Region` a target compiles for ``segment``: one piece of
    a per-region assignment, so not ``alone`` (other segments run between its calls)."""
    nodes = graph.node_by_id()
    return Region(f"r{segment.index}", target_of(engine), graph,
                  [nodes[i] for i in segment.node_ids], list(segment.inputs),
                  list(segment.outputs), list(segment.params), alone=False)


class InductorRegion(CompiledRegion):
    """A segment compiled by Inductor on its first call: the torch.fx lowering traced to ATen
    ops on those inputs (``make_fx``), then ``torch.compile(backend="inductor")``."""

    def __init__(self, module: Any) -> None:
        import torch

        super().__init__({"engine": "torch._inductor (torch.compile backend='inductor')",
                          "torch": torch.__version__})
        self._module = module
        self._fn: Any = None

    def run(self, inputs: Sequence[Any], env: Mapping[str, int]) -> Sequence[Any]:
        if self._fn is None:
            import torch
            from torch.fx.experimental.proxy_tensor import make_fx

            traced = make_fx(self._module)(*inputs)
            self._fn = torch.compile(traced, backend="inductor", fullgraph=True)
        return list(self._fn(*inputs))


def compile_inductor(region: Region) -> InductorRegion:
    """``region``'s torch.fx graph for Inductor; it compiles on its first call (the tuner
    makes that call, so a failure drops the candidate then).

    :raises CompileError: for a region with symbolic attributes (its graph takes the dims'
        values, which Inductor would have to trace as inputs).
    """
    from hwsdk.errors import CompileError
    from hwsdk.lower.fx import lower_to_fx

    lowering = lower_to_fx(region.graph, region.nodes, region.inputs, region.outputs)
    if lowering.needs_env:
        raise CompileError(f"{INDUCTOR} is offered for regions without symbolic attributes; "
                           f"region {region.id} has some")
    return InductorRegion(lowering.module)


def compile_engine(engine: str, region: Region, compile_target: Compile) -> Any:
    """``region`` compiled by ``engine``: Inductor here, anything else by its target
    (``compile_target(target, region)``, PyTorch included)."""
    if engine == INDUCTOR:
        return compile_inductor(region)
    return compile_target(FALLBACK if engine == FALLBACK else engine, region)
