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


@pytest.mark.parametrize("dtype", DTYPES)
def test_residual_layer_norm_joins_the_matmul_epilogue(dtype: torch.dtype) -> None:
    b = Build()
    x = b.input(torch.randn(2, 9, 24).to(dtype))
    w = b.input((torch.randn(40, 24) / 5).to(dtype), param=True)
    bias = b.input(torch.randn(40).to(dtype), param=True)
    res = b.input(torch.randn(2, 9, 40).to(dtype))
    g = b.input(torch.randn(40).to(dtype), param=True)
    h = b.op("add", b.op("linear", x, w, bias), res)
    ln = b.op("layer_norm", h, g, "", normalized_shape=[40], eps=1e-5)
    compiled = check(b, [h, ln])
    assert families(compiled) == ["matmul"]
    assert compiled.program.kernels[0].ops == ["linear", "add", "layer_norm"]


def test_row_reductions_in_the_matmul_epilogue() -> None:
    b = Build()
    a = b.input(torch.randn(37, 20))
    w = b.input(torch.randn(20, 30), param=True)
    h = b.op("reshape", b.op("matmul", a, w), shape=[37, 30])
    s = b.op("sum", h, dims=[1], keepdim=True)
    centered = b.op("sub", h, b.op("div", s, scalar=30.0))
    sm = b.op("softmax", centered, dim=-1)
    compiled = check(b, [sm, s, b.op("amax", centered, dims=[1])])
    assert families(compiled) == ["matmul"]


def test_wide_rows_stay_a_separate_row_kernel() -> None:
    b = Build()
    a = b.input(torch.randn(5, 16))
    w = b.input(torch.randn(16, 300), param=True)  # 300 > 256 columns: not one tile
    out = b.op("softmax", b.op("matmul", a, w), dim=-1)
    assert families(check(b, [out])) == ["matmul", "row"]


@pytest.mark.parametrize("arch", ["sm_90", "gfx942"])
def test_matmul_with_row_epilogue_compiles(arch: str) -> None:
    from hwsdk.lower.triton import build_program
    from hwsdk.lower.triton.aot import _compile_kernel, kernel_signature
    from hwsdk.lower.triton.loader import load_module

    b = Build()
    x = b.input(torch.randn(16, 64))
    w = b.input(torch.randn(96, 64), param=True)
    out = b.op("layer_norm", b.op("gelu", b.op("linear", x, w, "")), "", "",
               normalized_shape=[96], eps=1e-5)
    g = b.graph([out])
    program = build_program(g, g.nodes, g.inputs, g.outputs, arch)
    assert [k.family for k in program.kernels] == ["matmul"]
    spec = program.kernels[0]
    ck = _compile_kernel(spec, load_module(program.source, emulate=False),
                         kernel_signature(spec, g.types), arch)
    assert ck.metadata.name == spec.name
