"""compile_lm generates token for token what transformers' eager greedy generate does."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import hwsdk  # noqa: E402
from hwsdk.errors import InvalidArgumentError  # noqa: E402
from hwsdk.llm import LMModelError  # noqa: E402
from hwsdk.llm.families import build_family  # noqa: E402

MAX_CACHE = 64
NEW = 24


def _available(target: str) -> bool:
    from hwsdk.registry import get_registry

    return bool(get_registry().probe(target).available)


@pytest.fixture(scope="module")
def llama() -> object:
    return build_family("llama")


@pytest.fixture(scope="module", params=["torch", "cpu", "intel"])
def lm(request: pytest.FixtureRequest, llama: object) -> object:
    if not _available(request.param):
        pytest.skip(f"target {request.param} is not available here")
    return hwsdk.compile_lm(llama, target=request.param, max_cache_len=MAX_CACHE)


def _left_padded() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(3, 128, (3, 9), generator=g)
    mask = torch.ones(3, 9, dtype=torch.int64)
    mask[1, :4] = 0
    mask[2, :2] = 0
    return ids.masked_fill(mask == 0, 0), mask


def test_batch_1_matches_transformers(lm: object, llama: object) -> None:
    ids = torch.randint(3, 128, (1, 7), generator=torch.Generator().manual_seed(2))
    expected = llama.generate(ids, max_new_tokens=NEW, do_sample=False)
    assert torch.equal(lm.generate(ids, max_new_tokens=NEW), expected)


def test_left_padded_batch_matches_transformers(lm: object, llama: object) -> None:
    ids, mask = _left_padded()
    expected = llama.generate(ids, attention_mask=mask, max_new_tokens=NEW, do_sample=False,
                              pad_token_id=0)
    mine = lm.generate(ids, attention_mask=mask, max_new_tokens=NEW, pad_token_id=0)
    assert torch.equal(mine, expected)


def test_each_sequence_finishes_at_its_stop_token(lm: object, llama: object) -> None:
    ids, mask = _left_padded()
    free = llama.generate(ids, attention_mask=mask, max_new_tokens=8, do_sample=False,
                          pad_token_id=0)
    stop = int(free[0, 9 + 2])  # the third token of the first sequence
    expected = llama.generate(ids, attention_mask=mask, max_new_tokens=8, do_sample=False,
                              pad_token_id=0, eos_token_id=stop)
    mine = lm.generate(ids, attention_mask=mask, max_new_tokens=8, pad_token_id=0,
                       eos_token_id=stop)
    assert torch.equal(mine, expected)


def test_stream_yields_what_generate_returns(lm: object) -> None:
    ids = torch.randint(3, 128, (1, 5), generator=torch.Generator().manual_seed(4))
    streamed = list(lm.stream(ids, max_new_tokens=6))
    assert len(streamed) == 6 and all(t.shape == (1,) for t in streamed)
    assert torch.equal(torch.stack(streamed, 1), lm.generate(ids, max_new_tokens=6)[:, 5:])


def test_sampling_is_reproducible_with_a_generator(lm: object) -> None:
    ids = torch.randint(3, 128, (1, 5), generator=torch.Generator().manual_seed(5))

    def sample(seed: int) -> torch.Tensor:
        return lm.generate(ids, max_new_tokens=8, do_sample=True, temperature=0.8, top_k=20,
                           top_p=0.9, generator=torch.Generator().manual_seed(seed))

    assert torch.equal(sample(11), sample(11))


def test_any_prompt_length_reuses_the_one_compiled_graph(lm: object, llama: object) -> None:
    compiled = lm.compiled_step(1)
    for length in (1, 17, MAX_CACHE - 2):
        ids = torch.randint(3, 128, (1, length), generator=torch.Generator().manual_seed(length))
        expected = llama.generate(ids, max_new_tokens=2, do_sample=False)
        assert torch.equal(lm.generate(ids, max_new_tokens=2), expected)
    assert lm.compiled_step(1) is compiled


def test_prompt_beyond_the_cache_names_max_cache_len(lm: object) -> None:
    ids = torch.zeros(1, MAX_CACHE - 3, dtype=torch.int64)
    with pytest.raises(InvalidArgumentError, match=f"max_cache_len={MAX_CACHE}"):
        lm.generate(ids, max_new_tokens=4)


def test_right_padding_is_refused(lm: object) -> None:
    ids = torch.ones(2, 4, dtype=torch.int64)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])
    with pytest.raises(InvalidArgumentError, match="left"):
        lm.generate(ids, attention_mask=mask, max_new_tokens=2)


def test_plan_describes_the_shared_graph(lm: object) -> None:
    text = lm.plan.summary()
    assert "one graph serves prefill" in text and "coverage:" in text


def test_models_without_a_static_cache_get_a_reason() -> None:
    from transformers import T5Config, T5ForConditionalGeneration

    t5 = T5ForConditionalGeneration(T5Config(vocab_size=64, d_model=32, d_ff=64, num_layers=1,
                                             num_heads=2, d_kv=16))
    with pytest.raises(LMModelError, match="encoder-decoder"):
        hwsdk.compile_lm(t5, target="torch", max_cache_len=16)
    with pytest.raises(LMModelError, match="ForCausalLM"):
        hwsdk.compile_lm(torch.nn.Linear(2, 2), target="torch", max_cache_len=16)


def test_stands_in_for_the_model_in_transformers_generate(lm: object, llama: object) -> None:
    from transformers.generation.streamers import BaseStreamer

    class Recorder(BaseStreamer):
        def __init__(self) -> None:
            self.chunks: list[torch.Tensor] = []

        def put(self, value: torch.Tensor) -> None:
            self.chunks.append(value.clone())

        def end(self) -> None:
            self.chunks.append(torch.tensor([-1]))

    ids, mask = _left_padded()
    standin = lm.hf_model()
    assert standin.lm_head.weight is llama.lm_head.weight  # no second copy of the weights
    expected = llama.generate(ids, attention_mask=mask, max_new_tokens=6, do_sample=False,
                              pad_token_id=0, repetition_penalty=1.3)
    ids1 = ids[:1]
    recorder = Recorder()
    mine = standin.generate(ids, attention_mask=mask, max_new_tokens=6, do_sample=False,
                            pad_token_id=0, repetition_penalty=1.3)
    assert torch.equal(mine, expected)
    standin.generate(ids1, max_new_tokens=3, do_sample=False, streamer=recorder)
    assert len(recorder.chunks) == 1 + 3 + 1  # the prompt, one chunk per token, the end


def test_attention_reads_only_the_slots_in_use(lm: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """Slots beyond the attended span hold NaN: attention over the whole cache would turn every
    logit into NaN (a masked NaN still poisons softmax), so equal ids show each step attends
    over the slots in use (rounded up to SLOT_BUCKET) only."""
    from hwsdk.llm.compiled import SLOT_BUCKET, KVCache, attended_slots

    assert attended_slots(11, MAX_CACHE) == SLOT_BUCKET < MAX_CACHE
    ids = torch.randint(3, 128, (1, 5), generator=torch.Generator().manual_seed(3))
    expected = lm.generate(ids, max_new_tokens=6)  # 11 slots in use at most

    def poisoned(self: KVCache) -> None:
        for tensor in self.tensors:
            tensor.zero_()
            tensor[:, :, SLOT_BUCKET:] = float("nan")

    monkeypatch.setattr(KVCache, "reset", poisoned)
    assert torch.equal(lm.generate(ids, max_new_tokens=6), expected)
    for tensor in lm.cache(1).tensors:  # the module's other tests get a clean cache back
        tensor.zero_()


def test_the_attended_span_grows_in_buckets() -> None:
    from hwsdk.llm.compiled import SLOT_BUCKET, attended_slots

    assert [attended_slots(n, 80) for n in (1, SLOT_BUCKET, SLOT_BUCKET + 1, 79, 80)] == \
        [SLOT_BUCKET, SLOT_BUCKET, 2 * SLOT_BUCKET, 80, 80]


def test_a_new_generation_clears_exactly_the_slots_the_last_one_wrote(lm: object) -> None:
    """reset() zeroes only the slots written since the last reset (not the whole cache), and
    that is all of them: after a long generation the cache is zeros again everywhere, and a
    shorter one after it gives what it gives on a fresh cache."""
    g = torch.Generator().manual_seed(5)
    short = torch.randint(3, 128, (1, 4), generator=g)
    long = torch.randint(3, 128, (1, 7), generator=g)
    expected = lm.generate(short, max_new_tokens=5)
    lm.generate(long, max_new_tokens=30)  # 37 slots: beyond the short run's first bucket
    cache = lm.cache(1)
    assert cache.used == 7 + 30 - 1  # the last token is sampled, never written
    cache.reset()
    assert cache.used == 0
    assert all(not bool(t.any()) for t in cache.tensors)
    lm.generate(long, max_new_tokens=30)
    assert torch.equal(lm.generate(short, max_new_tokens=5), expected)
