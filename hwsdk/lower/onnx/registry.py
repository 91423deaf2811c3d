"""The table of op converters: core op name → function writing that op into a Builder."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hwsdk.ir.graph import Graph, Node
from hwsdk.lower.onnx.builder import Builder

__all__ = ["Converter", "Checker", "CONVERTERS", "CHECKS", "converter"]

Converter = Callable[[Builder, Node, list[str]], Sequence[str]]
"""``(builder, node, onnx input names ("" when absent)) -> onnx output names``."""
Checker = Callable[[Node, Graph], "str | None"]
"""``(node, graph) -> reason this node cannot be lowered, or None``."""

CONVERTERS: dict[str, Converter] = {}
CHECKS: dict[str, Checker] = {}


def converter(*ops: str, check: Checker | None = None) -> Callable[[Converter], Converter]:
    """Register ``fn`` as the converter of ``ops`` (and ``check`` as their extra check)."""

    def register(fn: Converter) -> Converter:
        for op in ops:
            CONVERTERS[op] = fn
            if check is not None:
                CHECKS[op] = check
        return fn

    return register

