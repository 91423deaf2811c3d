"""The generation loop: prefill once, then one decode step per new token.

The loop knows nothing of engines. It calls ``step.prefill(input_ids, attention_mask)`` and
then ``step.decode(tokens)`` once per new token, each returning ``[batch, vocab]`` logits of
the last position, where the step owns the KV cache and the positions
(:class:`~hwsdk.llm.runner.StepRunner`). Batches of different prompt lengths come left-padded
with an attention mask, as transformers' ``generate`` takes them; positions are counted over
the real tokens only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from hwsdk.errors import InvalidArgumentError
from hwsdk.llm.sampling import GenerationSettings, next_tokens

__all__ = ["Step", "generation_steps", "check_prompt", "positions_of", "cache_mask_of"]


class Step(Protocol):
    """What the loop runs: a prompt, then one token per sequence at a time."""

    def prefill(self, input_ids: Any, attention_mask: Any) -> Any:
        """``[batch, vocab]`` logits of the prompt's last position."""

    def decode(self, tokens: Any) -> Any:
        """``[batch, vocab]`` logits after one new token per sequence (``[batch]``)."""


def check_prompt(input_ids: Any, attention_mask: Any, max_cache_len: int,
                 settings: GenerationSettings) -> tuple[Any, Any]:
    """``(input_ids, attention_mask)`` checked: int64 ``[batch, prompt]`` and a 0/1 mask.

    :raises InvalidArgumentError: for a wrong type, shape or dtype, or when prompt plus
        ``max_new_tokens`` does not fit in ``max_cache_len``.
    """
    import torch

    if not isinstance(input_ids, torch.Tensor) or input_ids.dim() != 2:
        raise InvalidArgumentError(
            "input_ids must be a [batch, prompt_length] LongTensor (a tokenizer's "
            f"return_tensors='pt' output), got {getattr(input_ids, 'shape', type(input_ids))}")
    if input_ids.dtype not in (torch.int64, torch.int32) or input_ids.numel() == 0:
        raise InvalidArgumentError(
            f"input_ids must hold at least one integer token id, got {input_ids.dtype} "
            f"{list(input_ids.shape)}")
    input_ids = input_ids.to(torch.int64)
    if attention_mask is None:
        attention_mask = torch.ones_like(input_ids)
    if not isinstance(attention_mask, torch.Tensor) or attention_mask.shape != input_ids.shape:
        raise InvalidArgumentError(
            f"attention_mask must have input_ids' shape {list(input_ids.shape)}, got "
            f"{getattr(attention_mask, 'shape', type(attention_mask))}")
    attention_mask = attention_mask.to(torch.int64)
    if bool((attention_mask[:, -1] == 0).any()):
        raise InvalidArgumentError(
            "the prompt is right-padded (attention_mask ends in 0); pad on the left "
            "(tokenizer.padding_side = 'left'), as decoder-only generation needs")
    needed = input_ids.shape[1] + settings.max_new_tokens
    if needed > max_cache_len:
        raise InvalidArgumentError(
            f"prompt length {input_ids.shape[1]} + max_new_tokens {settings.max_new_tokens} = "
            f"{needed} exceeds max_cache_len={max_cache_len}; compile with a larger "
            "max_cache_len or ask for fewer tokens")
    return input_ids, attention_mask


def positions_of(attention_mask: Any) -> Any:
    """Position ids counted over the real tokens, as transformers' generate counts them
    (``cumsum(mask) - 1``; padding positions get 1)."""
    positions = attention_mask.long().cumsum(-1) - 1
    return positions.masked_fill(attention_mask == 0, 1)


def cache_mask_of(attention_mask: Any, max_cache_len: int) -> Any:
    """``[batch, max_cache_len]`` int64: the 0/1 mask of the tokens so far, then empty slots."""
    import torch

    mask = torch.zeros(attention_mask.shape[0], max_cache_len, dtype=torch.int64)
    mask[:, :attention_mask.shape[1]] = attention_mask
    return mask


def generation_steps(step: Step, input_ids: Any, attention_mask: Any,
                     settings: GenerationSettings) -> Iterator[Any]:
    """Yield each step's new token ids (``[batch]`` int64) as they are produced.

    Finished sequences (an EOS token seen) get ``pad_token_id`` from then on; the loop ends
    when every sequence has finished or ``max_new_tokens`` were produced.
    """
    import torch

    batch, prompt = input_ids.shape
    logits = step.prefill(input_ids, attention_mask)
    # every token so far (for the repetition penalty), written in place: no copy per step
    sequences = torch.empty(batch, prompt + settings.max_new_tokens, dtype=torch.int64)
    sequences[:, :prompt] = input_ids
    eos = set(settings.eos_token_ids)
    # plain Python per sequence: a step's few tokens cost less to test here than in torch ops
    unfinished = [True] * batch
    for produced in range(settings.max_new_tokens):
        tokens = next_tokens(logits, sequences[:, :prompt + produced], produced, settings)
        if settings.pad_token_id is not None and not all(unfinished):
            tokens = torch.where(torch.tensor(unfinished), tokens, settings.pad_token_id)
        sequences[:, prompt + produced] = tokens
        yield tokens
        if eos:
            unfinished = [alive and token not in eos
                          for alive, token in zip(unfinished, tokens.tolist(), strict=True)]
        if produced + 1 == settings.max_new_tokens or not any(unfinished):
            return
        logits = step.decode(tokens)
