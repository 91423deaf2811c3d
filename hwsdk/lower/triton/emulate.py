"""Run interpreted kernels in a process where ``triton.language`` was imported normally.

Triton's interpreter expects ``TRITON_INTERPRET=1`` before ``triton.language`` is imported:
the standard-library helpers (``tl.sum``, ``tl.max``, ``tl.sigmoid``, ``tl.zeros`` …) are
themselves ``@triton.jit`` functions and are only callable in the interpreter when they were
decorated in interpreter mode. hwsdk decides per compile, so for the duration of an emulated
launch it swaps each public standard-library JIT function for an interpreted twin and puts the
originals back afterwards (under a lock; compilation for a GPU in another thread of the same
process must not overlap an emulated launch). The ``_*_combine`` helpers stay untouched: the
interpreter recognizes reductions by their identity.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["interpreted_stdlib"]

_LOCK = threading.RLock()
_TWINS: dict[int, Any] = {}


@contextmanager
def interpreted_stdlib() -> Iterator[None]:
    """Within this block, ``triton.language`` helpers run in Triton's interpreter."""
    import triton.language as tl
    from triton.runtime.interpreter import InterpretedFunction
    from triton.runtime.jit import JITFunction

    try:  # imported lazily by Triton's launcher; it must see the original helpers
        import triton.experimental.gluon  # noqa: F401
    except ImportError:  # pragma: no cover - older Triton
        pass
    with _LOCK:
        saved: list[tuple[Any, str, Any]] = []
        for name, fn in list(vars(tl.standard).items()):
            if name.startswith("_") or not isinstance(fn, JITFunction):
                continue
            twin = _TWINS.setdefault(id(fn), InterpretedFunction(fn.fn))
            for module in (tl.standard, tl):
                if getattr(module, name, None) is fn:
                    saved.append((module, name, fn))
                    setattr(module, name, twin)
        try:
            yield
        finally:
            for module, name, fn in saved:
                setattr(module, name, fn)
