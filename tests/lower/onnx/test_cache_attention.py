"""Attention over a KV cache written at consecutive positions lowers to ONNX Runtime's
GroupQueryAttention, equal to PyTorch's attention; calls it cannot take are refused."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")

import hwsdk  # noqa: E402
from hwsdk.lower.onnx.cache_attention import check_cache_call  # noqa: E402

SLOTS, KV_HEADS, HEADS, SIZE = 13, 2, 4, 8


class _CachedAttention(torch.nn.Module):
    """One layer of an LLM step: the new keys and values written into the cache slice in
    use, repeated as transformers' repeat_kv does, then masked attention."""

    def forward(self, q: torch.Tensor, k_new: torch.Tensor, v_new: torch.Tensor,
                positions: torch.Tensor, mask: torch.Tensor, k_cache: torch.Tensor,
                v_cache: torch.Tensor) -> torch.Tensor:
        kv = mask.shape[-1]
        keys = k_cache[:, :, :kv].index_copy(2, positions, k_new)
        values = v_cache[:, :, :kv].index_copy(2, positions, v_new)
        b, h, s, d = keys.shape
        keys = keys[:, :, None].expand(b, h, 2, s, d).reshape(b, 2 * h, s, d)
        values = values[:, :, None].expand(b, h, 2, s, d).reshape(b, 2 * h, s, d)
        return torch.nn.functional.scaled_dot_product_attention(q, keys, values, attn_mask=mask)


def _call(first: int, tokens: int, span: int, batch: int = 2, seed: int = 0
          ) -> tuple[torch.Tensor, ...]:
    gen = torch.Generator().manual_seed(seed)
    q = torch.randn(batch, HEADS, tokens, SIZE, generator=gen)
    k_new, v_new = (torch.randn(batch, KV_HEADS, tokens, SIZE, generator=gen) for _ in "kv")
    caches = [torch.randn(batch, KV_HEADS, SLOTS, SIZE, generator=gen) for _ in "kv"]
    positions = torch.arange(first, first + tokens)
    slots = torch.arange(span)
    mask = (slots[None, :] <= positions[:, None])[None, None].expand(batch, 1, tokens, span)
    mask = mask.clone()
    if batch > 1:
        mask[1, :, :, :2] = False  # sequence 1 is left-padded by two slots
    if first == 0 and batch > 1:
        mask[1, :, :2] = False  # and its padding queries may attend to nothing
    return q, k_new, v_new, positions, mask, *caches


def _compiled(option: object, batch: int = 2) -> Any:
    example = _call(0, 3, 4, batch=batch)
    dims = {"tokens": torch.export.Dim("tokens", min=1, max=SLOTS - 1),
            "kv": torch.export.Dim("kv", min=1, max=SLOTS - 1)}
    dynamic = ({2: dims["tokens"]}, {2: dims["tokens"]}, {2: dims["tokens"]},
               {0: dims["tokens"]}, {2: dims["tokens"], 3: dims["kv"]}, None, None)
    return hwsdk.compile(_CachedAttention(), example, target="cpu", dynamic_shapes=dynamic,
                         cache_attention=option)


@pytest.mark.parametrize("option", [True, "in_place"])
def test_cache_attention_is_one_group_query_attention_equal_to_pytorch(option: object) -> None:
    by_batch = {batch: _compiled(option, batch) for batch in (1, 2)}
    for compiled in by_batch.values():
        (region,) = [s.runner for s in compiled.steps]
        assert "1 attention node(s) over the KV cache as GroupQueryAttention" in \
            region.details["cache_attention"]
    # prefill, decode, a chunk of tokens after cached ones (ONNX Runtime: at batch size 1)
    for first, tokens, span, batch in ((0, 5, 8, 2), (5, 1, 8, 2), (8, 3, 12, 1)):
        compiled = by_batch[batch]
        args = _call(first, tokens, span, batch=batch, seed=first)
        expected = _CachedAttention()(*args)
        caches = [c.clone() for c in args[5:]]
        out = compiled(*args)
        torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)
        if batch > 1 and first == 0:  # sequence 1's padding queries get zeros, as in PyTorch
            assert torch.equal(out[1, :, :2], torch.zeros_like(out[1, :, :2]))
        for cache, before, new in zip(args[5:], caches, args[1:3], strict=True):
            if option == "in_place":  # the new tokens are written where they lie
                before[:, :, first:first + tokens] = new
            assert torch.equal(cache, before)


