"""Fused elementwise/broadcast chains against the PyTorch references, in the interpreter."""

from __future__ import annotations

import pytest
import torch

from tests.lower.triton.conftest import Build, check, families

DTYPES = [torch.float32, torch.float16, torch.bfloat16]


@pytest.mark.parametrize("dtype", DTYPES)
def test_long_chain_with_broadcast_is_one_kernel(dtype: torch.dtype) -> None:
    b = Build()
    x = b.input(torch.randn(3, 7, 13).to(dtype))
    y = b.input(torch.randn(13).to(dtype))  # broadcast over the leading dims by index math
    z = b.op("sub", b.op("sigmoid", b.op("add", b.op("mul", x, y), scalar=1.5)),
             b.op("div", b.op("tanh", x), b.op("add", b.op("abs", y), scalar=1.0)))
    z = b.op("clamp", b.op("mul", b.op("exp", b.op("neg", z)),
                           b.op("rsqrt", b.op("add", b.op("mul", z, z), scalar=1.0))),
             min=-2.0, max=2.0)
    out = b.op("add", b.op("gelu", z), b.op("silu", z))
    out = b.op("add", out, b.op("pow", b.op("relu", b.op("neg", z)), scalar=2.0))
    out = b.op("gelu", out, approximate="tanh")
    compiled = check(b, [out])
    # abs(y) + 1 iterates over y's 13 elements: its own small kernel; the rest is one kernel.
    assert families(compiled) == ["pointwise", "pointwise"]
    assert compiled.details["max_ops_per_kernel"] == 21


def test_casts_round_like_eager() -> None:
    b = Build()
    x = b.input(torch.randn(5, 33))
    h = b.op("cast", b.op("mul", x, scalar=3.0), dtype="f16")
    bf = b.op("cast", b.op("add", b.op("cast", h, dtype="f32"), scalar=0.25), dtype="bf16")
    i = b.op("mul", b.op("cast", b.op("gt", x, scalar=0.1), dtype="i64"), scalar=2)
    compiled = check(b, [bf, i, h])
    assert families(compiled) == ["pointwise"]


def test_three_way_broadcast_with_where() -> None:
    b = Build()
    a, c, d = (b.input(torch.randn(*s)) for s in ((5, 1, 9), (1, 6, 1), (9,)))
    out = b.op("mul", b.op("where", b.op("gt", a, c), b.op("sub", a, d), b.op("maximum", c, d)),
               scalar=0.5)
    check(b, [out])


def test_views_feed_kernels_through_strides() -> None:
    b = Build()
    x = b.input(torch.randn(5, 7, 3))
    p = b.op("permute", x, dims=[2, 0, 1])  # a view: the kernel reads it with strides
    s = b.op("slice", x, dim=1, start=1, end=6, step=2)
    e = b.op("expand", b.op("unsqueeze", b.op("select", s, dim=2, index=0), dim=0),
             shape=[3, -1, -1])
    out = b.op("add", b.op("mul", p, scalar=2.0), b.op("exp", b.op("reshape", x, shape=[3, 5, 7])))
    out2 = b.op("add", e, e)
    compiled = check(b, [out, out2])
    assert compiled.details["num_view_steps"] >= 4


def test_integer_and_bool_ops() -> None:
    b = Build()
    i = b.input(torch.randint(0, 9, (4, 11)))
    j = b.input(torch.randint(0, 9, (11,)))
    both = b.op("logical_and", b.op("gt", i, scalar=3), b.op("le", j, scalar=5))
    out = b.op("logical_or", both, b.op("eq", i, j))
    check(b, [out, b.op("where", out, i, other=-1), b.op("add", i, j)])


def test_odd_sizes_span_several_programs() -> None:
    b = Build()
    x = b.input(torch.randn(3, 1031))  # > one BLOCK of 1024, not a multiple
    check(b, [b.op("log", b.op("add", b.op("abs", x), scalar=0.5))])


def test_rank0_values() -> None:
    b = Build()
    s = b.input(torch.tensor(1.5))
    x = b.input(torch.randn(4))
    check(b, [b.op("exp", s), b.op("mul", x, s)])


def test_bool_arithmetic_is_not_claimed() -> None:
    from hwsdk.ir.dtypes import DType
    from hwsdk.lower.triton.capabilities import op_table

    table = op_table({DType.f32: "yes"})
    assert table["add"].dtypes[DType.bool] == "no"  # int1 addition would wrap; torch ORs
    assert table["logical_and"].dtypes[DType.bool] == "yes"
    assert table["logical_not"].dtypes[DType.f32] == "no"  # the IR types it like its input
