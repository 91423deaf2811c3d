"""AOTAutograd's graphs through the capture's FX -> IR translation."""

from __future__ import annotations

from typing import Any

import pytest

from hwsdk.dynamo.graph import capture_graph_module
from hwsdk.errors import CaptureError


def _aot_graphs(fn: Any, *args: Any, dynamic: bool = False) -> list[Any]:
    """The forward (or inference) GraphModules AOTAutograd makes of ``fn``."""
    import torch
    from torch._dynamo.backends.common import aot_autograd

    from hwsdk.dynamo.decompose import decompositions

    graphs: list[Any] = []

    def keep(gm: Any, example_inputs: Any) -> Any:
        graphs.append(gm)
        return gm

    compiled = torch.compile(fn, dynamic=dynamic, backend=aot_autograd(
        fw_compiler=keep, decompositions=decompositions()))
    with torch.no_grad():
        compiled(*args)
    return graphs


def test_symbolic_sizes_become_ir_symbols() -> None:
    import torch

    (gm,) = _aot_graphs(lambda x: (x * 2).reshape(-1), torch.randn(3, 4), dynamic=True)
    assert any(not isinstance(n.meta.get("val"), torch.Tensor)
               for n in gm.graph.nodes if n.op == "placeholder")  # a SymInt argument
    fx = capture_graph_module(gm)
    graph = fx.captured.graph
    (name,) = graph.inputs
    assert all(isinstance(d, str) for d in graph.types[name].shape)
    assert len(fx.tensor_positions) == 1
    assert fx.captured.symbol_names  # each symbol says where it is bound


def test_a_constant_tensor_is_a_graph_constant() -> None:
    import torch

    def fn(x: torch.Tensor) -> torch.Tensor:
        return x + torch.tensor([1.0, 2.0, 3.0])

    (gm,) = _aot_graphs(fn, torch.randn(2, 3))
    assert any(n.op == "get_attr" for n in gm.graph.nodes)
    graph = capture_graph_module(gm).captured.graph
    assert len(graph.params) == 1
    (param,) = graph.params
    assert graph.param_data[param].tolist() == [1.0, 2.0, 3.0]


def test_a_size_no_tensor_carries_is_refused() -> None:
    import torch

    def fn(x: torch.Tensor) -> torch.Tensor:
        return x * 2

    (gm,) = _aot_graphs(fn, torch.randn(3, 4), dynamic=True)
    tensor = next(n for n in gm.graph.nodes if n.op == "placeholder"
                  and isinstance(n.meta.get("val"), torch.Tensor))
    val = tensor.meta["val"]
    tensor.meta["val"] = val.new_empty((3, 4))  # static now: the size argument binds nothing
    with pytest.raises(CaptureError, match="no dim of any tensor argument"):
        capture_graph_module(gm)
