"""An FX-based target: regions lowered to torch.fx and handed to a vendor's PyTorch integration
(Gaudi's ``hpu_backend``, Neuron's ``torch_neuronx.trace``), with packaged capability tables.

Public API, used by hwsdk-gaudi and hwsdk-inferentia the way hwsdk-nvidia and hwsdk-rocm use
:class:`~hwsdk.lower.triton.plugin.TritonTarget`; re-exported as ``hwsdk.plugin.FxTarget``. A
plugin builds one :class:`FxTarget` from its vendor module and returns it from
``hwsdk_targets``. Importing this module imports neither torch nor pydantic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hwsdk.contract import Availability, CompiledRegion, Region, Target, TargetInfo
from hwsdk.packaged_tables import PackagedTables

if TYPE_CHECKING:
    from hwsdk.capability import CapabilityTable

__all__ = ["FxTarget", "FxCompiler"]

FxCompiler = Callable[[str, Region, Any, Mapping[str, Any]], CompiledRegion]
"""``compile(target_ref, region, lowering, options)``: compile the region's torch.fx lowering
(:func:`hwsdk.plugin.to_fx`) with the vendor SDK; may import torch and the SDK."""


@dataclass(frozen=True)
class FxTarget(Target):
    """One vendor's target compiled from torch.fx.

    :param name: the target name (``"gaudi"``).
    :param vendor: shown by ``hwsdk targets``.
    :param description: one line for ``hwsdk targets``.
    :param engine: what runs the regions.
    :param tables: the packaged capability tables, one per variant.
    :param sdk: the SDK module the compile needs (``"torch_neuronx"``), for messages.
    :param sdk_label: what it is, for messages (``"PyTorch Neuron"``).
    :param sdk_present: whether the SDK is installed, found without importing it.
    :param devices: the devices the vendor's tools list (may run a tool; no SDK import).
    :param versions: the SDK's package versions.
    :param no_device: the probe's reason when the SDK is installed but lists no device.
    :param compiler: compiles a region's lowering (see :data:`FxCompiler`).
    :param aliases: other names for the target.
    :param options: compile options, name → one-line description.
    :param can_compile_offline: whether the SDK compiles without a device.
    """

    name: str
    vendor: str
    description: str
    engine: str
    tables: PackagedTables
    sdk: str
    sdk_label: str
    sdk_present: Callable[[], bool]
    devices: Callable[[], list[str]]
    versions: Callable[[], dict[str, str]]
    no_device: str
    compiler: FxCompiler
    aliases: Sequence[str] = ()
    options: Mapping[str, str] = field(default_factory=dict)
    can_compile_offline: bool = False
    priority: int = 40

    @property
    def info(self) -> TargetInfo:  # type: ignore[override]  # derived from the fields
        return TargetInfo(name=self.name, vendor=self.vendor, description=self.description,
                          variants=list(self.tables.variants),
                          default_variant=self.tables.default_variant,
                          aliases=list(self.aliases), engine=self.engine,
                          options=dict(self.options), priority=self.priority)

    def probe(self, deep: bool) -> Availability:
        """Whether the SDK is installed and the vendor's tools list a device."""
        offline = self.can_compile_offline
        if not self.sdk_present():
            return Availability(available=False, can_compile_offline=False, reason=(
                f"{self.sdk} ({self.sdk_label}) is not installed; hwsdk.explain works offline"))
        devices = self.devices()
        if not devices:
            return Availability(available=False, versions=self.versions(),
                                can_compile_offline=offline, reason=self.no_device)
        return Availability(available=True, devices=devices, versions=self.versions(),
                            can_compile_offline=offline)

    def capabilities(self) -> CapabilityTable:
        return self.tables.table(self.variant or self.tables.default_variant)

    def compile(self, region: Region, options: Mapping[str, Any]) -> CompiledRegion:
        from hwsdk.lower.fx import lower_to_fx

        lowering = lower_to_fx(region.graph, region.nodes, region.inputs, region.outputs)
        return self.compiler(self.ref, region, lowering, options)
