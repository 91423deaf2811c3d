"""The next-token pipeline against transformers' own logits processors and warpers."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
generation = pytest.importorskip("transformers.generation.logits_process")

from hwsdk.errors import InvalidArgumentError  # noqa: E402
from hwsdk.llm.sampling import GenerationSettings, next_tokens, settings_for  # noqa: E402


def _logits() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(3)
    return torch.randn(4, 50, generator=g) * 3, torch.randint(0, 50, (4, 7), generator=g)


def test_greedy_is_argmax() -> None:
    logits, seqs = _logits()
    settings = GenerationSettings(max_new_tokens=1)
    assert torch.equal(next_tokens(logits, seqs, 0, settings), logits.argmax(-1))


def test_greedy_matches_torch_argmax_on_ties_nan_inf_and_strided_logits() -> None:
    nan, inf = float("nan"), float("inf")
    rows = torch.tensor([[1.0, nan, 3.0, nan], [2.0, 2.0, 1.0, 0.0], [-inf] * 4,
                         [0.0, inf, inf, 1.0]])
    strided = torch.randn(8, 50).t()[:, ::2]  # non-contiguous, [50, 4]
    settings = GenerationSettings(max_new_tokens=4, min_new_tokens=2, eos_token_ids=(1,))
    for logits in (rows, strided, torch.randn(3, 32000)):
        held = logits.clone()
        held[:, 1] = -inf
        seqs = torch.zeros(logits.shape[0], 1, dtype=torch.int64)
        got = next_tokens(logits, seqs, 0, settings)
        assert got.dtype == torch.int64
        assert torch.equal(got, held.argmax(-1))  # stop id held back before min_new_tokens
        assert torch.equal(next_tokens(logits, seqs, 2, settings), logits.argmax(-1))
    assert torch.isnan(rows[0, 1]) and rows[1, 1] == 2.0  # the caller's logits are untouched


def test_repetition_penalty_matches_transformers() -> None:
    logits, seqs = _logits()
    settings = GenerationSettings(max_new_tokens=1, repetition_penalty=1.7)
    expected = generation.RepetitionPenaltyLogitsProcessor(1.7)(seqs, logits.clone()).argmax(-1)
    assert torch.equal(next_tokens(logits, seqs, 0, settings), expected)


def _warped(logits: torch.Tensor, temperature: float, top_k: int, top_p: float) -> torch.Tensor:
    scores = generation.TemperatureLogitsWarper(temperature)(None, logits.clone())
    scores = generation.TopKLogitsWarper(top_k)(None, scores)
    return generation.TopPLogitsWarper(top_p)(None, scores)


@pytest.mark.parametrize(("temperature", "top_k", "top_p"),
                         [(0.7, 50, 1.0), (1.3, 5, 1.0), (1.0, 0, 0.8), (0.7, 10, 0.9)])
def test_sampling_draws_from_transformers_distribution(temperature: float, top_k: int,
                                                       top_p: float) -> None:
    logits, seqs = _logits()
    settings = GenerationSettings(max_new_tokens=1, do_sample=True, temperature=temperature,
                                  top_k=top_k, top_p=top_p,
                                  generator=torch.Generator().manual_seed(9))
    allowed = torch.isfinite(_warped(logits, temperature, top_k or 50, top_p))
    expected = torch.multinomial(_warped(logits, temperature, top_k or 50, top_p).softmax(-1),
                                 1, generator=torch.Generator().manual_seed(9)).squeeze(1)
    drawn = next_tokens(logits, seqs, 0, settings)
    assert torch.equal(drawn, expected)
    assert bool(allowed.gather(1, drawn[:, None]).all())


def test_top_k_one_is_greedy() -> None:
    logits, seqs = _logits()
    settings = GenerationSettings(max_new_tokens=1, do_sample=True, top_k=1,
                                  generator=torch.Generator().manual_seed(0))
    assert torch.equal(next_tokens(logits, seqs, 0, settings), logits.argmax(-1))


def test_min_new_tokens_masks_stop_tokens() -> None:
    logits, seqs = _logits()
    stop = int(logits[0].argmax())
    settings = GenerationSettings(max_new_tokens=4, min_new_tokens=2, eos_token_ids=(stop,))
    assert int(next_tokens(logits, seqs, 1, settings)[0]) != stop
    assert int(next_tokens(logits, seqs, 2, settings)[0]) == stop


def test_min_new_tokens_ignores_stop_ids_beyond_the_vocabulary() -> None:
    # Phi3Config's default eos id (32000) over a small test vocab: it can never be produced,
    # so min_new_tokens has nothing to hold back there, as in transformers
    logits, seqs = _logits()
    stop = int(logits[0].argmax())
    settings = GenerationSettings(max_new_tokens=4, min_new_tokens=2,
                                  eos_token_ids=(32000, stop))
    assert int(next_tokens(logits, seqs, 1, settings)[0]) != stop
    processor = generation.MinNewTokensLengthLogitsProcessor(7, 2, [32000, stop])
    expected = processor(seqs, logits.clone()).argmax(dim=-1)
    assert torch.equal(next_tokens(logits, seqs, 1, settings), expected)


class _Config:
    eos_token_id = (5, 6)
    pad_token_id = None
    do_sample = True
    temperature = 0.5
    top_k = 20
    top_p = None
    max_new_tokens = None


def test_settings_fall_back_to_generation_config() -> None:
    settings = settings_for(_Config(), max_new_tokens=3, top_p=0.5)
    assert settings.eos_token_ids == (5, 6) and settings.pad_token_id == 5
    assert (settings.temperature, settings.top_k, settings.top_p) == (0.5, 20, 0.5)
    assert settings_for(_Config(), do_sample=False).max_new_tokens == 20


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"max_new_tokens": 0}, "max_new_tokens"), ({"temperature": 0.0, "do_sample": True},
                                                "temperature"),
    ({"top_p": 1.5, "do_sample": True}, "top_p"), ({"beams": 4}, "does not take beams"),
    ({"eos_token_id": "x"}, "eos_token_id"),
])
def test_bad_settings_say_what_is_wrong(kwargs: dict, fragment: str) -> None:
    with pytest.raises(InvalidArgumentError, match=fragment):
        settings_for(None, **kwargs)
