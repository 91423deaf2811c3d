"""Load generated Triton source as a real module file, so ``triton.jit`` can read it.

Triton's JIT reads a kernel's source with ``inspect``; source built in memory (``exec``) has
no file behind it. So the text is written to ``<cache>/hwsdk_triton_<sha256[:16]>.py`` (the
cache is ``$HWSDK_CACHE_DIR/triton`` or ``~/.cache/hwsdk/triton``), atomically, and imported
from there under a name derived from its hash. Emulated modules are imported with Triton's
interpreter switched on for the import only, so ``@triton.jit`` yields interpreted kernels
without changing how other code in the process compiles.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from pathlib import Path
from types import ModuleType

from hwsdk.cache import cache_dir as shared_cache_dir
from hwsdk.cache import write_atomically

__all__ = ["cache_dir", "write_source", "load_module"]

_LOCK = threading.Lock()
_MODULES: dict[tuple[str, bool], ModuleType] = {}


def cache_dir() -> Path:
    """Where generated modules are written."""
    return shared_cache_dir("triton")


def write_source(source: str, directory: Path | None = None) -> Path:
    """Write ``source`` under its hash (no-op when present) and return the path."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    target = (directory or cache_dir()) / f"hwsdk_triton_{digest}.py"
    if target.exists() and target.read_text() == source:
        return target
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
        name = f"hwsdk_triton_{digest[:16]}{'_interp' if emulate else ''}"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        import triton

        before = triton.knobs.runtime.interpret
        triton.knobs.runtime.interpret = emulate
        try:
            spec.loader.exec_module(module)
        finally:
            triton.knobs.runtime.interpret = before
        _MODULES[key] = module
        return module
