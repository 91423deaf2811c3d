"""Plugin discovery and the target registry.

Each ``hwsdk.plugins`` entry point is loaded and validated on its own: an import error, a
raising or malformed hook, an unsupported plugin API or a target name already taken marks
that plugin failed (with traceback and distribution version) and leaves every other plugin
working. The failure is raised only when someone asks for that plugin's target.
"""

from __future__ import annotations

import difflib
import os
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy
from pydantic import ValidationError

from hwsdk import hookspecs
from hwsdk.capability import CapabilityTable, Verdict
from hwsdk.errors import PluginContractError, PluginLoadError, UnknownTargetError
from hwsdk.ir.graph import Graph, Node
from hwsdk.plugin import PLUGIN_API_VERSION, Availability, CompiledRegion, Region, TargetInfo

__all__ = ["PluginRecord", "Registry", "get_registry", "reset_registry", "ENTRY_POINT_GROUP"]

ENTRY_POINT_GROUP = "hwsdk.plugins"
BUILTIN_DISTRIBUTION = "hwsdk"


@dataclass
class PluginRecord:
    """Load state of one entry point, as ``hwsdk doctor`` shows it."""

    name: str
    value: str
    distribution: str = ""
    version: str = ""
    state: str = "pending"  # loaded | failed | refused | disabled
    error: str = ""
    traceback: str = ""
    targets: list[str] = field(default_factory=list)
    plugin: Any = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.state == "loaded"


def _api_compatible(declared: Any) -> tuple[bool, str]:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if not isinstance(declared, str):
        return False, ("the plugin does not declare HWSDK_PLUGIN_API (a version specifier "
                       f"such as '>=1,<2'); this hwsdk implements plugin API {PLUGIN_API_VERSION}")
    try:
        spec = SpecifierSet(declared)
    except InvalidSpecifier:
        return False, f"HWSDK_PLUGIN_API {declared!r} is not a version specifier"
    if PLUGIN_API_VERSION in spec:
        return True, ""
    return False, (f"the plugin supports plugin API {declared}, but this hwsdk implements "
                   f"{PLUGIN_API_VERSION}; install a plugin release made for it")


def _env_list(name: str) -> set[str] | None:
    raw = os.environ.get(name)
    if raw is None:
        return None
    return {item.strip() for item in raw.split(",") if item.strip()}


