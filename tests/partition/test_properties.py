"""Partitioner properties over random DAGs (hypothesis): a partition, cycle-free, exact
boundaries, min_block_size respected, and running the regions equals running the graph."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hwsdk.ir.graph import Graph
from hwsdk.partition.regions import cut_regions
from tests.partition.checks import check_partition
from tests.partition.dags import FALLBACK, attach_params, placed_dags

PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(placed_dags(), st.integers(1, 4))
def test_regions_partition_the_graph_without_cycles(case: tuple[Graph, dict[str, str]],
                                                    min_block_size: int) -> None:
    graph, placement = case
    before = dict(placement)
    cuts, folded = cut_regions(graph, placement, FALLBACK, min_block_size)
    check_partition(graph, before, placement, cuts, folded, min_block_size)
    again, _ = cut_regions(graph, dict(placement), FALLBACK, min_block_size)
    assert [c.node_ids for c in again] == [c.node_ids for c in cuts]  # deterministic


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(placed_dags(max_nodes=16), st.integers(1, 3))
def test_running_the_regions_equals_running_the_graph(case: tuple[Graph, dict[str, str]],
                                                      min_block_size: int) -> None:
    import torch

    from hwsdk.lower.eager import run_node
    from hwsdk.lower.fx import lower_to_fx

    graph, placement = case
    attach_params(graph)
    inputs = {"x0": torch.linspace(-2, 2, 9).reshape(3, 3), "x1": torch.eye(3) - 0.25}
    whole = {**inputs, "w": graph.param_data["w"]}
    for node in graph.nodes:
        for name, value in zip(node.outputs, run_node(node, [whole[i] for i in node.inputs], {}),
                               strict=True):
            whole[name] = value
    cuts, _ = cut_regions(graph, placement, FALLBACK, min_block_size)
    env = dict(inputs)  # only graph inputs and region outputs are visible between regions
    nodes = graph.node_by_id()
    for cut in cuts:
        lowering = lower_to_fx(graph, [nodes[i] for i in cut.node_ids], cut.inputs, cut.outputs)
        results = lowering([env[v] for v in cut.inputs], {})
        env.update(zip(cut.outputs, results, strict=True))
    for name in graph.outputs:
        torch.testing.assert_close(env[name], whole[name], rtol=0, atol=0, equal_nan=True)
