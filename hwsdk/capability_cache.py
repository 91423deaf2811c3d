"""Capability tables in their JSON form, cached on disk for the query commands.

``hwsdk caps`` shows tables; building and validating them takes pydantic and every plugin's
table code, which costs more than the answer is worth on a warm machine. So the JSON form of
each validated table (:func:`table_view`) is kept in ``<cache>/capabilities/<key>.json``. The
key is a hash of what a table may depend on (the ``hwsdk_capabilities`` hookspec says tables
depend on installed code only):

- hwsdk's version, the Python version and prefix, this module's format number;
- every loaded plugin: entry point, distribution and version;
- the files of the hwsdk package and of every plugin's package (path, size, mtime), so an
  edit to an editable install counts;
- the modification times of the directories on ``sys.path``, which change whenever a
  distribution is installed, upgraded or removed.

A hit reads one JSON file; a miss builds the tables through the registry
(:meth:`~hwsdk.registry.Registry.capabilities`, with its plugin isolation) and rewrites the
file. A file that cannot be trusted (not JSON, views of the wrong shape, something other than a
regular file in its place) is rebuilt with a warning; an unusable cache directory means no
cache (see :mod:`hwsdk.cache`). ``HWSDK_NO_CACHE=1`` bypasses the cache. Compilation and
partitioning never read it: they use the validated tables themselves.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hwsdk.cache import cache_dir, write_atomically
from hwsdk.errors import PluginLoadError

if TYPE_CHECKING:
    from hwsdk.capability import CapabilityTable
    from hwsdk.registry import Registry

__all__ = ["table_view", "capability_views", "cache_key", "CACHE_FORMAT", "KEEP_FILES"]

CACHE_FORMAT = 1
"""Bumped whenever the shape of a cached view changes."""

KEEP_FILES = 16
"""Cache files kept; older ones (other environments, earlier code) are removed."""


def table_view(table: CapabilityTable) -> dict[str, Any]:
    """The JSON form of ``table`` with a ``description`` on every constraint (what the CLI
    prints), e.g. ``{"kind": "max_rank", "max": 4, "description": "rank <= 4"}``."""
    data = table.model_dump(mode="json")
    for raw, constraint in zip(data["constraints"], table.constraints, strict=True):
        raw["description"] = constraint.describe()
    for name, entry in table.ops.items():
        for raw, constraint in zip(data["ops"][name]["constraints"], entry.constraints,
                                   strict=True):
            raw["description"] = constraint.describe()
    return data


def _package_roots(registry: Registry) -> list[Path]:
    import hwsdk

    roots = [Path(hwsdk.__file__).parent]
    for record in registry.plugins.values():
        module = record.plugin
        if module is None:
            continue
        paths = list(getattr(module, "__path__", []) or [])
        if not paths and getattr(module, "__file__", None):
            paths = [module.__file__]
        for raw in paths:
            path = Path(raw)
            if not any(path == root or root in path.parents for root in roots):
                roots.append(path)
    return roots


def _stamp_tree(root: Path, out: list[str]) -> None:
    if root.is_file():
        st = root.stat()
        out.append(f"{root}|{st.st_size}|{st.st_mtime_ns}")
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".pyc", ".tmp")):
                continue
            st = os.stat(os.path.join(dirpath, name))
            out.append(f"{dirpath}/{name}|{st.st_size}|{st.st_mtime_ns}")


def _stamp_sys_path(out: list[str]) -> None:
    for entry in sys.path:
        if not entry:
            continue
        try:
            st = os.stat(entry)
        except OSError:
            continue
        out.append(f"path|{entry}|{st.st_mtime_ns}")


def cache_key(registry: Registry) -> str:
    """The hash naming the cache file for ``registry``'s loaded plugins (see the module
    docstring for what goes in)."""
    from hwsdk import __version__

    parts = [f"format {CACHE_FORMAT}", f"hwsdk {__version__}",
             f"python {platform.python_version()} {sys.prefix}"]
    for record in registry.plugins.values():
        parts.append(f"plugin|{record.name}|{record.value}|{record.distribution}|"
                     f"{record.version}|{record.state}")
    for root in _package_roots(registry):
        _stamp_tree(root, parts)
    _stamp_sys_path(parts)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def _is(value: Any, kind: type | tuple[type, ...], *keys: str) -> bool:
    """``value`` is a ``kind``; when ``keys`` are given, a dict with those keys."""
    if not isinstance(value, kind):
        return False
    return not keys or (isinstance(value, dict) and all(k in value for k in keys))


def _constraints_ok(value: Any) -> bool:
    return _is(value, list) and all(
        _is(c, dict, "kind", "description") and _is(c["description"], str) for c in value)


def _view_ok(view: Any) -> bool:
    """Whether a cached view has every field the CLI reads, of the right type (a cheap
    structural check: pydantic stays unimported on the warm path)."""
    if not _is(view, dict, "target", "version", "opset_version", "provenance", "ops",
               "constraints", "note"):
        return False
    if not (_is(view["target"], str) and _is(view["version"], str) and _is(view["note"], str)
            and _is(view["opset_version"], int) and _constraints_ok(view["constraints"])):
        return False
    if not _is(view["provenance"], list) or not all(
            _is(p, dict, "source", "version", "url_or_repo_path", "retrieved")
            for p in view["provenance"]):
        return False
    ops = view["ops"]
    return _is(ops, dict) and all(
        _is(entry, dict, "dtypes", "constraints", "note", "source")
        and _is(entry["dtypes"], dict)
        and all(_is(s, str) and s in ("yes", "no", "unknown") for s in entry["dtypes"].values())
        and _constraints_ok(entry["constraints"]) for entry in ops.values())


def _warn(path: Path, why: str) -> None:
    warnings.warn(f"hwsdk: ignoring the capability cache file {path} ({why}); the tables are "
                  "built again and the file rewritten", stacklevel=3)


def _read(path: Path) -> dict[str, Any]:
    """The views in ``path``; ``{}`` when there is no such file, with a warning when there is
    one that cannot be used (a FIFO or device is never opened: reading it could block)."""
    if not path.exists():
        return {}
    if not path.is_file():
        _warn(path, "not a regular file")
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        _warn(path, f"unreadable: {type(exc).__name__}")
        return {}
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
        return {}  # another format number: an older hwsdk's file, replaced without fuss
    views = data.get("views")
    if not isinstance(views, dict):
        _warn(path, "no views in it")
        return {}
    bad = sorted(str(ref) for ref, view in views.items() if not _view_ok(view))
    if bad:
        _warn(path, f"malformed entries for {', '.join(bad)}")
        return {ref: view for ref, view in views.items() if ref not in bad}
    return views


def _prune(directory: Path, keep: Path) -> None:
    files = sorted(directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in files if p != keep][KEEP_FILES - 1:]:
        old.unlink(missing_ok=True)


def _build(registry: Registry, refs: Iterable[str],
           failures: dict[str, PluginLoadError] | None) -> dict[str, dict[str, Any]]:
    views = {}
    for ref in refs:
        try:
            views[ref] = table_view(registry.capabilities(ref))
        except PluginLoadError as exc:
            if failures is None:
                raise
            failures[ref] = exc
    return views


def _write(path: Path, views: Mapping[str, Any]) -> None:
    try:
        write_atomically(path, json.dumps({"format": CACHE_FORMAT, "views": views},
                                          sort_keys=True))
        _prune(path.parent, path)
    except OSError:
        pass  # the answer stands; the next call builds again


def capability_views(registry: Registry, refs: Sequence[str],
                     failures: dict[str, PluginLoadError] | None = None
                     ) -> dict[str, dict[str, Any]]:
    """The :func:`table_view` of each target reference in ``refs`` (canonical references,
    e.g. ``"intel:cpu"``), from the cache when it is current.

    :param failures: when given, a target whose table cannot be built (its plugin failed) is
        left out of the result and its error stored here under its reference, so that one
        broken plugin does not hide the others' tables; when None, the error is raised.
    :raises PluginLoadError: when a plugin's table is malformed (never cached) and
        ``failures`` is None.
    """
    if os.environ.get("HWSDK_NO_CACHE", "") not in ("", "0"):
        return _build(registry, refs, failures)
    directory = cache_dir("capabilities")
    if directory is None:  # unusable cache directory (warned): answer without a cache
        return _build(registry, refs, failures)
    path = directory / f"{cache_key(registry)}.json"
    cached = _read(path)
    missing = [ref for ref in refs if ref not in cached]
    if not missing:
        return {ref: cached[ref] for ref in refs}
    cached.update(_build(registry, missing, failures))
    _write(path, cached)
    return {ref: cached[ref] for ref in refs if ref in cached}