class Registry:
    """Loaded plugins and the targets they serve."""

    def __init__(self, entry_points: list[metadata.EntryPoint] | None = None) -> None:
        self.pm = pluggy.PluginManager("hwsdk")
        self.pm.add_hookspecs(hookspecs)
        if os.environ.get("HWSDK_TRACE_PLUGINS") == "1":
            self.pm.trace.root.setwriter(lambda text: sys.stderr.write(text))
            self.pm.enable_tracing()
        self.plugins: dict[str, PluginRecord] = {}
        self.targets: dict[str, tuple[TargetInfo, PluginRecord]] = {}
        self.aliases: dict[str, str] = {}
        self._tables: dict[str, CapabilityTable] = {}
        self._callers: dict[tuple[str, str], Any] = {}
        if entry_points is None:
            entry_points = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
        ordered = sorted(entry_points, key=lambda ep: (_dist_name(ep) != BUILTIN_DISTRIBUTION,
                                                       ep.name))
        for ep in ordered:
            self._load(ep)

    # -- loading --------------------------------------------------------------------------------

    def _load(self, ep: metadata.EntryPoint) -> None:
        record = PluginRecord(name=ep.name, value=ep.value, distribution=_dist_name(ep),
                              version=_dist_version(ep))
        self.plugins[ep.name] = record
        allow, deny = _env_list("HWSDK_PLUGINS"), _env_list("HWSDK_DISABLE_PLUGINS") or set()
        builtin = record.distribution == BUILTIN_DISTRIBUTION
        if not builtin and ((allow is not None and ep.name not in allow) or ep.name in deny):
            record.state, record.error = "disabled", "disabled by HWSDK_PLUGINS / " \
                                                     "HWSDK_DISABLE_PLUGINS"
            return
        try:
            plugin = ep.load()
        except BaseException as exc:  # a plugin's import may raise anything, even SystemExit
            self._fail(record, f"importing {ep.value} raised {type(exc).__name__}: {exc}")
            return
        ok, why = _api_compatible(getattr(plugin, "HWSDK_PLUGIN_API", None))
        if not ok:
            record.state, record.error = "refused", why
            return
        try:
            self.pm.register(plugin, name=f"hwsdk-plugin:{ep.name}")
        except Exception as exc:
            self._fail(record, f"its hooks do not match hwsdk's hookspecs: {exc}")
            return
        record.plugin = plugin
        try:
            infos = self._call(record, "hwsdk_targets")
            infos = [TargetInfo.model_validate(i) for i in (infos or [])]
        except Exception as exc:
            self._fail(record, f"hwsdk_targets failed: {type(exc).__name__}: {exc}")
            return
        for info in infos:
            for name in [info.name, *info.aliases]:
                owner = self.targets.get(name) or (
                    self.targets.get(self.aliases[name]) if name in self.aliases else None)
                if owner is not None:
                    self._fail(record, f"target {name!r} is already served by plugin "
                                       f"{owner[1].name} ({owner[1].distribution}); rename it")
                    return
        for info in infos:
            self.targets[info.name] = (info, record)
            record.targets.append(info.name)
            for alias in info.aliases:
                self.aliases[alias] = info.name
        record.state = "loaded"

    def _fail(self, record: PluginRecord, error: str) -> None:
        record.state, record.error = "failed", error
        record.traceback = traceback.format_exc()
        if record.plugin is not None or self.pm.has_plugin(f"hwsdk-plugin:{record.name}"):
            self.pm.unregister(name=f"hwsdk-plugin:{record.name}")
        record.plugin = None
        for name in record.targets:
            self.targets.pop(name, None)
        for alias, name in list(self.aliases.items()):
            if name in record.targets:
                del self.aliases[alias]

    def _call(self, record: PluginRecord, hook: str, **kwargs: Any) -> Any:
        key = (record.name, hook)
        caller = self._callers.get(key)
        if caller is None:
            others = [p for n, p in self.pm.list_name_plugin() if n != f"hwsdk-plugin:{record.name}"]
            caller = self.pm.subset_hook_caller(hook, remove_plugins=others)
            self._callers[key] = caller
        result = caller(**kwargs)
        if isinstance(result, list) and not caller.spec.opts.get("firstresult"):
            return result[0] if result else None  # the subset holds this one plugin
        return result

    # -- target resolution ----------------------------------------------------------------------

    def resolve(self, ref: str) -> tuple[TargetInfo, str | None]:
        """``"rocm:gfx942"`` → (TargetInfo of rocm, ``"gfx942"``).

        :raises UnknownTargetError: naming the closest known names.
        :raises PluginLoadError: when the plugin serving that name failed to load.
        """
        name, _, variant = ref.partition(":")
        name = self.aliases.get(name, name)
        if name not in self.targets:
            failed = self._failed_plugin_for(name)
            if failed is not None:
                raise PluginLoadError(
                    f"target {name!r} is unavailable: plugin {failed.name} "
                    f"({failed.distribution} {failed.version}) {failed.state}: {failed.error}. "
                    "Run `hwsdk doctor` for the traceback."
                )
            known = sorted(self.known_names())
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise UnknownTargetError(
                f"unknown target {ref!r}; {hint}known targets: {', '.join(known) or 'none'} "
                "(see `hwsdk targets`)"
            )
        info, _record = self.targets[name]
        if variant and variant not in info.variants:
            close = difflib.get_close_matches(variant, info.variants, n=3, cutoff=0.4)
            hint = f"did you mean {', '.join(f'{name}:{c}' for c in close)}? " if close else ""
            raise UnknownTargetError(
                f"target {name!r} has no variant {variant!r}; {hint}variants: "
                f"{', '.join(info.variants) or 'none'}"
            )
        return info, (variant or info.default_variant or None)

    def canonical(self, ref: str) -> str:
        info, variant = self.resolve(ref)
        return f"{info.name}:{variant}" if variant else info.name

    def known_names(self) -> set[str]:
        names = set(self.targets) | set(self.aliases)
        for info, _ in self.targets.values():
            names.update(f"{info.name}:{v}" for v in info.variants)
        return names

    def _failed_plugin_for(self, name: str) -> PluginRecord | None:
        for record in self.plugins.values():
            if record.state in ("failed", "refused") and (
                    name in record.targets or name == record.name):
                return record
        return None

    def record_for(self, ref: str) -> PluginRecord:
        info, _ = self.resolve(ref)
        return self.targets[info.name][1]

    # -- hooks on behalf of a target ------------------------------------------------------------

    def capabilities(self, ref: str) -> CapabilityTable:
        """The validated capability table of a target reference.

        :raises PluginLoadError: when the hook raises or returns something malformed (the
            plugin is then marked failed).
        """
        canonical = self.canonical(ref)
        if canonical in self._tables:
            return self._tables[canonical]
        record = self.record_for(canonical)
        try:
            table = self._call(record, "hwsdk_capabilities", target=canonical)
            if table is None:
                raise PluginContractError(f"hwsdk_capabilities returned None for {canonical}")
            table = CapabilityTable.model_validate(
                table if isinstance(table, (dict, CapabilityTable)) else table)
        except (ValidationError, Exception) as exc:
            self._fail(record, f"hwsdk_capabilities({canonical!r}) failed: "
                               f"{type(exc).__name__}: {exc}")
            raise PluginLoadError(
                f"plugin {record.name} ({record.distribution} {record.version}) gave no valid "
                f"capability table for {canonical}: {exc}"
            ) from exc
        self._tables[canonical] = table
        return table

    def probe(self, ref: str) -> Availability:
        """Probe a target; a raising probe reads as unavailable with the error as reason."""
        canonical = self.canonical(ref)
        record = self.record_for(canonical)
        try:
            result = self._call(record, "hwsdk_probe", target=canonical)
        except Exception as exc:
            return Availability(available=False,
                                reason=f"probe raised {type(exc).__name__}: {exc}")
        if result is None:
            return Availability(available=False, reason="the plugin has no probe")
        return Availability.model_validate(result)

    def check(self, ref: str, node: Node, graph: Graph) -> Verdict | None:
        record = self.record_for(ref)
        result = self._call(record, "hwsdk_check", target=self.canonical(ref), node=node,
                            graph=graph)
        if result is not None and not result.ok:
            return Verdict.model_validate(result)
        return None

    def compile(self, ref: str, region: Region, options: Mapping[str, Any]) -> CompiledRegion:
        record = self.record_for(ref)
        result = self._call(record, "hwsdk_compile", target=self.canonical(ref), region=region,
                            options=options)
        if result is None:
            raise PluginContractError(
                f"plugin {record.name} returned no compiled region for {ref}")
        if not callable(result):
            raise PluginContractError(
                f"plugin {record.name}'s hwsdk_compile returned {type(result).__name__}, "
                "not a CompiledRegion")
        return result  # type: ignore[no-any-return]

    def validate_all(self) -> None:
        """Fetch every table of every loaded target, so malformed ones show as failed."""
        for info, record in list(self.targets.values()):
            refs = [info.name, *(f"{info.name}:{v}" for v in info.variants)]
            for ref in refs:
                if record.ok:
                    try:
                        self.capabilities(ref)
                    except PluginLoadError:
                        break


def _dist_name(ep: metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return dist.metadata["Name"] if dist is not None else ""


def _dist_version(ep: metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return dist.version if dist is not None else ""


_DEFAULT: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, loaded on first use (not at import)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Registry()
    return _DEFAULT


def reset_registry() -> None:
    """Forget the loaded plugins; the next :func:`get_registry` loads them again."""
    global _DEFAULT
    _DEFAULT = None
