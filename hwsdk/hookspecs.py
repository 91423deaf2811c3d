"""Hook specifications: the contract between hwsdk and its target plugins.

Every target, built-in or third-party, is a plugin found through the ``hwsdk.plugins``
entry-point group. Hooks are grouped by phase: discovery, capability, compile.
Hooks receive a *target reference*: ``"name"`` or ``"name:variant"``, already resolved
to a target this plugin declared.

hwsdk calls each hook on the one plugin that serves the target in question (the plugin whose
``hwsdk_targets`` declared it), so a plugin never sees another plugin's targets; still, return
None for a target you do not serve. A hook that raises (other than ``hwsdk_compile`` and
``hwsdk_probe``) or returns something malformed marks the plugin failed; its targets then
raise :class:`~hwsdk.errors.PluginLoadError` carrying the root cause. An implementation may
accept a subset of the arguments a spec lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pluggy

from hwsdk.ir.graph import Graph, Node
from hwsdk.plugin import Availability, CompiledRegion, Region, TargetInfo

if TYPE_CHECKING:
    from hwsdk.capability import CapabilityTable, Verdict

hookspec = pluggy.HookspecMarker("hwsdk")

# -------------------------------------------------------------------------
# Discovery
# -------------------------------------------------------------------------


@hookspec
def hwsdk_targets() -> list[TargetInfo] | None:
    """Declare the targets this plugin serves.

    Called once when the plugin loads, after its ``HWSDK_PLUGIN_API`` was accepted and before
    any other hook. Must not import the vendor SDK or torch. A target name or alias already
    served by an earlier plugin (built-ins load first) marks this plugin failed.

    :returns: the plugin's targets. None or an empty list means the plugin serves no target
        (it then never receives another hook call).
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def hwsdk_probe(target: str, deep: bool) -> Availability | None:
    """Find out whether ``target`` can compile and run on this machine.

    Must not raise when the SDK or device is absent: say why in ``Availability.reason`` (a
    probe that raises anyway reads as unavailable, with the error as reason).

    :param target: the target reference (``"rocm:gfx942"``).
    :param deep: False for a quick look (``hwsdk targets``): answer from package metadata,
        the environment and device nodes, without importing the SDK, torch or a device
        library, in milliseconds; say in the reason what only a deep probe can confirm.
        True before compiling, for ``target="auto"`` and in ``hwsdk doctor``: the probe may
        import the SDK and enumerate devices. An implementation may omit this argument and
        always do its quick look.
    :returns: the availability, or None if this plugin does not serve ``target``.

    Stops at first non-None result.
    """
    raise NotImplementedError


# -------------------------------------------------------------------------
# Capability
# -------------------------------------------------------------------------


@hookspec(firstresult=True)
def hwsdk_capabilities(target: str) -> CapabilityTable | None:
    """Return the capability table of ``target``.

    The table must validate, carry provenance, and name ops of the core op set; it must not
    need the SDK or device (``explain`` works offline). It must depend only on installed code,
    not on environment variables or devices found: hwsdk caches it per process, and
    ``hwsdk caps`` keeps its JSON form on disk keyed by the installed distributions and the
    plugin's files (:mod:`hwsdk.capability_cache`). Import the capability classes inside this
    hook rather than at module level, so loading the plugin stays free of pydantic.

    :param target: the target reference (``"gaudi:gaudi2"``).
    :returns: the table, or None if this plugin does not serve ``target``.

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec
def hwsdk_check(target: str, node: Node, graph: Graph) -> Verdict | None:
    """Judge a node the table accepted, for conditions a table cannot express.

    Only called for nodes whose table verdict is ok, once per node and candidate target while
    a graph is partitioned; keep it fast. hwsdk fills in the verdict's ``target`` and
    ``node_id``. Raising marks the plugin failed.

    :param target: the target reference.
    :param node: the IR node (read-only).
    :param graph: the whole graph (read-only), for value types and params.
    :returns: a :class:`~hwsdk.capability.Verdict` with ``ok=False`` to refuse the node (its
        code and reason are shown to the user). None, or a verdict with ``ok=True``, accepts
        the node as the table did.
    """
    raise NotImplementedError


# -------------------------------------------------------------------------
# Compile
# -------------------------------------------------------------------------


@hookspec(firstresult=True)
def hwsdk_compile(target: str, region: Region, options: Mapping[str, Any]) -> CompiledRegion | None:
    """Compile one region for ``target``.

    Inputs arrive as torch CPU tensors in ``region.inputs`` order with the dtypes the graph
    says; outputs must be torch CPU tensors in ``region.outputs`` order. Raise any exception
    to report a compile failure: hwsdk records it as ``COMPILE_FAILED`` with the message and
    runs the region in PyTorch (unless ``require_full``). Raise
    :class:`hwsdk.errors.TargetUnavailableError` when the SDK or device is missing.

    :param target: the target reference.
    :param region: the region to compile.
    :param options: the user's compile options for this target (plugin-specific keys).
    :returns: the compiled region, or None if this plugin does not serve ``target``.

    Stops at first non-None result.
    """
    raise NotImplementedError
