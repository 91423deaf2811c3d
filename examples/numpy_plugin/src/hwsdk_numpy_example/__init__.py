"""hwsdk-numpy-example: a template third-party hwsdk plugin serving the target ``numpy``.

Every hook of the plugin API is implemented here, each in its simplest honest form; the engine
(:mod:`hwsdk_numpy_example.engine`) and the kernels beside it are what a vendor replaces with
calls into its SDK. Importing this module imports neither torch nor NumPy: hwsdk loads every
installed plugin when it starts, so heavy imports wait for the first compile.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Mapping
from importlib import metadata, resources
from typing import TYPE_CHECKING, Any

from hwsdk.errors import CompileError, TargetUnavailableError
from hwsdk.ir.graph import Graph, Node
from hwsdk.plugin import Availability, CompiledRegion, Region, TargetInfo, hookimpl

if TYPE_CHECKING:  # pydantic models: imported inside the hooks, so loading stays cheap
    from hwsdk.plugin import CapabilityTable, Verdict

__all__ = ["HWSDK_PLUGIN_API", "TARGET", "MAX_ELEMENTS", "hwsdk_targets", "hwsdk_probe",
           "hwsdk_capabilities", "hwsdk_check", "hwsdk_compile"]

HWSDK_PLUGIN_API = ">=1,<2"
"""The plugin API range this plugin was written for; hwsdk refuses the plugin outside it."""

TARGET = "numpy"
MAX_ELEMENTS = 1 << 24
"""Largest output (in elements) one node may produce: the engine keeps every intermediate in
host memory, so bigger nodes are left to PyTorch."""

_OPTIONS = {"f16_compute": "float16 math runs in 'f32' (default, like PyTorch on CPU) or 'f16'"}


@hookimpl
def hwsdk_targets() -> list[TargetInfo]:
    """Declare the one target this plugin serves."""
    return [TargetInfo(name=TARGET, vendor="Example Corp", engine="NumPy", priority=5,
                       description="Template plugin: NumPy on the host CPU (elementwise, "
                                   "reductions, matmul)",
                       options=_OPTIONS)]


@functools.cache
def _probe() -> Availability:
    # hwsdk probes on every compile: look once, and never import the engine to find out.
    if importlib.util.find_spec("numpy") is None:
        return Availability(available=False, reason="NumPy is not installed: pip install numpy")
    return Availability(available=True, devices=["host cpu"], can_compile_offline=True,
                        versions={"numpy": metadata.version("numpy")})


@hookimpl
def hwsdk_probe(target: str) -> Availability | None:
    """Available when NumPy is installed; never imports it (probes must be cheap)."""
    return _probe() if target == TARGET else None


@hookimpl
def hwsdk_capabilities(target: str) -> CapabilityTable | None:
    """The table shipped as ``capabilities.json`` beside this module."""
    if target != TARGET:
        return None
    from hwsdk.plugin import CapabilityTable

    text = resources.files(__name__).joinpath("capabilities.json").read_text()
    return CapabilityTable.model_validate_json(text)


@hookimpl
def hwsdk_check(target: str, node: Node, graph: Graph) -> Verdict | None:
    """Refuse nodes whose output would not fit the engine's memory budget.

    A table cannot say this: it depends on the shapes of this particular graph.
    """
    if target != TARGET:
        return None
    for name in node.outputs:
        count = graph.types[name].numel()
        if count is not None and count > MAX_ELEMENTS:
            from hwsdk.plugin import ReasonCode, Verdict

            return Verdict(target=target, node_id=node.id, ok=False, code=ReasonCode.CONSTRAINT,
                           reason=f"{name} has {count} elements; the NumPy engine keeps at most "
                                  f"{MAX_ELEMENTS} per node in host memory, so PyTorch runs it")
    return None


@hookimpl
def hwsdk_compile(target: str, region: Region,
                  options: Mapping[str, Any]) -> CompiledRegion | None:
    """Compile a region into a :class:`~hwsdk_numpy_example.engine.NumpyRegion`.

    :raises TargetUnavailableError: when NumPy is missing.
    :raises CompileError: for an op or dtype the engine cannot run.
    """
    if target != TARGET:
        return None
    probe = hwsdk_probe(target)
    if probe is None or not probe.available:
        raise TargetUnavailableError(f"target {TARGET} cannot compile here: "
                                     f"{probe.reason if probe else 'no probe'}")
    f16_compute = str(options.get("f16_compute", "f32"))
    if f16_compute not in ("f32", "f16"):
        raise CompileError(f"option f16_compute must be 'f32' or 'f16', got {f16_compute!r}")
    from hwsdk_numpy_example.engine import NumpyRegion

    return NumpyRegion(region, f16_compute=f16_compute)
