"""hwsdk plugin for AMD GPUs (ROCm): regions become Triton kernels (hwsdk.lower.triton).

Targets ``rocm`` and ``rocm:gfx90a|gfx942|gfx950|gfx1100|gfx1200``. On a machine with a
ROCm GPU the kernels run through Triton's HIP launcher; ``emulate=True`` runs them in Triton's
interpreter on CPU (a testing aid, reported as such); :mod:`hwsdk_rocm.aot` builds hsaco
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
from hwsdk_rocm.archs import ARCHS, DEFAULT_ARCH, PROVENANCE, dtype_facts
from hwsdk_rocm.probe import DISTS, probe

HWSDK_PLUGIN_API = ">=1,<2"

TARGET = TritonTarget(name="rocm", vendor="AMD", backend="hip", binary="hsaco",
                      archs=ARCHS, default_arch=DEFAULT_ARCH, provenance=PROVENANCE,
                      dtype_facts=dtype_facts, probe=probe, device_nodes="/dev/kfd",
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
