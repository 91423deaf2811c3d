"""The implicit-GEMM conv kernel (1-d, 2-d, 3-d) against eager PyTorch."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from tests.lower.triton.aot_check import ARCHS, compile_all
from tests.lower.triton.conftest import Build, check, families


def _conv(b: Build, x: str, w: str, bias: str = "", **attrs: Any) -> Any:
    n = b.types[x].rank - 2
    full = {"stride": [1] * n, "padding": [0] * n, "dilation": [1] * n, "groups": 1, **attrs}
    return b.op("conv", x, w, bias, **full)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
def test_conv2d_padded_with_bias(dtype: torch.dtype) -> None:
    b = Build()
    x = b.input(torch.randn(2, 3, 9, 11).to(dtype))
    w = b.input(torch.randn(5, 3, 3, 3).to(dtype) / 3, param=True)
    bias = b.input(torch.randn(5).to(dtype), param=True)
    compiled = check(b, [_conv(b, x, w, bias, padding=[1, 1])])
    assert families(compiled) == ["conv"]


@pytest.mark.parametrize(("stride", "padding", "dilation", "groups"), [
    ([2, 1], [0, 0], [1, 1], 2), ([1, 2], [2, 1], [2, 1], 1), ([3, 3], [1, 0], [1, 2], 4)])
def test_conv2d_strides_dilations_and_groups(stride: list[int], padding: list[int],
                                             dilation: list[int], groups: int) -> None:
    b = Build()
    x = b.input(torch.randn(2, 8, 10, 9))
    w = b.input(torch.randn(12, 8 // groups, 3, 2), param=True)
    check(b, [_conv(b, x, w, stride=stride, padding=padding, dilation=dilation,
                    groups=groups)])


def test_clip_patch_embedding_channels_last_input() -> None:
    """A ViT/CLIP patch embedding (kernel = stride = patch) on a channels-last view."""
    b = Build()
    x = b.input(torch.randn(2, 32, 32, 3).permute(0, 3, 1, 2))
    w = b.input(torch.randn(64, 3, 8, 8) / 8, param=True)
    check(b, [_conv(b, x, w, stride=[8, 8])])


def test_conv1d_and_conv3d() -> None:
    b = Build()
    x1 = b.input(torch.randn(2, 4, 17))
    w1 = b.input(torch.randn(6, 2, 5), param=True)
    x3 = b.input(torch.randn(1, 2, 5, 6, 4))
    w3 = b.input(torch.randn(3, 2, 3, 3, 2), param=True)
    bias = b.input(torch.randn(3), param=True)
    check(b, [_conv(b, x1, w1, padding=[2], groups=2),
              _conv(b, x3, w3, bias, padding=[1, 1, 0], stride=[1, 2, 1])])


def test_nan_in_the_input_and_an_empty_batch() -> None:
    b = Build()
    data = torch.randn(1, 2, 5, 7)
    data[0, 1, 2, 3] = float("nan")
    x = b.input(data)
    e = b.input(torch.randn(0, 2, 5, 7))
    w = b.input(torch.randn(3, 2, 3, 3), param=True)
    check(b, [_conv(b, x, w, padding=[1, 1]), _conv(b, e, w)])


def test_symbolic_spatial_size_is_refused() -> None:
    from hwsdk.ir.dtypes import DType
    from hwsdk.ir.graph import Graph, Node, TensorType
    from hwsdk.lower.triton import unsupported_reason

    types = {"x": TensorType(DType.f32, (1, 2, "s0", 5)),
             "w": TensorType(DType.f32, (3, 2, 3, 3)),
             "y": TensorType(DType.f32, (1, 3, "s0 - 2", 3))}
    node = Node("n0", "conv", ["x", "w", ""], {"stride": [1, 1], "padding": [0, 0],
                                              "dilation": [1, 1], "groups": 1}, ["y"])
    g = Graph(["x", "w"], ["y"], [node], types, [], {})
    assert "static" in str(unsupported_reason(node, g))


@pytest.mark.parametrize("arch", ARCHS)
def test_conv_compiles_ahead_of_time(arch: str) -> None:
    b = Build()
    x = b.input(torch.randn(2, 4, 9, 9).half())
    w = b.input(torch.randn(6, 2, 3, 3).half(), param=True)
    bias = b.input(torch.randn(6).half(), param=True)
    g = b.graph([_conv(b, x, w, bias, padding=[1, 1], groups=2)])
    assert len(compile_all(g, arch)) == 1
