"""Capture details: symbolic values encoded explicitly (never guessed from strings), user Dim
names (also through derived dims), ops with several outputs, constant folding, and sources.

Tolerances: exact (the same PyTorch kernels run in the same order).
"""

from __future__ import annotations

from typing import Any

import pytest

import hwsdk
from hwsdk.errors import InputMismatchError
from hwsdk.ir.graph import Graph
from hwsdk.ir.opdef import TORCH_OP
from tests.runtime.helpers import assert_same_output


def gaps_model() -> Any:
    import torch

    class Gaps(torch.nn.Module):
        def forward(self, x: torch.Tensor, y: torch.Tensor) -> Any:
            a, b = torch.split(x, x.shape[1] // 2, dim=1)  # split by a symbolic size
            m, idx = torch.max(a, dim=1)  # an opaque op with two outputs
            r = torch.roll(b, shifts=x.shape[0], dims=0)  # symbolic int argument
            s = r / (x.shape[1] ** 0.5)  # symbolic float argument
            z = torch.zeros(x.shape[0], 2)  # creation with a symbolic shape
            p, q = torch.split(s, [1, s.shape[1] - 1], dim=1)
            f = torch.div(y, 3.0, rounding_mode="floor")  # a plain string argument
            return m + idx.float(), s, z, p, q.sum(), f

    return Gaps().eval()


def _nodes(graph: Graph, target: str) -> list[Any]:
    return [n for n in graph.nodes if n.op == TORCH_OP and n.attrs["target"] == target]


@pytest.fixture(scope="module")
def dynamic() -> tuple[Any, Any]:
    import torch
    from torch.export import Dim

    model = gaps_model()
    batch, half = Dim("batch", min=2, max=16), Dim("half", min=2, max=16)
    example = (torch.randn(4, 6), torch.randn(5))
    compiled = hwsdk.compile(model, example, target="torch",
                             dynamic_shapes={"x": {0: batch, 1: 2 * half}, "y": None})
    return model, compiled


def test_symbolic_arguments_are_encoded_explicitly(dynamic: tuple[Any, Any]) -> None:
    _, compiled = dynamic
    graph = compiled.captured.graph
    assert compiled.captured.input_types[0].shape == ("batch", "2*half")
    assert compiled.captured.symbol_ranges["half"] == (2, 16)
    split = _nodes(graph, "aten.split_with_sizes.default")
    assert split[0].attrs["args"][1] == [{"$sym": "half"}, {"$sym": "half"}]
    assert split[0].attrs["multi"] and len(split[0].outputs) == 2
    assert split[1].attrs["args"][1] == [1, {"$sym": "half - 1"}]
    assert {"$symf": "FloatPow(ToFloat(2*half), 0.5)"} in _nodes(
        graph, "aten.div.Tensor")[0].attrs["args"]
    assert "rounding_mode" in repr(graph.to_json()) and '"floor"' in graph.to_json()
    full = [n for n in graph.nodes if n.op == "full"]
    assert full and full[0].attrs["shape"] == ["batch", 2]
    assert Graph.from_json(graph.to_json()) == graph


@pytest.mark.parametrize("shape", [(4, 6), (3, 10), (16, 4), (2, 32)])
def test_dynamic_gaps_model_matches_eager(dynamic: tuple[Any, Any],
                                          shape: tuple[int, int]) -> None:
    import torch

    model, compiled = dynamic
    inputs = (torch.randn(*shape), torch.randn(5))
    assert_same_output(compiled(*inputs), model(*inputs))


def test_derived_dim_guard(dynamic: tuple[Any, Any]) -> None:
    import torch

    _, compiled = dynamic
    with pytest.raises(InputMismatchError, match=r"dim 1 is 5, but it must be 2\*half"):
        compiled(torch.randn(3, 5), torch.randn(5))
    with pytest.raises(InputMismatchError, match=r"half.*outside the range \[2, 16\]"):
        compiled(torch.randn(3, 34), torch.randn(5))


def test_static_capture_folds_constants_and_maps_split() -> None:
    import torch

    model = gaps_model()
    example = (torch.randn(4, 6), torch.randn(5))
    compiled = hwsdk.compile(model, example, target="torch")
    graph = compiled.captured.graph
    assert "$sym" not in graph.to_json()
    assert [n.attrs for n in graph.nodes if n.op == "split"] == [
        {"sizes": [3, 3], "dim": 1}, {"sizes": [1, 2], "dim": 1}]
    assert not [n for n in graph.nodes if n.op in ("arange", "full")]  # folded into params
    assert any(p not in compiled.captured.graph.inputs and p.startswith(("full", "fmod", "arange"))
               for p in graph.params)
    assert_same_output(compiled(*example), model(*example))


def test_nodes_keep_module_path_and_user_line() -> None:
    from tests import models
    from tests.runtime.captures import captured_model

    graph = captured_model("mlp")[2].graph
    linear = [n for n in graph.nodes if n.op == "linear"]
    assert [n.source.module_path for n in linear] == ["fc1", "fc2"]
    assert all(n.source.file.endswith("tests/models.py") and n.source.line > 0 for n in linear)
    assert linear[0].source.aten == "aten.linear.default"
    assert models.VOCAB  # the source file is the shared models module


def test_data_dependent_sizes_are_bound_at_run_time() -> None:
    import torch

    class Masked(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> Any:
            y = x[x > 0]  # size u0, known only at run time
            k = (x > 1).sum().item()  # a data-dependent scalar
            torch._check(k >= 0)
            return y.view(-1, 1) * 2, torch.zeros(y.shape[0]), torch.arange(k) + 1

    model = Masked()
    compiled = hwsdk.compile(model, (torch.randn(8),), target="torch")
    binds = [n.attrs for n in compiled.captured.graph.nodes
             if n.op == TORCH_OP and "$bind" in repr(n.attrs)]
    assert len(binds) == 2
    for _ in range(3):
        x = torch.randn(8) * 2
        assert_same_output(compiled(x), model(x))


def test_data_dependent_float_scalars_are_read_on_every_call() -> None:
    import torch

    class Scaled(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            mean = x.mean().item()  # a Python float read from the tensor (symbol zuf0)
            return torch.relu(x - mean) * (x.abs().max().item() + 1.0)

    model = Scaled()
    compiled = hwsdk.compile(model, (torch.randn(4, 6),), target="cpu")
    assert any(n.op == TORCH_OP for n in compiled.captured.graph.nodes)
    for _ in range(3):
        x = torch.randn(4, 6) * 3
        assert_same_output(compiled(x), model(x))


def test_user_code_under_a_folder_named_hwsdk_keeps_its_line(tmp_path: Any) -> None:
    import importlib.util

    import torch

    folder = tmp_path / "hwsdk"  # only the installed packages' own folders are library code
    folder.mkdir()
    source = folder / "user_model.py"
    source.write_text("import torch\n\n\nclass Net(torch.nn.Module):\n"
                      "    def forward(self, x):\n        return torch.tanh(x) * 2\n")
    spec = importlib.util.spec_from_file_location("user_model_in_hwsdk_folder", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    graph = hwsdk.explain(module.Net(), (torch.randn(3),), target="torch").graph
    assert {(n.source.file, n.source.line) for n in graph.nodes} == {(str(source), 6)}


def _threaded_model(k: int) -> tuple[Any, Any]:
    import torch

    torch.manual_seed(k)
    if k % 3 == 0:
        model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(),
                                    torch.nn.Linear(16, 4))
        return model.eval(), torch.randn(2, 8)
    if k % 3 == 1:
        return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.GELU()).eval(), \
            torch.randn(1, 3, 8, 8)
    return torch.nn.Sequential(torch.nn.LayerNorm(8), torch.nn.Tanh()).eval(), torch.randn(2, 8)


def test_compiles_from_several_threads_at_once_all_succeed() -> None:
    import threading

    import torch

    failures: list[str] = []
    done: list[int] = []

    def work(thread: int) -> None:
        for k in range(thread, thread + 3):
            model, x = _threaded_model(k)
            try:
                compiled = hwsdk.compile(model, (x,), target="cpu")
                torch.testing.assert_close(compiled(x), model(x), rtol=1e-4, atol=1e-5)
                done.append(k)
            except Exception as exc:  # collected: an exception in a thread would be lost
                failures.append(f"model {k}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and len(done) == 12
    model, x = _threaded_model(0)  # and the process still compiles afterwards
    torch.testing.assert_close(hwsdk.compile(model, (x,), target="cpu")(x), model(x),
                               rtol=1e-4, atol=1e-5)


def test_numbers_and_input_updates_are_recorded_in_the_output_plan() -> None:
    import torch

    from hwsdk.ir.capture import capture
    from hwsdk.ir.outputs import NumberOutput

    class Mixed(torch.nn.Module):
        def forward(self, x: torch.Tensor, stats: torch.Tensor) -> Any:
            stats.mul_(0.5)  # an in-place update of an input: an extra graph output
            return x + 1, x.sum().item(), x.shape[0], 3

    captured = capture(Mixed(), (torch.randn(4), torch.ones(4)))
    plan, graph = captured.output_plan, captured.graph
    assert plan is not None and not plan.plain
    assert plan.leaves[0] == 0 and plan.leaves[2:] == [NumberOutput(value=4), NumberOutput(3)]
    item = plan.leaves[1]
    assert isinstance(item, NumberOutput) and item.value is None
    [(symbol, (index, dim))] = item.reads.items()  # .item() of the graph output `index`
    assert item.expr == symbol and dim is None and graph.types[graph.outputs[index]].rank == 0
    [(index, target)] = plan.mutations
    assert target == 1 and graph.outputs[index] != graph.inputs[1]
