"""Matmul kernels (matmul/bmm, linear, addmm) with fused epilogues, tiles per arch."""

from __future__ import annotations

import pytest
import torch

from tests.lower.triton.conftest import Build, check, families

DTYPES = [torch.float32, torch.float16, torch.bfloat16]


@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_bias_activation_residual_is_one_kernel(dtype: torch.dtype) -> None:
    b = Build()
    x = b.input(torch.randn(2, 9, 24).to(dtype))  # M = 9 per batch, K = 24, N = 40
    w = b.input((torch.randn(40, 24) / 5).to(dtype), param=True)
    bias = b.input(torch.randn(40).to(dtype), param=True)
    res = b.input(torch.randn(2, 9, 40).to(dtype))
    out = b.op("add", b.op("gelu", b.op("linear", x, w, bias)), res)
    compiled = check(b, [out])
    assert families(compiled) == ["matmul"]
    assert compiled.program.kernels[0].ops == ["linear", "gelu", "add"]


@pytest.mark.parametrize("arch", ["sm_80", "sm_90", "gfx942"])
def test_addmm_with_reshape_epilogue(arch: str) -> None:
    b = Build()
    a = b.input(torch.randn(33, 17))
    w = b.input(torch.randn(17, 70) / 4, param=True)
    bias = b.input(torch.randn(70), param=True)
    h = b.op("reshape", b.op("addmm", bias, a, w), shape=[3, 11, 70])
    out = b.op("mul", b.op("tanh", h), scalar=0.5)
    compiled = check(b, [out], arch=arch)
    assert families(compiled) == ["matmul"]


def test_batched_matmul_with_broadcast_and_transposed_operand() -> None:
    b = Build()
    q = b.input(torch.randn(2, 3, 5, 8))
    k = b.input(torch.randn(3, 7, 8))  # broadcast over the leading batch dim
    kt = b.op("permute", k, dims=[0, 2, 1])  # a view read through strides
    scores = b.op("mul", b.op("matmul", q, kt), scalar=0.35)
    check(b, [scores])


def test_tiles_follow_the_arch_table() -> None:
    from hwsdk.lower.triton.arch import matmul_tiles
    from tests.lower.triton.conftest import lower_graph

    b = Build()
    a = b.input(torch.randn(300, 200))
    w = b.input(torch.randn(200, 260), param=True)
    out = b.op("matmul", a, w)
    g = b.graph([out])
    for arch in ("sm_80", "sm_90", "gfx942"):
        from hwsdk.lower.triton import build_program

        spec = build_program(g, g.nodes, g.inputs, g.outputs, arch).kernels[0]
        tiles = matmul_tiles(arch)
        assert spec.constexprs["BLOCK_K"] == tiles.block_k
        assert spec.num_warps == tiles.num_warps and spec.num_stages == tiles.num_stages
    assert lower_graph(g).program.kernels[0].family == "matmul"
