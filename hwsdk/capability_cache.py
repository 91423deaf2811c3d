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

A hit reads one JSON file; a miss or an unreadable file builds the tables through the registry
(:meth:`~hwsdk.registry.Registry.capabilities`, with its plugin isolation) and rewrites the
file. ``HWSDK_NO_CACHE=1`` bypasses the cache. Compilation and partitioning never read it:
they use the validated tables themselves.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hwsdk.cache import cache_dir, write_atomically

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


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
        return {}
    views = data.get("views")
    return views if isinstance(views, dict) else {}


def _prune(directory: Path, keep: Path) -> None:
    files = sorted(directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in files if p != keep][KEEP_FILES - 1:]:
        old.unlink(missing_ok=True)


def _build(registry: Registry, refs: Iterable[str]) -> dict[str, dict[str, Any]]:
    return {ref: table_view(registry.capabilities(ref)) for ref in refs}


def capability_views(registry: Registry, refs: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The :func:`table_view` of each target reference in ``refs`` (canonical references,
    e.g. ``"intel:cpu"``), from the cache when it is current.

    :raises PluginLoadError: when a plugin's table is malformed (never cached).
    """
    if os.environ.get("HWSDK_NO_CACHE", "") not in ("", "0"):
        return _build(registry, refs)
    try:
        directory = cache_dir("capabilities")
    except OSError:  # read-only home: answer without a cache
        return _build(registry, refs)
    path = directory / f"{cache_key(registry)}.json"
    cached = _read(path)
    missing = [ref for ref in refs if ref not in cached]
    if not missing:
        return {ref: cached[ref] for ref in refs}
    cached.update(_build(registry, missing))
    try:
        write_atomically(path, json.dumps({"format": CACHE_FORMAT, "views": cached},
                                          sort_keys=True))
        _prune(directory, path)
    except OSError:
        pass  # the answer stands; the next call builds again
    return {ref: cached[ref] for ref in refs}
