"""Per-region choice, step 1: cut the graph into the segments engines are chosen for.

A segment is a run of nodes of one topological order: the reference plan's regions (every
requested target allowed, by priority) in order, each cut again where the top-level module a
node comes from changes (``stem.0.conv`` and ``stem.1`` are both ``stem``), so a model built
from parts that different engines run best has a segment per part. Nodes without a module
path join the segment before them. When that gives more than ``max_segments``, the two
adjacent segments with the fewest nodes together are merged until it does not: each segment
is compiled once per candidate engine, so their number bounds the cost of tuning.

Because every segment is a contiguous run of one topological order, every edge between
segments points forward, and any assignment of engines to segments is cycle-free.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from hwsdk.ir.graph import Graph
from hwsdk.partition.assign import FALLBACK
from hwsdk.partition.plan import PartitionPlan
from hwsdk.partition.regions import region_boundaries

__all__ = ["Segment", "cut_segments", "MAX_SEGMENTS"]

MAX_SEGMENTS = 6


@dataclass(frozen=True)
class Segment:
    """A run of nodes an engine is chosen for, its boundary values, and the engines that may
    run it (the targets that accept every one of its nodes, in priority order, then
    PyTorch)."""

    index: int
    node_ids: tuple[str, ...]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    params: tuple[str, ...]
    module: str
    engines: tuple[str, ...]

    @property
    def label(self) -> str:
        """``s1`` as the plan's notes name it."""
        return f"s{self.index}"


def _top_module(path: str) -> str:
    return path.split(".", 1)[0] if path else ""


def _runs(graph: Graph, reference: PartitionPlan) -> list[tuple[str, list[str]]]:
    """(top-level module, node ids) runs of the reference plan's node order."""
    nodes = graph.node_by_id()
    runs: list[tuple[str, list[str]]] = []
    for region in reference.regions:
        key: str | None = None
        for node_id in region.node_ids:
            module = _top_module(nodes[node_id].source.module_path) or key or ""
            if module != key or not runs:
                runs.append((module, []))
                key = module
            runs[-1][1].append(node_id)
    return runs


def _merge_smallest(runs: list[tuple[str, list[str]]], limit: int) -> None:
    while len(runs) > max(limit, 1):
        index = min(range(len(runs) - 1),
                    key=lambda i: len(runs[i][1]) + len(runs[i + 1][1]))
        (first, a), (second, b) = runs[index], runs[index + 1]
        name = first if first == second else f"{first}+{second}".strip("+")
        runs[index: index + 2] = [(name, a + b)]


def cut_segments(graph: Graph, reference: PartitionPlan,
                 accepted: Mapping[str, Collection[str]], *,
                 max_segments: int = MAX_SEGMENTS,
                 extra: Mapping[str, str] | None = None) -> list[Segment]:
    """The segments of ``graph`` (see the module docstring).

    :param reference: the plan with every requested target allowed.
    :param accepted: target → the ids of the nodes it accepts (its verdict is ok), in the
        order the engines are preferred.
    :param extra: engine → the target whose acceptance it shares (an engine a target offers
        besides its own, such as Inductor for ``cpu``), listed after that target.
    """
    runs = _runs(graph, reference)
    if len(runs) > max_segments:
        _merge_smallest(runs, max_segments)
    cuts = region_boundaries(graph, [(FALLBACK, ids) for _, ids in runs])
    found: list[Segment] = []
    for index, ((module, ids), cut) in enumerate(zip(runs, cuts, strict=True)):
        engines: list[str] = []
        for target, nodes in accepted.items():
            if all(node_id in nodes for node_id in ids):
                engines.append(target)
                engines.extend(e for e, owner in (extra or {}).items() if owner == target)
        found.append(Segment(index, tuple(ids), tuple(cut.inputs), tuple(cut.outputs),
                             tuple(cut.params), module, (*engines, FALLBACK)))
    return found


def assignment_placement(segments: Sequence[Segment], engines: Sequence[str]
                         ) -> dict[str, str]:
    """Node id → engine for one engine per segment."""
    return {node_id: engine for segment, engine in zip(segments, engines, strict=True)
            for node_id in segment.node_ids}
