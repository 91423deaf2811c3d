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