def test_cache_attention_off_keeps_the_op_by_op_form() -> None:
    compiled = _compiled(False)
    (region,) = [s.runner for s in compiled.steps]
    assert "cache_attention" not in region.details
    args = _call(2, 3, 8)
    args[3][:] = torch.tensor([2, 5, 3])  # any positions: this form takes them
    torch.testing.assert_close(compiled(*args), _CachedAttention()(*args), rtol=1e-5,
                               atol=1e-5)


def test_a_call_the_fused_attention_cannot_take_is_refused_with_what_to_do() -> None:
    compiled = _compiled(True)
    args = list(_call(2, 3, 8))
    args[3] = torch.tensor([2, 5, 3])
    with pytest.raises(hwsdk.InvalidArgumentError, match=r"not consecutive.*cache_attention"):
        compiled(*args)
    with pytest.raises(hwsdk.InvalidArgumentError, match=r"batch size 2.*cache_attention"):
        compiled(*_call(8, 3, 12, batch=2))


def test_check_cache_call_names_what_breaks_the_fused_form() -> None:
    positions = torch.tensor([3, 4])
    causal = torch.arange(8)[None, :] <= positions[:, None]
    assert check_cache_call(positions, causal[None, None]) is None
    assert "not consecutive" in str(check_cache_call(torch.tensor([3, 5]), causal[None, None]))
    later = causal.clone()
    later[0, 4] = True  # the first query may see the second's slot
    assert "after its own" in str(check_cache_call(positions, later[None, None]))
    stale = causal.clone()
    stale[:, 7] = True  # a slot past every query's own
    assert "after its own" in str(check_cache_call(positions, stale[None, None]))


def test_check_cache_call_on_a_decode_step_looks_past_its_one_position() -> None:
    mask = torch.zeros(2, 1, 1, 8, dtype=torch.bool)
    mask[:, :, :, :4] = True  # slots 0-3: the cache and the new token at slot 3
    assert check_cache_call(torch.tensor([3]), mask) is None
    mask[1, :, :, 6] = True  # a stale slot after it
    assert "after its own" in str(check_cache_call(torch.tensor([3]), mask))


class _CacheReadTwice(_CachedAttention):
    """The key cache is read again after attention: writing into it would change that."""

    def forward(self, q: torch.Tensor, k_new: torch.Tensor, v_new: torch.Tensor,
                positions: torch.Tensor, mask: torch.Tensor, k_cache: torch.Tensor,
                v_cache: torch.Tensor) -> torch.Tensor:
        out = super().forward(q, k_new, v_new, positions, mask, k_cache, v_cache)
        return out + k_cache[:, :1, :1, :1]


def test_a_cache_read_elsewhere_is_not_written_in_place() -> None:
    example = _call(0, 3, 4)
    tokens = torch.export.Dim("tokens", min=1, max=SLOTS - 1)
    kv = torch.export.Dim("kv", min=1, max=SLOTS - 1)
    dynamic = ({2: tokens}, {2: tokens}, {2: tokens}, {0: tokens}, {2: tokens, 3: kv},
               None, None)
    compiled = hwsdk.compile(_CacheReadTwice(), example, target="cpu", dynamic_shapes=dynamic,
                             cache_attention="in_place")
    args = _call(0, 5, 8)
    before = [c.clone() for c in args[5:]]
    torch.testing.assert_close(compiled(*args), _CacheReadTwice()(*args), rtol=1e-5,
                               atol=1e-5)
    for cache, kept in zip(args[5:], before, strict=True):
        assert torch.equal(cache, kept)
