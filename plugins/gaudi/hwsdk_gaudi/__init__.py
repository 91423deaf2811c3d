"""hwsdk target plugin for Intel Gaudi: ``gaudi``, ``gaudi:gaudi``, ``gaudi:gaudi2``,
``gaudi:gaudi3``.

Capability tables are generated from Intel's hpu_op.yaml (see docs/vendor-tables.md), so
``hwsdk.explain(..., target="gaudi:gaudi2")`` works on any machine. Compiling needs the Intel
Gaudi PyTorch bridge (``habana_frameworks.torch``): regions are lowered to torch.fx and
compiled with ``torch.compile(backend="hpu_backend")`` on the ``hpu`` device.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hwsdk.plugin import Availability, CompiledRegion, Region, TargetInfo, hookimpl
from hwsdk_gaudi import tables, vendor

if TYPE_CHECKING:
    from hwsdk.plugin import CapabilityTable

__all__ = ["HWSDK_PLUGIN_API", "hwsdk_targets", "hwsdk_probe", "hwsdk_capabilities",
           "hwsdk_compile", "variant_of"]

HWSDK_PLUGIN_API = ">=1,<2"
NAME = "gaudi"


def variant_of(target: str) -> str | None:
    """The variant a target reference means (the default for the bare name), or None when
    the reference is not this plugin's."""
    return tables.TABLES.variant_of(target)


@hookimpl
def hwsdk_targets() -> list[TargetInfo]:
    return [TargetInfo(
        name=NAME, vendor="Intel (Habana Labs)", priority=40,
        description="Intel Gaudi HPU via torch.compile(backend='hpu_backend'); tables from "
                    "hpu_op.yaml",
        variants=list(tables.VARIANTS), default_variant=tables.DEFAULT_VARIANT,
        aliases=["hpu"], engine="Intel Gaudi PyTorch bridge (hpu_backend)",
        options={"hpu_compile_options": "dict passed to torch.compile(options=...) for "
                                        "hpu_backend"},
    )]


@hookimpl
def hwsdk_probe(target: str) -> Availability | None:
    if variant_of(target) is None:
        return None
    if not vendor.bridge_present():
        return Availability(available=False, reason=(
            f"{vendor.BRIDGE} (Intel Gaudi PyTorch bridge) is not installed; "
            "hwsdk.explain works offline"), can_compile_offline=False)
    devices = vendor.smi_devices()
    if not devices:
        return Availability(available=False, versions=vendor.versions(), reason=(
            "the Intel Gaudi PyTorch bridge is installed but neither hl-smi nor pyhlml "
            "reports a Gaudi device"))
    return Availability(available=True, devices=devices, versions=vendor.versions())


@hookimpl
def hwsdk_capabilities(target: str) -> CapabilityTable | None:
    variant = variant_of(target)
    return None if variant is None else tables.table(variant)


@hookimpl
def hwsdk_compile(target: str, region: Region, options: Mapping[str, Any]) -> CompiledRegion | None:
    if variant_of(target) is None:
        return None
    from hwsdk_gaudi.compile import compile_region

    return compile_region(target, region, options)
