"""Kernels that move values: embedding, index_select, gather and cat, against eager PyTorch."""

from __future__ import annotations

import pytest
import torch

from tests.lower.triton.aot_check import ARCHS, compile_all
from tests.lower.triton.conftest import Build, check, families

DTYPES = [torch.float32, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.bool]


def _data(shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    if dtype == torch.bool:
        return torch.rand(shape) > 0.5
    if not dtype.is_floating_point:
        return torch.randint(-50, 50, shape, dtype=dtype)
    return torch.randn(shape).to(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_embedding_rows_in_every_moved_dtype(dtype: torch.dtype) -> None:
    b = Build()
    w = b.input(_data((10, 6), dtype), param=True)
    i = b.input(torch.randint(0, 10, (3, 5)))
    compiled = check(b, [b.op("embedding", w, i)])
    assert families(compiled) == ["gather"]


def test_embedding_strided_weight_and_indices_nan_and_0d() -> None:
    b = Build()
    weight = torch.randn(6, 10).t()  # a transposed view: not contiguous
    weight[3, 2] = float("nan")
    w = b.input(weight, param=True)
    i = b.input(torch.tensor([[3, 1, 3, 9], [0, 0, 5, 2]]).t())  # non-contiguous indices
    scalar = b.input(torch.tensor(3))  # 0-d index: one row
    check(b, [b.op("embedding", w, i), b.op("embedding", w, scalar)])


def test_embedding_of_no_indices_and_fused_consumer() -> None:
    b = Build()
    w = b.input(torch.randn(7, 4), param=True)
    none = b.input(torch.zeros(0, 5, dtype=torch.int64))
    i = b.input(torch.randint(0, 7, (2, 3)))
    scaled = b.op("mul", b.op("embedding", w, i), scalar=8.0)  # Gemma's scaled embedding
    compiled = check(b, [b.op("embedding", w, none), scaled])
    assert sorted(families(compiled)) == ["gather", "gather", "pointwise"]


def test_out_of_range_index_reads_zero_instead_of_faulting() -> None:
    """PyTorch raises IndexError; the kernel masks the load (stated in the capability note)."""
    from tests.lower.triton.conftest import lower_graph

    b = Build()
    w = b.input(torch.randn(4, 3), param=True)
    i = b.input(torch.tensor([1, 4, -1]))
    g = b.graph([b.op("embedding", w, i)])
    (out,) = lower_graph(g).run([b.data[i]], {})
    assert torch.equal(out[0], b.data[w][1]) and not out[1:].any()


@pytest.mark.parametrize("dim", [0, 1, 2])
def test_index_select_each_dim_of_a_permuted_view(dim: int) -> None:
    b = Build()
    x = b.input(torch.randn(5, 4, 6).permute(2, 0, 1))  # shape (6, 5, 4), strided
    n = b.types[x].shape[dim]
    i = b.input(torch.tensor([n - 1, 0, 2, 0]))
    check(b, [b.op("index_select", x, i, dim=dim)])


@pytest.mark.parametrize("dtype", DTYPES)
def test_index_select_dtypes_0d_index_and_empty_index(dtype: torch.dtype) -> None:
    b = Build()
    x = b.input(_data((3, 5), dtype))
    i = b.input(torch.tensor([4, 1]))
    one = b.input(torch.tensor(2))
    none = b.input(torch.zeros(0, dtype=torch.int64))
    check(b, [b.op("index_select", x, i, dim=1), b.op("index_select", x, one, dim=0),
              b.op("index_select", x, none, dim=1)])


@pytest.mark.parametrize("dim", [0, 1])
def test_gather_index_smaller_than_source_with_nan(dim: int) -> None:
    b = Build()
    data = torch.randn(4, 6)
    data[1, 2] = float("nan")
    x = b.input(data)
    shape = (3, 5) if dim == 0 else (4, 3)
    i = b.input(torch.randint(0, data.shape[dim], shape))
    check(b, [b.op("gather", x, i, dim=dim)])


@pytest.mark.parametrize("dtype", DTYPES)
def test_gather_dtypes_transposed_and_0d(dtype: torch.dtype) -> None:
    b = Build()
    x = b.input(_data((5, 3), dtype).t())
    i = b.input(torch.randint(0, 3, (5, 2)).t())
    s = b.input(_data((), dtype))
    zero = b.input(torch.tensor(0))
    check(b, [b.op("gather", x, i, dim=0), b.op("gather", s, zero, dim=0)])


@pytest.mark.parametrize("dtype", DTYPES)
def test_cat_three_inputs_along_the_last_dim(dtype: torch.dtype) -> None:
    b = Build()
    parts = [b.input(_data((3, n), dtype)) for n in (2, 5, 1)]
    compiled = check(b, [b.op("cat", *parts, dim=1)])
    assert families(compiled) == ["cat"]


def test_cat_of_views_with_an_empty_input_and_nan() -> None:
    b = Build()
    past = b.input(torch.zeros(1, 2, 0, 4))  # an empty KV cache
    new = torch.randn(1, 2, 4, 3).transpose(2, 3)  # strided view, shape (1, 2, 3, 4)
    new[0, 1, 2, 0] = float("nan")
    x = b.input(new)
    check(b, [b.op("cat", past, x, dim=2), b.op("cat", x, x, dim=0)])


def test_rotary_half_rotation_is_one_cat_and_one_pointwise() -> None:
    b = Build()
    x = b.input(torch.randn(2, 4, 7, 8))
    x1 = b.op("slice", x, dim=3, start=0, end=4, step=1)
    x2 = b.op("slice", x, dim=3, start=4, end=8, step=1)
    rot = b.op("cat", b.op("neg", x2), x1, dim=-1 % 4)
    compiled = check(b, [rot])
    assert families(compiled) == ["pointwise", "cat"]


def test_cat_of_mixed_dtypes_is_refused_with_the_fix() -> None:
    from hwsdk.lower.triton import unsupported_reason

    b = Build()
    x = b.input(torch.randn(2, 3))
    y = b.input(torch.randn(2, 3).half())
    g = b.graph([b.op("cat", x, y, dim=0)])
    assert "cast the inputs" in str(unsupported_reason(g.nodes[0], g))


@pytest.mark.parametrize("arch", ARCHS)
def test_moving_kernels_compile_ahead_of_time(arch: str) -> None:
    b = Build()
    w = b.input(torch.randn(10, 4).half(), param=True)
    i = b.input(torch.randint(0, 10, (3, 5)))
    x = b.input(torch.randn(3, 5))
    j = b.input(torch.randint(0, 5, (3, 2)))
    outs = [b.op("embedding", w, i), b.op("index_select", x, b.input(torch.tensor([1, 0])),
                                         dim=1),
            b.op("gather", x, j, dim=1), b.op("cat", x, b.input(torch.randn(3, 2)), dim=1)]
    assert len(compile_all(b.graph(outs), arch)) == 4


# --- index_copy ------------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [0, 1, 2])
def test_index_copy_each_dim_of_strided_views(dim: int) -> None:
    b = Build()
    x = b.input(torch.randn(5, 4, 6).permute(2, 0, 1))  # shape (6, 5, 4), strided
    n = b.types[x].shape[dim]
    i = b.input(torch.tensor([n - 1, 0, 2]))
    shape = [6, 5, 4]
    shape[dim] = 3
    src = torch.randn(*reversed(shape)).permute(2, 1, 0)  # non-contiguous source
    s = b.input(src)
    compiled = check(b, [b.op("index_copy", x, i, s, dim=dim)])
    assert families(compiled) == ["index_copy"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_index_copy_dtypes_with_nan_and_empty_index(dtype: torch.dtype) -> None:
    b = Build()
    data = _data((3, 5), dtype)
    new = _data((3, 2), dtype)
    if dtype.is_floating_point:
        data[0, 0], new[1, 1] = float("nan"), float("nan")
    x = b.input(data)
    i = b.input(torch.tensor([4, 0]))
    s = b.input(new)
    none = b.input(torch.zeros(0, dtype=torch.int64))
    nothing = b.input(_data((0, 5), dtype))
    check(b, [b.op("index_copy", x, i, s, dim=1), b.op("index_copy", x, none, nothing, dim=0)])


@pytest.mark.parametrize("dtype", [torch.float8_e4m3fn, torch.float8_e5m2])
def test_index_copy_moves_fp8_bits(dtype: torch.dtype) -> None:
    """PyTorch has no fp8 index_copy on CPU (the kit skips it): compare the bytes instead."""
    from tests.lower.triton.conftest import lower_graph

    b = Build()
    base, source = torch.randn(4, 3).to(dtype), torch.randn(2, 3).to(dtype)
    index = torch.tensor([3, 0])
    x, i, s = b.input(base), b.input(index), b.input(source)
    g = b.graph([b.op("index_copy", x, i, s, dim=0)])
    (out,) = lower_graph(g).run([b.data[v] for v in g.inputs], {})
    expected = base.view(torch.uint8).index_copy(0, index, source.view(torch.uint8))
    assert out.dtype == dtype and torch.equal(out.view(torch.uint8), expected)


def test_index_copy_0d_and_kv_cache_write_feeding_a_kernel() -> None:
    b = Build()
    one = b.input(torch.tensor(1.5))
    zero = b.input(torch.tensor(0))
    val = b.input(torch.tensor(-2.0))
    cache = b.input(torch.zeros(1, 2, 6, 4))
    slots = b.input(torch.tensor([3, 4]))
    new = b.input(torch.randn(1, 2, 4, 2).transpose(2, 3))  # (1, 2, 2, 4), strided
    written = b.op("index_copy", cache, slots, new, dim=2)
    compiled = check(b, [b.op("index_copy", one, zero, val, dim=0),
                         b.op("mul", written, scalar=2.0)])
    assert sorted(families(compiled)) == ["index_copy", "index_copy", "pointwise"]


def test_index_copy_duplicate_indices_last_write_wins() -> None:
    """PyTorch leaves duplicates undefined; the kernel takes the last (stated in the note)."""
    from tests.lower.triton.conftest import lower_graph

    b = Build()
    x = b.input(torch.zeros(4, 3))
    index = torch.tensor([2, 0, 2, 2, 0])
    source = torch.arange(15.0).reshape(5, 3)
    i, s = b.input(index), b.input(source)
    g = b.graph([b.op("index_copy", x, i, s, dim=0)])
    (out,) = lower_graph(g).run([b.data[v] for v in g.inputs], {})
    expected = torch.zeros(4, 3)
    expected[0], expected[2] = source[4], source[3]
    assert torch.equal(out, expected)


def test_index_copy_out_of_range_index_writes_nothing() -> None:
    """PyTorch raises IndexError; the kernel drops the slice (stated in the capability note)."""
    from tests.lower.triton.conftest import lower_graph

    b = Build()
    base = torch.randn(4, 3)
    source = torch.randn(3, 3)
    x, i, s = b.input(base), b.input(torch.tensor([1, 4, -1])), b.input(source)
    g = b.graph([b.op("index_copy", x, i, s, dim=0)])
    (out,) = lower_graph(g).run([b.data[v] for v in g.inputs], {})
    expected = base.clone()
    expected[1] = source[0]
    assert torch.equal(out, expected)


def test_index_copy_refusals_say_what_to_do() -> None:
    from hwsdk.lower.triton import unsupported_reason

    b = Build()
    x = b.input(torch.randn(4, 3))
    half = b.input(torch.randn(2, 3).half())
    i = b.input(torch.tensor([0, 1]))
    big = b.input(torch.zeros(2, 1))
    b.types[big] = b.TensorType(b.types[big].dtype, (2, 65535 * 1024 + 1))
    src = b.input(torch.zeros(1, 1))
    b.types[src] = b.TensorType(b.types[src].dtype, (1, 65535 * 1024 + 1))
    one = b.input(torch.tensor([1]))
    g = b.graph([b.op("index_copy", x, i, half, dim=0), b.op("index_copy", big, one, src, dim=0)])
    assert "cast the source" in str(unsupported_reason(g.nodes[0], g))
    assert "programs on the grid's second axis" in str(unsupported_reason(g.nodes[1], g))


@pytest.mark.parametrize("arch", ARCHS)
def test_index_copy_compiles_ahead_of_time(arch: str) -> None:
    b = Build()
    cache = b.input(torch.zeros(1, 2, 6, 4).half())
    slots = b.input(torch.tensor([3, 4]))
    new = b.input(torch.randn(1, 2, 2, 4).half())
    b.types[cache] = b.TensorType(b.types[cache].dtype, (1, 2, "kv", 4))  # as compile_lm's
    b.types[slots] = b.TensorType(b.types[slots].dtype, ("tokens",))
    b.types[new] = b.TensorType(b.types[new].dtype, (1, 2, "tokens", 4))
    flag = b.input(torch.rand(3, 5) > 0.5)
    outs = [b.op("index_copy", cache, slots, new, dim=2),
            b.op("index_copy", flag, b.input(torch.tensor([1])), b.input(torch.ones(3, 1) > 0),
                 dim=1)]
    assert len(compile_all(b.graph(outs), arch)) == 2


def test_index_copy_with_symbolic_slots_and_tokens_serves_prefill_and_decode() -> None:
    """compile_lm's step graph: cache [1, 2, kv, 4] and ``tokens`` new slots, both symbolic."""
    from tests.lower.triton.conftest import lower_graph

    b = Build()
    cache = b.input(torch.zeros(1, 2, 3, 4))
    slots = b.input(torch.tensor([0, 1]))
    new = b.input(torch.zeros(1, 2, 2, 4))
    b.types[cache] = b.TensorType(b.types[cache].dtype, (1, 2, "kv", 4))
    b.types[slots] = b.TensorType(b.types[slots].dtype, ("tokens",))
    b.types[new] = b.TensorType(b.types[new].dtype, (1, 2, "tokens", 4))
    compiled = lower_graph(b.graph([b.op("index_copy", cache, slots, new, dim=2)]))
    # more new tokens than one BLOCK_I step (128) takes the index scan round its loop
    for kv, positions in ((7, [2, 3, 4, 5, 6]), (7, [6]), (160, list(range(1, 160)))):
        feeds = [torch.randn(1, 2, kv, 4), torch.tensor(positions),
                 torch.randn(1, len(positions), 2, 4).transpose(1, 2)]  # strided source
        (out,) = compiled.run(feeds, {"kv": kv, "tokens": len(positions)})
        assert torch.equal(out, feeds[0].index_copy(2, feeds[1], feeds[2]))
