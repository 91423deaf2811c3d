"""The exceptions hwsdk raises: one base class, one subclass per thing that can go wrong.

Every message says what happened and what to do about it.
"""

from __future__ import annotations

__all__ = [
    "HwsdkError",
    "CaptureError",
    "UnsupportedDtypeError",
    "InputMismatchError",
    "UnknownTargetError",
    "TargetUnavailableError",
    "PluginLoadError",
    "PluginContractError",
    "UnsupportedOpsError",
    "CompileError",
    "InvalidArgumentError",
    "IRError",
]


class HwsdkError(Exception):
    """Base of every error hwsdk raises on purpose."""


class InvalidArgumentError(HwsdkError, ValueError):
    """An argument to a public hwsdk function has the wrong type or value."""


class CaptureError(HwsdkError):
    """torch.export could not capture the model."""


class UnsupportedDtypeError(HwsdkError, TypeError):
    """A tensor has a dtype hwsdk refuses (float64, complex)."""


class InputMismatchError(HwsdkError, ValueError):
    """A call's inputs do not match the spec the model was compiled for."""


class UnknownTargetError(HwsdkError, KeyError):
    """No registered plugin serves the requested target name."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class TargetUnavailableError(HwsdkError):
    """The target is known but cannot compile or run here (no device, no SDK)."""


class PluginLoadError(HwsdkError):
    """The plugin serving a target failed to load; carries the root cause."""


class PluginContractError(HwsdkError):
    """A plugin hook returned something that breaks the plugin API contract."""


class UnsupportedOpsError(HwsdkError):
    """``require_full=True`` and some nodes cannot run on the requested target."""


class CompileError(HwsdkError):
    """A region failed to compile and falling back was not allowed."""


class IRError(HwsdkError, ValueError):
    """An IR graph or node is malformed (bad reference, unknown op, bad JSON)."""
