"""A Triton-backed GPU target: the hook bodies a vendor plugin built on
:mod:`hwsdk.lower.triton` needs, parameterized by vendor (public API, used by hwsdk-nvidia and
hwsdk-rocm; a third-party Triton-backed plugin can use it the same way).

A plugin module builds one :class:`TritonTarget` and delegates each ``@hookimpl`` to it.
Importing this module imports neither torch, triton nor pydantic (the capability classes load
when a table is asked for).
"""

from __future__ import annotations

import glob
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node
from hwsdk.ir.opdef import OPSET_VERSION
from hwsdk.plugin import (
    Availability,
    CompiledRegion,
    Region,
    TargetInfo,
    hookimpl,
    package_versions,
)

if TYPE_CHECKING:
    from hwsdk.capability import CapabilityTable, Support, Verdict

__all__ = ["TritonTarget"]


@dataclass(frozen=True)
class TritonTarget:
    """One vendor's GPU target compiled through generated Triton kernels.

    :param name: the target name (``"nvidia"``).
    :param vendor: shown by ``hwsdk targets``.
    :param backend: Triton's backend name (``"cuda"``, ``"hip"``).
    :param binary: what AOT builds (``"cubin"``, ``"hsaco"``).
    :param archs: the variants, Triton arch names (``"sm_90"``, ``"gfx942"``).
    :param default_arch: the variant the bare name means.
    :param provenance: sources of the dtype facts, each a mapping of
        :class:`~hwsdk.capability.Provenance` fields.
    :param dtype_facts: arch → float dtype support.
    :param torch_devices: the deep look through torch (what the kernels run on): the GPUs
        torch sees, or ``([], why not)``; may import torch.
    :param smi_devices: the deep look through the vendor's management library: the GPUs it
        lists, or ``([], why not)``.
    :param smi_name: that library's name for messages (``"NVML"``, ``"amdsmi"``).
    :param device_nodes: glob of the driver's device nodes, for the quick probe.
    :param dists: distributions whose versions the quick probe reports.
    """

    name: str
    vendor: str
    backend: str
    binary: str
    archs: Sequence[str]
    default_arch: str
    provenance: Sequence[Mapping[str, str]]
    dtype_facts: Callable[[str], dict[DType, Support]]
    torch_devices: Callable[[], tuple[list[str], str]]
    smi_devices: Callable[[], tuple[list[str], str]]
    smi_name: str
    device_nodes: str
    dists: tuple[str, ...] = ("torch", "triton")
    priority: int = 30

    def arch(self, target: str) -> str | None:
        """The arch a target reference means, or None for another vendor's target."""
        name, _, variant = target.partition(":")
        if name != self.name:
            return None
        return variant or self.default_arch

    def options(self) -> dict[str, str]:
        return {
            "emulate": "run the generated Triton kernels in Triton's CPU interpreter (testing "
                       "aid; no GPU needed; slow)",
            "aot": f"compile every kernel to {self.binary} now, without a GPU, so `hwsdk compile "
                   "--out DIR` can save it (region.save); the result runs only where the GPU is",
        }

    def targets(self) -> list[TargetInfo]:
        return [TargetInfo(
            name=self.name, vendor=self.vendor, variants=list(self.archs),
            default_variant=self.default_arch, priority=self.priority,
            engine="Triton (generated kernels)", options=self.options(),
            description=f"{self.vendor} GPUs via generated Triton kernels; AOT {self.binary}; "
                        "emulate=True for Triton's interpreter")]

    def probe_target(self, target: str, deep: bool) -> Availability | None:
        if not self.arch(target):
            return None
        # torch already imported: its device query is free, so the quick look uses it too
        return self.deep_probe() if deep or "torch" in sys.modules else self.quick_probe()

    def _offline_note(self) -> str:
        return f"ahead-of-time {self.binary} builds and emulate=True still work"

    def deep_probe(self) -> Availability:
        """Devices torch can use (else why not, and what the management library lists),
        package versions, and whether ahead-of-time builds work without a device."""
        versions = package_versions(self.dists)
        devices, why = self.torch_devices()
        listed, smi_why = self.smi_devices()
        if not devices and listed:
            why = f"{why}; {self.smi_name} lists {', '.join(listed)} but torch cannot use it"
        offline = "triton" in versions
        if devices:
            return Availability(available=True, devices=devices, versions=versions,
                                can_compile_offline=offline)
        reasons = [why, smi_why, self._offline_note() if offline else ""]
        return Availability(available=False, reason="; ".join(r for r in reasons if r),
                            versions=versions, can_compile_offline=offline)

    def quick_probe(self) -> Availability:
        """Package versions and the driver's device nodes; imports nothing."""
        versions = package_versions(self.dists)
        offline = "triton" in versions
        nodes = sorted(glob.glob(self.device_nodes))
        if nodes:
            return Availability(available=True, devices=nodes, versions=versions,
                                can_compile_offline=offline,
                                reason=f"quick look: {self.vendor} device node present; "
                                       "`hwsdk targets --deep` asks the driver")
        reasons = [f"no {self.vendor} device node ({self.device_nodes}) here"]
        if offline:
            reasons.append(self._offline_note())
        return Availability(available=False, reason="; ".join(reasons), versions=versions,
                            can_compile_offline=offline)

    def capabilities(self, target: str) -> CapabilityTable | None:
        arch = self.arch(target)
        if arch is None:
            return None
        from hwsdk.capability import CapabilityTable, Provenance
        from hwsdk.lower.triton.capabilities import op_table

        return CapabilityTable(
            target=f"{self.name}:{arch}", version=f"hwsdk.lower.triton opset {OPSET_VERSION}",
            opset_version=OPSET_VERSION,
            provenance=[Provenance(**dict(p)) for p in self.provenance],
            ops=op_table(self.dtype_facts(arch)),
            note=f"Generated Triton kernels for {arch}. Ops outside the kernel families "
                 "(embedding, cat, indexing …) run in PyTorch.")

    def check(self, target: str, node: Node, graph: Graph) -> Verdict | None:
        if not self.arch(target):
            return None
        from hwsdk.lower.triton.capabilities import check_node

        return check_node(target, node, graph)

    def compile(self, target: str, region: Region,
                options: Mapping[str, Any]) -> CompiledRegion | None:
        arch = self.arch(target)
        if arch is None:
            return None
        from hwsdk.lower.triton import compile_region

        return compile_region(region, arch, self.backend, bool(options.get("emulate", False)),
                              f"{self.name}:{arch}", aot=bool(options.get("aot", False)))

    def hooks(self) -> dict[str, Callable[..., Any]]:
        """This target's ``@hookimpl`` functions, by hook name; a plugin module exposes them
        with ``globals().update(TARGET.hooks())``."""

        @hookimpl
        def hwsdk_targets() -> list[TargetInfo]:
            return self.targets()

        @hookimpl
        def hwsdk_probe(target: str, deep: bool) -> Availability | None:
            return self.probe_target(target, deep)

        @hookimpl
        def hwsdk_capabilities(target: str) -> CapabilityTable | None:
            return self.capabilities(target)

        @hookimpl
        def hwsdk_check(target: str, node: Node, graph: Graph) -> Verdict | None:
            return self.check(target, node, graph)

        @hookimpl
        def hwsdk_compile(target: str, region: Region,
                          options: Mapping[str, Any]) -> CompiledRegion | None:
            return self.compile(target, region, options)

        return {fn.__name__: fn for fn in (hwsdk_targets, hwsdk_probe, hwsdk_capabilities,
                                           hwsdk_check, hwsdk_compile)}

    def compile_artifact(self, model: Any, example_inputs: Sequence[Any], target: str,
                         out_dir: str | Path) -> Path:
        """Build and save an AOT artifact for ``target``; returns the manifest path.

        :raises ValueError: for another vendor's target.
        """
        if target.partition(":")[0] != self.name:
            raise ValueError(f"the {self.name} plugin builds {self.name} targets only, "
                             f"not {target!r}")
        from hwsdk.lower.triton.aot import compile_artifact as build

        return build(model, example_inputs, target, out_dir)
