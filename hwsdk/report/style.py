"""Colours shared by the DOT and HTML reports: one per target, PyTorch fallback grey."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["FALLBACK_COLOR", "UNKNOWN_COLOR", "HATCH_CSS", "target_colors"]

FALLBACK_COLOR = "#9e9e9e"
UNKNOWN_COLOR = "#f2c14e"
"""Nodes kept in PyTorch because no source says whether the target runs them (amber; the HTML
page also hatches them), apart from documented no / no kernel (grey)."""
HATCH_CSS = (f"repeating-linear-gradient(45deg,{UNKNOWN_COLOR} 0 4px,#ffffff 4px 7px)")

_VENDOR = {"intel": "#0068b5", "nvidia": "#76b900", "rocm": "#e4002b", "cpu": "#a0522d",
           "gaudi": "#7b3fbf", "inferentia": "#d97706"}
_PALETTE = ["#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#17becf", "#e377c2", "#bcbd22",
            "#8c564b"]


def target_colors(targets: Sequence[str]) -> dict[str, str]:
    """A colour per target reference (variants share their target's colour; others from a
    fixed palette in the given order); ``torch`` is always grey."""
    colors: dict[str, str] = {}
    by_base: dict[str, str] = {"torch": FALLBACK_COLOR}
    for target in targets:
        base = target.partition(":")[0]
        if base not in by_base:
            used = set(by_base.values())
            vendor = _VENDOR.get(base)
            by_base[base] = vendor if vendor is not None and vendor not in used else next(
                (c for c in _PALETTE if c not in used), "#444444")
        colors[target] = by_base[base]
    return colors
