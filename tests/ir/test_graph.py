"""The IR data model: JSON round-trip without weights (versioned) and Graph.validate."""

from __future__ import annotations

import json

import pytest

from hwsdk.errors import IRError
from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import GRAPH_SCHEMA_VERSION, Graph, Node, Source, TensorType
from hwsdk.ir.opdef import OPSET_VERSION
from tests.runtime.captures import captured_dynamic, captured_model


def small_graph() -> Graph:
    f32 = DType.f32
    return Graph(
        inputs=["x"], outputs=["z"], params=["w"],
        nodes=[Node("n1", "mul", ["x", "w"], {"scalar": None, "scalar_first": False}, ["y"],
                    Source(module_path="layer", file="model.py", line=3, aten="aten.mul.Tensor")),
               Node("n2", "relu", ["y"], {}, ["z"])],
        types={"x": TensorType(f32, ("batch", 4)), "w": TensorType(f32, (4,)),
               "y": TensorType(f32, ("batch", 4)), "z": TensorType(f32, ("batch", 4))},
        opset_version=OPSET_VERSION,
    )


@pytest.mark.parametrize("name", ["resnet", "llama"])
def test_captured_graph_round_trips_without_weights(name: str) -> None:
    graph = captured_model(name)[2].graph
    text = graph.to_json()
    data = json.loads(text)
    assert data["schema_version"] == GRAPH_SCHEMA_VERSION
    assert data["opset_version"] == OPSET_VERSION
    assert len(text) < 200_000  # names and types only: no weights
    again = Graph.from_json(text)
    assert again == graph
    assert again.to_json() == text
    assert again.param_data == {}  # weights are never serialized
    assert all(n.source == m.source for n, m in zip(again.nodes, graph.nodes, strict=True))
    assert any(n.source.module_path for n in again.nodes)


def test_symbolic_graph_round_trips() -> None:
    graph = captured_dynamic("gpt2")[2].graph
    again = Graph.from_json(graph.to_json(indent=None))
    assert again == graph
    assert again.types[again.inputs[0]].shape == ("batch", "seq")


def test_small_graph_validates_and_round_trips() -> None:
    graph = small_graph()
    graph.validate()
    assert Graph.from_dict(graph.to_dict()) == graph
    assert str(graph.types["x"]) == "f32[batch, 4]"
    assert graph.types["x"].numel() is None and graph.types["w"].nbytes() == 16


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda g: g.nodes.append(Node("n1", "relu", ["z"], {}, ["q"])), "node id 'n1' appears twice"),
    (lambda g: g.nodes.insert(0, g.nodes.pop()), r"reads 'y' before it is defined"),
    (lambda g: g.nodes.append(Node("n3", "relu", ["x"], {}, ["y"])), "'y' is defined twice"),
    (lambda g: g.types.pop("y"), "'y' has no type"),
    (lambda g: g.outputs.append("nowhere"), "'nowhere' has no type"),
])
def test_validate_names_the_problem(mutate: object, message: str) -> None:
    graph = small_graph()
    mutate(graph)  # type: ignore[operator]
    with pytest.raises(IRError, match=message):
        graph.validate()


def test_output_never_defined() -> None:
    graph = small_graph()
    graph.outputs.append("ghost")
    graph.types["ghost"] = TensorType(DType.f32, (1,))
    with pytest.raises(IRError, match="graph output 'ghost' is never defined"):
        graph.validate()


def test_json_version_and_malformed_input() -> None:
    data = small_graph().to_dict()
    with pytest.raises(IRError, match="schema_version 99"):
        Graph.from_dict({**data, "schema_version": 99})
    with pytest.raises(IRError, match="malformed graph JSON"):
        Graph.from_dict({k: v for k, v in data.items() if k != "nodes"})
    with pytest.raises(IRError, match="malformed graph JSON"):
        Graph.from_dict({**data, "types": {"x": {"dtype": "f128", "shape": [1]}}})
    broken = {**data, "nodes": [data["nodes"][1]]}
    with pytest.raises(IRError, match="reads 'y' before it is defined"):
        Graph.from_dict(broken)


def test_type_of_unknown_value() -> None:
    with pytest.raises(IRError, match="'nope' has no type"):
        small_graph().type_of("nope")
