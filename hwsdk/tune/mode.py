"""Which tuning a compile does: ``off``, ``cached`` or ``measure``, and ``HWSDK_TUNE``."""

from __future__ import annotations

import os
from collections.abc import Sequence

from hwsdk.errors import InvalidArgumentError

__all__ = ["TUNE_MODES", "PRIORITY_NOTE", "resolve_mode"]

TUNE_MODES = ("off", "cached", "measure")
"""``off``: plan by the targets' declared priority; ``cached``: reuse the decision measured
earlier on this machine, measuring when there is none; ``measure``: measure again."""


def resolve_mode(tune: str | None, target: str | Sequence[str]) -> str:
    """The tuning mode a compile uses: ``HWSDK_TUNE`` when set, else ``tune``, else
    ``cached`` for a target list holding ``"auto"`` and ``off`` otherwise.

    :raises InvalidArgumentError: for a value outside :data:`TUNE_MODES`, naming where it
        came from.
    """
    env = os.environ.get("HWSDK_TUNE", "")
    if env:
        if env not in TUNE_MODES:
            raise InvalidArgumentError(
                f"HWSDK_TUNE={env!r} is not one of {list(TUNE_MODES)}; unset it or set one "
                "of those")
        return env
    if tune is None:
        names = [target] if isinstance(target, str) else list(target)
        return "cached" if "auto" in names else "off"
    if tune not in TUNE_MODES:
        raise InvalidArgumentError(
            f"tune={tune!r} is not one of {list(TUNE_MODES)}; pass 'measure' to time the "
            "candidate engines, 'cached' to reuse an earlier decision, or 'off'")
    return tune

PRIORITY_NOTE = ("auto here ranks the available targets by their declared priority (nothing is "
                 "measured when planning); hwsdk.compile measures the candidates on this "
                 "machine (tune='cached' or 'measure', docs/tuning.md)")
"""What an ``auto`` plan that was not measured (``explain``) says about its choice."""
