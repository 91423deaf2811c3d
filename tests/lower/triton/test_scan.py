"""The cumsum scan kernel against eager PyTorch."""

from __future__ import annotations

import pytest
import torch

from tests.lower.triton.aot_check import ARCHS, compile_all
from tests.lower.triton.conftest import Build, check, families


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("dim", [0, 1, 2])
def test_cumsum_each_dim_of_a_permuted_view(dtype: torch.dtype, dim: int) -> None:
    b = Build()
    x = b.input(torch.randn(5, 37, 3).permute(1, 0, 2).to(dtype))  # (37, 5, 3), strided
    compiled = check(b, [b.op("cumsum", x, dim=dim)])
    assert families(compiled) == ["scan"]


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.bool])
def test_integer_and_bool_cumsum_sums_in_int64(dtype: torch.dtype) -> None:
    b = Build()
    data = torch.rand(4, 9) > 0.5 if dtype == torch.bool else torch.randint(-9, 9, (4, 9),
                                                                               dtype=dtype)
    x = b.input(data)
    out = b.op("cumsum", x, dim=1)
    assert b.types[out].dtype.value == "i64"
    check(b, [out, b.op("cumsum", x, dim=0, dtype="f32")])


def test_nan_propagates_and_0d_and_empty() -> None:
    b = Build()
    data = torch.randn(3, 8)
    data[1, 2] = float("nan")
    data[2, 5] = float("inf")
    x = b.input(data)
    s = b.input(torch.tensor(2.5))
    e = b.input(torch.zeros(0, 6))
    check(b, [b.op("cumsum", x, dim=1), b.op("cumsum", s, dim=0), b.op("cumsum", e, dim=1)])


def test_many_lines_share_programs_and_a_long_line_is_one_block() -> None:
    b = Build()
    x = b.input(torch.randn(300, 7))
    y = b.input(torch.rand(2, 5000))
    check(b, [b.op("cumsum", x, dim=1), b.op("cumsum", y, dim=1)])


def test_scan_longer_than_one_block_is_refused() -> None:
    from hwsdk.lower.triton import unsupported_reason

    b = Build()
    x = b.input(torch.randn(2, 20000))
    g = b.graph([b.op("cumsum", x, dim=1)])
    assert "one-pass limit" in str(unsupported_reason(g.nodes[0], g))


@pytest.mark.parametrize("arch", ARCHS)
def test_scan_compiles_ahead_of_time(arch: str) -> None:
    b = Build()
    x = b.input(torch.randn(4, 6, 5).half())
    i = b.input(torch.randint(0, 3, (4, 6)))
    assert len(compile_all(b.graph([b.op("cumsum", x, dim=1), b.op("cumsum", i, dim=1)]),
                           arch)) == 2
