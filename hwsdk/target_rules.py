"""The checks hwsdk core applies to what a target answers, beside the registry that calls it:
probe time budgets, and the validation of capability tables and verdicts (pydantic loads only
when a table or verdict is checked)."""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING, Any

from hwsdk.errors import PluginContractError

if TYPE_CHECKING:
    from hwsdk.capability import Verdict

__all__ = ["PROBE_BUDGETS", "probe_budget", "slow_reason", "validation_problems", "table_error",
           "as_verdict"]


PROBE_BUDGETS = {False: 2.0, True: 30.0}
"""Seconds a quick and a deep probe may take before they read as unavailable; override with
``HWSDK_PROBE_TIMEOUT`` and ``HWSDK_DEEP_PROBE_TIMEOUT``."""


def probe_budget(deep: bool) -> float:
    """The time budget of a quick or deep probe, in seconds (see :data:`PROBE_BUDGETS`)."""
    name = "HWSDK_DEEP_PROBE_TIMEOUT" if deep else "HWSDK_PROBE_TIMEOUT"
    raw = os.environ.get(name, "")
    if not raw:
        return PROBE_BUDGETS[deep]
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if value > 0:
        return value
    warnings.warn(f"hwsdk: {name}={raw!r} is not a positive number of seconds; using "
                  f"{PROBE_BUDGETS[deep]:g}", stacklevel=3)
    return PROBE_BUDGETS[deep]


def slow_reason(budget: float, deep: bool, still: bool) -> str:
    """The reason a probe that ran past its budget reads as unavailable."""
    variable = "HWSDK_DEEP_PROBE_TIMEOUT" if deep else "HWSDK_PROBE_TIMEOUT"
    kind = "deep probe" if deep else "probe"
    running = " (and is still running)" if still else ""
    return (f"{kind} took longer than {budget:g} s{running}; check the plugin's SDK or "
            f"device, or raise {variable}")


def validation_problems(exc: Any, limit: int = 4) -> str:
    """A pydantic ``ValidationError`` in one line: each wrong field as its path and message,
    ``"ops.add.dtypes key 'f33': Input should be 'f64', ... (got 'f33')"``; no URLs.

    :param limit: how many problems to name; the rest are counted.
    """
    problems = []
    for error in exc.errors(include_url=False):
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[-1] == "[key]" and len(loc) > 1:
            where = f"{'.'.join(loc[:-2]) or '(top)'} key {loc[-2]!r}"
        else:
            where = ".".join(loc) or "(top)"
        text = f"{where}: {error.get('msg', 'invalid')}"
        if "input" in error and not isinstance(error["input"], (dict, list)):
            text += f" (got {error['input']!r})"
        problems.append(text)
    extra = len(problems) - limit
    return "; ".join(problems[:limit]) + (f"; and {extra} more" if extra > 0 else "")


def table_error(exc: Exception, canonical: str) -> Exception:
    """A pydantic ``ValidationError`` (raised by the plugin building its table, or by hwsdk
    validating it) as a :class:`PluginContractError` naming the wrong fields, chained to it;
    any other exception as it is."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return exc
    error = PluginContractError(f"the capability table for {canonical} is malformed: "
                                f"{validation_problems(exc)}")
    error.__cause__ = exc  # doctor shows the chain's last line: this one, not pydantic's URL
    return error


def as_verdict(result: Any) -> Verdict:
    """A check's result as a Verdict (a mapping is validated).

    :raises PluginContractError: naming the malformed fields.
    """
    from pydantic import ValidationError

    from hwsdk.capability import Verdict

    if isinstance(result, Verdict):
        return result
    try:
        return Verdict.model_validate(result)
    except ValidationError as exc:
        raise PluginContractError(
            f"check returned a malformed Verdict: {validation_problems(exc)}") from exc
