"""PartitionPlan: boundary accounting, fold reasons, deterministic JSON."""

from __future__ import annotations

import dataclasses
import json

import pytest

from hwsdk.capability import ReasonCode
from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node, TensorType
from hwsdk.partition.assign import Assignment
from hwsdk.partition.plan import PartitionPlan, RegionResult, RegionStatus, Transfer
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
    planned = build(graph, placement)
    plan = planned.with_results({"r2": RegionResult(RegionStatus.COMPILE_FAILED,
                                                    "RuntimeError: no kernel")})
    # r2 now runs in torch: t stays in torch, b crosses A -> torch
    assert sorted(plan.crossing_values()) == [("a", "r0", "r1"), ("b", "r0", "r2")]
    assert plan.boundary_bytes() == 32
    assert plan.nodes["n3"].code == ReasonCode.COMPILE_FAILED
    assert plan.regions[2].runs_on == "torch" and plan.regions[2].target == "A"
    assert plan.runs_on("n3") == "torch" and plan.summary_dict()["compile_failures"] == 1
    # the planned plan is untouched: compile results live in the new one
    assert planned.regions[2].status is RegionStatus.PLANNED and planned.runs_on("n3") == "A"


def test_plan_is_immutable() -> None:
    graph, placement = diamond()
    plan = build(graph, placement)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.assume_unknown = "runs"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.regions[0].status = RegionStatus.COMPILED  # type: ignore[misc]
    with pytest.raises(TypeError):
        plan.nodes["n0"] = plan.nodes["n1"]  # type: ignore[index]
    assert isinstance(plan.regions, tuple) and isinstance(plan.regions[0].node_ids, tuple)
    renamed = dataclasses.replace(plan, model_name="M", notes=("a note",))
    assert plan.model_name == "" and renamed.model_name == "M" and plan.notes == ()


def test_boundary_bytes_are_the_transfers_once_compiled() -> None:
    graph, placement = diamond()
    plan = build(graph, placement)
    assert plan.transfers is None and plan.boundary_bytes() == 32  # explain: the crossings
    moved = plan.with_results({}, [Transfer("a", "npu", "cpu", 16)])
    assert moved.boundary_bytes() == 16 and moved.boundary_crossings() == 2
    assert json.loads(moved.to_json())["transfers"] == [
        {"value": "a", "from": "npu", "to": "cpu", "bytes": 16}]
    assert plan.with_results({}, []).boundary_bytes() == 0


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
    plan = build(graph, placement).with_results({"r0": RegionResult(
        RegionStatus.COMPILED, details={"z": 1, "kernels": {"matmul_3", "add_1"}, "a": (1, 2),
                                        "fused": [{"y": 1, "x": 2}], "obj": object.__name__})})
    data = json.loads(plan.to_json())
    details = data["regions"][0]["details"]
    assert list(details) == ["a", "fused", "kernels", "obj", "z"]
    assert details["kernels"] == ["add_1", "matmul_3"] and list(details["fused"][0]) == ["x", "y"]
    other = build(graph, placement).with_results({"r0": RegionResult(
        RegionStatus.COMPILED, details={"obj": "object", "fused": [{"x": 2, "y": 1}],
                                        "a": [1, 2], "kernels": ["add_1", "matmul_3"], "z": 1})})
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
        ("A", ("n0", "n1")), ("torch", ("n2", "n3")), ("A", ("n4", "n5"))]
    assert [r.status for r in plan.regions] == ["planned", "fallback", "planned"]
