"""Grouped-query attention lowers to ONNX without repeating the keys and values: each key/value
head's query groups are folded into the query rows, and the mask's rows tiled to match."""

from __future__ import annotations

import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

import torch  # noqa: E402

from hwsdk.ir.capture import capture  # noqa: E402
from hwsdk.lower.onnx import lower  # noqa: E402
from tests.lower.onnx.test_lowering import _run, check  # noqa: E402


class _Attention(torch.nn.Module):
    """6 query heads over 2 key/value heads, repeated as transformers' repeat_kv does or
    left to ``enable_gqa``."""

    def __init__(self, repeat_kv: bool, causal: bool = False) -> None:
        super().__init__()
        self.repeat_kv, self.causal = repeat_kv, causal

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        if self.repeat_kv:
            b, kv_heads, s, d = k.shape
            k = k[:, :, None].expand(b, kv_heads, 3, s, d).reshape(b, 3 * kv_heads, s, d)
            v = v[:, :, None].expand(b, kv_heads, 3, s, d).reshape(b, 3 * kv_heads, s, d)
        return torch.nn.functional.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, is_causal=self.causal, enable_gqa=not self.repeat_kv)


def _lowered_ops_and_output(model: torch.nn.Module, args: tuple[torch.Tensor, ...]
                            ) -> tuple[set[str], torch.Tensor]:
    graph = capture(model, args).graph
    lowered = lower(graph, graph.nodes, graph.inputs, graph.outputs)
    ops = {n.op_type for n in check(lowered.model).graph.node}
    (out,) = _run(lowered.model, dict(zip(graph.inputs, args, strict=True)))
    return ops, torch.from_numpy(out)


def _inputs(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(2, h, t, 8, generator=gen) for h, t in ((6, 4), (2, 5), (2, 5)))
    return q, k, v


@pytest.mark.parametrize("repeat_kv", [True, False])
@pytest.mark.parametrize("mask_shape", [None, (2, 1, 1, 5), (4, 5), (1, 4, 5), (2, 1, 4, 5)])
def test_grouped_attention_is_folded_with_no_repeated_keys(
        repeat_kv: bool, mask_shape: tuple[int, ...] | None) -> None:
    q, k, v = _inputs(0)
    args: tuple[torch.Tensor, ...] = (q, k, v)
    if mask_shape is not None:
        gen = torch.Generator().manual_seed(1)
        mask = torch.rand(mask_shape, generator=gen) > 0.4
        mask[..., 0] = True  # every row attends to something
        args = (q, k, v, mask)
    model = _Attention(repeat_kv)
    ops, out = _lowered_ops_and_output(model, args)
    assert "Expand" not in ops  # neither the keys nor the values are repeated
    assert ("Tile" in ops) == (mask_shape is not None and mask_shape[-2] == 4)
    torch.testing.assert_close(out, model(*args), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("repeat_kv", [True, False])
def test_causal_grouped_attention_tiles_its_causal_mask_and_equals_pytorch(
        repeat_kv: bool) -> None:
    q, k, v = _inputs(2)
    model = _Attention(repeat_kv, causal=True)
    ops, out = _lowered_ops_and_output(model, (q, k, v))
    assert "Expand" not in ops and "Tile" in ops
    torch.testing.assert_close(out, model(q, k, v), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("repeat_kv", [True, False])
def test_a_mask_per_head_keeps_the_repeated_form(repeat_kv: bool) -> None:
    # a head dim in the mask does not line up with folded rows: keys and values are repeated
    q, k, v = _inputs(3)
    mask = torch.rand(2, 6, 4, 5, generator=torch.Generator().manual_seed(4)) > 0.4
    mask[..., 0] = True
    model = _Attention(repeat_kv)
    ops, out = _lowered_ops_and_output(model, (q, k, v, mask))
    assert "Expand" in ops
    torch.testing.assert_close(out, model(q, k, v, mask), rtol=1e-5, atol=1e-5)


def test_a_query_row_with_nothing_to_attend_to_gives_zeros_when_folded() -> None:
    # a left-padding row: PyTorch's attention gives it zeros; the folded rows keep that
    q, k, v = _inputs(5)
    mask = torch.ones(2, 1, 4, 5, dtype=torch.bool)
    mask[1, :, 0] = False
    model = _Attention(repeat_kv=True)
    ops, out = _lowered_ops_and_output(model, (q, k, v, mask))
    assert "Expand" not in ops
    expected = model(q, k, v, mask)
    assert torch.equal(expected[1, :, 0], torch.zeros_like(expected[1, :, 0]))
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)
