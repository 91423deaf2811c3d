"""Plugin discovery and the target registry.

Each ``hwsdk.plugins`` entry point is loaded and validated on its own: an import error, a
raising or malformed hook, an unsupported or missing plugin API declaration, hooks that do not
match :mod:`hwsdk.hookspecs`, or a target name already taken marks that plugin failed or
refused (with root cause, traceback, distribution name and version) and leaves every other
plugin working. The failure is raised, as :class:`~hwsdk.errors.PluginLoadError` chained to
the root cause, only when someone asks for that plugin's target.

pluggy finds the plugins and calls their one hook, ``hwsdk_targets``; the registry then calls
the methods of the :class:`~hwsdk.plugin.Target` bound to each target reference directly, and
applies the rules every target shares (probe caching and budgets, the refusal to compile an
unavailable target, :data:`~hwsdk.plugin.COMPILE_ERROR_RULE`). Plugin API 1 modules are
wrapped by :mod:`hwsdk.plugin_v1`. ``HWSDK_TRACE_PLUGINS=1`` writes every load step and call to
stderr.
"""

from __future__ import annotations

import difflib
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

import pluggy

from hwsdk import hookspecs
from hwsdk.contract import (
    COMPILE_ERROR_RULE,
    FALLBACK,
    Availability,
    CompiledRegion,
    Region,
    Target,
    TargetInfo,
    from_hook,
    negotiate_api,
)
from hwsdk.errors import (
    HwsdkError,
    PluginContractError,
    PluginLoadError,
    TargetUnavailableError,
    UnknownTargetError,
)
from hwsdk.ir.graph import Graph, Node
from hwsdk.plugin_v1 import V1_HOOK_NAMES, ModuleTarget, V1Specs
from hwsdk.target_rules import (
    PROBE_BUDGETS,
    as_verdict,
    probe_budget,
    slow_reason,
    table_error,
    validation_problems,
)

if TYPE_CHECKING:
    from hwsdk.capability import CapabilityTable, Verdict

__all__ = ["PluginRecord", "Registry", "get_registry", "reset_registry", "ENTRY_POINT_GROUP",
           "HOOK_NAMES", "validation_problems", "probe_budget", "PROBE_BUDGETS",
           "FIRST_PARTY_DISTRIBUTIONS"]

ENTRY_POINT_GROUP = "hwsdk.plugins"
BUILTIN_DISTRIBUTION = "hwsdk"
"""The built-in entry point serving the fallback; no allowlist or blocklist removes it."""

HOOK_NAMES = tuple(sorted(n for n in vars(hookspecs) if n.startswith("hwsdk_")))
"""The plugin API 2 hooks (:mod:`hwsdk.hookspecs`)."""

FIRST_PARTY_DISTRIBUTIONS = frozenset({
    "hwsdk-intel", "hwsdk-nvidia", "hwsdk-rocm", "hwsdk-gaudi", "hwsdk-inferentia"})
"""The plugins the hwsdk project ships; with the built-ins they win any target name."""


def _tier(distribution: str) -> int:
    """Precedence of a distribution's claims on target names: 0 built-in, 1 first-party,
    2 third-party (see :class:`Registry`)."""
    name = distribution.lower().replace("_", "-")
    if name == BUILTIN_DISTRIBUTION:
        return 0
    return 1 if name in FIRST_PARTY_DISTRIBUTIONS else 2


@dataclass
class PluginRecord:
    """Load state of one entry point, as ``hwsdk doctor`` shows it.

    :param state: ``pending``, ``loaded``, ``failed`` (import error, raising or malformed hook,
        duplicate target, hooks not matching the hookspecs), ``refused`` (plugin API not
        compatible or not declared; no hook ran) or ``disabled`` (by environment).
    :param api: the plugin API version it was loaded with (``"2.0"``, or ``"1.0"`` through the
        shim); before that, what it declared.
    :param error: the root cause in one sentence.
    :param traceback: the formatted traceback of the root cause.
    :param cause: the root-cause exception, chained to the error raised for this plugin.
    """

    name: str
    value: str
    distribution: str = ""
    version: str = ""
    state: str = "pending"
    error: str = ""
    traceback: str = ""
    targets: list[str] = field(default_factory=list)
    api: str = ""
    plugin: Any = field(default=None, repr=False)
    cause: BaseException | None = field(default=None, repr=False)
    hooks: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = field(
        default_factory=dict, repr=False)
    objects: dict[str, Target] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return self.state == "loaded"

    def describe(self) -> str:
        """``"plugin gaudi (hwsdk-gaudi 0.1.0)"``."""
        dist = f"{self.distribution} {self.version}".strip() or "unknown distribution"
        return f"plugin {self.name} ({dist})"


