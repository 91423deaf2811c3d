"""Values stay on their device: the runtime moves a value only where the device it lives on
differs from the device a region reads it on, once per value and device.

The test double is a device of its own: a region declaring ``device = "numpy"`` holds values
as NumPy arrays, and converts with ``from_torch`` / ``to_torch``, which count every call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pytest
import torch

from hwsdk.capability import ReasonCode
from hwsdk.errors import CompileError
from hwsdk.ir.capture import capture
from hwsdk.partition.assign import FALLBACK, Assignment
from hwsdk.partition.plan import PartitionPlan, RegionStatus, Transfer
from hwsdk.partition.regions import cut_regions
from hwsdk.plugin import CompiledRegion, Region
from hwsdk.registry import get_registry
from hwsdk.runtime.build import build_compiled

NUMPY_OPS = {"relu": lambda x: np.maximum(x, 0), "add": lambda x, y: x + y,
             "neg": lambda x: -x}
MOVES: list[tuple[str, str]] = []


class NumpyRegion(CompiledRegion):
    """Runs relu, add and neg on NumPy arrays; refuses anything else it is handed."""

    device = "numpy"

    def __init__(self, region: Region) -> None:
        super().__init__({"engine": "numpy test double"})
        self.region = region

    def from_torch(self, tensor: Any) -> Any:
        MOVES.append(("to numpy", "cpu" if tensor.device.type == "cpu" else "gpu"))
        return tensor.cpu().numpy()

    def to_torch(self, array: Any) -> Any:
        MOVES.append(("to torch", ""))
        return torch.from_numpy(array)

    def run(self, inputs: Sequence[Any], env: Mapping[str, int]) -> Sequence[Any]:
        assert all(isinstance(v, np.ndarray) for v in inputs), [type(v) for v in inputs]
        values = dict(zip(self.region.inputs, inputs, strict=True))
        for node in self.region.nodes:
            values[node.outputs[0]] = NUMPY_OPS[node.op](*(values[i] for i in node.inputs))
        return [values[v] for v in self.region.outputs]


class Registry:
    """Compiles ``numpy`` and ``numpy2`` regions (two targets, one device) with the test
    double and the rest with PyTorch."""

    def compile(self, ref: str, region: Region, options: Mapping[str, Any]) -> Any:
        if ref in ("numpy", "numpy2"):
            return NumpyRegion(region)
        return get_registry().compile(ref, region, options)


class Chain(torch.nn.Module):
    """relu [numpy] → sigmoid, tanh [torch] → relu + add [numpy] → neg [numpy]."""

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        a = torch.relu(x)
        b = torch.sigmoid(a)
        c = torch.tanh(a)
        d = torch.relu(b) + c + a
        return -d, b


def _numpy(op: str) -> str:
    return "numpy" if op in NUMPY_OPS else FALLBACK


def _compiled(model: torch.nn.Module, x: torch.Tensor, home: str = "cpu",
              target_of: Callable[[str], str] = _numpy) -> Any:
    captured = capture(model, (x,))
    graph = captured.graph
    assignments = {
        n.id: Assignment(target_of(n.op), ReasonCode.SUPPORTED, "test double", [])
        if target_of(n.op) != FALLBACK
        else Assignment(FALLBACK, ReasonCode.NO_KERNEL, "not in the test double", [])
        for n in graph.nodes}
    placement = {nid: a.target for nid, a in assignments.items()}
    cuts, folded = cut_regions(graph, placement, FALLBACK, 1)
    targets = ["numpy", "numpy2", FALLBACK]
    plan = PartitionPlan.build(graph, targets[:-1], targets, cuts, assignments, folded, 1)
    return build_compiled(captured, plan, Registry(), {}, False,  # type: ignore[arg-type]
                          home=home)


def test_target_torch_target_moves_each_crossing_value_once_each_way() -> None:
    x = torch.randn(3, 5)
    compiled = _compiled(Chain(), x)
    plan = compiled.plan
    assert [r.runs_on for r in plan.regions] == ["numpy", "torch", "numpy"]
    assert [r.device for r in plan.regions] == ["numpy", None, "numpy"]
    a, b, c = plan.regions[0].outputs[0], *plan.regions[1].outputs
    moved = {(t.value, t.source, t.dest) for t in plan.transfers}
    # x in; a out to torch (read by sigmoid and tanh: moved once); b and c back in; the two
    # outputs home. a is read by the second numpy region where it already is: not moved.
    assert moved == {(x_name(plan), "cpu", "numpy"), (a, "numpy", "cpu"), (b, "cpu", "numpy"),
                     (c, "cpu", "numpy"), (plan.graph.outputs[0], "numpy", "cpu")}
    assert len(plan.transfers) == len(moved)  # once per value and device
    assert plan.boundary_bytes() == sum(t.nbytes or 0 for t in plan.transfers) == 5 * 15 * 4
    MOVES.clear()
    out, b_out = compiled(x)
    assert len(MOVES) == len(plan.transfers)
    assert sorted(kind for kind, _ in MOVES) == ["to numpy"] * 3 + ["to torch"] * 2
    ref, b_ref = Chain()(x)
    assert isinstance(out, torch.Tensor) and torch.allclose(out, ref) and torch.equal(b_out, b_ref)
    assert out.device == x.device
    MOVES.clear()
    compiled(x)
    assert len(MOVES) == 5  # the same moves every call, none cached across calls


def x_name(plan: PartitionPlan) -> str:
    return plan.graph.inputs[0]


class TwoRegions(torch.nn.Module):
    """relu [numpy] → add, neg [numpy2]: two targets whose regions share one device."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return -(torch.relu(x) + x)


