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
from hwsdk.ir.opdef import OPSET_VERSION
from hwsdk.lower.triton.capabilities import check_node, op_table
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
from hwsdk_nvidia.probe import probe, quick_probe

HWSDK_PLUGIN_API = ">=1,<2"
NAME = "nvidia"
BACKEND = "cuda"

OPTIONS = {
    "emulate": "run the generated Triton kernels in Triton's CPU interpreter (testing aid; "
               "no GPU needed; slow)",
    "aot": "compile every kernel to cubin now, without a GPU, so `hwsdk compile --out DIR` can "
           "save it (region.save); the result runs only where the GPU is",
}


def _arch(target: str) -> str | None:
    name, _, variant = target.partition(":")
    if name != NAME:
        return None
    return variant or DEFAULT_ARCH


@hookimpl
def hwsdk_targets() -> list[TargetInfo]:
    return [TargetInfo(name=NAME, vendor="NVIDIA", variants=list(ARCHS),
                       default_variant=DEFAULT_ARCH, priority=30,
                       engine="Triton (generated kernels)", options=OPTIONS,
                       description="NVIDIA GPUs via generated Triton kernels; AOT cubin; "
                                   "emulate=True for Triton's interpreter")]


@hookimpl
def hwsdk_probe(target: str, deep: bool) -> Availability | None:
    if not _arch(target):
        return None
    return probe(target) if deep else quick_probe(target)


@hookimpl
def hwsdk_capabilities(target: str) -> CapabilityTable | None:
    arch = _arch(target)
    if arch is None:
        return None
    return CapabilityTable(
        target=f"{NAME}:{arch}", version=f"hwsdk.lower.triton opset {OPSET_VERSION}",
        opset_version=OPSET_VERSION, provenance=PROVENANCE, ops=op_table(dtype_facts(arch)),
        note=f"Generated Triton kernels for {arch}. Ops outside the kernel families "
             "(embedding, cat, indexing …) run in PyTorch.")


@hookimpl
def hwsdk_check(target: str, node: Node, graph: Graph) -> Verdict | None:
    return check_node(target, node, graph) if _arch(target) else None


@hookimpl
def hwsdk_compile(target: str, region: Region, options: Mapping[str, Any]) -> CompiledRegion | None:
    arch = _arch(target)
    if arch is None:
        return None
    from hwsdk.lower.triton import compile_region

    return compile_region(region, arch, BACKEND, bool(options.get("emulate", False)),
                          f"{NAME}:{arch}", aot=bool(options.get("aot", False)))
