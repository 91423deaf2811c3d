"""hwsdk: compile PyTorch models for the accelerators you have, and see what runs where.

>>> cm = hwsdk.compile(model, example_inputs, target="auto")   # doctest: +SKIP
>>> plan = hwsdk.explain(model, example_inputs, target="gaudi")  # doctest: +SKIP

Importing hwsdk does not import torch.
"""

from hwsdk._version import __version__
from hwsdk.api import capabilities, compile, explain, targets
from hwsdk.errors import (
    CaptureError, CompileError, HwsdkError, InputMismatchError, InvalidArgumentError,
    PluginLoadError, TargetUnavailableError, UnknownTargetError, UnsupportedDtypeError,
    UnsupportedOpsError,
)
from hwsdk.export import export_onnx  # imports neither onnx nor torch until called

__all__ = [
    "__version__", "compile", "explain", "targets", "capabilities", "HwsdkError",
    "CaptureError", "CompileError", "InputMismatchError", "InvalidArgumentError",
    "PluginLoadError", "TargetUnavailableError", "UnknownTargetError", "UnsupportedDtypeError",
    "UnsupportedOpsError", "export_onnx",
]
