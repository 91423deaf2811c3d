"""Where hwsdk keeps files it can rebuild: ``$HWSDK_CACHE_DIR`` or ``~/.cache/hwsdk``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["cache_dir", "write_atomically"]


def cache_dir(kind: str) -> Path:
    """The directory for one kind of cached file (``"triton"``, ``"capabilities"``), created.

    :param kind: a subdirectory name.
    """
    root = os.environ.get("HWSDK_CACHE_DIR")
    base = Path(root) if root else Path.home() / ".cache" / "hwsdk"
    path = base / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


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
