"""hwsdk target plugin for Intel Gaudi: ``gaudi``, ``gaudi:gaudi``, ``gaudi:gaudi2``,
``gaudi:gaudi3``.

Capability tables are generated from Intel's hpu_op.yaml (see docs/vendor-tables.md), so
``hwsdk.explain(..., target="gaudi:gaudi2")`` works on any machine. Compiling needs the Intel
Gaudi PyTorch bridge (``habana_frameworks.torch``): regions are lowered to torch.fx and
compiled with ``torch.compile(backend="hpu_backend")`` on the ``hpu`` device.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hwsdk.plugin import CompiledRegion, FxTarget, Region, Target, hookimpl
from hwsdk_gaudi import tables, vendor

__all__ = ["HWSDK_PLUGIN_API", "TARGET", "hwsdk_targets"]

HWSDK_PLUGIN_API = ">=2,<3"


def _compile(target: str, region: Region, lowering: Any,
             options: Mapping[str, Any]) -> CompiledRegion:
    from hwsdk_gaudi.compile import compile_region

    return compile_region(target, region, lowering, options)


TARGET = FxTarget(
    name="gaudi", vendor="Intel (Habana Labs)", priority=40,
    description="Intel Gaudi HPU via torch.compile(backend='hpu_backend'); tables from "
                "hpu_op.yaml",
    engine="Intel Gaudi PyTorch bridge (hpu_backend)", tables=tables.TABLES, aliases=["hpu"],
    options={"hpu_compile_options": "dict passed to torch.compile(options=...) for "
                                    "hpu_backend"},
    sdk=vendor.BRIDGE, sdk_label="Intel Gaudi PyTorch bridge",
    sdk_present=lambda: vendor.bridge_present(), devices=lambda: vendor.smi_devices(),
    versions=lambda: vendor.versions(), compiler=_compile,
    no_device="the Intel Gaudi PyTorch bridge is installed but neither hl-smi nor pyhlml "
              "reports a Gaudi device")
"""The ``gaudi`` target (the lambdas look the vendor functions up per call, so tests can
replace them)."""


@hookimpl
def hwsdk_targets() -> list[Target]:
    return [TARGET]
