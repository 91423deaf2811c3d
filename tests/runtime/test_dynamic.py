"""Dynamic batch and sequence dims: compile once with ``dynamic_shapes``, call with several
sizes, on the ``torch`` target and on the subset plugin (fallback boundaries inside the model).

Tolerances: rtol=1e-4, atol=1e-5 (float32, see tests/runtime/helpers.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import hwsdk
from hwsdk.errors import InputMismatchError
from hwsdk.ir.opdef import TORCH_OP
from hwsdk.ir.symbolic import symbols_in
from tests import models
from tests.runtime.captures import DYNAMIC_RANGES, captured_dynamic, compile_captured
from tests.runtime.helpers import SUBSET_OPS, assert_same_output, subset_calls
from tests.support.fake_dist import subset_plugin


@pytest.fixture(scope="module")
def subset(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with subset_plugin(tmp_path_factory.mktemp("subset_dyn"), ops=SUBSET_OPS) as name:
        yield name


def _symbolic_attr_nodes(graph: Any) -> list[str]:
    """Ids of nodes whose attrs hold a symbolic dim (evaluated at run time)."""
    out = []
    for node in graph.nodes:
        text = repr(node.attrs)
        if (node.op == TORCH_OP and "$sym" in text) or (node.op != TORCH_OP and any(
                isinstance(v, str) or (isinstance(v, list) and any(isinstance(x, str) for x in v))
                for k, v in node.attrs.items() if k in ("shape", "start", "end"))):
            out.append(node.id)
    return out


def _run_sizes(compiled: Any, model: Any, make: Any, sizes: list[tuple[int, ...]]) -> None:
    import torch

    with torch.no_grad():
        for size in sizes:
            inputs = make(size)
            assert_same_output(compiled(*inputs), model(*inputs))


def test_mlp_dynamic_batch(subset: str) -> None:
    import torch
    from torch.export import Dim

    model, example = models.mlp(batch=4)
    batch = Dim("batch", min=1, max=64)
    compiled = hwsdk.compile(model, example, target="torch", dynamic_shapes={"x": {0: batch}})
    assert compiled.captured.input_types[0].shape == ("batch", 32)

    def make(size: tuple[int, ...]) -> tuple[Any, ...]:
        return (torch.randn(size[0], 32),)

    sizes = [(1,), (4,), (7,), (64,)]
    _run_sizes(compiled, model, make, sizes)
    on_subset = compile_captured(compiled.captured, subset)
    assert len(on_subset.plan.regions) == 3
    subset_calls(subset).clear()
    _run_sizes(on_subset, model, make, sizes)
    assert len(subset_calls(subset)) == 2 * len(sizes)
    with pytest.raises(InputMismatchError, match=r"batch.*65.*\[1, 64\]"):
        on_subset(torch.randn(65, 32))


@pytest.mark.parametrize("name", ["gpt2"])
def test_transformer_dynamic_batch_and_seq(name: str, subset: str) -> None:
    import torch

    model, _, captured = captured_dynamic(name)  # capture(dynamic_shapes={batch, seq} Dims)
    compiled = compile_captured(captured, "torch")
    graph = captured.graph
    assert captured.input_types[0].shape == ("batch", "seq")
    assert captured.symbol_ranges == DYNAMIC_RANGES
    # Symbolic attrs exist (reshapes to batch*seq …) and torch's own names never leak out.
    assert _symbolic_attr_nodes(graph), "no symbolic attr: the dynamic path is not exercised"
    assert all("batch" in t or "seq" in t or t == "?" for v in graph.types.values()
               for t in (str(d) for d in v.shape) if not t.isdigit())
    symbols = {s for v in graph.types.values() for d in v.shape for s in symbols_in(d)}
    assert symbols == {"batch", "seq"}

    def make(size: tuple[int, ...]) -> tuple[Any, ...]:
        return (torch.randint(0, models.VOCAB, size),)

    sizes = [(1, 5), (2, 16), (3, 9), (8, 48)]
    _run_sizes(compiled, model, make, sizes)
    on_subset = compile_captured(compiled.captured, subset)
    assert on_subset.plan.boundary_crossings() >= 2
    subset_calls(subset).clear()
    _run_sizes(on_subset, model, make, sizes)
    assert subset_calls(subset)


def test_unbounded_dim_has_no_upper_range() -> None:
    import torch
    from torch.export import Dim

    model, example = models.mlp(batch=4)
    compiled = hwsdk.compile(model, example, target="torch",
                             dynamic_shapes={"x": {0: Dim("batch")}})
    assert compiled.captured.symbol_ranges["batch"][1] is None
    x = torch.randn(100, 32)
    with torch.no_grad():
        assert_same_output(compiled(x), model(x))
