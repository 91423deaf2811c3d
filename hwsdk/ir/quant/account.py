"""Weight formats and bytes of a set of nodes: what the plan records per region."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hwsdk.ir.graph import Graph, Node

__all__ = ["weight_summary"]


def weight_summary(graph: Graph, nodes: Iterable[Node]) -> dict[str, Any] | None:
    """The quantized weights ``nodes`` dequantize: their format, how many, and their bytes as
    stored (data, scales, zero points) against the float weights they stand for; None when
    there are none.
    """
    formats: dict[str, int] = {}
    stored = floating = 0
    for node in nodes:
        if node.op != "dequantize":
            continue
        bits, group = node.attrs["bits"], node.attrs["group_size"]
        name = f"int{bits} " + (f"per group of {group}" if group else "per channel")
        formats[name] = formats.get(name, 0) + 1
        stored += sum(graph.types[v].nbytes() or 0 for v in node.inputs if v)
        floating += graph.types[node.outputs[0]].nbytes() or 0
    if not formats:
        return None
    return {"formats": formats, "bytes_float": floating, "bytes_stored": stored,
            "ratio": round(stored / floating, 4) if floating else None}
