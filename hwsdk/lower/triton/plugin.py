"""A Triton-backed GPU target, parameterized by vendor (public API, used by hwsdk-nvidia and
hwsdk-rocm; a third-party Triton-backed plugin can use it the same way; re-exported as
``hwsdk.plugin.TritonTarget``).

A plugin module builds one :class:`TritonTarget` and returns it from ``hwsdk_targets``.
Importing this module imports neither torch, triton nor pydantic (the capability classes load
when a table is asked for).
"""

from __future__ import annotations

import glob
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from hwsdk.contract import (
    Availability,
    CompiledRegion,
    Region,
    Target,
    TargetInfo,
    package_versions,
)
from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node
from hwsdk.ir.opdef import OPSET_VERSION

if TYPE_CHECKING:
    from hwsdk.capability import CapabilityTable, Support, Verdict

__all__ = ["TritonTarget"]


@dataclass(frozen=True)
class TritonTarget(Target):
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
    :param quant_facts: arch → support of the quantized weight formats (``"int8"``,
        ``"int4"``), each with the vendor's line it rests on; formats left out are unknown.
    :param quant_source: the vendor document ``quant_facts`` reads.
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
    quant_facts: Callable[[str], Mapping[str, tuple[Support, str]]] | None = None
    quant_source: str = ""

    offline_options: ClassVar[Mapping[str, str]] = {
        "emulate": "emulated", "aot": "an ahead-of-time build"}

    @property
    def arch(self) -> str:
        """The arch this object serves (the default one until bound to a variant)."""
        return self.variant or self.default_arch

    def options(self) -> dict[str, str]:
        return {
            "emulate": "run the generated Triton kernels in Triton's CPU interpreter (testing "
                       "aid; no GPU needed; slow)",
            "aot": f"compile every kernel to {self.binary} now, without a GPU, so `hwsdk compile "
                   "--out DIR` can save it (region.save); the result runs only where the GPU is",
        }

    @property
    def info(self) -> TargetInfo:  # type: ignore[override]  # derived from the fields
        return TargetInfo(
            name=self.name, vendor=self.vendor, variants=list(self.archs),
            default_variant=self.default_arch, priority=self.priority,
            engine="Triton (generated kernels)", options=self.options(),
            description=f"{self.vendor} GPUs via generated Triton kernels; AOT {self.binary}; "
                        "emulate=True for Triton's interpreter")

    def probe(self, deep: bool) -> Availability:
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

    def capabilities(self) -> CapabilityTable:
        arch = self.arch
        from hwsdk.capability import CapabilityTable, Provenance
        from hwsdk.lower.triton.capabilities import op_table

        return CapabilityTable(
            target=f"{self.name}:{arch}", version=f"hwsdk.lower.triton opset {OPSET_VERSION}",
            opset_version=OPSET_VERSION,
            provenance=[Provenance(**dict(p)) for p in self.provenance],
            ops=op_table(self.dtype_facts(arch),
                         self.quant_facts(arch) if self.quant_facts else None,
                         self.quant_source),
            note=f"Generated Triton kernels for {arch}. Ops outside the kernel families "
                 "(pooling, index_copy, creation ops …) run in PyTorch.")

    def check(self, node: Node, graph: Graph) -> Verdict | None:
        from hwsdk.lower.triton.capabilities import check_node

        return check_node(self.ref, node, graph)

    def compile(self, region: Region, options: Mapping[str, Any]) -> CompiledRegion:
        from hwsdk.lower.triton import compile_region

        return compile_region(region, self.arch, self.backend,
                              bool(options.get("emulate", False)), self.ref,
                              aot=bool(options.get("aot", False)))

    def compile_artifact(self, plan: Any, out_dir: str | Path) -> Path:
        """Build and save an AOT artifact of ``plan`` (a PartitionPlan for one of this
        vendor's targets); returns the manifest path.

        :raises ValueError: for another vendor's target.
        """
        target = plan.targets[0] if plan.targets else ""
        if target.partition(":")[0] != self.name:
            raise ValueError(f"the {self.name} plugin builds {self.name} targets only, "
                             f"not {target!r}")
        from hwsdk.lower.triton.aot import compile_artifact as build

        return build(plan, out_dir)

    @staticmethod
    def load_artifact(root: str | Path, arch: str | None = None) -> Any:
        """Verify and load an AOT artifact (see
        :func:`hwsdk.lower.triton.aot_load.load_artifact`)."""
        from hwsdk.lower.triton.aot_load import load_artifact

        return load_artifact(root, arch=arch)
