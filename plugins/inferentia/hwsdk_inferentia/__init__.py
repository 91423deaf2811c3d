"""hwsdk target plugin for AWS Inferentia and Trainium (Neuron): ``inferentia``,
``inferentia:inf2``, ``inferentia:trn1``, ``inferentia:trn2``.

Capability tables are generated from the Neuron documentation (see docs/vendor-tables.md), so
``hwsdk.explain(..., target="inferentia:inf2")`` works on any machine. Compiling needs
``torch_neuronx``: regions are lowered to torch.fx and compiled with ``torch_neuronx.trace``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hwsdk.plugin import Availability, CompiledRegion, Region, TargetInfo, hookimpl
from hwsdk_inferentia import tables, vendor

if TYPE_CHECKING:
    from hwsdk.plugin import CapabilityTable

__all__ = ["HWSDK_PLUGIN_API", "hwsdk_targets", "hwsdk_probe", "hwsdk_capabilities",
           "hwsdk_compile", "variant_of"]

HWSDK_PLUGIN_API = ">=1,<2"
NAME = "inferentia"


def variant_of(target: str) -> str | None:
    """The variant a target reference means (the default for the bare name), or None when
    the reference is not this plugin's."""
    return tables.TABLES.variant_of(target)


@hookimpl
def hwsdk_targets() -> list[TargetInfo]:
    return [TargetInfo(
        name=NAME, vendor="AWS (Annapurna Labs)", priority=40,
        description="AWS Inferentia2/Trainium NeuronCores via torch_neuronx.trace; tables from "
                    "the Neuron docs",
        variants=list(tables.VARIANTS), default_variant=tables.DEFAULT_VARIANT,
        aliases=["neuron"], engine="AWS Neuron (torch-neuronx, neuronx-cc)",
        options={"compiler_args": "list of neuronx-cc arguments for torch_neuronx.trace",
                 "compiler_workdir": "neuronx-cc work directory for torch_neuronx.trace"},
    )]


@hookimpl
def hwsdk_probe(target: str) -> Availability | None:
    if variant_of(target) is None:
        return None
    if not vendor.sdk_present():
        return Availability(available=False, reason=(
            f"{vendor.SDK} (PyTorch Neuron) is not installed; hwsdk.explain works offline"))
    devices = vendor.neuron_ls_devices()
    if not devices:
        return Availability(available=False, versions=vendor.versions(), can_compile_offline=True,
                            reason="torch_neuronx is installed but neuron-ls reports no "
                                   "NeuronDevice; hwsdk.explain works offline, compile needs one")
    return Availability(available=True, devices=devices, versions=vendor.versions(),
                        can_compile_offline=True)


@hookimpl
def hwsdk_capabilities(target: str) -> CapabilityTable | None:
    variant = variant_of(target)
    return None if variant is None else tables.table(variant)


@hookimpl
def hwsdk_compile(target: str, region: Region, options: Mapping[str, Any]) -> CompiledRegion | None:
    if variant_of(target) is None:
        return None
    from hwsdk_inferentia.compile import compile_region

    return compile_region(target, region, options)
