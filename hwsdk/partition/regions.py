"""Step 2 of partitioning: cut the assigned graph into cycle-free regions.

Regions are grown by a topological sweep (Kahn's algorithm) that keeps draining ready nodes of
the current region's target and only switches target when none is ready. Every region is a
contiguous run of one topological order, so every edge between regions points forward and the
region graph cannot have a cycle. Each node and edge is handled a constant number of times:
O(nodes + edges) per sweep.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hwsdk.ir.graph import Graph

__all__ = ["RegionCut", "cut_regions", "sweep", "region_boundaries"]


@dataclass
class RegionCut:
    """One region: its target, node ids in topological order, and boundary values."""

    target: str
    node_ids: list[str]
    inputs: list[str]
    outputs: list[str]
    params: list[str]


def sweep(graph: Graph, placement: Mapping[str, str], fallback: str) -> list[tuple[str, list[str]]]:
    """Group nodes into (target, node ids) runs of one topological order.

    When the current target has no ready node, the sweep switches to the fallback target if it
    has ready nodes (running fallback work early lets accelerator regions grow), else to the
    target with the most ready nodes.
    """
    producers = graph.producers()
    consumers: dict[str, list[str]] = {node.id: [] for node in graph.nodes}
    indegree: dict[str, int] = {}
    for node in graph.nodes:
        deps = {producers[i].id for i in node.inputs if i and i in producers}
        indegree[node.id] = len(deps)
        for dep in deps:
            consumers[dep].append(node.id)
    ready: dict[str, deque[str]] = {}
    for node in graph.nodes:
        if indegree[node.id] == 0:
            ready.setdefault(placement[node.id], deque()).append(node.id)
    runs: list[tuple[str, list[str]]] = []
    current: str | None = None
    remaining = len(graph.nodes)
    while remaining:
        if current is None or not ready.get(current):
            nonempty = [t for t, q in ready.items() if q]
            current = fallback if fallback in nonempty else max(nonempty,
                                                                 key=lambda t: len(ready[t]))
            runs.append((current, []))
        node_id = ready[current].popleft()
        runs[-1][1].append(node_id)
        remaining -= 1
        for consumer in consumers[node_id]:
            indegree[consumer] -= 1
            if indegree[consumer] == 0:
                ready.setdefault(placement[consumer], deque()).append(consumer)
    return runs


def region_boundaries(graph: Graph, runs: Sequence[tuple[str, list[str]]]) -> list[RegionCut]:
    """Compute each run's input, output and param values."""
    nodes = graph.node_by_id()
    region_of: dict[str, int] = {}
    for index, (_, ids) in enumerate(runs):
        for node_id in ids:
            for out in nodes[node_id].outputs:
                region_of[out] = index
    params = set(graph.params)
    read_outside: dict[int, set[str]] = {i: set() for i in range(len(runs))}
    cuts: list[RegionCut] = []
    for index, (target, ids) in enumerate(runs):
        inputs: list[str] = []
        used_params: list[str] = []
        seen: set[str] = set()
        for node_id in ids:
            for name in nodes[node_id].inputs:
                if not name or name in seen:
                    continue
                seen.add(name)
                if name in params:
                    used_params.append(name)
                elif region_of.get(name) != index:
                    inputs.append(name)
                    if name in region_of:
                        read_outside[region_of[name]].add(name)
        cuts.append(RegionCut(target, list(ids), inputs, [], used_params))
    graph_outputs = set(graph.outputs)
    for index, (_, ids) in enumerate(runs):
        produced = [out for node_id in ids for out in nodes[node_id].outputs]
        cuts[index].outputs = [v for v in produced
                               if v in read_outside[index] or v in graph_outputs]
    return cuts


def cut_regions(graph: Graph, placement: dict[str, str], fallback: str,
                min_block_size: int = 1) -> tuple[list[RegionCut], set[str]]:
    """Cut regions; fold accelerator regions under ``min_block_size`` nodes into the fallback.

    :returns: the regions, and the ids of nodes folded for being in too small a block
        (``placement`` is updated for them).
    """
    folded: set[str] = set()
    while True:
        runs = sweep(graph, placement, fallback)
        small = [ids for target, ids in runs if target != fallback and len(ids) < min_block_size]
        if not small:
            return region_boundaries(graph, runs), folded
        for ids in small:
            for node_id in ids:
                placement[node_id] = fallback
                folded.add(node_id)
