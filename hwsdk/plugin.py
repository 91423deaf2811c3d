"""The public plugin API: everything a vendor plugin imports from hwsdk.

A plugin is a module (found through the ``hwsdk.plugins`` entry-point group) that declares
``HWSDK_PLUGIN_API`` (a version specifier such as ``">=1,<2"``) and implements hooks from
:mod:`hwsdk.hookspecs`, marked with :data:`hookimpl`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy
from pydantic import BaseModel, ConfigDict, Field

from hwsdk.capability import (
    AttrIn,
    CapabilityTable,
    ConstantInput,
    LastDimMultiple,
    MaxDimSize,
    MaxRank,
    OpSupport,
    Provenance,
    ReasonCode,
    StaticShape,
    Verdict,
)
from hwsdk.ir.graph import Graph, Node, TensorType

__all__ = [
    "PLUGIN_API_VERSION", "api_refusal", "hookimpl", "package_versions", "TargetInfo",
    "Availability", "Region", "CompiledRegion",
    "CapabilityTable", "OpSupport", "Provenance", "Verdict", "ReasonCode", "MaxRank",
    "StaticShape", "AttrIn", "LastDimMultiple", "MaxDimSize", "ConstantInput",
]

PLUGIN_API_VERSION = "1.0"
"""The plugin API this hwsdk implements; plugins declare the range they support."""

def api_refusal(declared: object) -> str:
    """Why a plugin declaring ``HWSDK_PLUGIN_API = declared`` is refused, or ``""`` when this
    hwsdk's :data:`PLUGIN_API_VERSION` is in the declared range.

    :param declared: the plugin module's ``HWSDK_PLUGIN_API`` (None when it has none).
    """
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if declared is None:
        return ("it does not declare HWSDK_PLUGIN_API (a version specifier such as '>=1,<2'); "
                f"this hwsdk implements plugin API {PLUGIN_API_VERSION}")
    if not isinstance(declared, str):
        return f"its HWSDK_PLUGIN_API is {declared!r}, not a version specifier string"
    try:
        spec = SpecifierSet(declared)
    except InvalidSpecifier:
        return f"its HWSDK_PLUGIN_API {declared!r} is not a version specifier"
    if PLUGIN_API_VERSION in spec:
        return ""
    return (f"it supports plugin API {declared}, but this hwsdk implements "
            f"{PLUGIN_API_VERSION}; install a release of the plugin made for it")


hookimpl = pluggy.HookimplMarker("hwsdk")
"""Marker for hook implementations: ``@hookimpl def hwsdk_targets(): ...``."""


@functools.cache
def _package_version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def package_versions(dists: Iterable[str]) -> dict[str, str]:
    """Versions of the installed distributions among ``dists`` (absent ones left out), read
    from package metadata without importing them and cached: what a quick probe reports."""
    return {d: v for d in dists if (v := _package_version(d)) is not None}


class TargetInfo(BaseModel):
    """A target a plugin serves.

    :param name: the target name users pass (``"rocm"``); lower case, no colon.
    :param vendor: who makes the hardware (``"AMD"``).
    :param description: one line for ``hwsdk targets``.
    :param variants: variant names (``["gfx90a", "gfx942"]``), addressed as ``name:variant``.
    :param default_variant: the variant meant by the bare name (None: the target has one table).
    :param aliases: other names that resolve to this target.
    :param priority: order for ``target="auto"``; higher first. PyTorch itself is 0.
    :param engine: the engine that runs compiled regions (``"OpenVINO"``).
    :param options: compile options the target understands, name → one-line description;
        ``hwsdk.compile`` refuses options no chosen target declares.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_\-]*$")
    vendor: str
    description: str = ""
    variants: list[str] = Field(default_factory=list)
    default_variant: str | None = None
    aliases: list[str] = Field(default_factory=list)
    priority: int = 10
    engine: str = ""
    options: dict[str, str] = Field(default_factory=dict)


class Availability(BaseModel):
    """What a probe found: can this target compile and run here, and why not."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    available: bool
    reason: str = ""
    devices: list[str] = Field(default_factory=list)
    versions: dict[str, str] = Field(default_factory=dict)
    can_compile_offline: bool = False


@dataclass
class Region:
    """A connected, cycle-free piece of the graph assigned to one target.

    :param id: ``"r3"``.
    :param target: the resolved target reference (``"intel:cpu"``).
    :param graph: the whole IR graph (read-only), for types and params.
    :param nodes: this region's nodes, in topological order.
    :param inputs: values read from outside the region, excluding params, in call order.
    :param outputs: values other regions or the model's outputs read, in return order.
    """

    id: str
    target: str
    graph: Graph
    nodes: list[Node]
    inputs: list[str]
    outputs: list[str]
    params: list[str] = field(default_factory=list)

    def type_of(self, value: str) -> TensorType:
        return self.graph.types[value]

    def param(self, name: str) -> Any:
        """The tensor of a param (weight or folded constant)."""
        return self.graph.param_data[name]

    def to_fx(self) -> Any:
        """This region as a callable ``torch.fx`` lowering (imports torch)."""
        from hwsdk.lower.fx import lower_to_fx

        return lower_to_fx(self.graph, self.nodes, self.inputs, self.outputs)


class CompiledRegion:
    """What ``hwsdk_compile`` returns: a callable over the region's inputs.

    Subclasses implement :meth:`run`. ``details`` is shown in the plan (engine, precision,
    kernels …); keep it JSON-serializable.
    """

    def __init__(self, details: Mapping[str, Any] | None = None) -> None:
        self.details: dict[str, Any] = dict(details or {})

    def run(self, inputs: Sequence[Any], env: Mapping[str, int]) -> Sequence[Any]:
        """Compute the region's outputs.

        :param inputs: torch CPU tensors, one per ``Region.inputs``.
        :param env: values of the symbolic dims for this call (``{"s0": 4}``).
        :returns: torch tensors, one per ``Region.outputs``.
        """
        raise NotImplementedError

    def __call__(self, inputs: Sequence[Any], env: Mapping[str, int]) -> Sequence[Any]:
        return self.run(inputs, env)
