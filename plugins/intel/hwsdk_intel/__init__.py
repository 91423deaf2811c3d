"""hwsdk-intel: the ``intel`` target, running regions through OpenVINO (oneDNN on CPU).

Variants ``intel:cpu`` (the default), ``intel:gpu`` and ``intel:npu`` map to OpenVINO's
devices. Regions are lowered straight to OpenVINO opset graphs (:mod:`.lowering`), compiled
once with an explicit f32 precision hint unless ``precision`` says otherwise, and run with
one infer request per thread (:mod:`.runtime`). Importing this module imports neither torch
nor openvino.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hwsdk.plugin import Availability, CompiledRegion, Region, TargetInfo, hookimpl
from hwsdk_intel.devices import DEVICES, VARIANTS
from hwsdk_intel.options import OPTIONS

if TYPE_CHECKING:
    from hwsdk.plugin import CapabilityTable

__all__ = ["HWSDK_PLUGIN_API", "hwsdk_targets", "hwsdk_probe", "hwsdk_capabilities",
           "hwsdk_compile"]

HWSDK_PLUGIN_API = ">=1,<2"

NAME = "intel"


def _variant(target: str) -> str | None:
    """``"intel:gpu"`` → ``"gpu"``; None for other targets."""
    name, _, variant = target.partition(":")
    if name != NAME:
        return None
    return variant or "cpu"


@hookimpl
def hwsdk_targets() -> list[TargetInfo]:
    return [TargetInfo(
        name=NAME, vendor="Intel", engine="OpenVINO",
        description="OpenVINO runtime (oneDNN on CPU); f32 by default, bf16/f16 on request",
        variants=list(VARIANTS), default_variant="cpu", aliases=["openvino"], priority=30,
        options=dict(OPTIONS),
    )]


@hookimpl
def hwsdk_probe(target: str, deep: bool) -> Availability | None:
    variant = _variant(target)
    if variant is None:
        return None
    from hwsdk_intel.probe import probe, quick_probe

    return probe(variant) if deep else quick_probe(variant)


@hookimpl
def hwsdk_capabilities(target: str) -> CapabilityTable | None:
    variant = _variant(target)
    if variant is None:
        return None
    from hwsdk_intel.capabilities import table

    return table(variant)


@hookimpl
def hwsdk_compile(target: str, region: Region, options: Mapping[str, Any]) -> CompiledRegion | None:
    variant = _variant(target)
    if variant is None:
        return None
    from hwsdk.errors import CompileError, TargetUnavailableError
    from hwsdk_intel.options import parse_options
    from hwsdk_intel.probe import probe
    from hwsdk_intel.runtime import compile_region

    availability = probe(variant)
    if not availability.available:
        raise TargetUnavailableError(f"intel:{variant} is unavailable: {availability.reason}")
    parsed = parse_options(options)
    try:
        return compile_region(region, DEVICES[variant], parsed)
    except Exception as exc:  # OpenVINO raises RuntimeError; keep its message whole
        raise CompileError(f"OpenVINO could not lower or compile region {region.id} "
                           f"({len(region.nodes)} nodes) for {DEVICES[variant]}: "
                           f"{type(exc).__name__}: {exc}") from exc
