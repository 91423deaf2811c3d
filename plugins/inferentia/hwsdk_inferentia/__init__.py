"""hwsdk target plugin for AWS Inferentia and Trainium (Neuron): ``inferentia``,
``inferentia:inf2``, ``inferentia:trn1``, ``inferentia:trn2``.

Capability tables are generated from the Neuron documentation (see docs/vendor-tables.md), so
``hwsdk.explain(..., target="inferentia:inf2")`` works on any machine. Compiling needs
``torch_neuronx``: regions are lowered to torch.fx and compiled with ``torch_neuronx.trace``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hwsdk.plugin import CompiledRegion, FxTarget, Region, Target, hookimpl
from hwsdk_inferentia import tables, vendor

__all__ = ["HWSDK_PLUGIN_API", "TARGET", "hwsdk_targets"]

HWSDK_PLUGIN_API = ">=2,<3"


def _compile(target: str, region: Region, lowering: Any,
             options: Mapping[str, Any]) -> CompiledRegion:
    from hwsdk_inferentia.compile import compile_region

    return compile_region(target, region, lowering, options)


TARGET = FxTarget(
    name="inferentia", vendor="AWS (Annapurna Labs)", priority=40,
    description="AWS Inferentia2/Trainium NeuronCores via torch_neuronx.trace; tables from "
                "the Neuron docs",
    engine="AWS Neuron (torch-neuronx, neuronx-cc)", tables=tables.TABLES, aliases=["neuron"],
    options={"compiler_args": "list of neuronx-cc arguments for torch_neuronx.trace",
             "compiler_workdir": "neuronx-cc work directory for torch_neuronx.trace"},
    sdk=vendor.SDK, sdk_label="PyTorch Neuron", sdk_present=lambda: vendor.sdk_present(),
    devices=lambda: vendor.neuron_ls_devices(), versions=lambda: vendor.versions(),
    compiler=_compile, can_compile_offline=True,
    no_device="torch_neuronx is installed but neuron-ls reports no NeuronDevice; "
              "hwsdk.explain works offline, compile needs one")
"""The ``inferentia`` target (the lambdas look the vendor functions up per call, so tests can
replace them)."""


@hookimpl
def hwsdk_targets() -> list[Target]:
    return [TARGET]
