"""KVCache: one stacked tensor when keys and values share a head size, else one per layer."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from hwsdk.llm.compiled import KVCache  # noqa: E402
from hwsdk.llm.step import CacheLayout  # noqa: E402


@pytest.mark.parametrize("value_dim", [8, 6])
def test_write_then_reset_matches_per_tensor_index_copy(value_dim: int) -> None:
    layout = CacheLayout(layers=3, kv_heads=2, key_dim=8, value_dim=value_dim, max_cache_len=10)
    cache = KVCache(layout, batch=2, dtype=torch.float32)
    assert (cache.storage is not None) == (value_dim == 8) == layout.stacked
    expected = [torch.zeros(shape) for shape in layout.shapes(2)]
    for position in (torch.arange(0, 4), torch.tensor([4]), torch.tensor([5])):
        new = [torch.randn(s[0], s[1], len(position), s[3]) for s in layout.shapes(2)]
        for tensor, update in zip(expected, new, strict=True):
            tensor.index_copy_(2, position, update)
        cache.write(position, [torch.stack(new)] if layout.stacked else new)
        assert all(torch.equal(a, b) for a, b in zip(cache.tensors, expected, strict=True))
    if cache.storage is not None:  # the per-layer tensors are the stacked tensor's memory
        assert cache.tensors[1].data_ptr() == cache.storage[1].data_ptr()
        assert all(t.is_contiguous() for t in cache.tensors)
    assert cache.used == 6
    cache.reset()
    assert cache.used == 0 and not any(bool(t.any()) for t in cache.tensors)
