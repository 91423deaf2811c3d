"""The vendor facade: everything a target plugin imports from hwsdk (besides
:mod:`hwsdk.errors`).

A plugin is a module, found through the ``hwsdk.plugins`` entry-point group, that declares
``HWSDK_PLUGIN_API = ">=2,<3"`` and implements the one hook ``hwsdk_targets`` (marked with
:data:`hookimpl`), returning :class:`Target` objects (see :mod:`hwsdk.hookspecs`). Plugin API 1
modules (one hook per method, each taking ``target``) still load through a shim.

Importing this module imports neither torch, pydantic, openvino nor triton. The contract types
(:mod:`hwsdk.contract`) and the IR value types are plain; everything else loads on first use:
the capability classes (pydantic models), op lookup and attribute resolution, the torch.fx
lowering (:func:`to_fx`, which imports torch when called) and the shared target helpers
(:class:`~hwsdk.lower.triton.plugin.TritonTarget`, :class:`~hwsdk.lower.fx_target.FxTarget`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hwsdk.contract import (
    COMPILE_ERROR_RULE,
    FALLBACK,
    PLUGIN_API_VERSION,
    SHIMMED_API_VERSIONS,
    Availability,
    CompiledRegion,
    CompileOptions,
    Region,
    Target,
    TargetInfo,
    api_refusal,
    from_hook,
    hookimpl,
    module_present,
    negotiate_api,
    package_versions,
)
from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node, TensorType
from hwsdk.packaged_tables import PackagedTables

if TYPE_CHECKING:
    from hwsdk.capability import (
        AttrIn,
        CapabilityTable,
        ConstantInput,
        Constraint,
        LastDimMultiple,
        MaxDimSize,
        MaxRank,
        OpSupport,
        Provenance,
        ReasonCode,
        StaticShape,
        Support,
        UnhandledInputs,
        Verdict,
    )
    from hwsdk.engines.huge_pages import HugePages
    from hwsdk.ir.dims import DimExpr, DimVisitor, IntegerDimCheck, UnsupportedDim, attr_dim_reason
    from hwsdk.ir.dtypes import to_torch
    from hwsdk.ir.opdef import OPSET_VERSION, OpDef, all_ops, aten_map, get_op
    from hwsdk.ir.symbolic import evaluate_shape
    from hwsdk.lower.eager import resolve_attrs
    from hwsdk.lower.fx_target import FxTarget
    from hwsdk.lower.triton.plugin import TritonTarget

__all__ = [
    # the contract
    "PLUGIN_API_VERSION", "SHIMMED_API_VERSIONS", "negotiate_api", "api_refusal", "hookimpl",
    "Target", "TargetInfo", "Availability", "Region", "CompiledRegion", "COMPILE_ERROR_RULE",
    "FALLBACK",
    "CompileOptions",
    "from_hook", "package_versions", "module_present", "PackagedTables",
    # the IR a region is made of
    "Graph", "Node", "TensorType", "DType", "to_torch", "OpDef", "get_op", "all_ops",
    "aten_map", "OPSET_VERSION", "resolve_attrs", "evaluate_shape", "to_fx",
    "DimVisitor", "DimExpr", "IntegerDimCheck", "UnsupportedDim", "attr_dim_reason",
    # capability tables
    "CapabilityTable", "OpSupport", "Provenance", "Verdict", "ReasonCode", "Support", "MaxRank",
    "Constraint", "StaticShape", "AttrIn", "LastDimMultiple", "MaxDimSize", "ConstantInput",
    "UnhandledInputs",
    # shared target implementations
    "TritonTarget", "FxTarget", "HugePages",
]

_LAZY: dict[str, str] = {
    **dict.fromkeys((
        "CapabilityTable", "OpSupport", "Provenance", "Verdict", "ReasonCode", "Support",
        "MaxRank", "Constraint", "StaticShape", "AttrIn", "LastDimMultiple", "MaxDimSize",
        "ConstantInput", "UnhandledInputs"), "hwsdk.capability"),
    "to_torch": "hwsdk.ir.dtypes",
    **dict.fromkeys(("OpDef", "get_op", "all_ops", "aten_map", "OPSET_VERSION"),
                    "hwsdk.ir.opdef"),
    "resolve_attrs": "hwsdk.lower.eager",
    "evaluate_shape": "hwsdk.ir.symbolic",
    **dict.fromkeys(("DimVisitor", "DimExpr", "IntegerDimCheck", "UnsupportedDim",
                    "attr_dim_reason"),
                    "hwsdk.ir.dims"),
    "HugePages": "hwsdk.engines.huge_pages",
    "TritonTarget": "hwsdk.lower.triton.plugin",
    "FxTarget": "hwsdk.lower.fx_target",
}
"""Name → the module it is re-exported from, imported on first use."""


def __getattr__(name: str) -> Any:
    """Load a re-exported name on first use (see :data:`_LAZY`), keeping this import cheap."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hwsdk.plugin' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def to_fx(region: Region) -> Any:
    """``region`` as a callable torch.fx lowering, ``fn(inputs, env) -> outputs`` (imports
    torch): PyTorch eager for a region, what an FX-based target compiles further."""
    from hwsdk.lower.fx import lower_to_fx

    return lower_to_fx(region.graph, region.nodes, region.inputs, region.outputs)
