"""Group a region's nodes into kernels: one kernel per fusible chain, views as torch steps.

Families: ``pointwise`` (an elementwise/broadcast chain), ``row`` (a chain around row ops:
reductions over trailing dims, argmax over the last, softmax, log_softmax, layer_norm,
rms_norm), ``matmul`` (a matmul/linear/addmm with its elementwise epilogue), and kernels of
one op each: ``attention``, ``gather`` (embedding, index_select, gather), ``cat``,
``index_copy``, ``scan`` (cumsum), ``conv`` and ``dequantize``. A ``dequantize`` whose one
reader is a ``linear`` taking it as its weight joins that linear's matmul kernel instead, which
then loads the quantized weight (no float weight is written). Shape ops run as torch views between
kernels, except a reshape of a contiguous fused value, which a kernel absorbs (its flat index
does not change).

A group runs at the position of its last node. It stops accepting nodes as soon as a node
outside it reads one of its values, which keeps that order valid.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from hwsdk.ir.graph import Graph, Node
from hwsdk.ir.symbolic import Dim
from hwsdk.lower.triton.ops import (
    ELEMENTWISE,
    KERNEL_KINDS,
    MATMUL_OPS,
    QUANT_OPS,
    REDUCTIONS,
    ROW_LEVEL,
    ROW_OPS,
)

__all__ = ["Group", "group_nodes", "row_split"]


@dataclass
class Group:
    """Nodes that become one kernel (or one torch view step when ``kind == "view"``).

    :param kind: ``pointwise``, ``row``, ``matmul``, ``view`` or a one-op family of
        :data:`~hwsdk.lower.triton.ops.KERNEL_KINDS`.
    :param shape: the iteration shape (row: the shape reduced over; matmul: the output).
    :param split: row groups: dims ``split:`` form a row.
    :param levels: value → ``full`` (one per flat element) or ``row`` (one per row).
    """

    kind: str
    nodes: list[Node] = field(default_factory=list)
    shape: tuple[Dim, ...] = ()
    split: int = 0
    levels: dict[str, str] = field(default_factory=dict)
    closed: bool = False

    @property
    def fusible(self) -> bool:
        return self.kind in ("pointwise", "row", "matmul") and not self.closed


def _numel(shape: tuple[Dim, ...]) -> int | None:
    n = 1
    for d in shape:
        if not isinstance(d, int):
            return None
        n *= d
    return n


def row_split(node: Node, graph: Graph) -> int:
    """The first dim of the row a row op reduces over."""
    rank = graph.types[node.inputs[0]].rank
    if node.op in REDUCTIONS:
        return rank - len(node.attrs.get("dims") or range(rank))
    if node.op in ("layer_norm", "rms_norm"):
        return rank - len(node.attrs.get("normalized_shape", []))
    return rank - 1


MAX_FUSED_ROW = 256
"""A matmul tile holds whole output rows up to this many columns, so a row op over the last
dim (layer_norm after the residual add, softmax …) can join the matmul's epilogue."""


def _matmul_rows(group: Group, node: Node, graph: Graph) -> str | None:
    """Level of an elementwise node in a matmul group that already holds row ops."""
    out = graph.types[node.outputs[0]].shape
    internal = [v for v in node.inputs if v and v in group.levels]
    n_out, total, width = _numel(out), _numel(group.shape), group.shape[-1]
    if n_out is None or total is None or not isinstance(width, int):
        return None
    if n_out == total and out and out[-1] == width:
        ok = all((group.levels[v] == "full" and graph.types[v].shape == out)
                 or (group.levels[v] == "row" and graph.types[v].shape == (*out[:-1], 1))
                 for v in internal)
        return "full" if ok else None
    if n_out == total // width:
        ok = all(group.levels[v] == "row" and graph.types[v].shape == out for v in internal)
        return "row" if ok else None
    return None


def _row_shapes(group: Group) -> tuple[tuple[Dim, ...], tuple[Dim, ...]]:
    outer = group.shape[: group.split]
    return (*outer, *([1] * (len(group.shape) - group.split))), outer


def _can_join_elementwise(group: Group, node: Node, graph: Graph) -> str | None:
    """The level ``node`` would have in ``group``, or None if it cannot join."""
    out = graph.types[node.outputs[0]].shape
    internal = [v for v in node.inputs if v and v in group.levels]
    same_numel = _numel(out) is not None and _numel(out) == _numel(group.shape)
    if group.kind == "matmul" and group.split:
        return _matmul_rows(group, node, graph)
    if group.kind in ("pointwise", "matmul"):
        ok = (out == group.shape or same_numel) and all(
            graph.types[v].shape == out and group.levels[v] == "full" for v in internal)
        return "full" if ok else None
    keep, squeezed = _row_shapes(group)
    if out == group.shape:
        ok = all((group.levels[v] == "full" and graph.types[v].shape == out)
                 or (group.levels[v] == "row" and graph.types[v].shape == keep) for v in internal)
        return "full" if ok else None
    if out in (keep, squeezed):
        ok = all(group.levels[v] == "row" and graph.types[v].shape == out for v in internal)
        return "row" if ok else None
    return None


