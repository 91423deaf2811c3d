"""Load generated Triton source as a real module file, so ``triton.jit`` can read it.

Triton's JIT reads a kernel's source with ``inspect``; source built in memory (``exec``) has
no file behind it. So the text is written to ``<cache>/hwsdk_triton_<sha256[:16]>.py`` (the
cache is ``$HWSDK_CACHE_DIR/triton`` or ``~/.cache/hwsdk/triton``), atomically, and the module
is executed from the source in memory under that file name (no bytecode cache to go stale).
A cached file whose bytes do not hash to its name (truncated, edited, corrupt) is discarded
and rewritten, with a warning; with no usable cache directory the files go to a private
temporary directory, with a warning (:func:`hwsdk.cache.cache_dir_or_temp`). Emulated modules
are executed with Triton's interpreter switched on for the import only, so ``@triton.jit``
yields interpreted kernels without changing how other code in the process compiles.
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from pathlib import Path
from types import ModuleType

from hwsdk.cache import cache_dir_or_temp, write_atomically

__all__ = ["cache_dir", "write_source", "load_module"]

_LOCK = threading.Lock()
_MODULES: dict[tuple[str, bool], ModuleType] = {}
_PREFIX = "hwsdk_triton_"


def cache_dir() -> Path:
    """Where generated modules are written (a temporary directory, with a warning, when the
    cache directory cannot be used)."""
    return cache_dir_or_temp("triton")


def _intact(path: Path, digest: str) -> bool:
    """Whether the cached ``path`` holds exactly the source whose sha256 is ``digest``; a
    damaged one is removed, with a warning."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return False
    except OSError as exc:
        warnings.warn(f"hwsdk: cannot read the cached Triton module {path} ({exc}); "
                      "rewriting it", RuntimeWarning, stacklevel=3)
        return False
    if hashlib.sha256(data).hexdigest() == digest:
        return True
    warnings.warn(f"hwsdk: the cached Triton module {path} is damaged ({len(data)} bytes that "
                  "do not match its hash); discarding and rebuilding it", RuntimeWarning,
                  stacklevel=3)
    path.unlink(missing_ok=True)
    return False


def write_source(source: str, directory: Path | None = None) -> Path:
    """Write ``source`` under its hash (no-op when an intact copy is present); returns the
    path. A damaged cached copy is replaced, with a warning."""
    digest = hashlib.sha256(source.encode()).hexdigest()
    target = (directory or cache_dir()) / f"{_PREFIX}{digest[:16]}.py"
    if not _intact(target, digest):
        write_atomically(target, source)
    return target


def load_module(source: str, emulate: bool) -> ModuleType:
    """Import generated ``source``; with ``emulate``, kernels run in Triton's interpreter."""
    digest = hashlib.sha256(source.encode()).hexdigest()
    key = (digest, emulate)
    with _LOCK:
        if key in _MODULES:
            return _MODULES[key]
        path = write_source(source)
        module = ModuleType(f"{_PREFIX}{digest[:16]}{'_interp' if emulate else ''}")
        module.__file__ = str(path)
        # Compiled from the text in hand, not re-read from disk: what runs is what was hashed.
        code = compile(source, str(path), "exec")
        import triton

        before = triton.knobs.runtime.interpret
        triton.knobs.runtime.interpret = emulate
        try:
            exec(code, module.__dict__)
        finally:
            triton.knobs.runtime.interpret = before
        _MODULES[key] = module
        return module
