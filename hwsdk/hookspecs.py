"""Hook specifications: the contract between hwsdk and its target plugins (plugin API 2).

Every target, built-in or third-party, is served by a plugin found through the
``hwsdk.plugins`` entry-point group. Discovery is the one hook: a plugin declares its targets
as :class:`~hwsdk.plugin.Target` objects, and hwsdk then calls each target's methods
(``probe(deep)``, ``capabilities()``, ``check(node, graph)``, ``compile(region, options)``)
directly, on the object bound to the target reference in question. A target therefore never
sees another plugin's targets and takes no ``target`` argument.

hwsdk owns the rules every target shares: it caches probes and runs them under a time budget,
refuses to compile while the deep probe says unavailable (unless one of the target's
``offline_options`` is set), and requires ``compile`` to return a
:class:`~hwsdk.plugin.CompiledRegion` or raise an :class:`~hwsdk.errors.HwsdkError` with a
message (:data:`~hwsdk.plugin.COMPILE_ERROR_RULE`; the conformance kit holds plugins to the
same rule). A method that raises or returns something malformed (other than ``compile``, and
``probe``, which reads as unavailable) marks the plugin failed; its targets then raise
:class:`~hwsdk.errors.PluginLoadError` carrying the root cause.

Plugin API 1 modules (a hook per method, each taking ``target``) load through a shim,
:mod:`hwsdk.plugin_v1`.
"""

from __future__ import annotations

import pluggy

from hwsdk.contract import Target

hookspec = pluggy.HookspecMarker("hwsdk")

# -------------------------------------------------------------------------
# Discovery
# -------------------------------------------------------------------------


@hookspec
def hwsdk_targets() -> list[Target] | None:
    """Declare the targets this plugin serves.

    Called once when the plugin loads, after its ``HWSDK_PLUGIN_API`` was accepted. Must not
    import the vendor SDK or torch. A target name or alias already served by an earlier
    plugin (built-ins load first) marks this plugin failed.

    :returns: one :class:`~hwsdk.plugin.Target` per target, each with its ``info`` set. None
        or an empty list means the plugin serves no target.
    """
    raise NotImplementedError
