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

    from hwsdk.ir.eager import run_node
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


@PROPERTY
@given(placed_dags(), st.integers(1, 3))
def test_plan_records_every_node_and_counts_crossings(case: tuple[Graph, dict[str, str]],
                                                      min_block_size: int) -> None:
    import json

    from hwsdk.capability import ReasonCode
    from hwsdk.partition.assign import Assignment
    from hwsdk.partition.plan import PartitionPlan

    graph, placement = case
    assignments = {i: Assignment(t, ReasonCode.SUPPORTED, f"{i} on {t}", [])
                   for i, t in placement.items()}
    after = dict(placement)
    cuts, folded = cut_regions(graph, after, FALLBACK, min_block_size)
    plan = PartitionPlan.build(graph, ["A", "B"], ["A", "B", FALLBACK], cuts, assignments,
                               folded, min_block_size)
    assert set(plan.nodes) == {n.id for n in graph.nodes}
    for region in plan.regions:
        for node_id in region.node_ids:
            info = plan.nodes[node_id]
            assert info.region == region.id and info.target == region.target
            expected = ReasonCode.BLOCK_TOO_SMALL if node_id in folded else ReasonCode.SUPPORTED
            assert info.code == expected
    # independent count: consumer-region reads of values produced under another target
    target_of_value = {out: after[n.id] for n in graph.nodes for out in n.outputs}
    expected_crossings = sum(1 for region in plan.regions for v in region.inputs
                             if v in target_of_value and target_of_value[v] != region.target)
    assert plan.boundary_crossings() == expected_crossings
    assert plan.boundary_bytes() == expected_crossings * 9 * 4
    text = plan.to_json()
    assert json.loads(text)["summary"]["boundary_crossings"] == expected_crossings
    assert text == plan.to_json()
