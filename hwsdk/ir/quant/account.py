"""Weight formats and bytes of a set of nodes: what the plan records per region."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from hwsdk.ir.graph import Graph, Node
from hwsdk.ir.ops.quant import weight_format

__all__ = ["weight_summary"]


def weight_summary(graph: Graph, nodes: Iterable[Node],
                   dequantized: Collection[str] = ()) -> dict[str, Any] | None:
    """The quantized weights ``nodes`` dequantize: their format, how many, and their bytes as
    stored (data, scales, zero points) against the float weights they stand for; None when
    there are none.

    :param dequantized: params that were quantized weights and were dequantized up front
        (``quantize_fallback="dequantize"``): format ``float (dequantized up front)``, stored
        at their float size.
    """
    formats: dict[str, int] = {}
    stored = floating = 0
    seen: set[str] = set()
    for node in nodes:
        for v in node.inputs:
            if v in dequantized and v not in seen:
                seen.add(v)
                name = "float (dequantized up front)"
                formats[name] = formats.get(name, 0) + 1
                size = graph.types[v].nbytes() or 0
                stored, floating = stored + size, floating + size
        if node.op != "dequantize":
            continue
        name = weight_format(node)
        formats[name] = formats.get(name, 0) + 1
        stored += sum(graph.types[v].nbytes() or 0 for v in node.inputs if v)
        floating += graph.types[node.outputs[0]].nbytes() or 0
    if not formats:
        return None
    return {"formats": formats, "bytes_float": floating, "bytes_stored": stored,
            "ratio": round(stored / floating, 4) if floating else None}
