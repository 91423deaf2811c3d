"""Where hwsdk keeps files it can rebuild: ``$HWSDK_CACHE_DIR`` or ``~/.cache/hwsdk``.

A cache is an optimisation, so a cache directory that cannot be used (``HWSDK_CACHE_DIR``
names a file, a read-only place, a home that does not exist) never fails a command: the
callers get ``None`` from :func:`cache_dir` and a warning that says what to change, and work
without a cache; a caller that needs somewhere to write files (generated kernel modules) uses
:func:`cache_dir_or_temp`, which falls back to a private temporary directory instead.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path

__all__ = ["cache_dir", "cache_dir_or_temp", "cache_root", "write_atomically"]

_LOCK = threading.Lock()
_CHECKED: dict[Path, str] = {}  # directory -> "" when usable, else why not
_TEMP: dict[str, Path] = {}


def cache_root() -> Path:
    """``$HWSDK_CACHE_DIR``, or ``~/.cache/hwsdk`` when it is unset or empty (not checked)."""
    root = os.environ.get("HWSDK_CACHE_DIR")
    return Path(root) if root else Path.home() / ".cache" / "hwsdk"


def _unusable(path: Path) -> str:
    """Why ``path`` cannot hold cache files ("" when it can): it is created, and a file is
    created and removed in it (``os.access`` says yes to root on a read-only mount)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return f"{type(exc).__name__}: {exc.strerror or exc}"
    return ""


def cache_dir(kind: str) -> Path | None:
    """The directory for one kind of cached file (``"triton"``, ``"capabilities"``), created
    and writable; ``None``, with a warning (once per directory and process), when it cannot be
    used: the caller then works without a cache.

    :param kind: a subdirectory name.
    """
    path = cache_root() / kind
    with _LOCK:
        known = _CHECKED.get(path)
        if known == "" and path.is_dir():  # checked before, and nobody removed it since
            return path
        why = _CHECKED[path] = _unusable(path)
    if not why:
        return path
    if known != why:
        warnings.warn(f"hwsdk: cannot use the cache directory {path} ({why}); working "
                      "without a cache. Set HWSDK_CACHE_DIR to a writable directory.",
                      stacklevel=2)
    return None


def cache_dir_or_temp(kind: str) -> Path:
    """:func:`cache_dir`, or when that is unusable a private temporary directory (one per kind
    and process, removed at exit), for callers that must write their files somewhere.

    :param kind: a subdirectory name.
    """
    path = cache_dir(kind)
    if path is not None:
        return path
    with _LOCK:
        temp = _TEMP.get(kind)
        if temp is None:
            temp = _TEMP[kind] = Path(tempfile.mkdtemp(prefix=f"hwsdk-{kind}-"))
            atexit.register(shutil.rmtree, temp, ignore_errors=True)
    return temp


def write_atomically(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` so that readers see the old file or the whole new one."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