def test_target_to_target_moves_nothing_between_them() -> None:
    x = torch.randn(4)
    compiled = _compiled(TwoRegions(), x,
                         target_of=lambda op: "numpy" if op == "relu" else "numpy2")
    plan = compiled.plan
    assert [r.runs_on for r in plan.regions] == ["numpy", "numpy2"]
    assert plan.boundary_crossings() == 1  # relu's output changes target ...
    # ... but not device: only the model's edges move, the input in and the output home
    assert [(t.source, t.dest) for t in plan.transfers] == [("cpu", "numpy"), ("numpy", "cpu")]
    MOVES.clear()
    assert torch.equal(compiled(x), TwoRegions()(x)) and len(MOVES) == 2


def test_numpy_regions_split_by_torch_keep_their_shared_value_in_numpy() -> None:
    """a = relu(x) is produced in the first numpy region and read by the last: it never
    leaves NumPy for that read (the region asserts every input is an ndarray)."""
    compiled = _compiled(Chain(), torch.randn(2, 2))
    first, _, last = compiled.plan.regions
    shared = set(first.outputs) & set(last.inputs)
    assert shared and not {t.value for t in compiled.plan.transfers
                           if t.dest == "numpy"} & shared


def test_cpu_only_plan_records_no_transfers() -> None:
    x = torch.randn(3)
    captured = capture(Chain(), (x,))
    graph = captured.graph
    assignments = {n.id: Assignment(FALLBACK, ReasonCode.FALLBACK, "torch only", [])
                   for n in graph.nodes}
    cuts, folded = cut_regions(graph, dict.fromkeys(assignments, FALLBACK), FALLBACK, 1)
    plan = PartitionPlan.build(graph, ["torch"], [FALLBACK], cuts, assignments, folded, 1)
    compiled = build_compiled(captured, plan, get_registry(), {}, False)
    assert compiled.plan.transfers == () and compiled.plan.boundary_bytes() == 0
    assert plan.transfers is None  # the planned plan is not changed by compiling


def test_a_device_torch_does_not_know_needs_conversions() -> None:
    class Bare(CompiledRegion):
        device = "npu-test"

        def run(self, inputs: Sequence[Any], env: Mapping[str, int]) -> Sequence[Any]:
            raise AssertionError("never run")

    class BareRegistry(Registry):
        def compile(self, ref: str, region: Region, options: Mapping[str, Any]) -> Any:
            return Bare() if ref == "numpy" else super().compile(ref, region, options)

    x = torch.randn(3)
    captured = capture(TwoRegions(), (x,))
    graph = captured.graph
    assignments = {n.id: Assignment("numpy", ReasonCode.SUPPORTED, "", []) for n in graph.nodes}
    cuts, folded = cut_regions(graph, dict.fromkeys(assignments, "numpy"), FALLBACK, 1)
    plan = PartitionPlan.build(graph, ["numpy"], ["numpy", FALLBACK], cuts, assignments, folded, 1)
    with pytest.raises(CompileError, match=r"from_torch.*to_torch"):
        build_compiled(captured, plan, BareRegistry(), {}, True)  # type: ignore[arg-type]
    with pytest.warns(UserWarning, match="npu-test"):
        compiled = build_compiled(captured, plan, BareRegistry(), {}, False)  # type: ignore[arg-type]
    assert compiled.plan.regions[0].status is RegionStatus.COMPILE_FAILED
    assert torch.equal(compiled(x), TwoRegions()(x))


def test_transfer_json_names_both_devices() -> None:
    assert Transfer("a", "numpy", "cpu", 8).to_dict() == {
        "value": "a", "from": "numpy", "to": "cpu", "bytes": 8}


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_inputs_stay_on_the_gpu_and_outputs_come_back_there() -> None:
    """PyTorch regions run where the inputs are; a cpu region (ONNX Runtime) gets its inputs
    moved once and its outputs moved back; the model's outputs are on the inputs' GPU."""
    import hwsdk

    class Model(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.relu(x) * 2 + 1

    x = torch.randn(4, 8, device="cuda")
    compiled = hwsdk.compile(Model(), (x,), target="cpu", fallback_ops=["mul"])
    out = compiled(x)
    assert out.device == x.device and torch.allclose(out, Model()(x))
    plan = compiled.plan
    cpu_regions = [r for r in plan.regions if r.runs_on == "cpu"]
    assert cpu_regions and all(r.device == "cpu" for r in cpu_regions)
    assert plan.transfers and {(t.source, t.dest) for t in plan.transfers} <= {
        (str(x.device), "cpu"), ("cpu", str(x.device))}
    MOVES.clear()
    moved = _compiled(Chain(), x, home=str(x.device))
    got, _ = moved(x)
    assert got.device == x.device and torch.allclose(got, Chain()(x)[0])
    assert ("to numpy", "gpu") in MOVES
