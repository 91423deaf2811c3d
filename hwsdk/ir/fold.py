"""Constant folding: nodes computed from constants alone become params.

This removes mask and position-id building from statically shaped captures, so backends see
the model's real work.
"""

from __future__ import annotations

from hwsdk.ir.eager import run_node
from hwsdk.ir.graph import Graph, Node
from hwsdk.ir.opdef import TORCH_OP, get_op
from hwsdk.ir.symbols import contains_sym

__all__ = ["fold_constants", "FOLD_LIMIT_ELEMENTS"]

FOLD_LIMIT_ELEMENTS = 1 << 22
"""Largest total output size (elements) of a node that is folded."""


def _symbolic(node: Node) -> bool:
    if node.op == TORCH_OP:
        return "'$sym" in repr(node.attrs)
    opdef = get_op(node.op)
    return any(contains_sym(node.attrs.get(k)) or _has_str(node.attrs.get(k))
               for k in opdef.sym_attrs)


def _has_str(value: object) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, list) and any(isinstance(v, str) for v in value)


def _foldable(graph: Graph, node: Node, constant: set[str]) -> bool:
    if node.op != TORCH_OP and not get_op(node.op).foldable:
        return False  # dequantize: the weight stays compressed for the engine
    if not all(not i or i in constant for i in node.inputs):
        return False
    if not all(graph.types[o].is_static for o in node.outputs):
        return False
    if sum(graph.types[o].numel() or 0 for o in node.outputs) > FOLD_LIMIT_ELEMENTS:
        return False
    if node.op == TORCH_OP and not node.inputs and "rand" in node.attrs["target"]:
        return False  # random sources stay random
    return not _symbolic(node)


def fold_constants(graph: Graph) -> None:
    """Evaluate nodes whose inputs are all constants (or none), whose outputs are static and
    small and whose attrs name no symbol; their outputs become params (in place)."""
    constant: set[str] = set()
    kept: list[Node] = []
    for node in graph.nodes:
        if not _foldable(graph, node, constant):
            kept.append(node)
            continue
        values = run_node(node, [graph.param_data[i] if i else None for i in node.inputs], {})
        for name, value in zip(node.outputs, values, strict=True):
            graph.param_data[name] = value
            graph.params.append(name)
            constant.add(name)
    used = graph.values_used(kept) | set(graph.outputs)
    for name in list(constant):
        if name not in used:
            graph.params.remove(name)
            del graph.param_data[name]
            del graph.types[name]
    graph.nodes = kept
