"""The backend's ``options``: the names and checks of :func:`hwsdk.compile`'s arguments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hwsdk.errors import InvalidArgumentError

__all__ = ["BackendSettings", "parse_options", "SETTINGS"]

SETTINGS = ("target", "min_block_size", "fallback_ops", "require_full")
"""Options that are :func:`hwsdk.compile` arguments; every other option is a target option
(``precision``, ``num_threads`` …), declared by one of the chosen targets."""


@dataclass(frozen=True)
class BackendSettings:
    """What one ``torch.compile(..., backend="hwsdk", options=...)`` asked for, checked.

    :param target: a target reference, ``"auto"``, or a preference list.
    :param min_block_size: accelerator regions with fewer nodes run in PyTorch.
    :param fallback_ops: op names forced to PyTorch.
    :param require_full: raise instead of running anything in PyTorch.
    :param options: the target options.
    """

    target: str | tuple[str, ...] = "auto"
    min_block_size: int = 1
    fallback_ops: tuple[str, ...] = ()
    require_full: bool = False
    options: dict[str, Any] = field(default_factory=dict)

    def key(self) -> str:
        """A stable text for caches: equal settings, equal keys."""
        return repr((self.target, self.min_block_size, self.fallback_ops, self.require_full,
                     sorted((k, repr(v)) for k, v in self.options.items())))


def parse_options(options: Mapping[str, Any] | None) -> BackendSettings:
    """Check ``options`` as :func:`hwsdk.compile` checks its arguments, before any tracing.

    :raises InvalidArgumentError: for options that are not a mapping, a bad target,
        ``min_block_size``, ``fallback_ops`` or ``require_full``, or target options no chosen
        target declares.
    :raises TargetUnavailableError: for a target asked for by name that is unavailable here.
    """
    from hwsdk.api import _check_settings, require_available
    from hwsdk.partition.planner import normalize_fallback_ops
    from hwsdk.registry import get_registry

    if options is None:
        options = {}
    if not isinstance(options, Mapping):
        raise InvalidArgumentError(
            f"torch.compile options for backend='hwsdk' must be a dict, got "
            f"{type(options).__name__}; e.g. options={{'target': 'intel'}}")
    target = options.get("target", "auto")
    if isinstance(target, list):
        target = tuple(target)
    rest = {k: v for k, v in options.items() if k not in SETTINGS}
    settings = {"target": list(target) if isinstance(target, tuple) else target,
                "min_block_size": options.get("min_block_size", 1),
                "fallback_ops": options.get("fallback_ops", ()), "options": rest}
    _check_settings(settings)
    require_full = options.get("require_full", False)
    if not isinstance(require_full, bool):
        raise InvalidArgumentError(
            f"require_full must be True or False, got {require_full!r}")
    require_available(settings["target"], rest, get_registry())
    return BackendSettings(target=target, min_block_size=settings["min_block_size"],
                           fallback_ops=tuple(normalize_fallback_ops(settings["fallback_ops"])),
                           require_full=require_full, options=rest)