def _env_list(name: str) -> set[str] | None:
    raw = os.environ.get(name)
    if raw is None:
        return None
    return {item.strip() for item in raw.split(",") if item.strip()}


def _is_table(value: Any) -> bool:
    """Whether ``value`` is a CapabilityTable (without importing pydantic to find out)."""
    capability = sys.modules.get("hwsdk.capability")
    return capability is not None and isinstance(value, capability.CapabilityTable)


def _brief(value: Any) -> str:
    """A short form of a hook argument or result for the trace."""
    if isinstance(value, Target):
        return f"<{type(value).__name__} {value.ref}>"
    if isinstance(value, (Node, Region)):
        return f"<{type(value).__name__.lower()} {value.id}>"
    if isinstance(value, Graph) or _is_table(value):
        name = getattr(value, "target", "")
        size = len(value.nodes) if isinstance(value, Graph) else len(value.ops)
        return f"<{type(value).__name__} {name}{' ' if name else ''}{size} entries>"
    if isinstance(value, list) and value and not isinstance(value[0], (str, int, float)):
        return f"[{len(value)} x {type(value[0]).__name__}]"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class Registry:
    """Loaded plugins and the targets they serve.

    :param entry_points: the entry points to load (default: the ``hwsdk.plugins`` group of
        the installed distributions). ``HWSDK_PLUGINS`` (comma-separated entry-point or
        distribution names) keeps only the named plugins, ``HWSDK_DISABLE_PLUGINS`` drops the
        named ones; the built-in ``torch`` fallback is always loaded.

    Target names (and aliases) are claimed by precedence, not by entry-point order: the
    built-ins (distribution ``hwsdk``) first, then the first-party plugins
    (:data:`FIRST_PARTY_DISTRIBUTIONS`), then third-party ones. A plugin claiming a name that a
    higher tier holds is failed with a conflict naming both distributions; when two plugins
    of the same tier claim one name, both are failed (neither wins by its name sorting first),
    and so is any later claimant of that name.
    """

    def __init__(self, entry_points: list[metadata.EntryPoint] | None = None) -> None:
        self.pm = pluggy.PluginManager("hwsdk")
        self.pm.add_hookspecs(hookspecs)
        self.pm_v1 = pluggy.PluginManager("hwsdk")
        self.pm_v1.add_hookspecs(V1Specs)
        self.tracing = os.environ.get("HWSDK_TRACE_PLUGINS", "") not in ("", "0")
        self.plugins: dict[str, PluginRecord] = {}
        self.targets: dict[str, tuple[TargetInfo, PluginRecord]] = {}
        self.aliases: dict[str, str] = {}
        self._tables: dict[str, CapabilityTable] = {}
        self._probes: dict[tuple[str, bool], Availability] = {}
        self._bound: dict[str, Target] = {}
        self._canonical: dict[str, str] = {}
        self._contested: dict[str, list[PluginRecord]] = {}
        self._slow_probes: dict[str, threading.Thread] = {}
        self._allow = _env_list("HWSDK_PLUGINS")
        self._deny = _env_list("HWSDK_DISABLE_PLUGINS") or set()
        if entry_points is None:
            entry_points = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
        found = [(ep, *_distribution(ep)) for ep in entry_points]
        found.sort(key=lambda item: (_tier(item[1]), item[0].name, item[1]))
        for ep, dist, version in found:
            self._load(ep, dist, version)

    def _trace(self, text: str) -> None:
        if self.tracing:
            sys.stderr.write(f"hwsdk-trace: {text}\n")
            sys.stderr.flush()

    # -- loading --------------------------------------------------------------------------------

    def _load(self, ep: metadata.EntryPoint, dist: str, version: str) -> None:
        record = PluginRecord(name=ep.name, value=ep.value, distribution=dist, version=version)
        if ep.name in self.plugins:
            other = self.plugins[ep.name]
            record.name = f"{ep.name}@{record.distribution or ep.value}"
            self.plugins[record.name] = record
            self._refuse(record, "failed", PluginContractError(
                f"entry point name {ep.name!r} is already used by {other.describe()}; "
                "rename the entry point"))
            return
        self.plugins[ep.name] = record
        self._trace(f"load {record.describe()}: {ep.value}")
        if self._disabled(record):
            record.state = "disabled"
            record.error = ("disabled by HWSDK_PLUGINS / HWSDK_DISABLE_PLUGINS; change those "
                            "environment variables to load it")
            self._trace(f"  {record.name}: disabled")
            return
        try:
            module = ep.load()
        except (Exception, SystemExit) as exc:  # a plugin's import may raise anything
            self._fail(record, f"importing {ep.value} raised {type(exc).__name__}: {exc}", exc)
            return
        record.api = str(getattr(module, "HWSDK_PLUGIN_API", ""))
        api, why = negotiate_api(getattr(module, "HWSDK_PLUGIN_API", None))
        if why:
            self._refuse(record, "refused", PluginContractError(
                f"{record.describe()} is refused: {why}"))
            return
        record.api = api
        problem = self._register(record, module, api)
        if problem is not None:
            self._fail(record, f"its hooks do not match hwsdk's plugin API {api} hookspecs: "
                               f"{problem}", problem)
            return
        try:
            raw = self._call(record, "hwsdk_targets")
            objects = self._validate_targets(raw, record)
        except Exception as exc:
            self._fail(record, f"hwsdk_targets failed: {type(exc).__name__}: {exc}", exc)
            return
        duplicate = self._duplicate(record, [t.info for t in objects])
        if duplicate is not None:
            self._refuse(record, "failed", duplicate)
            return
        for obj in objects:
            info = obj.info
            self.targets[info.name] = (info, record)
            record.targets.append(info.name)
            record.objects[info.name] = obj
            for alias in info.aliases:
                self.aliases[alias] = info.name
        record.state = "loaded"
        self._trace(f"  {record.name}: loaded, targets {record.targets}")

    def _disabled(self, record: PluginRecord) -> bool:
        if record.distribution == BUILTIN_DISTRIBUTION and record.name == FALLBACK:
            return False
        names = {record.name, record.distribution}
        if self._allow is not None and not names & self._allow:
            return True
        return bool(names & self._deny)

    def _manager(self, record: PluginRecord) -> pluggy.PluginManager:
        return self.pm_v1 if record.api == "1.0" else self.pm

    def _register(self, record: PluginRecord, module: Any, api: str) -> Exception | None:
        """Register ``module`` with pluggy (the API 1 shim's specs for an API 1 module) and
        index its hook implementations."""
        pm = self._manager(record)
        names = V1_HOOK_NAMES if api == "1.0" else HOOK_NAMES
        for attr in names:
            fn = getattr(module, attr, None)
            if callable(fn) and pm.parse_hookimpl_opts(module, attr) is None:
                return PluginContractError(f"{attr} is not marked with @hookimpl "
                                           "(from hwsdk.plugin import hookimpl)")
        name = f"hwsdk-plugin:{record.name}"
        try:
            pm.register(module, name=name)
        except Exception as exc:
            return exc
        record.plugin = module
        for caller in pm.get_hookcallers(module) or []:
            if caller.spec is None:
                extra = (" (in plugin API 2 probe, capabilities, check and compile are methods "
                         "of the Target objects hwsdk_targets returns)"
                         if caller.name in V1_HOOK_NAMES else "")
                return PluginContractError(
                    f"{caller.name} is not an hwsdk hook; plugin API {api} defines "
                    f"{', '.join(names)}{extra}")
            for impl in caller.get_hookimpls():
                if impl.plugin is module:
                    if impl.hookwrapper or impl.wrapper:
                        return PluginContractError(f"{caller.name} may not be a hook wrapper")
                    record.hooks[caller.name] = (impl.function, tuple(impl.argnames))
        return None

    @staticmethod
    def _validate_targets(raw: Any, record: PluginRecord) -> list[Target]:
        """API 2: the Target objects, each with a TargetInfo; API 1: the TargetInfos (or
        mappings), wrapped by the shim."""
        if raw is None:
            return []
        kind = "TargetInfo" if record.api == "1.0" else "Target"
        if not isinstance(raw, (list, tuple)):
            raise PluginContractError(
                f"hwsdk_targets must return a list of {kind}, got {type(raw).__name__}")
        if record.api == "1.0":
            return [ModuleTarget(from_hook(TargetInfo, i), record.hooks) for i in raw]
        for obj in raw:
            if not isinstance(obj, Target):
                raise PluginContractError(
                    f"hwsdk_targets must return hwsdk.plugin.Target objects (plugin API 2), "
                    f"got {type(obj).__name__}; subclass Target and set its info")
            if not isinstance(getattr(obj, "info", None), TargetInfo):
                raise PluginContractError(f"{type(obj).__name__}.info must be a TargetInfo, "
                                          f"got {type(getattr(obj, 'info', None)).__name__}")
        return list(raw)

    def _duplicate(self, record: PluginRecord,
                   infos: list[TargetInfo]) -> PluginContractError | None:
        """The conflict when ``record`` claims a taken name (see :class:`Registry`); an owner
        of the same tier is failed too."""
        claimed: dict[str, str] = {}
        for info in infos:
            for name in [info.name, *info.aliases]:
                if name in claimed:
                    return PluginContractError(f"target name {name!r} is declared twice")
                claimed[name] = info.name
        for name in claimed:
            contested = self._contested.get(name)
            if contested:
                contested.append(record)
                return PluginContractError(
                    f"target name {name!r} is claimed by several plugins "
                    f"({', '.join(r.describe() for r in contested)}); none of them serves it. "
                    "Uninstall or disable (HWSDK_DISABLE_PLUGINS) all but one")
            owner = self.targets.get(self.aliases.get(name, name))
            if owner is None:
                continue
            holder = owner[1]
            if _tier(holder.distribution) < _tier(record.distribution):
                return PluginContractError(
                    f"target name {name!r} is already served by {holder.describe()}, which "
                    f"takes precedence over {record.describe()}; rename the target or "
                    "uninstall one of the plugins")
            self._contested[name] = [holder, record]
            conflict = PluginContractError(
                f"target name {name!r} is claimed by both {holder.describe()} and "
                f"{record.describe()}; neither serves it. Uninstall or disable "
                "(HWSDK_DISABLE_PLUGINS) one of them")
            self._refuse(holder, "failed", PluginContractError(str(conflict)))
            return conflict
        return None

    def _refuse(self, record: PluginRecord, state: str, cause: Exception) -> None:
        """Record a failure detected by hwsdk itself (no plugin code on the stack)."""
        try:
            raise cause
        except Exception:
            self._fail(record, str(cause), cause, state=state)

    def _fail(self, record: PluginRecord, error: str, cause: BaseException,
              state: str = "failed") -> None:
        record.state, record.error, record.cause = state, error, cause
        record.traceback = "".join(traceback.format_exception(cause))
        self._trace(f"  {record.name}: {state}: {error}")
        pm = self._manager(record)
        if pm.has_plugin(f"hwsdk-plugin:{record.name}"):
            pm.unregister(name=f"hwsdk-plugin:{record.name}")
        record.plugin = None
        record.hooks.clear()
        record.objects.clear()
        for name in record.targets:
            self.targets.pop(name, None)
        for alias, name in list(self.aliases.items()):
            if name in record.targets:
                del self.aliases[alias]
        for key in [k for k in self._tables if k.partition(":")[0] in record.targets]:
            del self._tables[key]
        for key in [k for k in self._bound if k.partition(":")[0] in record.targets]:
            del self._bound[key]
        self._canonical.clear()

    def _call(self, record: PluginRecord, hook: str, **kwargs: Any) -> Any:
        """Call ``record``'s implementation of ``hook`` (None when it has none)."""
        impl = record.hooks.get(hook)
        if impl is None:
            return None
        fn, argnames = impl
        args = [kwargs[a] for a in argnames]
        if not self.tracing:
            return fn(*args)
        shown = ", ".join(f"{k}={_brief(kwargs[k])}" for k in argnames)
        return self._traced(f"{record.name}.{hook}({shown})", fn, args)

    def _traced(self, where: str, fn: Any, args: Sequence[Any]) -> Any:
        """``fn(*args)``, with its result or exception and its time written to the trace."""
        start = time.perf_counter()
        try:
            result = fn(*args)
        except BaseException as exc:
            self._trace(f"{where} raised {type(exc).__name__}: {exc}")
            raise
        ms = (time.perf_counter() - start) * 1e3
        self._trace(f"{where} -> {_brief(result)} [{ms:.2f} ms]")
        return result

    # -- target resolution ----------------------------------------------------------------------

    def resolve(self, ref: str) -> tuple[TargetInfo, str | None]:
        """``"rocm:gfx942"`` → (TargetInfo of rocm, ``"gfx942"``).

        :raises UnknownTargetError: naming the closest known names.
        :raises PluginLoadError: when the plugin serving that name failed to load (chained
            to the root cause).
        """
        name, _, variant = ref.partition(":")
        name = self.aliases.get(name, name)
        if name not in self.targets:
            failed = self._failed_plugin_for(name)
            if failed is not None:
                raise PluginLoadError(
                    f"target {name!r} is unavailable: {failed.describe()} {failed.state}: "
                    f"{failed.error}. Run `hwsdk doctor` for the traceback."
                ) from failed.cause
            known = sorted(self.known_names())
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            broken = [r.name for r in self.plugins.values() if r.state in ("failed", "refused")]
            extra = f" (plugins that failed to load: {', '.join(broken)})" if broken else ""
            raise UnknownTargetError(
                f"unknown target {ref!r}; {hint}known targets: {', '.join(known) or 'none'} "
                f"(see `hwsdk targets`){extra}"
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

    def ordered_targets(self) -> list[TargetInfo]:
        """Every registered target, highest ``auto`` priority first (ties by name)."""
        return sorted((info for info, _ in self.targets.values()),
                      key=lambda i: (-i.priority, i.name))

    def canonical(self, ref: str) -> str:
        """``"rocm"`` → ``"rocm:gfx942"`` when that is its default variant (cached)."""
        canonical = self._canonical.get(ref)
        if canonical is None:
            info, variant = self.resolve(ref)
            canonical = f"{info.name}:{variant}" if variant else info.name
            self._canonical[ref] = canonical
        return canonical

    def known_names(self) -> set[str]:
        names = set(self.targets) | set(self.aliases)
        for info, _ in self.targets.values():
            names.update(f"{info.name}:{v}" for v in info.variants)
        return names

    def _failed_plugin_for(self, name: str) -> PluginRecord | None:
        for record in self.plugins.values():
            if record.state in ("failed", "refused", "disabled") and (
                    name in record.targets or name == record.name
                    or record.distribution in (name, f"hwsdk-{name}")):
                return record
        return None

    def record_for(self, ref: str) -> PluginRecord:
        """The record of the plugin serving ``ref`` (resolved, so errors are as in
        :meth:`resolve`)."""
        name = self.canonical(ref).partition(":")[0]
        return self.targets[name][1]

    def target(self, ref: str) -> Target:
        """The :class:`~hwsdk.plugin.Target` object serving ``ref``, bound to its variant
        (once per canonical reference; errors as in :meth:`resolve`)."""
        canonical = self.canonical(ref)
        bound = self._bound.get(canonical)
        if bound is None:
            name, _, variant = canonical.partition(":")
            bound = self.targets[name][1].objects[name].for_variant(variant or None)
            self._bound[canonical] = bound
        return bound

    # -- calls on behalf of a target ------------------------------------------------------------

    def _invoke(self, record: PluginRecord, target: Target, method: str, *args: Any) -> Any:
        """``target.method(*args)``, traced under ``HWSDK_TRACE_PLUGINS``."""
        fn = getattr(target, method)
        if not self.tracing:
            return fn(*args)
        where = f"{record.name}: {target.ref}.{method}({', '.join(_brief(a) for a in args)})"
        return self._traced(where, fn, args)

    def capabilities(self, ref: str) -> CapabilityTable:
        """The validated capability table of a target reference (cached).

        :raises PluginLoadError: when the method raises, returns None or returns something
            malformed (the plugin is then marked failed, chained to the root cause).
        """
        canonical = self.canonical(ref)
        table = self._tables.get(canonical)
        if table is not None:
            return table
        record = self.record_for(canonical)
        try:
            raw = self._invoke(record, self.target(canonical), "capabilities")
            table = self._validate_table(raw, canonical)
        except Exception as exc:
            cause = table_error(exc, canonical)
            self._fail(record, f"capabilities of {canonical} failed: "
                               f"{type(cause).__name__}: {cause}", cause)
            raise PluginLoadError(
                f"{record.describe()} gave no valid capability table for {canonical}: "
                f"{type(cause).__name__}: {cause}"
            ) from cause
        self._tables[canonical] = table
        return table

    def _validate_table(self, raw: Any, canonical: str) -> CapabilityTable:
        from hwsdk.capability import CapabilityTable

        if raw is None:
            raise PluginContractError(f"capabilities() returned None for {canonical}, "
                                      "a target the plugin declared")
        if isinstance(raw, CapabilityTable):
            raw = raw.model_dump()
        table = CapabilityTable.model_validate(raw)
        name = table.target.partition(":")[0]
        if self.aliases.get(name, name) != canonical.partition(":")[0]:
            raise PluginContractError(f"the table asked for {canonical} describes target "
                                      f"{table.target!r}")
        return table

    def probe(self, ref: str, deep: bool = True) -> Availability:
        """Probe a target (see :meth:`hwsdk.plugin.Target.probe` for ``deep``); a raising,
        malformed or slow probe reads as unavailable, with the error as reason. Results are
        cached for the registry's lifetime, quick and deep apart, so a plugin needs no cache.

        A probe runs in a worker thread with a time budget (:func:`probe_budget`): one that
        has not answered by then reads as unavailable ("probe took longer than N s"), and
        while it is still running, later probes of that plugin answer the same at once
        instead of waiting again. The worker is a daemon thread: it cannot hold up exit.
        """
        canonical = self.canonical(ref)
        cached = self._probes.get((canonical, deep))
        if cached is not None:
            return cached
        record = self.record_for(canonical)
        budget = probe_budget(deep)
        key = f"{record.name}:{'deep' if deep else 'quick'}"
        running = self._slow_probes.get(key)
        if running is not None and running.is_alive():
            return Availability(available=False, reason=slow_reason(budget, deep, True))
        availability = self._timed_probe(record, canonical, deep, budget, key)
        if key not in self._slow_probes:  # an answer, not a timeout: keep it
            self._probes[(canonical, deep)] = availability
        return availability

    def _timed_probe(self, record: PluginRecord, canonical: str, deep: bool, budget: float,
                     key: str) -> Availability:
        outcome: list[Availability] = []
        target = self.target(canonical)

        def run() -> None:
            try:
                outcome.append(from_hook(Availability,
                                         self._invoke(record, target, "probe", deep)))
            except Exception as exc:
                outcome.append(Availability(
                    available=False, reason=f"probe raised {type(exc).__name__}: {exc}"))

        worker = threading.Thread(target=run, name=f"hwsdk-probe-{canonical}", daemon=True)
        worker.start()
        worker.join(budget)
        if outcome:
            self._slow_probes.pop(key, None)
            return outcome[0]
        self._slow_probes[key] = worker
        self._trace(f"{record.name}: {canonical}.probe({deep}) still running "
                    f"after {budget:g} s: reported unavailable")
        return Availability(available=False, reason=slow_reason(budget, deep, False))

    def check(self, ref: str, node: Node, graph: Graph) -> Verdict | None:
        """The target's ``check`` veto for a node its table accepted, or None.

        :raises PluginLoadError: when the method raises or returns something that is not a
            Verdict (the plugin is then marked failed).
        """
        canonical = self.canonical(ref)
        target = self.target(canonical)
        if type(target).check is Target.check:  # accepts everything: skip the call
            return None
        record = self.record_for(canonical)
        try:
            result = self._invoke(record, target, "check", node, graph)
            if result is None:
                return None
            verdict = as_verdict(result)
        except Exception as exc:
            self._fail(record, f"check of {canonical} on {node.id} failed: "
                               f"{type(exc).__name__}: {exc}", exc)
            raise PluginLoadError(f"{record.describe()}'s check failed on node {node.id} "
                                  f"({node.op}): {type(exc).__name__}: {exc}") from exc
        if verdict.ok:
            return None
        return verdict.model_copy(update={"target": canonical, "node_id": node.id})

    def unavailable(self, ref: str, options: Mapping[str, Any]) -> str:
        """Why ``ref`` may not compile here with ``options``, or ``""``: its deep probe says
        unavailable and no offline option of the target (emulation, an ahead-of-time build)
        is set. The message names those options."""
        target = self.target(ref)
        if not target.needs_device(options):
            return ""
        found = self.probe(ref, deep=True)
        if found.available:
            return ""
        offline = target.offline_options
        instead = " or ".join(f"{name}=True ({what})" for name, what in offline.items())
        return (f"target {self.canonical(ref)} is unavailable here: "
                f"{found.reason or 'its probe says so'}. `hwsdk targets` shows what each "
                "target needs; target='auto' uses the available ones"
                + (f"; {instead} compiles for it without the device" if instead else ""))

    def compile(self, ref: str, region: Region, options: Mapping[str, Any]) -> CompiledRegion:
        """Compile ``region`` on the target serving ``ref``.

        :raises TargetUnavailableError: when :meth:`unavailable` says why not (the target's
            ``compile`` is not called).
        :raises HwsdkError: what the target raised, under :data:`COMPILE_ERROR_RULE` (the
            caller records it as ``COMPILE_FAILED``).
        :raises PluginContractError: when the target broke that rule: it raised another
            exception (chained), one without a message, or returned no CompiledRegion.
        """
        canonical = self.canonical(ref)
        why = self.unavailable(canonical, options)
        if why:
            raise TargetUnavailableError(why)
        record = self.record_for(canonical)
        try:
            result = self._invoke(record, self.target(canonical), "compile", region, options)
        except HwsdkError as exc:
            if str(exc).strip():
                raise
            raise PluginContractError(
                f"{record.describe()}'s compile for {canonical} raised {type(exc).__name__} "
                f"without a message; {COMPILE_ERROR_RULE}") from exc
        except Exception as exc:
            raise PluginContractError(
                f"{record.describe()}'s compile for {canonical} raised {type(exc).__name__}: "
                f"{exc} ({COMPILE_ERROR_RULE})") from exc
        if not isinstance(result, CompiledRegion):
            raise PluginContractError(
                f"{record.describe()}'s compile for {canonical} returned "
                f"{type(result).__name__}, not a CompiledRegion")
        return result

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


def _distribution(ep: metadata.EntryPoint) -> tuple[str, str]:
    """(name, version) of the distribution declaring ``ep`` (one metadata read)."""
    if ep.dist is None:
        return "", ""
    meta = ep.dist.metadata
    return str(meta["Name"]), str(meta["Version"])


_DEFAULT: Registry | None = None
_LOCK = threading.Lock()


def get_registry() -> Registry:
    """The process-wide registry, loaded on first use (not at import)."""
    global _DEFAULT
    with _LOCK:
        if _DEFAULT is None:
            _DEFAULT = Registry()
        return _DEFAULT


def reset_registry() -> None:
    """Forget the loaded plugins; the next :func:`get_registry` loads them again."""
    global _DEFAULT
    with _LOCK:
        _DEFAULT = None
