"""The template plugin (examples/numpy_plugin) passes the conformance kit, and every claim of
its capability table is covered by a passing kit test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hwsdk.registry import Registry
from tests.support.fake_dist import installed
from tests.testing.support import EXAMPLE_SRC, install_numpy_example, run_kit


@pytest.fixture
def numpy_target(tmp_path: Path) -> Iterator[Registry]:
    install_numpy_example(tmp_path / "dist")
    import sys

    sys.path.insert(0, str(EXAMPLE_SRC))
    try:
        with installed(tmp_path / "dist"):
            from hwsdk.registry import get_registry

            yield get_registry()
    finally:
        sys.path.remove(str(EXAMPLE_SRC))


def test_kit_passes_and_covers_every_claim(tmp_path: Path) -> None:
    paths = install_numpy_example(tmp_path / "dist")
    done, summary = run_kit(tmp_path, paths, ["numpy"])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "hwsdk conformance for numpy" in done.stdout
    records = summary["records"]
    assert summary["targets"]["numpy"].get("failed", 0) == 0
    table = json.loads((EXAMPLE_SRC / "hwsdk_numpy_example" / "capabilities.json").read_text())
    claims = {(op, dt) for op, entry in table["ops"].items()
              for dt, s in entry["dtypes"].items() if s == "yes"}
    passed = {(r["op"], r["dtype"]) for r in records if r["kind"] == "op"
              and r["status"] == "passed" and r["cases"] > 0}
    assert claims == passed
    kinds = {r["kind"]: r["status"] for r in records if r["kind"] != "op"}
    assert kinds["capabilities"] == kinds["probe"] == kinds["targets"] == "passed"
    assert kinds["round_trip"] == kinds["errors"] == kinds["import"] == "passed"
    assert kinds["unavailable"] == "skipped"  # NumPy is present here


def test_check_refuses_nodes_over_the_memory_budget(numpy_target: Registry) -> None:
    from hwsdk_numpy_example import MAX_ELEMENTS

    from hwsdk.ir.dtypes import DType
    from hwsdk.ir.graph import Graph, Node, TensorType

    big = TensorType(DType.f32, (MAX_ELEMENTS + 1,))
    node = Node("n0", "relu", ["x"], {}, ["y"])
    graph = Graph(["x"], ["y"], [node], {"x": big, "y": big})
    verdict = numpy_target.check("numpy", node, graph)
    assert verdict is not None and not verdict.ok
    assert "in memory" in verdict.reason and verdict.code.value == "CONSTRAINT"
    small = Graph(["x"], ["y"], [node], {"x": TensorType(DType.f32, (3,)),
                                         "y": TensorType(DType.f32, (3,))})
    assert numpy_target.check("numpy", node, small) is None


def test_compile_errors_are_hwsdk_errors(numpy_target: Registry) -> None:
    from hwsdk.errors import CompileError
    from hwsdk.ir.dtypes import DType
    from hwsdk.ir.graph import Graph, Node, TensorType
    from hwsdk.plugin import Region

    t = TensorType(DType.bf16, (3,))
    node = Node("n0", "relu", ["x"], {}, ["y"])
    graph = Graph(["x"], ["y"], [node], {"x": t, "y": t})
    region = Region("r0", "numpy", graph, [node], ["x"], ["y"])
    with pytest.raises(CompileError, match="cannot represent bf16"):
        numpy_target.compile("numpy", region, {})
    f32 = TensorType(DType.f32, (3,))
    node = Node("n0", "softmax", ["x"], {"dim": 0}, ["y"])
    graph32 = Graph(["x"], ["y"], [node], {"x": f32, "y": f32})
    region32 = Region("r0", "numpy", graph32, [node], ["x"], ["y"])
    with pytest.raises(CompileError, match="NumPy has no softmax kernel"):
        numpy_target.compile("numpy", region32, {})


def test_outputs_share_memory_with_numpy(numpy_target: Registry) -> None:
    import torch

    from hwsdk.ir.dtypes import DType
    from hwsdk.ir.graph import Graph, Node, TensorType
    from hwsdk.plugin import Region

    t = TensorType(DType.f32, (2, 3))
    node = Node("n0", "abs", ["x"], {}, ["y"])
    graph = Graph(["x"], ["y"], [node], {"x": t, "y": t})
    compiled = numpy_target.compile("numpy", Region("r0", "numpy", graph, [node], ["x"], ["y"]),
                                    {})
    x = torch.rand(2, 3)
    (y,) = compiled.run([x], {})
    assert torch.equal(x, y) and y.data_ptr() != x.data_ptr()  # never an alias of an input
    assert compiled.details["engine"] == "NumPy"


@pytest.mark.parametrize("layout", ["transposed", "strided", "expanded", "zero_stride"])
@pytest.mark.parametrize("position", ["x", "y", "w"])
def test_every_layout_in_every_position(numpy_target: Registry, layout: str,
                                        position: str) -> None:
    """Issue 13: the engine reads strided, broadcast and zero-stride inputs and params
    (NumPy views keep the tensors alive), and outputs outlive the call."""
    import gc

    import torch

    from hwsdk.ir.dtypes import DType
    from hwsdk.ir.graph import Graph, Node, TensorType
    from hwsdk.plugin import Region
    from hwsdk.testing.inputs import relayout

    gen = torch.Generator().manual_seed(0)
    values = {"x": torch.randn(6, 8, generator=gen), "y": torch.randn(6, 8, generator=gen),
              "w": torch.randn(8, 8, generator=gen)}
    values[position] = relayout(values[position], layout)
    x, y, w = (values[k] for k in "xyw")
    t = TensorType(DType.f32, (6, 8))
    nodes = [Node("n0", "mul", ["x", "y"], {}, ["h"]),
             Node("n1", "linear", ["h", "w", ""], {}, ["out"])]
    graph = Graph(["x", "y"], ["out", "h"], nodes, {"x": t, "y": t, "h": t, "out": t,
                                                    "w": TensorType(DType.f32, (8, 8))},
                  ["w"], {"w": w})
    region = Region("r0", "numpy", graph, nodes, ["x", "y"], ["out", "h"], ["w"])
    compiled = numpy_target.compile("numpy", region, {})
    want = [torch.nn.functional.linear(x * y, w), x * y]
    runs = [compiled.run([x, y], {}) for _ in range(2)]
    del x, y, values
    gc.collect()
    junk = [torch.full((6, 8), 1e30) for _ in range(64)]
    for outs in runs:
        for got, expected in zip(outs, want, strict=True):
            torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    assert runs[0][0].data_ptr() != runs[1][0].data_ptr() and junk
