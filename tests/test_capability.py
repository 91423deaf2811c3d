"""Capability model: constraints, judge() reason codes, table JSON, provenance, check veto."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import ValidationError

from hwsdk.capability import (
    AttrIn,
    CapabilityTable,
    ConstantInput,
    LastDimMultiple,
    MaxDimSize,
    MaxRank,
    OpSupport,
    Provenance,
    ReasonCode,
    StaticShape,
    UnhandledInputs,
    judge,
    node_dtypes,
)
from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node, TensorType
from hwsdk.ir.opdef import OPSET_VERSION

F32 = DType.f32


def _graph(nodes: list[Node], types: dict[str, TensorType], params: tuple[str, ...] = ()) -> Graph:
    inputs = [v for v in types if v not in params and not any(v in n.outputs for n in nodes)]
    return Graph(inputs, nodes[-1].outputs, nodes, types, list(params))


def _table(ops: dict[str, OpSupport], constraints: list[Any] | None = None) -> CapabilityTable:
    return CapabilityTable(target="dev", version="1", opset_version=OPSET_VERSION,
                           provenance=[Provenance(source="unit test", version="1",
                                                  url_or_repo_path="tests/test_capability.py",
                                                  retrieved="2026-11-22")],
                           ops=ops, constraints=constraints or [])


def _binary(a: tuple[Any, ...], b: tuple[Any, ...] | None = None, op: str = "add",
            attrs: dict[str, Any] | None = None, dtype: DType = F32,
            params: tuple[str, ...] = ()) -> tuple[Node, Graph]:
    types = {"x": TensorType(dtype, a)}
    inputs = ["x"]
    if b is not None:
        types["w"] = TensorType(dtype, b)
        inputs.append("w")
    types["y"] = TensorType(dtype, a)
    node = Node("n0", op, inputs, attrs or {}, ["y"])
    return node, _graph([node], types, params)


# -- constraints ---------------------------------------------------------------------------------

CASES: list[tuple[Any, dict[str, Any], dict[str, Any], str, str]] = [
    # constraint, ok case kwargs, violating case kwargs, violation text, describe()
    (MaxRank(max=2), {"a": (2, 3)}, {"a": (2, 3, 4)}, "input x has rank 3, above 2",
     "rank <= 2"),
    (StaticShape(why="graph compiler"), {"a": (2, 3)}, {"a": ("s0", 3)},
     "x has dynamic shape f32[s0, 3] (graph compiler)", "static shapes only (graph compiler)"),
    (AttrIn(attr="approximate", values=["tanh"]), {"a": (4,), "op": "gelu",
                                                   "attrs": {"approximate": "tanh"}},
     {"a": (4,), "op": "gelu", "attrs": {"approximate": "none"}},
     "approximate='none' is not one of ['tanh']", "approximate in ['tanh']"),
    (LastDimMultiple(multiple=8), {"a": (2, 16)}, {"a": (2, 12)},
     "last dim 12 of input 0 is not a multiple of 8", "last dim of input 0 a multiple of 8"),
    (MaxDimSize(max=128, input=1, dim=-1), {"a": (2, 4), "b": (2, 128)},
     {"a": (2, 4), "b": (2, 256)}, "dim -1 of input 1 is 256, above 128",
     "dim -1 of input 1 <= 128"),
    (ConstantInput(input=1), {"a": (2, 2), "b": (2, 2), "params": ("w",)},
     {"a": (2, 2), "b": (2, 2)}, "input 1 (w) must be a constant", "input 1 constant"),
]


@pytest.mark.parametrize(("constraint", "ok", "bad", "text", "describe"), CASES,
                         ids=[c[0].kind for c in CASES])
def test_constraint_violation_and_describe(constraint: Any, ok: dict[str, Any],
                                           bad: dict[str, Any], text: str,
                                           describe: str) -> None:
    assert constraint.violation(*_binary(**ok)) is None
    assert constraint.violation(*_binary(**bad)) == text
    assert constraint.describe() == describe


DECLARATIONS: list[tuple[Any, str]] = [
    # constraints that state a fact of the call, not of the graph: they never move a node
    (UnhandledInputs(classes=["nan_inf", "strided"], why="the engine skips NaN"),
     "no nan_inf, strided inputs (the engine skips NaN)"),
]


@pytest.mark.parametrize(("constraint", "describe"), DECLARATIONS,
                         ids=[c[0].kind for c in DECLARATIONS])
def test_declarations_never_move_a_node(constraint: Any, describe: str) -> None:
    for _, ok, bad, _, _ in CASES:
        assert constraint.violation(*_binary(**ok)) is None
        assert constraint.violation(*_binary(**bad)) is None
    assert constraint.describe() == describe
    table = _table({"add": OpSupport(dtypes={F32: "yes"}, constraints=[constraint])})
    assert _verdict(table, a=(2, 4), b=(2, 4)).code == ReasonCode.SUPPORTED
    again = CapabilityTable.model_validate_json(table.model_dump_json())
    assert again.ops["add"].constraints == [constraint]


def test_constraints_tolerate_absent_inputs_and_symbols() -> None:
    node, graph = _binary((2, 3))
    assert LastDimMultiple(multiple=4, input=1).violation(node, graph) is None
    assert MaxDimSize(max=4, input=1).violation(node, graph) is None
    assert ConstantInput(input=1).violation(node, graph) is None
    assert "no dim 5" in (MaxDimSize(max=4, dim=5).violation(node, graph) or "")
    assert "s1" in (LastDimMultiple(multiple=4).violation(*_binary((2, "s1"))) or "")
    assert "s1" in (MaxDimSize(max=4).violation(*_binary((2, "s1"))) or "")
    assert MaxDimSize(max=4).violation(*_binary(())) is None


def test_every_constraint_kind_is_covered() -> None:
    from hwsdk import capability

    kinds = {c[0].kind for c in CASES} | {c[0].kind for c in DECLARATIONS}
    union = get_args(capability.Constraint)[0]  # Annotated[Union[...], discriminator]
    declared = {cls.model_fields["kind"].default for cls in get_args(union)}
    assert kinds == declared


# -- judge ---------------------------------------------------------------------------------------


def _verdict(table: CapabilityTable, **kwargs: Any) -> Any:
    node, graph = _binary(**kwargs)
    return judge(table, node, graph)


def test_judge_codes() -> None:
    yes = OpSupport(dtypes={F32: "yes", DType.f16: "no", DType.bf16: "unknown"},
                    constraints=[MaxRank(max=3)])
    table = _table({"add": yes, "relu": OpSupport(dtypes={F32: "yes"},
                                                  constraints=[StaticShape()])},
                   constraints=[LastDimMultiple(multiple=2)])
    cases: dict[ReasonCode, dict[str, Any]] = {
        ReasonCode.SUPPORTED: dict(a=(2, 4), b=(2, 4)),
        ReasonCode.NO_KERNEL: dict(a=(2, 4), op="mul", b=(2, 4)),
        ReasonCode.DTYPE: dict(a=(2, 4), b=(2, 4), dtype=DType.f16),
        ReasonCode.UNKNOWN: dict(a=(2, 4), b=(2, 4), dtype=DType.bf16),
        ReasonCode.CONSTRAINT: dict(a=(2, 2, 2, 2), b=(2, 2, 2, 2)),
        ReasonCode.DYNAMIC_SHAPE: dict(a=(2, "s0", 2), op="relu"),
    }
    for code, kwargs in cases.items():
        verdict = _verdict(table, **kwargs)
        assert verdict.code == code, (code, verdict.reason)
        assert verdict.ok == (code == ReasonCode.SUPPORTED)
        assert verdict.target == "dev" and verdict.node_id == "n0"
        assert kwargs.get("op", "add") in verdict.reason
    # dtypes absent from the entry read as unknown; the table-wide constraint applies too
    assert _verdict(table, a=(2, 4), b=(2, 4), dtype=DType.i8).code == ReasonCode.UNKNOWN
    assert _verdict(table, a=(2, 3), b=(2, 3)).code == ReasonCode.CONSTRAINT
    assert "runs add in f32, not f16" in _verdict(table, a=(2, 4), b=(2, 4),
                                                  dtype=DType.f16).reason


def test_judge_opaque_op() -> None:
    node = Node("n0", "torch_op", ["x"], {"target": "aten.nonzero.default", "args": [],
                                          "kwargs": {}}, ["y"])
    graph = _graph([node], {"x": TensorType(F32, (4,)), "y": TensorType(DType.i64, (4, 1))})
    verdict = judge(_table({"add": OpSupport(dtypes={F32: "yes"})}), node, graph)
    assert verdict.code == ReasonCode.OPAQUE_OP and "aten.nonzero.default" in verdict.reason


def test_node_dtypes_ignores_indices_and_counts_cast_result() -> None:
    types = {"w": TensorType(F32, (10, 4)), "i": TensorType(DType.i64, (3,)),
             "y": TensorType(F32, (3, 4)), "h": TensorType(DType.f16, (3, 4))}
    emb = Node("n0", "embedding", ["w", "i"], {}, ["y"])
    cast = Node("n1", "cast", ["y"], {"dtype": "f16"}, ["h"])
    graph = _graph([emb, cast], types, params=("w",))
    assert node_dtypes(emb, graph) == [F32]
    assert node_dtypes(cast, graph) == [F32, DType.f16]


# -- tables --------------------------------------------------------------------------------------


def test_table_json_round_trip() -> None:
    table = _table({"add": OpSupport(dtypes={F32: "yes", DType.i8: "no"},
                                     constraints=[MaxRank(max=4), AttrIn(attr="a", values=[1])],
                                     note="n", source="s"),
                    "gelu": OpSupport(dtypes={DType.bf16: "unknown"},
                                      constraints=[StaticShape(why="w"), ConstantInput(input=1),
                                                   MaxDimSize(max=3),
                                                   LastDimMultiple(multiple=8)])},
                   constraints=[MaxRank(max=6)])
    text = table.model_dump_json()
    again = CapabilityTable.model_validate_json(text)
    assert again == table and again.model_dump_json() == text
    assert isinstance(again.ops["gelu"].constraints[0], StaticShape)


@pytest.mark.parametrize("provenance", [[], None])
def test_table_without_provenance_is_rejected(provenance: list[Any] | None) -> None:
    data: dict[str, Any] = {"target": "dev", "version": "1", "opset_version": OPSET_VERSION,
                            "ops": {}}
    if provenance is not None:
        data["provenance"] = provenance
    with pytest.raises(ValidationError, match="provenance"):
        CapabilityTable.model_validate(data)


def test_table_rejects_unknown_support_and_constraint_kinds() -> None:
    base: dict[str, Any] = {"target": "dev", "version": "1", "opset_version": OPSET_VERSION,
                            "provenance": [{"source": "t"}]}
    with pytest.raises(ValidationError):
        CapabilityTable.model_validate({**base, "ops": {"add": {"dtypes": {"f32": "maybe"}}}})
    with pytest.raises(ValidationError):
        CapabilityTable.model_validate({**base, "ops": {"add": {
            "dtypes": {"f32": "yes"}, "constraints": [{"kind": "fast_enough"}]}}})
    assert CapabilityTable.model_validate({**base, "ops": {}}).support("add", F32) == "no"


# -- hwsdk_check veto through a real plugin ------------------------------------------------------


def test_check_hook_vetoes_a_node(tmp_path: Path) -> None:
    import sys

    from hwsdk.partition.assign import assign
    from hwsdk.registry import get_registry
    from tests.registry.plugins import VETO
    from tests.support.fake_dist import installed, write_distribution

    write_distribution(tmp_path, "hwsdk-test-veto", "0.1", {"hwsdk_captest_veto": VETO},
                       {"veto": "hwsdk_captest_veto"})
    t = TensorType(F32, (2, 4))
    nodes = [Node("n0", "add", ["x", "x"], {}, ["a"]), Node("n1", "relu", ["a"], {}, ["b"])]
    graph = _graph(nodes, {"x": t, "a": t, "b": t})
    with installed(tmp_path):
        registry = get_registry()
        result = assign(graph, ["veto"], {"veto": registry.capabilities("veto")},
                        check=registry.check)
        calls = list(sys.modules["hwsdk_captest_veto"].CALLS)
    assert result["n0"].target == "veto" and result["n0"].code == ReasonCode.SUPPORTED
    assert result["n1"].target == "torch" and result["n1"].code == ReasonCode.CONSTRAINT
    assert result["n1"].reason == "relu after add is not fused on this test device"
    assert result["n1"].verdicts[0].target == "veto" and result["n1"].verdicts[0].node_id == "n1"
    assert ("hwsdk_check", ("veto", "n1")) in calls


def test_a_linear_reading_a_dequantized_weight_runs_only_where_its_dequantize_does() -> None:
    from hwsdk.capability import ReasonCode, quantized_weight_verdict

    dq = Node("w.dq", "dequantize", ["q", "s"], {"bits": 8, "group_size": 0, "shape": [4, 6]},
              ["w"])
    lin = Node("l", "linear", ["x", "w", ""], {}, ["y"])
    types = {"q": TensorType(DType.i8, (4, 6)), "s": TensorType(F32, (4,)),
             "w": TensorType(F32, (4, 6)), "x": TensorType(F32, (2, 6)),
             "y": TensorType(F32, (2, 4))}
    graph = _graph([dq, lin], types, params=("q", "s"))
    producers = graph.producers()
    linear = OpSupport(dtypes={F32: "yes"})
    for int8, code in (("no", ReasonCode.DTYPE), ("unknown", ReasonCode.UNKNOWN)):
        table = _table({"linear": linear,
                        "dequantize": OpSupport(dtypes={DType.i8: int8, F32: "yes"})})
        verdict = quantized_weight_verdict(table, lin, graph, producers)
        assert verdict is not None and not verdict.ok and verdict.code is code
        assert verdict.reason.startswith("its weight is int8 per channel (w.dq), which dev")
        assert "quantize_fallback='dequantize'" in verdict.reason
    table = _table({"linear": linear, "dequantize": OpSupport(dtypes={DType.i8: "yes",
                                                                      F32: "yes"})})
    assert quantized_weight_verdict(table, lin, graph, producers) is None
    assert quantized_weight_verdict(table, dq, graph, producers) is None  # reads params only
    no_dq = _table({"linear": linear})
    verdict = quantized_weight_verdict(no_dq, lin, graph, producers)
    assert verdict is not None and verdict.code is ReasonCode.NO_KERNEL
