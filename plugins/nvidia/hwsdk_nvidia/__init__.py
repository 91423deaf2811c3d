"""hwsdk plugin for NVIDIA GPUs: regions become Triton kernels (hwsdk.lower.triton).

Targets ``nvidia`` and ``nvidia:sm_80|sm_86|sm_89|sm_90|sm_100|sm_120``. On a machine with a
CUDA GPU the kernels run through Triton's CUDA launcher; ``emulate=True`` runs them in Triton's
interpreter on CPU (a testing aid, reported as such); :mod:`hwsdk_nvidia.aot` builds cubin
artifacts with no GPU present. Importing this module imports neither torch nor triton.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hwsdk.ir.graph import Graph, Node
from hwsdk.lower.triton.plugin import TritonTarget
from hwsdk.plugin import (
    Availability,
    CapabilityTable,
    CompiledRegion,
    Region,
    TargetInfo,
    Verdict,
    hookimpl,
)
from hwsdk_nvidia.archs import ARCHS, DEFAULT_ARCH, PROVENANCE, dtype_facts
from hwsdk_nvidia.probe import DISTS, probe

HWSDK_PLUGIN_API = ">=1,<2"

TARGET = TritonTarget(name="nvidia", vendor="NVIDIA", backend="cuda", binary="cubin",
                      archs=ARCHS, default_arch=DEFAULT_ARCH, provenance=PROVENANCE,
                      dtype_facts=dtype_facts, probe=probe, device_nodes="/dev/nvidia[0-9]*",
                      dists=DISTS)
NAME = TARGET.name
OPTIONS = TARGET.options()


@hookimpl
def hwsdk_targets() -> list[TargetInfo]:
    return TARGET.targets()


@hookimpl
def hwsdk_probe(target: str, deep: bool) -> Availability | None:
    return TARGET.probe_target(target, deep)


@hookimpl
def hwsdk_capabilities(target: str) -> CapabilityTable | None:
    return TARGET.capabilities(target)


@hookimpl
def hwsdk_check(target: str, node: Node, graph: Graph) -> Verdict | None:
    return TARGET.check(target, node, graph)


@hookimpl
def hwsdk_compile(target: str, region: Region, options: Mapping[str, Any]) -> CompiledRegion | None:
    return TARGET.compile(target, region, options)
