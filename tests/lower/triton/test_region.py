"""TritonRegion.run with inputs and params of every layout, in every position (issue 13): the
kernels read strides, nothing is freed before a launch reads it, outputs outlive the call."""

from __future__ import annotations

import gc

import pytest

pytest.importorskip("triton")

import torch

from hwsdk.ir.dtypes import DType
from hwsdk.ir.graph import Graph, Node, TensorType
from hwsdk.lower.triton.region import compile_region
from hwsdk.plugin import Region
from hwsdk.testing.inputs import relayout


def _region(w: torch.Tensor) -> Region:
    t = TensorType(DType.f32, (6, 8))
    nodes = [Node("n0", "mul", ["x", "y"], {}, ["h"]), Node("n1", "add", ["h", "z"], {}, ["s"]),
             Node("n2", "linear", ["s", "w", ""], {}, ["m"]),
             Node("n3", "sum", ["m"], {"dims": [1], "keepdim": False}, ["out"])]
    graph = Graph(inputs=["x", "y", "z"], outputs=["out", "s"], nodes=nodes,
                  types={"x": t, "y": t, "z": TensorType(DType.f32, (8,)), "h": t, "s": t,
                         "w": TensorType(DType.f32, (8, 8)), "m": t,
                         "out": TensorType(DType.f32, (6,))},
                  params=["w"], param_data={"w": w})
    return Region("r0", "nvidia:sm_90", graph, nodes, ["x", "y", "z"], ["out", "s"], ["w"])


@pytest.mark.parametrize("layout", ["transposed", "strided", "expanded", "zero_stride"])
@pytest.mark.parametrize("position", ["x", "y", "z", "w"])
def test_every_layout_in_every_position(layout: str, position: str) -> None:
    gen = torch.Generator().manual_seed(0)
    values = {"x": torch.randn(6, 8, generator=gen), "y": torch.randn(6, 8, generator=gen),
              "z": torch.randn(8, generator=gen), "w": torch.randn(8, 8, generator=gen)}
    values[position] = relayout(values[position], layout)
    x, y, z, w = (values[k] for k in "xyzw")
    s = x * y + z
    want = [torch.nn.functional.linear(s, w).sum(1), s]
    compiled = compile_region(_region(w), "sm_90", "cuda", emulate=True, target="nvidia:sm_90")
    runs = [compiled.run([x, y, z], {}) for _ in range(2)]
    del x, y, z, values
    gc.collect()
    junk = [torch.full((6, 8), 1e30) for _ in range(64)]
    for outs in runs:
        for got, expected in zip(outs, want, strict=True):
            torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-4)
    assert runs[0][1].data_ptr() != runs[1][1].data_ptr() and junk
