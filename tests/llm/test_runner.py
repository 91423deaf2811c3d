"""StepRunner: decode from preallocated inputs equals the general step; the cache is written
once, by the engine where it writes in place, else by the runner."""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import hwsdk  # noqa: E402
from hwsdk.llm.families import build_family  # noqa: E402
from hwsdk.llm.loop import cache_mask_of, positions_of  # noqa: E402

MAX_CACHE = 40


@pytest.fixture(scope="module")
def llama() -> Any:
    return build_family("llama")


def _prompt() -> tuple[Any, Any]:
    ids = torch.randint(3, 128, (2, 6), generator=torch.Generator().manual_seed(1))
    mask = torch.ones_like(ids)
    mask[1, :2] = 0  # left padding
    return ids, mask


@pytest.mark.parametrize("target, options", [("cpu", {}), ("cpu", {"cache_attention": False}),
                                             ("torch", {})])
def test_decode_equals_the_general_step_and_writes_the_cache_once(
        llama: Any, target: str, options: dict[str, Any]) -> None:
    lm = hwsdk.compile_lm(llama, target=target, max_cache_len=MAX_CACHE, **options)
    ids, mask = _prompt()
    runner = lm._step_for(2)
    in_place = target == "cpu" and options.get("cache_attention", True) is not False
    cache_inputs = set(range(4, 4 + len(lm.cache(2).tensors)))
    assert (lm.compiled_step(2).cache_inputs_written() >= cache_inputs) == in_place
    writes = []
    write = lm.cache(2).write
    lm.cache(2).write = lambda *a: writes.append(1) or write(*a)  # type: ignore[method-assign]
    tokens = torch.tensor([5, 9])
    lm.cache(2).reset()
    runner.prefill(ids, mask)
    fast = [runner.decode(tokens), runner.decode(tokens + 1)]
    fast_cache = [t.clone() for t in lm.cache(2).tensors]
    assert len(writes) == (0 if in_place else 3)
    # the same steps through the general call: mask, positions and slots built per call
    lm.cache(2).reset()
    cache_mask = cache_mask_of(mask, MAX_CACHE)
    positions = positions_of(mask)
    runner(ids, positions, torch.arange(6), cache_mask)
    general = []
    for k, step_tokens in enumerate((tokens, tokens + 1)):
        cache_mask[:, 6 + k] = 1
        general.append(runner(step_tokens[:, None], positions[:, -1:] + 1 + k,
                              torch.tensor([6 + k]), cache_mask))
    for a, b in zip(fast, general, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    for a, b in zip(fast_cache, lm.cache(2).tensors, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert lm.cache(2).used == 8


def test_decode_past_the_cache_names_max_cache_len(llama: Any) -> None:
    lm = hwsdk.compile_lm(llama, target="torch", max_cache_len=8)
    runner = lm._step_for(1)
    lm.cache(1).reset()
    runner.prefill(torch.tensor([[4, 5, 6, 7, 8, 9, 10]]), torch.ones(1, 7, dtype=torch.int64))
    runner.decode(torch.tensor([3]))
    with pytest.raises(hwsdk.InvalidArgumentError, match="max_cache_len=8"):
        runner.decode(torch.tensor([3]))
