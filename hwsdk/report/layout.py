"""A layered layout of the region DAG for the HTML report, computed in Python.

Blocks are the regions plus an ``inputs`` and an ``outputs`` block. Each block's layer is its
longest path from the inputs; blocks of one layer sit side by side, ordered by the mean
position of their producers. Edges between adjacent layers are drawn as curves; longer edges
run down a lane to the right of the blocks they pass, so they never cross a block.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hwsdk.partition.plan import PartitionPlan

__all__ = ["Block", "Edge", "Layout", "layout_plan", "BLOCK_W", "BLOCK_H"]

BLOCK_W, BLOCK_H, GAP_X, GAP_Y, MARGIN, LANE = 250, 56, 40, 64, 24, 16
INPUTS, OUTPUTS = "inputs", "outputs"


@dataclass
class Block:
    """One box of the picture: a region, or the graph's inputs or outputs."""

    id: str
    layer: int = 0
    x: float = 0.0
    y: float = 0.0


@dataclass
class Edge:
    """Values flowing from block ``src`` to block ``dst``; ``path`` is SVG path data and
    (``label_x``, ``label_y``) where its label goes."""

    src: str
    dst: str
    values: list[str]
    path: str = ""
    label_x: float = 0.0
    label_y: float = 0.0


@dataclass
class Layout:
    blocks: dict[str, Block]
    edges: list[Edge]
    width: float
    height: float
    layers: list[list[str]] = field(default_factory=list)


def region_edges(plan: PartitionPlan) -> list[Edge]:
    """Edges between blocks, each carrying the values that cross, in a fixed order."""
    producer: dict[str, str] = {name: INPUTS for name in plan.graph.inputs}
    for region in plan.regions:
        for name in region.outputs:
            producer[name] = region.id
    edges: dict[tuple[str, str], list[str]] = {}
    for region in plan.regions:
        for name in region.inputs:
            src = producer.get(name)
            if src is not None:
                edges.setdefault((src, region.id), []).append(name)
    for name in plan.graph.outputs:
        edges.setdefault((producer.get(name, INPUTS), OUTPUTS), []).append(name)
    return [Edge(src, dst, values) for (src, dst), values in edges.items()]


def _assign_layers(order: list[str], edges: list[Edge]) -> dict[str, int]:
    preds: dict[str, list[str]] = {b: [] for b in order}
    for edge in edges:
        preds[edge.dst].append(edge.src)
    layer: dict[str, int] = {}
    for block in order:  # regions are in topological order, inputs first, outputs last
        layer[block] = 1 + max((layer[p] for p in preds[block] if p in layer), default=-1)
    return layer


def layout_plan(plan: PartitionPlan) -> Layout:
    """Place every block and route every edge."""
    order = [INPUTS, *(r.id for r in plan.regions), OUTPUTS]
    edges = region_edges(plan)
    layer_of = _assign_layers(order, edges)
    layers: list[list[str]] = [[] for _ in range(max(layer_of.values()) + 1)]
    for block in order:
        layers[layer_of[block]].append(block)
    blocks = {b: Block(b, layer_of[b]) for b in order}
    preds: dict[str, list[str]] = {b: [] for b in order}
    for edge in edges:
        preds[edge.dst].append(edge.src)
    widest = max(len(layer) for layer in layers)
    span = widest * BLOCK_W + (widest - 1) * GAP_X
    for index, layer in enumerate(layers):
        if index:
            layer.sort(key=lambda b: (sum(blocks[p].x for p in preds[b]) / max(len(preds[b]), 1)))
        row = len(layer) * BLOCK_W + (len(layer) - 1) * GAP_X
        for slot, block in enumerate(layer):
            blocks[block].x = MARGIN + (span - row) / 2 + slot * (BLOCK_W + GAP_X)
            blocks[block].y = MARGIN + index * (BLOCK_H + GAP_Y)
    lanes_used = _route(blocks, edges)
    width = 2 * MARGIN + span + (lanes_used + 2) * LANE + 160
    height = 2 * MARGIN + len(layers) * BLOCK_H + (len(layers) - 1) * GAP_Y
    return Layout(blocks, edges, width, height, layers)


def _route(blocks: dict[str, Block], edges: list[Edge]) -> int:
    """Set each edge's path; returns the number of side lanes used."""
    lane_ends: list[int] = []  # per lane, the last layer it is busy until
    right = max(b.x for b in blocks.values()) + BLOCK_W
    outgoing: dict[str, int] = {}
    incoming: dict[str, int] = {}
    for edge in edges:
        src, dst = blocks[edge.src], blocks[edge.dst]
        k_out = outgoing[edge.src] = outgoing.get(edge.src, 0) + 1
        k_in = incoming[edge.dst] = incoming.get(edge.dst, 0) + 1
        x1 = src.x + BLOCK_W / 2 + (k_out - 1) * 10 % (BLOCK_W / 2)
        y1 = src.y + BLOCK_H
        x2 = dst.x + BLOCK_W / 2 + (k_in - 1) * 10 % (BLOCK_W / 2)
        y2 = dst.y
        if dst.layer - src.layer <= 1:
            mid = (y1 + y2) / 2
            edge.path = (f"M{x1:.1f},{y1:.1f} C{x1:.1f},{mid:.1f} {x2:.1f},{mid:.1f} "
                         f"{x2:.1f},{y2:.1f}")
            edge.label_x, edge.label_y = (x1 + x2) / 2 + 6, mid
            continue
        lane = next((i for i, end in enumerate(lane_ends) if end <= src.layer), None)
        if lane is None:
            lane = len(lane_ends)
            lane_ends.append(0)
        lane_ends[lane] = dst.layer
        x_lane = right + 2 * LANE + LANE * lane
        ya = src.y + BLOCK_H / 2 + (k_out - 1) * 6 % (BLOCK_H / 2)
        yb = dst.y + BLOCK_H / 2 - (k_in - 1) * 6 % (BLOCK_H / 2)
        xs, xd = src.x + BLOCK_W, dst.x + BLOCK_W
        r = 8.0
        edge.path = (f"M{xs:.1f},{ya:.1f} L{x_lane - r:.1f},{ya:.1f} "
                     f"Q{x_lane:.1f},{ya:.1f} {x_lane:.1f},{ya + r:.1f} "
                     f"L{x_lane:.1f},{yb - r:.1f} Q{x_lane:.1f},{yb:.1f} {x_lane - r:.1f},{yb:.1f} "
                     f"L{xd + 1:.1f},{yb:.1f}")
        edge.label_x, edge.label_y = x_lane + 4, (ya + yb) / 2
    return len(lane_ends)