def _can_join_row_op(group: Group, node: Node, graph: Graph) -> bool:
    x = node.inputs[0]
    if x in group.levels and group.levels[x] != "full":
        return False
    shape = graph.types[x].shape
    split = row_split(node, graph)
    if group.kind == "pointwise":
        return shape == group.shape or (_numel(shape) is not None
                                        and _numel(shape) == _numel(group.shape))
    if group.kind == "row":
        return shape == group.shape and split == group.split
    width = group.shape[-1] if group.shape else None
    return (group.kind == "matmul" and node.op != "argmax" and split == len(shape) - 1
            and bool(shape)
            and isinstance(width, int) and width <= MAX_FUSED_ROW and shape[-1] == width
            and _numel(shape) is not None and _numel(shape) == _numel(group.shape))


def _reshape_joins(group: Group, node: Node, graph: Graph) -> bool:
    x = node.inputs[0]
    out = graph.types[node.outputs[0]].shape
    return (group.levels.get(x) == "full" and group.kind in ("pointwise", "matmul")
            and _numel(out) is not None and _numel(out) == _numel(graph.types[x].shape))


def _join(group: Group, node: Node, level: str, groups_of: dict[str, Group]) -> None:
    group.nodes.append(node)
    for v in node.outputs:
        group.levels[v] = level
        groups_of[v] = group


def _candidates(node: Node, groups_of: dict[str, Group]) -> list[Group]:
    seen: list[Group] = []
    for v in node.inputs:
        g = groups_of.get(v)
        if g is not None and g.fusible and all(g is not s for s in seen):
            seen.append(g)
    return seen


def fused_weights(nodes: list[Node], outputs: Collection[str] = ()) -> set[str]:
    """Ids of the ``dequantize`` nodes among ``nodes`` whose value only one ``linear`` reads,
    as its weight (and which is no region output): those join that linear's kernel."""
    readers: dict[str, list[tuple[Node, int]]] = {}
    for node in nodes:
        for i, v in enumerate(node.inputs):
            if v:
                readers.setdefault(v, []).append((node, i))
    fused = set()
    for node in nodes:
        if node.op in QUANT_OPS and node.outputs[0] not in outputs:
            uses = readers.get(node.outputs[0], [])
            if len(uses) == 1 and uses[0][0].op == "linear" and uses[0][1] == 1:
                fused.add(node.id)
    return fused


def _place(node: Node, graph: Graph, groups_of: dict[str, Group], order: list[Group],
           fused: Collection[str] = ()) -> Group:
    cands = _candidates(node, groups_of)
    if node.op in ELEMENTWISE or node.op in ROW_OPS:
        # Any open group of the same shape can take a node that reads none of its values.
        shape = graph.types[node.inputs[0] if node.op in ROW_OPS else node.outputs[0]].shape
        cands += [g for g in reversed(order)
                  if g.fusible and g.shape == shape and all(g is not c for c in cands)]
    out_shape = graph.types[node.outputs[0]].shape if node.outputs else ()
    if node.op in ELEMENTWISE:
        for g in cands:
            level = _can_join_elementwise(g, node, graph)
            if level:
                _join(g, node, level, groups_of)
                return g
        g = Group("pointwise", shape=out_shape)
        _join(g, node, "full", groups_of)
        return g
    if node.op in ROW_OPS:
        for g in cands:
            if _can_join_row_op(g, node, graph):
                if g.kind == "pointwise":
                    g.kind, g.shape = "row", graph.types[node.inputs[0]].shape
                    g.split = row_split(node, graph)
                elif g.kind == "matmul":
                    g.split = len(g.shape) - 1  # marks "holds whole rows"
                break
        else:
            g = Group("row", shape=graph.types[node.inputs[0]].shape,
                      split=row_split(node, graph))
        level = "row" if node.op in ROW_LEVEL else "full"
        _join(g, node, level, groups_of)
        return g
    if node.op == "reshape":
        for g in cands:
            if _reshape_joins(g, node, graph):
                _join(g, node, "full", groups_of)
                return g
    if node.op in QUANT_OPS and node.id in fused:  # open: its linear absorbs it
        g = Group("dequantize", shape=out_shape)
        _join(g, node, "full", groups_of)
        return g
    if node.op in MATMUL_OPS:
        src = groups_of.get(node.inputs[1]) if node.op == "linear" else None
        if src is not None and src.kind == "dequantize" and not src.closed:
            g, g.kind, g.shape = src, "matmul", out_shape
        else:
            g = Group("matmul", shape=out_shape)
        _join(g, node, "full", groups_of)
        return g
    kind = KERNEL_KINDS.get(node.op, "view")
    g = Group(kind, shape=out_shape, closed=True)
    _join(g, node, "full", groups_of)
    return g


def group_nodes(graph: Graph, nodes: list[Node], outputs: Collection[str] = ()) -> list[Group]:
    """Group ``nodes`` (topologically ordered) into kernels, in a valid execution order.

    :param outputs: the region's outputs (a dequantized weight among them is written out).
    """
    groups_of: dict[str, Group] = {}
    last: dict[int, int] = {}
    order: list[Group] = []
    fused = fused_weights(nodes, outputs)
    for pos, node in enumerate(nodes):
        group = _place(node, graph, groups_of, order, fused)
        for v in node.inputs:
            src = groups_of.get(v)
            if src is not None and src is not group:
                src.closed = True
        if all(group is not g for g in order):
            order.append(group)
        last[id(group)] = pos
    return sorted(order, key=lambda g: last[id(g)])
