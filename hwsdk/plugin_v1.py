"""The plugin API 1 shim: a module of per-method hooks served as :class:`~hwsdk.plugin.Target`
objects.

Plugin API 1 modules implement ``hwsdk_targets`` (returning :class:`~hwsdk.plugin.TargetInfo`)
and one hook per target method, each taking the target reference: ``hwsdk_probe(target,
deep)``, ``hwsdk_capabilities(target)``, ``hwsdk_check(target, node, graph)`` and
``hwsdk_compile(target, region, options)`` (an implementation may take a subset of the
arguments). The registry validates such a module against :class:`V1Specs` and wraps each
declared target in a :class:`ModuleTarget`, so the rest of hwsdk sees only API 2 targets. New
plugins should use API 2 (:mod:`hwsdk.hookspecs`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

from hwsdk.contract import (
    Availability,
    CompiledRegion,
    Region,
    Target,
    TargetInfo,
    from_hook,
)
from hwsdk.errors import PluginContractError
from hwsdk.ir.graph import Graph, Node

if TYPE_CHECKING:
    from hwsdk.capability import CapabilityTable, Verdict

__all__ = ["V1Specs", "V1_HOOK_NAMES", "ModuleTarget", "Hooks"]

hookspec = pluggy.HookspecMarker("hwsdk")

Hooks = Mapping[str, tuple[Callable[..., Any], tuple[str, ...]]]
"""Hook name → (implementation, the argument names it takes)."""


class V1Specs:
    """The plugin API 1 hookspecs (signatures only; see the module docstring)."""

    @hookspec
    def hwsdk_targets(self) -> list[TargetInfo] | None:
        """Declare the targets this plugin serves."""
        raise NotImplementedError

    @hookspec(firstresult=True)
    def hwsdk_probe(self, target: str, deep: bool) -> Availability | None:
        """Probe ``target``."""
        raise NotImplementedError

    @hookspec(firstresult=True)
    def hwsdk_capabilities(self, target: str) -> CapabilityTable | None:
        """Return the capability table of ``target``."""
        raise NotImplementedError

    @hookspec
    def hwsdk_check(self, target: str, node: Node, graph: Graph) -> Verdict | None:
        """Judge a node the table accepted."""
        raise NotImplementedError

    @hookspec(firstresult=True)
    def hwsdk_compile(self, target: str, region: Region,
                      options: Mapping[str, Any]) -> CompiledRegion | None:
        """Compile one region for ``target``."""
        raise NotImplementedError


V1_HOOK_NAMES = tuple(sorted(n for n in vars(V1Specs) if n.startswith("hwsdk_")))


API1_OFFLINE_OPTIONS = {"emulate": "emulated", "aot": "an ahead-of-time build"}
"""The compile options that, declared in a plugin API 1 target's ``TargetInfo.options``, let
it compile while its probe says unavailable (API 2 targets say so in ``offline_options``)."""


class ModuleTarget(Target):
    """A target declared by a plugin API 1 module: each method calls the module's hook with
    the bound target reference.

    :param info: what the module's ``hwsdk_targets`` declared.
    :param hooks: the module's hook implementations.
    """

    def __init__(self, info: TargetInfo, hooks: Hooks) -> None:
        self.info = info
        self.hooks = hooks
        # API 1's rule: a declared emulate or aot option compiles without the device. Per
        # instance, as each API 1 module declares its own (API 2 targets: a class attribute).
        self.offline_options = {  # type: ignore[misc]
            name: what for name, what in API1_OFFLINE_OPTIONS.items() if name in info.options}

    def _call(self, hook: str, **kwargs: Any) -> Any:
        fn, argnames = self.hooks[hook]
        return fn(*[kwargs[name] for name in argnames])

    def probe(self, deep: bool) -> Availability:
        if "hwsdk_probe" not in self.hooks:
            return Availability(available=False, reason="the plugin has no probe")
        raw = self._call("hwsdk_probe", target=self.ref, deep=deep)
        if raw is None:
            return Availability(available=False, reason="the plugin has no probe")
        return from_hook(Availability, raw)

    def capabilities(self) -> CapabilityTable:
        raw = self._call("hwsdk_capabilities", target=self.ref) if (
            "hwsdk_capabilities" in self.hooks) else None
        if raw is None:
            raise PluginContractError(f"hwsdk_capabilities returned None for {self.ref}, "
                                      "a target the plugin declared")
        return raw  # type: ignore[no-any-return]  # validated by the registry

    def check(self, node: Node, graph: Graph) -> Verdict | None:
        if "hwsdk_check" not in self.hooks:
            return None
        return self._call(  # type: ignore[no-any-return]  # validated by the registry
            "hwsdk_check", target=self.ref, node=node, graph=graph)

    def compile(self, region: Region, options: Mapping[str, Any]) -> CompiledRegion:
        if "hwsdk_compile" not in self.hooks:
            raise PluginContractError(f"the plugin has no hwsdk_compile for {self.ref}")
        return self._call(  # type: ignore[no-any-return]  # checked by the registry
            "hwsdk_compile", target=self.ref, region=region, options=options)
