"""Row kernels: reductions with prologue/epilogue, softmax, log_softmax, layer_norm, rms_norm."""

from __future__ import annotations

import pytest
import torch

from tests.lower.triton.conftest import Build, check, families

DTYPES = [torch.float32, torch.float16, torch.bfloat16]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_family_with_prologue(op: str, dtype: torch.dtype) -> None:
    b = Build()
    x = b.input(torch.randn(3, 5, 37).to(dtype) * 4)  # 37: not a power of two
    mask = b.input(torch.randn(37).to(dtype))
    out = b.op(op, b.op("add", b.op("mul", x, scalar=0.125), mask), dim=-1)
    compiled = check(b, [out])
    assert families(compiled) == ["row"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_layer_norm_with_residual_prologue_and_epilogue(dtype: torch.dtype) -> None:
    b = Build()
    x = b.input(torch.randn(2, 7, 48).to(dtype))
    r = b.input(torch.randn(2, 7, 48).to(dtype))
    w = b.input(torch.randn(48).to(dtype), param=True)
    bias = b.input(torch.randn(48).to(dtype), param=True)
    h = b.op("add", x, r)
    ln = b.op("layer_norm", h, w, bias, normalized_shape=[48], eps=1e-5)
    out = b.op("gelu", ln)
    compiled = check(b, [h, out])  # the residual sum is also an output
    assert families(compiled) == ["row"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_rms_norm_default_eps(dtype: torch.dtype) -> None:
    b = Build()
    x = b.input(torch.randn(4, 3, 20).to(dtype))
    w = b.input(torch.randn(3, 20).to(dtype), param=True)
    check(b, [b.op("rms_norm", x, w, normalized_shape=[3, 20], eps=None)])


def test_layer_norm_without_affine_over_two_dims() -> None:
    b = Build()
    x = b.input(torch.randn(3, 5, 6))
    check(b, [b.op("layer_norm", x, "", "", normalized_shape=[5, 6], eps=1e-6)])


@pytest.mark.parametrize("keepdim", [True, False])
def test_reductions_with_fused_prologue_and_epilogue(keepdim: bool) -> None:
    b = Build()
    x = b.input(torch.randn(6, 5, 19))
    sq = b.op("mul", x, x)
    s = b.op("sum", sq, dims=[2], keepdim=keepdim)
    m = b.op("mean", x, dims=[2], keepdim=keepdim)
    mx = b.op("amax", x, dims=[2], keepdim=keepdim)
    out = b.op("sqrt", b.op("add", b.op("sub", s, m), mx))
    compiled = check(b, [out, mx])
    assert families(compiled) == ["row"]


def test_manual_softmax_fuses_into_one_row_kernel() -> None:
    b = Build()
    x = b.input(torch.randn(4, 33))
    centered = b.op("sub", x, b.op("amax", x, dims=[1], keepdim=True))
    e = b.op("exp", centered)
    out = b.op("div", e, b.op("sum", e, dims=[1], keepdim=True))
    compiled = check(b, [out])
    assert families(compiled) == ["row"]
    assert compiled.program.kernels[0].ops == ["amax", "sub", "exp", "sum", "div"]


def test_full_reduction_and_many_rows() -> None:
    b = Build()
    x = b.input(torch.randn(300, 7))  # several programs of ROWS rows, last one partial
    y = b.input(torch.randn(5, 3))
    check(b, [b.op("sum", x, dims=[1]), b.op("mean", y, dims=[0, 1])])


def test_non_trailing_reduction_is_refused() -> None:
    from hwsdk.lower.triton import unsupported_reason

    b = Build()
    x = b.input(torch.randn(4, 5))
    b.op("sum", x, dims=[0])
    g = b.graph([b.nodes[-1].outputs[0]])
    assert "trailing" in str(unsupported_reason(g.nodes[0], g))


@pytest.mark.parametrize("keepdim", [True, False])
def test_argmax_first_maximum_first_nan_and_fused_prologue(keepdim: bool) -> None:
    b = Build()
    data = torch.randint(-3, 3, (6, 37)).float()  # ties: the first maximum wins
    data[1, 30] = float("nan")
    data[1, 31] = float("nan")
    data[2, :] = float("-inf")
    data[3, 4] = float("inf")
    x = b.input(data.t().contiguous().t())  # strided
    out = b.op("argmax", b.op("mul", x, scalar=2.0), dim=-1, keepdim=keepdim)
    compiled = check(b, [out])
    assert families(compiled) == ["row"]


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.float16, torch.bfloat16])
def test_argmax_of_integers_and_half_floats(dtype: torch.dtype) -> None:
    b = Build()
    if dtype.is_floating_point:
        data = torch.randn(4, 3, 9).to(dtype)
    else:
        info = torch.iinfo(dtype)
        data = torch.randint(-5, 5, (4, 3, 9), dtype=dtype)
        data[0, 0, :] = info.min  # a row of the dtype's minimum: index 0
        data[0, 1, 3] = info.max
    x = b.input(data)
    check(b, [b.op("argmax", x, dim=2), b.op("argmax", b.input(torch.zeros(0, 4)), dim=1)])


def test_argmax_over_a_leading_dim_is_refused() -> None:
    from hwsdk.lower.triton import unsupported_reason

    b = Build()
    x = b.input(torch.randn(4, 5))
    g = b.graph([b.op("argmax", x, dim=0)])
    assert "last dim" in str(unsupported_reason(g.nodes[0], g))


@pytest.mark.parametrize("arch", ["sm_90", "gfx942"])
def test_argmax_compiles_ahead_of_time(arch: str) -> None:
    from tests.lower.triton.aot_check import compile_all

    b = Build()
    x = b.input(torch.randn(4, 50).half())
    i = b.input(torch.randint(0, 9, (3, 7)))
    j = b.input(torch.randint(0, 9, (5, 7), dtype=torch.int32))
    outs = [b.op("argmax", v, dim=1) for v in (x, i, j)]
    assert len(compile_all(b.graph(outs), arch)) == 3
