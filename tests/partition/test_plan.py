"""PartitionPlan: boundary accounting, fold reasons, deterministic JSON."""

from __future__ import annotations

import json

from hwsdk.capability import ReasonCode
from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node, TensorType
from hwsdk.partition.assign import Assignment
from hwsdk.partition.plan import PartitionPlan
from hwsdk.partition.regions import cut_regions
from tests.partition.test_regions import diamond


def build(graph: Graph, placement: dict[str, str], min_block_size: int = 1) -> PartitionPlan:
    assignments = {
        node_id: Assignment(target, ReasonCode.SUPPORTED if target != "torch" else
                            ReasonCode.NO_KERNEL, f"{node_id} on {target}", [])
        for node_id, target in placement.items()}
    after = dict(placement)
    cuts, folded = cut_regions(graph, after, "torch", min_block_size)
    return PartitionPlan.build(graph, ["A"], ["A", "torch"], cuts, assignments, folded,
                               min_block_size)


def test_boundary_counts_only_values_between_different_targets() -> None:
    graph, placement = diamond()
    plan = build(graph, placement)
    # r0 (A) -a-> r1 (torch) -t-> r2 (A); b goes r0 -> r2, A to A: no conversion
    assert sorted(plan.crossing_values()) == [("a", "r0", "r1"), ("t", "r1", "r2")]
    assert plan.boundary_crossings() == 2
    assert plan.boundary_bytes() == 2 * 4 * 4  # two f32[2, 2]; graph input x is not counted
    assert plan.summary_dict()["boundary_bytes"] == 32


def test_compile_failure_moves_the_boundary() -> None:
    graph, placement = diamond()
    plan = build(graph, placement)
    plan.mark_compile_failed(plan.regions[2], "RuntimeError: no kernel")
    # r2 now runs in torch: t stays in torch, b crosses A -> torch
    assert sorted(plan.crossing_values()) == [("a", "r0", "r1"), ("b", "r0", "r2")]
    assert plan.boundary_bytes() == 32
    assert plan.nodes["n3"].code == ReasonCode.COMPILE_FAILED


def test_boundary_bytes_unknown_for_symbolic_shapes() -> None:
    graph, placement = diamond()
    graph.types["a"] = TensorType(DType.f32, ("s0", 2))
    plan = build(graph, placement)
    assert plan.boundary_crossings() == 2 and plan.boundary_bytes() is None


def test_single_target_has_no_crossings() -> None:
    graph, _ = diamond()
    plan = build(graph, dict.fromkeys(["n0", "n1", "n2", "n3"], "torch"))
    assert plan.boundary_crossings() == 0 and plan.boundary_bytes() == 0


def test_folded_nodes_say_block_too_small() -> None:
    graph, placement = diamond()
    plan = build(graph, placement, min_block_size=2)
    assert plan.nodes["n3"].code == ReasonCode.BLOCK_TOO_SMALL
    assert "min_block_size=2" in plan.nodes["n3"].reason
    assert plan.nodes["n0"].code == ReasonCode.SUPPORTED and plan.nodes["n0"].target == "A"
    assert plan.coverage() == {"A": 0.5, "torch": 0.5}


def test_details_are_canonical_and_json_is_stable() -> None:
    graph, placement = diamond()
    plan = build(graph, placement)
    plan.regions[0].details = {"z": 1, "kernels": {"matmul_3", "add_1"}, "a": (1, 2),
                               "fused": [{"y": 1, "x": 2}], "obj": object.__name__}
    data = json.loads(plan.to_json())
    details = data["regions"][0]["details"]
    assert list(details) == ["a", "fused", "kernels", "obj", "z"]
    assert details["kernels"] == ["add_1", "matmul_3"] and list(details["fused"][0]) == ["x", "y"]
    other = build(graph, placement)
    other.regions[0].details = {"obj": "object", "fused": [{"x": 2, "y": 1}], "a": [1, 2],
                                "kernels": ["add_1", "matmul_3"], "z": 1}
    assert plan.to_json() == other.to_json()  # same facts, other insertion order
    assert plan.to_json() == plan.to_json()
    assert data["schema"] == "hwsdk.partition-plan" and data["schema_version"] >= 1
    assert [n["region"] for n in data["nodes"]] == ["r0", "r1", "r0", "r2"]


def test_plan_for_a_chain_graph_is_one_region_per_target_run() -> None:
    t = TensorType(DType.f32, (4,))
    nodes = [Node(f"n{i}", "relu", [f"v{i}"], {}, [f"v{i + 1}"]) for i in range(6)]
    graph = Graph(["v0"], ["v6"], nodes, {f"v{i}": t for i in range(7)})
    placement = {f"n{i}": "A" if i not in (2, 3) else "torch" for i in range(6)}
    plan = build(graph, placement)
    assert [(r.target, r.node_ids) for r in plan.regions] == [
        ("A", ["n0", "n1"]), ("torch", ["n2", "n3"]), ("A", ["n4", "n5"])]
    assert [r.status for r in plan.regions] == ["planned", "fallback", "planned"]
