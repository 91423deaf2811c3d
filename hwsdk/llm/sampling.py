"""Choosing the next token: the settings of one ``generate`` call and the logits pipeline.

The order and the arithmetic follow transformers' ``generate`` (its logits processors, then
its sampling warpers), so greedy decoding is token for token the same and sampling draws
from the same distribution: repetition penalty → min_new_tokens (stop tokens masked) →
temperature → top-k → top-p → argmax or a multinomial draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hwsdk.errors import InvalidArgumentError

__all__ = ["GenerationSettings", "settings_for", "next_tokens"]


@dataclass(frozen=True)
class GenerationSettings:
    """Everything that decides which tokens a ``generate`` call produces."""

    max_new_tokens: int
    min_new_tokens: int = 0
    do_sample: bool = False
    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0
    repetition_penalty: float = 1.0
    eos_token_ids: tuple[int, ...] = ()
    pad_token_id: int | None = None
    generator: Any = None

    def __post_init__(self) -> None:
        _check(isinstance(self.max_new_tokens, int) and self.max_new_tokens >= 1,
               f"max_new_tokens must be an int >= 1, got {self.max_new_tokens!r}")
        _check(isinstance(self.min_new_tokens, int) and self.min_new_tokens >= 0,
               f"min_new_tokens must be an int >= 0, got {self.min_new_tokens!r}")
        _check(isinstance(self.temperature, (int, float)) and self.temperature > 0,
               f"temperature must be > 0, got {self.temperature!r}; use do_sample=False for "
               "greedy decoding")
        _check(isinstance(self.top_k, int) and self.top_k >= 0,
               f"top_k must be an int >= 0 (0 turns it off), got {self.top_k!r}")
        _check(isinstance(self.top_p, (int, float)) and 0 < self.top_p <= 1,
               f"top_p must be in (0, 1], got {self.top_p!r}")
        _check(isinstance(self.repetition_penalty, (int, float))
               and self.repetition_penalty > 0,
               f"repetition_penalty must be > 0, got {self.repetition_penalty!r}")


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise InvalidArgumentError(message)


def _ids(value: Any) -> tuple[int, ...]:
    if value is None:
        return ()
    if isinstance(value, int):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(v, int) for v in value):
        return tuple(value)
    raise InvalidArgumentError(f"eos_token_id must be an int or a list of ints, got {value!r}")


def settings_for(generation_config: Any, **given: Any) -> GenerationSettings:
    """The settings of one call: what the caller gave, else the model's generation_config.

    :param generation_config: the model's ``transformers.GenerationConfig`` (or None).
    :param given: ``generate``'s keyword arguments; None means "not given".
    :raises InvalidArgumentError: for an unknown argument or a value out of range.
    """
    known = {"max_new_tokens", "min_new_tokens", "do_sample", "temperature", "top_k", "top_p",
             "repetition_penalty", "eos_token_id", "pad_token_id", "generator"}
    unknown = sorted(set(given) - known)
    if unknown:
        raise InvalidArgumentError(
            f"generate() does not take {', '.join(unknown)}; it takes {', '.join(sorted(known))}")

    def pick(name: str, default: Any) -> Any:
        value = given.get(name)
        if value is None:
            value = getattr(generation_config, name, None)
        return default if value is None else value

    do_sample = bool(pick("do_sample", False))
    eos = _ids(pick("eos_token_id", None))
    pad = pick("pad_token_id", None)
    max_new = given.get("max_new_tokens")
    if max_new is None:
        max_new = getattr(generation_config, "max_new_tokens", None) or 20
    return GenerationSettings(
        max_new_tokens=max_new, min_new_tokens=pick("min_new_tokens", 0), do_sample=do_sample,
        temperature=float(pick("temperature", 1.0)) if do_sample else 1.0,
        top_k=int(pick("top_k", 0)) if do_sample else 0,
        top_p=float(pick("top_p", 1.0)) if do_sample else 1.0,
        repetition_penalty=float(pick("repetition_penalty", 1.0)),
        eos_token_ids=eos, pad_token_id=pad if pad is not None else (eos[0] if eos else None),
        generator=given.get("generator"))


def next_tokens(logits: Any, sequences: Any, produced: int, settings: GenerationSettings) -> Any:
    """The next token of every sequence: ``[batch]`` int64.

    :param logits: ``[batch, vocab]`` float logits of the last position.
    :param sequences: ``[batch, length]`` every token so far (prompt included), for the
        repetition penalty.
    :param produced: how many new tokens each sequence has so far (for min_new_tokens).
    """
    import torch

    # stop ids beyond the vocabulary (a config's default eos id over a small vocab) can never
    # be produced, so there is nothing to hold back; transformers ignores them the same way
    held = [i for i in settings.eos_token_ids if 0 <= i < logits.shape[-1]]
    hold = produced < settings.min_new_tokens and bool(held)
    if (not settings.do_sample and settings.repetition_penalty == 1.0
            and logits.dtype == torch.float32 and logits.device.type == "cpu"):
        return _greedy(logits, held if hold else [])
    scores = logits.float()
    if settings.repetition_penalty != 1.0:
        picked = torch.gather(scores, 1, sequences)
        picked = torch.where(picked < 0, picked * settings.repetition_penalty,
                             picked / settings.repetition_penalty)
        scores = scores.scatter(1, sequences, picked)
    if hold:
        scores = scores.clone()
        scores[:, held] = -float("inf")
    if not settings.do_sample:
        return scores.argmax(dim=-1)
    if settings.temperature != 1.0:
        scores = scores / settings.temperature
    if settings.top_k > 0:
        k = min(settings.top_k, scores.shape[-1])
        kth = torch.topk(scores, k).values[..., -1, None]
        scores = scores.masked_fill(scores < kth, -float("inf"))
    if settings.top_p < 1.0:
        ordered, order = torch.sort(scores, descending=False)
        cumulative = ordered.softmax(dim=-1).cumsum(dim=-1)
        remove = cumulative <= (1 - settings.top_p)
        remove[..., -1:] = False
        scores = scores.masked_fill(remove.scatter(1, order, remove), -float("inf"))
    probs = scores.softmax(dim=-1)
    return torch.multinomial(probs, 1, generator=settings.generator).squeeze(1)


def _greedy(logits: Any, held: Sequence[int]) -> Any:
    """The argmax of every row of float32 CPU ``logits``, ``held`` ids excluded, as ``[batch]``
    int64: through NumPy, whose argmax is the same (the first maximum; a NaN counts as the
    maximum, as in torch) at a fifth of ``torch.argmax``'s cost on a 32000-entry row, where
    the sampling was a tenth of the time a decode step spent outside the engine."""
    import torch

    scores = logits.detach().numpy()
    if held:
        scores = scores.copy()
        scores[:, list(held)] = -float("inf")
    return torch.from_numpy(scores.argmax(axis=-1).astype("int64", copy=False))
