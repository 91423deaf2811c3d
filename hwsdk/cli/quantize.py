"""``hwsdk explain --quantize``: the options mirroring :func:`hwsdk.explain`'s ``quantize``,
``group_size``, ``quantize_exclude`` and ``quantize_fallback``, checked before the (slow)
capture, and the same steps applied to the CLI's one capture."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from hwsdk.ir.quant.config import QUANTIZE_FALLBACKS, SCHEMES

__all__ = ["with_quantize_options", "quantize_settings", "quantize_captured"]

_DEPENDENT = ("group_size", "quantize_exclude", "quantize_fallback")
"""The options that only mean something with ``--quantize``."""


def _even(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    if value is not None and value % 2:
        raise click.BadParameter(f"{value} is odd; pass an even group size (32, 64, 128 …)",
                                 ctx=ctx, param=param)
    return value


_options = [
    click.option("--quantize", type=click.Choice(list(SCHEMES)), default=None,
                 help="Plan with the linear weights quantized (as hwsdk.explain's quantize=): "
                      "int8 per output channel, or int4 per group."),
    click.option("--group-size", type=click.IntRange(min=2), default=None, callback=_even,
                 help="With --quantize int4_weight_only: input channels per scale, even "
                      "[default: 128]."),
    click.option("--quantize-exclude", multiple=True, metavar="PATTERN",
                 help="With --quantize: a module name or fnmatch pattern kept in float "
                      "(repeatable; replaces the default, which keeps lm_head in float for "
                      "int4)."),
    click.option("--quantize-fallback", type=click.Choice(list(QUANTIZE_FALLBACKS)),
                 default=None,
                 help="With --quantize: what a quantized linear no target runs becomes: 'torch' "
                      "(stays quantized in PyTorch) or 'dequantize' (float weights up front) "
                      "[default: torch]."),
]


def with_quantize_options(func: Any) -> Any:
    """Add ``--quantize``, ``--group-size``, ``--quantize-exclude`` and
    ``--quantize-fallback`` to a click command."""
    for option in reversed(_options):
        func = option(func)
    return func


def quantize_settings(quantize: str | None, group_size: int | None,
                      quantize_exclude: Sequence[str], quantize_fallback: str | None
                      ) -> dict[str, Any]:
    """The keyword arguments for :func:`hwsdk.explain` (or ``explain_lm``) the options stand
    for; empty without ``--quantize``.

    :raises click.UsageError: for an option that needs ``--quantize`` given without it, or
        ``--group-size`` with int8 (which is per channel).
    """
    given = {"group_size": group_size is not None, "quantize_exclude": bool(quantize_exclude),
             "quantize_fallback": quantize_fallback is not None}
    if quantize is None:
        wrong = [name for name in _DEPENDENT if given[name]]
        if wrong:
            flags = ", ".join("--" + name.replace("_", "-") for name in wrong)
            raise click.UsageError(f"{flags} only applies with --quantize "
                                   f"({' or '.join(SCHEMES)})")
        return {}
    if group_size is not None and SCHEMES[quantize] == 8:
        raise click.UsageError("--group-size applies to --quantize int4_weight_only; "
                               "int8_weight_only has one scale per output channel")
    settings: dict[str, Any] = {"quantize": quantize}
    if group_size is not None:
        settings["group_size"] = group_size
    if quantize_exclude:
        settings["quantize_exclude"] = list(quantize_exclude)
    if quantize_fallback is not None:
        settings["quantize_fallback"] = quantize_fallback
    return settings


def quantize_captured(captured: Any, settings: dict[str, Any]) -> list[str]:
    """Quantize a capture's linear weights in place, as :func:`hwsdk.explain` does; return
    the plan notes (none without ``settings``)."""
    from hwsdk.ir.quant import quant_config, quantize_graph

    config = quant_config(settings.get("quantize"), settings.get("group_size", 128),
                          settings.get("quantize_exclude"))
    return quantize_graph(captured.graph, config) if config else []
