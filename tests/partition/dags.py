"""Random IR DAGs of core ops, with random target placements, for the partitioner tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node, TensorType

SHAPE = (3, 3)
UNARY = ("relu", "tanh")
BINARY = ("add", "mul", "matmul")
TARGETS = ("A", "B", "torch")
FALLBACK = "torch"


@st.composite
def placed_dags(draw: Any, max_nodes: int = 30,
                targets: tuple[str, ...] = TARGETS) -> tuple[Graph, dict[str, str]]:
    """A graph over inputs ``x0``, ``x1`` and param ``w`` (all f32[3, 3]) and a placement.

    Inputs are drawn half the time from the newest value, so chains are common, otherwise
    from any earlier value, so branches, joins and long skip edges occur too.
    """
    n = draw(st.integers(1, max_nodes))
    values = ["x0", "x1", "w"]
    nodes: list[Node] = []
    placement: dict[str, str] = {}
    for i in range(n):
        op = draw(st.sampled_from(UNARY + BINARY + ("mul_scalar",)))
        arity = 1 if op in UNARY or op == "mul_scalar" else 2
        inputs = []
        for _ in range(arity):
            if draw(st.booleans()):
                inputs.append(values[-1])
            else:
                inputs.append(values[draw(st.integers(0, len(values) - 1))])
        attrs: dict[str, Any] = {}
        if op == "mul_scalar":
            op, attrs = "mul", {"scalar": 0.5}
        out = f"v{i}"
        nodes.append(Node(f"n{i}", op, inputs, attrs, [out]))
        values.append(out)
        placement[f"n{i}"] = draw(st.sampled_from(targets))
    produced = [node.outputs[0] for node in nodes]
    extra = draw(st.lists(st.sampled_from(produced), max_size=3, unique=True))
    outputs = list(dict.fromkeys([produced[-1], *extra]))
    types = {name: TensorType(DType.f32, SHAPE) for name in ["x0", "x1", "w", *produced]}
    graph = Graph(["x0", "x1"], outputs, nodes, types, params=["w"])
    graph.validate()
    return graph, placement


def attach_params(graph: Graph) -> None:
    """Give the param ``w`` a tensor (imports torch)."""
    import torch

    graph.param_data["w"] = torch.linspace(-1, 1, 9).reshape(SHAPE)
