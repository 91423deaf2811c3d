"""Step 2 of partitioning: cut the assigned graph into cycle-free regions.

Regions are grown by a topological sweep (Kahn's algorithm) that keeps draining ready nodes of
the current region's target and only switches target when none is ready. Every region is a
contiguous run of one topological order, so every edge between regions points forward and the
region graph cannot have a cycle. Each node and edge is handled a constant number of times:
O(nodes + edges) per sweep.

A node kept from constant folding on purpose (``OpDef.foldable=False``: ``dequantize``) reads
only params, so it is ready from the start and a sweep would drain it into the first region of
its target, however far from its reader: the float weight would then cross regions (and be
stored decompressed). When it has one reader, it waits for that reader's other inputs instead,
so the sweep places it right before its reader, in the same region when both have one target.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hwsdk.ir.graph import Graph
from hwsdk.partition.gcpause import gc_paused

__all__ = ["RegionCut", "cut_regions", "sweep", "region_boundaries", "Topology", "topology"]


@dataclass
class RegionCut:
    """One region: its target, node ids in topological order, and boundary values."""

    target: str
    node_ids: list[str]
    inputs: list[str]
    outputs: list[str]
    params: list[str]


@dataclass
class Topology:
    """The node dependency graph by node index, computed once per graph and reused by every
    sweep: ``consumers[i]`` are the nodes reading an output of node ``i`` (each once, in node
    order) and ``indegree[i]`` the number of distinct nodes node ``i`` reads from."""

    ids: list[str]
    consumers: list[list[int]]
    indegree: list[int]


def topology(graph: Graph) -> Topology:
    """Index the dependencies of ``graph``'s nodes; O(nodes + edges)."""
    producer: dict[str, int] = {}
    for index, node in enumerate(graph.nodes):
        for out in node.outputs:
            producer[out] = index
    deps = [{producer[name] for name in node.inputs if name in producer}
            for node in graph.nodes]
    _keep_with_reader(graph, deps)
    consumers: list[list[int]] = [[] for _ in graph.nodes]
    indegree = [0] * len(graph.nodes)
    for index, found in enumerate(deps):
        indegree[index] = len(found)
        for dep in sorted(found):
            consumers[dep].append(index)
    return Topology([node.id for node in graph.nodes], consumers, indegree)


def _keep_with_reader(graph: Graph, deps: list[set[int]]) -> None:
    """Give each unfoldable param-only node with one reader that reader's other dependencies,
    those of its kind left out (no cycle: nothing else the reader depends on can depend on a
    node only the reader reads)."""
    from hwsdk.ir.opdef import TORCH_OP, get_op

    readers: list[list[int]] = [[] for _ in graph.nodes]
    for index, found in enumerate(deps):
        for dep in found:
            readers[dep].append(index)
    waiting = {index for index, node in enumerate(graph.nodes)
               if not deps[index] and len(readers[index]) == 1 and node.op != TORCH_OP
               and not get_op(node.op).foldable}
    for index in waiting:
        deps[index] = deps[readers[index][0]] - waiting


def _queue_length(ready: dict[str, deque[int]]) -> Any:
    return lambda target: len(ready[target])


def sweep(graph: Graph, placement: Mapping[str, str], fallback: str,
          topo: Topology | None = None) -> list[tuple[str, list[str]]]:
    """Group nodes into (target, node ids) runs of one topological order.

    When the current target has no ready node, the sweep switches to the fallback target if it
    has ready nodes (running fallback work early lets accelerator regions grow), else to the
    target with the most ready nodes (ties: the first in node order).
    """
    topo = topo or topology(graph)
    targets = [placement[node_id] for node_id in topo.ids]
    indegree = list(topo.indegree)
    consumers = topo.consumers
    ready: dict[str, deque[int]] = {t: deque() for t in dict.fromkeys(targets)}
    for index, degree in enumerate(indegree):
        if degree == 0:
            ready[targets[index]].append(index)
    runs: list[tuple[str, list[str]]] = []
    ids = topo.ids
    queue: deque[int] = deque()
    run: list[str] = []
    for _ in range(len(ids)):
        if not queue:
            current = fallback if ready.get(fallback) else max(ready, key=_queue_length(ready))
            queue = ready[current]
            run = []
            runs.append((current, run))
        index = queue.popleft()
        run.append(ids[index])
        for consumer in consumers[index]:
            indegree[consumer] -= 1
            if indegree[consumer] == 0:
                ready[targets[consumer]].append(consumer)
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
    with gc_paused():
        return _cut_regions(graph, placement, fallback, min_block_size)


def _cut_regions(graph: Graph, placement: dict[str, str], fallback: str,
                 min_block_size: int) -> tuple[list[RegionCut], set[str]]:
    folded: set[str] = set()
    topo = topology(graph)
    # Folding can split or shrink other accelerator runs in the next sweep, so repeat until
    # none is too small; each round folds at least one node, and in practice two or three
    # rounds suffice.
    while True:
        runs = sweep(graph, placement, fallback, topo)
        small = [ids for target, ids in runs if target != fallback and len(ids) < min_block_size]
        if not small:
            return region_boundaries(graph, runs), folded
        for ids in small:
            for node_id in ids:
                placement[node_id] = fallback
                folded.add(node_id)
