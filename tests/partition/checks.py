"""Invariants every region cut must satisfy, checked independently of the partitioner."""

from __future__ import annotations

from collections import Counter

from hwsdk.ir.graph import Graph
from hwsdk.partition.regions import RegionCut
from tests.partition.dags import FALLBACK

__all__ = ["region_edges", "has_cycle", "expected_boundaries", "check_partition"]


def region_edges(graph: Graph, cuts: list[RegionCut]) -> set[tuple[int, int]]:
    """(producer region, consumer region) for every edge between two regions."""
    region_of_value: dict[str, int] = {}
    for index, cut in enumerate(cuts):
        for node_id in cut.node_ids:
            for out in graph.node_by_id()[node_id].outputs:
                region_of_value[out] = index
    edges = set()
    for index, cut in enumerate(cuts):
        for node_id in cut.node_ids:
            for name in graph.node_by_id()[node_id].inputs:
                src = region_of_value.get(name)
                if src is not None and src != index:
                    edges.add((src, index))
    return edges


def has_cycle(count: int, edges: set[tuple[int, int]]) -> bool:
    """Kahn's algorithm, independent of the order the partitioner returned."""
    indegree = Counter(dst for _, dst in edges)
    ready = [i for i in range(count) if indegree[i] == 0]
    seen = 0
    while ready:
        i = ready.pop()
        seen += 1
        for src, dst in edges:
            if src == i:
                indegree[dst] -= 1
                if indegree[dst] == 0:
                    ready.append(dst)
    return seen != count


def expected_boundaries(graph: Graph, cuts: list[RegionCut],
                        index: int) -> tuple[set[str], set[str]]:
    nodes = graph.node_by_id()
    inside = {out for i in cuts[index].node_ids for out in nodes[i].outputs}
    reads = {name for i in cuts[index].node_ids for name in nodes[i].inputs if name}
    inputs = reads - inside - set(graph.params)
    read_elsewhere = {name for j, cut in enumerate(cuts) if j != index
                      for i in cut.node_ids for name in nodes[i].inputs}
    outputs = {v for v in inside if v in read_elsewhere or v in graph.outputs}
    return inputs, outputs


def check_partition(graph: Graph, before: dict[str, str], after: dict[str, str],
                    cuts: list[RegionCut], folded: set[str], min_block_size: int) -> None:
    ids = [node_id for cut in cuts for node_id in cut.node_ids]
    assert sorted(ids) == sorted(n.id for n in graph.nodes)  # each node in exactly one region
    assert len(ids) == len(set(ids))
    for cut in cuts:
        assert cut.node_ids, "empty region"
        assert {after[i] for i in cut.node_ids} == {cut.target}
        if cut.target != FALLBACK:
            assert len(cut.node_ids) >= min_block_size
    for node_id, target in before.items():
        if node_id in folded:
            assert target != FALLBACK and after[node_id] == FALLBACK
        else:
            assert after[node_id] == target
    edges = region_edges(graph, cuts)
    assert not has_cycle(len(cuts), edges)
    assert all(src < dst for src, dst in edges)  # the list order is a run order
    nodes = graph.node_by_id()
    for index, cut in enumerate(cuts):
        position = {node_id: k for k, node_id in enumerate(cut.node_ids)}
        producer = {out: node_id for node_id in cut.node_ids for out in nodes[node_id].outputs}
        for node_id in cut.node_ids:  # topological inside the region
            for name in nodes[node_id].inputs:
                if name in producer:
                    assert position[producer[name]] < position[node_id]
        inputs, outputs = expected_boundaries(graph, cuts, index)
        assert set(cut.inputs) == inputs and len(cut.inputs) == len(inputs)
        assert set(cut.outputs) == outputs and len(cut.outputs) == len(outputs)
        assert set(cut.params) == {n for i in cut.node_ids for n in nodes[i].inputs
                                   if n in graph.params}
