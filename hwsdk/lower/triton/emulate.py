"""Run interpreted kernels in a process where ``triton.language`` was imported normally.

Triton's interpreter expects ``TRITON_INTERPRET=1`` before ``triton.language`` is imported:
the standard-library helpers (``tl.sum``, ``tl.max``, ``tl.sigmoid``, ``tl.zeros`` …) are
themselves ``@triton.jit`` functions and are only callable in the interpreter when they were
decorated in interpreter mode. hwsdk decides per compile, so for the duration of an emulated
launch it swaps each public standard-library JIT function for an interpreted twin and puts the
originals back afterwards (under a lock; compilation for a GPU in another thread of the same
process must not overlap an emulated launch). The twins also undo the language patches each
device-function call makes (Triton 3.9 leaks them, which breaks later real compiles). The
``_*_combine`` helpers stay untouched: the interpreter recognizes reductions by their identity.

One interpreter defect is worked around the same way: Triton 3.9's interpreter stores bf16 as
raw ``uint16`` bits and its ``dot`` multiplies those bits as integers. During an emulated
launch, bf16 ``dot`` operands are widened to fp32 first (exact), which is what the GPU's bf16
MMA computes before accumulating in fp32.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

__all__ = ["interpreted_stdlib", "widen_bf16"]

_TWIN_CLASS: Any = None


def _twin_class() -> Any:
    """``InterpretedFunction`` whose device-function calls undo their language patches.

    Triton 3.9's ``InterpretedFunction.__call__`` patches ``triton.language`` for the call and
    never restores it; the leaked patches break later real (GPU/AOT) compilation in the same
    process. The twin restores them when the call returns.
    """
    global _TWIN_CLASS
    if _TWIN_CLASS is None:
        from triton.runtime.errors import InterpreterError
        from triton.runtime.interpreter import InterpretedFunction, _patch_lang

        class Twin(InterpretedFunction):  # type: ignore[misc]
            def __call__(self, *args: Any, **kwargs: Any) -> Any:
                scope = _patch_lang(self.fn)
                try:
                    return self.rewrite()(*args, **kwargs)
                except Exception as exc:
                    raise InterpreterError(repr(exc)) from exc
                finally:
                    scope.restore()

        _TWIN_CLASS = Twin
    return _TWIN_CLASS

_LOCK = threading.RLock()
_TWINS: dict[int, Any] = {}


def widen_bf16(data: Any) -> Any:
    """bf16 bit patterns (``uint16``) → the same values as ``float32``."""
    import numpy as np

    return (data.astype(np.uint32) << 16).view(np.float32)


def _dot_with_bf16(original: Any) -> Any:
    def create_dot(self: Any, a: Any, b: Any, d: Any, input_precision: Any,
                   max_num_imprecise_acc: Any) -> Any:
        import triton.language as tl
        from triton.runtime.interpreter import TensorHandle

        if a.dtype == tl.bfloat16 or b.dtype == tl.bfloat16:
            a = TensorHandle(widen_bf16(a.data) if a.dtype == tl.bfloat16 else a.data,
                             tl.float32)
            b = TensorHandle(widen_bf16(b.data) if b.dtype == tl.bfloat16 else b.data,
                             tl.float32)
        return original(self, a, b, d, input_precision, max_num_imprecise_acc)

    create_dot.hwsdk_original = original  # type: ignore[attr-defined]
    return create_dot


@contextmanager
def interpreted_stdlib() -> Iterator[None]:
    """Within this block, ``triton.language`` helpers run in Triton's interpreter."""
    import triton.language as tl
    from triton.runtime.interpreter import InterpreterBuilder
    from triton.runtime.jit import JITFunction

    with suppress(ImportError):  # Triton's launcher imports it lazily: it must see originals
        import triton.experimental.gluon  # noqa: F401
    with _LOCK:
        saved: list[tuple[Any, str, Any]] = []
        for name, fn in list(vars(tl.standard).items()):
            if name.startswith("_") or not isinstance(fn, JITFunction):
                continue
            twin = _TWINS.setdefault(id(fn), _twin_class()(fn.fn))
            for module in (tl.standard, tl):
                if getattr(module, name, None) is fn:
                    saved.append((module, name, fn))
                    setattr(module, name, twin)
        original_dot = InterpreterBuilder.create_dot
        if not hasattr(original_dot, "hwsdk_original"):
            InterpreterBuilder.create_dot = _dot_with_bf16(original_dot)  # type: ignore[method-assign]
        try:
            with warnings.catch_warnings():
                # numpy arithmetic on masked-off lanes (0/0 in padding); a GPU computes and
                # discards those lanes silently, so these warnings describe nothing real.
                warnings.filterwarnings(
                    "ignore", category=RuntimeWarning, module=r"triton\.runtime\.interpreter",
                    message=r"(invalid value|divide by zero|overflow) encountered")
                yield
        finally:
            InterpreterBuilder.create_dot = original_dot  # type: ignore[method-assign]
            for module, name, fn in saved:
                setattr(module, name, fn)
