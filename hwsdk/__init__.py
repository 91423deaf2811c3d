"""hwsdk: compile PyTorch models for the accelerators you have, and see what runs where.

>>> cm = hwsdk.compile(model, example_inputs, target="auto")   # doctest: +SKIP
>>> plan = hwsdk.explain(model, example_inputs, target="gaudi")  # doctest: +SKIP

Importing hwsdk does not import torch, and loads its own submodules on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hwsdk._version import __version__

if TYPE_CHECKING:
    from hwsdk.api import capabilities, compile, explain, targets
    from hwsdk.dynamo import plans
    from hwsdk.errors import (
        CaptureError,
        CompileError,
        HwsdkError,
        InputMismatchError,
        InvalidArgumentError,
        PluginLoadError,
        TargetUnavailableError,
        UnknownTargetError,
        UnsupportedDtypeError,
        UnsupportedOpsError,
    )
    from hwsdk.export import export_onnx
    from hwsdk.llm.compiled import compile_lm, explain_lm

__all__ = [
    "__version__", "compile", "explain", "compile_lm", "explain_lm", "targets", "capabilities",
    "plans",
    "HwsdkError",
    "CaptureError", "CompileError", "InputMismatchError", "InvalidArgumentError",
    "PluginLoadError", "TargetUnavailableError", "UnknownTargetError", "UnsupportedDtypeError",
    "UnsupportedOpsError", "export_onnx",
]

_HOME = {
    "compile": "hwsdk.api", "explain": "hwsdk.api", "targets": "hwsdk.api",
    "capabilities": "hwsdk.api", "export_onnx": "hwsdk.export",
    "compile_lm": "hwsdk.llm.compiled", "explain_lm": "hwsdk.llm.compiled",
    "plans": "hwsdk.dynamo",
    **dict.fromkeys([n for n in __all__ if n.endswith("Error")], "hwsdk.errors"),
}


def __getattr__(name: str) -> Any:
    """Load public names on first access (PEP 562), so ``import hwsdk`` stays cheap."""
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'hwsdk' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
