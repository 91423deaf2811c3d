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

from hwsdk.plugin import Availability, CompiledRegion, Region, Target, TargetInfo, hookimpl
from hwsdk_intel.devices import DEVICES, VARIANTS
from hwsdk_intel.options import OPTIONS

if TYPE_CHECKING:
    from hwsdk.plugin import CapabilityTable, Graph, Node, Verdict

__all__ = ["HWSDK_PLUGIN_API", "IntelTarget", "hwsdk_targets"]

HWSDK_PLUGIN_API = ">=2,<3"

NAME = "intel"


class IntelTarget(Target):
    """OpenVINO on one of its devices (the variant: ``cpu``, ``gpu`` or ``npu``)."""

    info = TargetInfo(
        name=NAME, vendor="Intel", engine="OpenVINO",
        description="OpenVINO runtime (oneDNN on CPU); f32 by default, bf16/f16 on request",
        variants=list(VARIANTS), default_variant="cpu", aliases=["openvino"], priority=30,
        options=dict(OPTIONS),
    )

    @property
    def device(self) -> str:
        """The OpenVINO device of this variant (``"CPU"``)."""
        return DEVICES[self.variant or "cpu"]

    def probe(self, deep: bool) -> Availability:
        from hwsdk_intel.probe import probe, quick_probe

        variant = self.variant or "cpu"
        return probe(variant) if deep else quick_probe(variant)

    def capabilities(self) -> CapabilityTable:
        from hwsdk_intel.capabilities import table

        return table(self.variant or "cpu")

    def check(self, node: Node, graph: Graph) -> Verdict | None:
        from hwsdk.plugin import ReasonCode, Verdict, attr_dim_reason
        from hwsdk_intel.lowering import DimCheck

        reason = attr_dim_reason(node.attrs, DimCheck())
        if reason is None:
            return None
        return Verdict(target=NAME, node_id=node.id, ok=False, code=ReasonCode.CONSTRAINT,
                       reason=f"intel (OpenVINO): {reason}")

    def compile(self, region: Region, options: Mapping[str, Any]) -> CompiledRegion:
        from hwsdk.errors import CompileError
        from hwsdk_intel.options import parse_options
        from hwsdk_intel.runtime import compile_region

        parsed = parse_options(options)
        try:
            return compile_region(region, self.device, parsed)
        except Exception as exc:  # OpenVINO raises RuntimeError; keep its message whole
            raise CompileError(f"OpenVINO could not lower or compile region {region.id} "
                               f"({len(region.nodes)} nodes) for {self.device}: "
                               f"{type(exc).__name__}: {exc}") from exc


@hookimpl
def hwsdk_targets() -> list[Target]:
    return [IntelTarget()]
