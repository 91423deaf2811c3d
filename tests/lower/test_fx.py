"""IR → torch.fx lowering against a node-by-node run of the PyTorch references.

Tolerances: rtol=1e-5, atol=1e-6 (float32, the same kernels in the same order).
"""

from __future__ import annotations

from typing import Any

import pytest

from hwsdk.ir.eager import run_node
from hwsdk.ir.graph import Graph, Node
from hwsdk.lower.fx import lower_to_fx
from tests.runtime.captures import captured_dynamic, captured_model


def interpret(graph: Graph, nodes: list[Node], values: dict[str, Any],
              env: dict[str, int]) -> dict[str, Any]:
    """Run ``nodes`` one by one with run_node (the oracle for the FX lowering)."""
    values = {**graph.param_data, **values}
    for node in nodes:
        outs = run_node(node, [values[i] if i else None for i in node.inputs], env)
        values.update(zip(node.outputs, outs, strict=True))
    return values


def region_io(graph: Graph, nodes: list[Node]) -> tuple[list[str], list[str]]:
    """Inputs read from outside ``nodes`` (not params) and every value they produce."""
    produced = {o for n in nodes for o in n.outputs}
    inputs: list[str] = []
    for node in nodes:
        for name in node.inputs:
            if name and name not in produced and name not in graph.params \
                    and name not in inputs:
                inputs.append(name)
    return inputs, [o for n in nodes for o in n.outputs]


@pytest.mark.parametrize("name", ["resnet", "llama"])
@pytest.mark.parametrize("part", ["whole", "middle"])
def test_fx_lowering_matches_node_by_node(name: str, part: str) -> None:
    import torch

    _, example, captured = captured_model(name)
    graph = captured.graph
    everything = interpret(graph, graph.nodes, dict(zip(graph.inputs, example, strict=True)), {})
    nodes = graph.nodes if part == "whole" else graph.nodes[len(graph) // 3: 2 * len(graph) // 3]
    inputs, outputs = region_io(graph, nodes)
    lowering = lower_to_fx(graph, nodes, inputs, outputs)
    assert not lowering.needs_env
    got = lowering([everything[i] for i in inputs], {})
    for out, value in zip(outputs, got, strict=True):
        torch.testing.assert_close(value, everything[out], rtol=1e-5, atol=1e-6)


def test_fx_lowering_with_symbolic_attrs_takes_the_symbol_env() -> None:
    import torch

    model, _, captured = captured_dynamic("gpt2")
    graph = captured.graph
    ids = torch.randint(0, 128, (3, 7))
    env = {"batch": 3, "seq": 7}
    lowering = lower_to_fx(graph, graph.nodes, graph.inputs, graph.outputs)
    assert lowering.needs_env
    got = lowering([ids], env)
    with torch.no_grad():
        torch.testing.assert_close(got[0], model(ids).logits, rtol=1e-4, atol=1e-5)


def test_graph_output_that_is_a_param() -> None:
    import torch

    from hwsdk.ir.dtypes import DType
    from hwsdk.ir.graph import TensorType

    t = TensorType(DType.f32, (2,))
    graph = Graph(inputs=["x"], outputs=["y", "w.0"], params=["w.0"],
                  nodes=[Node("n", "relu", ["x"], {}, ["y"])], types={"x": t, "y": t, "w.0": t},
                  param_data={"w.0": torch.ones(2)})
    lowering = lower_to_fx(graph, graph.nodes, ["x"], ["y", "w.0"])
    y, w = lowering([torch.tensor([-1.0, 2.0])], {})
    assert y.tolist() == [0.0, 2.0] and w.tolist() == [1.0, 1.0]
