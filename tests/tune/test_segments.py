"""Cutting the graph into segments: by reference region and top-level module, merged down to
the limit, each with the engines that accept all of its nodes."""

from __future__ import annotations

from typing import Any

import torch

from hwsdk.ir.capture import capture
from hwsdk.partition.planner import plan_graph
from hwsdk.tune.segments import cut_segments


class Parts(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU())
        self.head = torch.nn.Sequential(torch.nn.Linear(16, 16), torch.nn.Tanh(),
                                        torch.nn.Linear(16, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.head(self.stem(x)))  # sigmoid: no module path


def _captured() -> Any:
    return capture(Parts().eval(), (torch.randn(2, 8),))


def test_one_segment_per_top_level_module_with_pathless_nodes_joining_the_one_before() -> None:
    captured = _captured()
    reference = plan_graph(captured, ["cpu"])
    all_nodes = {n.id for n in captured.graph.nodes}
    segments = cut_segments(captured.graph, reference, {"cpu": all_nodes})
    assert [s.module for s in segments] == ["stem", "head"]
    assert [len(s.node_ids) for s in segments] == [2, 4]
    assert all(s.engines == ("cpu", "torch") for s in segments)
    # the boundary: what stem hands to head
    assert segments[0].outputs == segments[1].inputs
    assert segments[0].inputs == tuple(captured.graph.inputs)


def test_an_engine_is_a_candidate_only_where_it_accepts_every_node() -> None:
    captured = _captured()
    reference = plan_graph(captured, ["cpu"])
    head_tanh = next(n.id for n in captured.graph.nodes if n.op == "tanh")
    accepted = {"intel:cpu": {n.id for n in captured.graph.nodes if n.id != head_tanh},
                "cpu": {n.id for n in captured.graph.nodes}}
    segments = cut_segments(captured.graph, reference, accepted,
                            extra={"cpu/inductor": "cpu"})
    assert segments[0].engines == ("intel:cpu", "cpu", "cpu/inductor", "torch")
    assert segments[1].engines == ("cpu", "cpu/inductor", "torch")


def test_too_many_segments_merge_the_smallest_neighbours() -> None:
    captured = _captured()
    reference = plan_graph(captured, ["cpu"])
    all_nodes = {n.id for n in captured.graph.nodes}
    segments = cut_segments(captured.graph, reference, {"cpu": all_nodes}, max_segments=1)
    assert len(segments) == 1 and segments[0].module == "stem+head"
    assert len(segments[0].node_ids) == len(captured.graph.nodes)
